-- The ten-table store schema (SQLite). Money in integer cents, discounts in basis points.
CREATE TABLE categories (
    category_id INTEGER NOT NULL PRIMARY KEY,
    category_name VARCHAR(255) NOT NULL
);
CREATE UNIQUE INDEX ux_categories_name ON categories (category_name);

CREATE TABLE brands (
    brand_id INTEGER NOT NULL PRIMARY KEY,
    brand_name VARCHAR(255) NOT NULL
);
CREATE UNIQUE INDEX ux_brands_name ON brands (brand_name);

CREATE TABLE products (
    product_id INTEGER NOT NULL PRIMARY KEY,
    product_name VARCHAR(255) NOT NULL,
    brand_id INTEGER NOT NULL REFERENCES brands (brand_id),
    category_id INTEGER NOT NULL REFERENCES categories (category_id),
    model_year INTEGER NOT NULL,
    list_price_cents BIGINT NOT NULL CHECK (list_price_cents >= 0)
);
CREATE INDEX idx_products_brand ON products (brand_id);
CREATE INDEX idx_products_category ON products (category_id);
CREATE INDEX idx_products_name ON products (product_name);

CREATE TABLE stores (
    store_id INTEGER NOT NULL PRIMARY KEY,
    store_name VARCHAR(255) NOT NULL,
    phone VARCHAR(25),
    email VARCHAR(255),
    street VARCHAR(255),
    city VARCHAR(255),
    state VARCHAR(10),
    zip_code VARCHAR(10)
);
CREATE UNIQUE INDEX ux_stores_name ON stores (store_name);

CREATE TABLE staffs (
    staff_id INTEGER NOT NULL PRIMARY KEY,
    first_name VARCHAR(50) NOT NULL,
    last_name VARCHAR(50) NOT NULL,
    email VARCHAR(255) NOT NULL,
    phone VARCHAR(25),
    active BOOLEAN NOT NULL,
    store_id INTEGER NOT NULL REFERENCES stores (store_id),
    manager_id INTEGER REFERENCES staffs (staff_id)
);
CREATE UNIQUE INDEX ux_staffs_email ON staffs (email);
CREATE INDEX idx_staffs_store ON staffs (store_id);
CREATE INDEX idx_staffs_manager ON staffs (manager_id);

CREATE TABLE stocks (
    store_id INTEGER NOT NULL REFERENCES stores (store_id),
    product_id INTEGER NOT NULL REFERENCES products (product_id),
    quantity INTEGER NOT NULL,
    PRIMARY KEY (store_id, product_id)
);
CREATE INDEX idx_stocks_product ON stocks (product_id);

CREATE TABLE customers (
    customer_id INTEGER NOT NULL PRIMARY KEY,
    first_name VARCHAR(255) NOT NULL,
    last_name VARCHAR(255) NOT NULL,
    phone VARCHAR(25),
    email VARCHAR(255) NOT NULL,
    street VARCHAR(255),
    city VARCHAR(50),
    state VARCHAR(25),
    zip_code VARCHAR(10)
);
CREATE INDEX idx_customers_last_name ON customers (last_name);
CREATE INDEX idx_customers_email ON customers (email);

CREATE TABLE orders (
    order_id INTEGER NOT NULL PRIMARY KEY,
    customer_id INTEGER REFERENCES customers (customer_id),
    order_status SMALLINT NOT NULL CHECK (order_status BETWEEN 1 AND 4),
    order_date DATE NOT NULL,
    required_date DATE NOT NULL,
    shipped_date DATE,
    store_id INTEGER NOT NULL REFERENCES stores (store_id),
    staff_id INTEGER NOT NULL REFERENCES staffs (staff_id)
);
CREATE INDEX idx_orders_customer ON orders (customer_id);
CREATE INDEX idx_orders_store ON orders (store_id);
CREATE INDEX idx_orders_staff ON orders (staff_id);
CREATE INDEX idx_orders_date ON orders (order_date);
CREATE INDEX idx_orders_status ON orders (order_status);

CREATE TABLE order_items (
    order_id INTEGER NOT NULL REFERENCES orders (order_id) ON DELETE CASCADE,
    item_id INTEGER NOT NULL,
    product_id INTEGER NOT NULL REFERENCES products (product_id),
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    list_price_cents BIGINT NOT NULL CHECK (list_price_cents >= 0),
    discount_bp INTEGER NOT NULL CHECK (discount_bp BETWEEN 0 AND 10000),
    PRIMARY KEY (order_id, item_id)
);
CREATE INDEX idx_order_items_product ON order_items (product_id);

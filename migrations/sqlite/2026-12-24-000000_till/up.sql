-- Payments, returns and the end of the day (README "The till"), and each store's own time zone.

-- An IANA name (`Australia/Sydney`); empty means the chain's default zone, `chain_settings`
-- `default_time_zone`, which is the zone of the machine that first ran this migration.
ALTER TABLE stores ADD COLUMN time_zone VARCHAR(64);
CREATE TABLE chain_settings (
    name VARCHAR(64) NOT NULL PRIMARY KEY,
    value VARCHAR(255) NOT NULL
);

-- A day close (Z): one per store and business day, numbered per store, never changed; its
-- figures are the payments it closed (payments.close_id).
CREATE TABLE day_closes (
    close_id INTEGER NOT NULL PRIMARY KEY,
    store_id INTEGER NOT NULL REFERENCES stores (store_id),
    business_day DATE NOT NULL,
    number INTEGER NOT NULL,
    float_cents BIGINT NOT NULL,
    counted_cents BIGINT NOT NULL,
    expected_cents BIGINT NOT NULL,
    closed_at BIGINT NOT NULL,
    actor VARCHAR(128) NOT NULL
);
CREATE UNIQUE INDEX ux_day_closes_day ON day_closes (store_id, business_day);
CREATE UNIQUE INDEX ux_day_closes_number ON day_closes (store_id, number);

-- Units a customer brought back, and what was refunded for them.
CREATE TABLE order_returns (
    return_id INTEGER NOT NULL PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders (order_id),
    store_id INTEGER NOT NULL REFERENCES stores (store_id),
    return_date DATE NOT NULL,
    refund_cents BIGINT NOT NULL,
    tender VARCHAR(8) NOT NULL,
    restocked BOOLEAN NOT NULL,
    at BIGINT NOT NULL,
    actor VARCHAR(128) NOT NULL
);
CREATE INDEX idx_order_returns_order ON order_returns (order_id);
CREATE INDEX idx_order_returns_store_date ON order_returns (store_id, return_date);
CREATE TABLE return_lines (
    return_id INTEGER NOT NULL REFERENCES order_returns (return_id),
    item_id INTEGER NOT NULL,
    order_id INTEGER NOT NULL,
    product_id INTEGER NOT NULL REFERENCES products (product_id),
    quantity INTEGER NOT NULL,
    refund_cents BIGINT NOT NULL,
    PRIMARY KEY (return_id, item_id),
    FOREIGN KEY (order_id) REFERENCES orders (order_id)
);
CREATE INDEX idx_return_lines_item ON return_lines (order_id, item_id);
CREATE INDEX idx_return_lines_product ON return_lines (product_id);

-- Money taken (positive) and refunded (negative) by tender. A cash payment records what was
-- handed over (the change is what that exceeds the amount by); a day close takes every
-- payment of its store not yet closed.
CREATE TABLE payments (
    payment_id INTEGER NOT NULL PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders (order_id),
    return_id INTEGER REFERENCES order_returns (return_id),
    store_id INTEGER NOT NULL REFERENCES stores (store_id),
    tender VARCHAR(8) NOT NULL,
    amount_cents BIGINT NOT NULL,
    tendered_cents BIGINT NOT NULL,
    close_id INTEGER REFERENCES day_closes (close_id),
    at BIGINT NOT NULL,
    actor VARCHAR(128) NOT NULL
);
CREATE INDEX idx_payments_order ON payments (order_id);
CREATE INDEX idx_payments_return ON payments (return_id);
CREATE INDEX idx_payments_open ON payments (store_id, close_id);
CREATE INDEX idx_payments_close ON payments (close_id);

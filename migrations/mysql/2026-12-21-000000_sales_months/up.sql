-- Monthly sales totals the Dashboard reads instead of every order line (derived data; see
-- src/store/sales_summary.rs): the months summed so far, the lines of orders not rejected
-- by month, store and staff member and by month, store and product, and one row that whoever
-- sums or forgets months updates first, so the two never interleave.
CREATE TABLE sales_months (
    month VARCHAR(7) NOT NULL PRIMARY KEY
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE sales_by_staff (
    month VARCHAR(7) NOT NULL,
    store_id INTEGER NOT NULL,
    staff_id INTEGER NOT NULL,
    items BIGINT NOT NULL,
    cents BIGINT NOT NULL,
    PRIMARY KEY (month, store_id, staff_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE sales_by_product (
    month VARCHAR(7) NOT NULL,
    store_id INTEGER NOT NULL,
    product_id INTEGER NOT NULL,
    items BIGINT NOT NULL,
    cents BIGINT NOT NULL,
    PRIMARY KEY (month, store_id, product_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE sales_summary_lock (
    id INTEGER NOT NULL PRIMARY KEY,
    changes BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
INSERT INTO sales_summary_lock (id, changes) VALUES (1, 0);

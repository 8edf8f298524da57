-- Payments, returns and the end of the day (README "The till"), and each store's own time zone.

-- An IANA name (`Australia/Sydney`); empty means the chain's default zone, `chain_settings`
-- `default_time_zone`, which is the zone of the machine that first ran this migration.
ALTER TABLE stores ADD COLUMN time_zone VARCHAR(64);
CREATE TABLE chain_settings (
    name VARCHAR(64) NOT NULL PRIMARY KEY,
    value VARCHAR(255) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A day close (Z): one per store and business day, numbered per store, never changed; its
-- figures are the payments it closed (payments.close_id).
CREATE TABLE day_closes (
    close_id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    store_id INT NOT NULL,
    business_day DATE NOT NULL,
    number INT NOT NULL,
    float_cents BIGINT NOT NULL,
    counted_cents BIGINT NOT NULL,
    expected_cents BIGINT NOT NULL,
    closed_at BIGINT NOT NULL,
    actor VARCHAR(128) NOT NULL,
    UNIQUE INDEX ux_day_closes_day (store_id, business_day),
    UNIQUE INDEX ux_day_closes_number (store_id, number),
    CONSTRAINT fk_day_closes_store FOREIGN KEY (store_id) REFERENCES stores (store_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Units a customer brought back, and what was refunded for them.
CREATE TABLE order_returns (
    return_id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    order_id INT NOT NULL,
    store_id INT NOT NULL,
    return_date DATE NOT NULL,
    refund_cents BIGINT NOT NULL,
    tender VARCHAR(8) NOT NULL,
    restocked BOOLEAN NOT NULL,
    at BIGINT NOT NULL,
    actor VARCHAR(128) NOT NULL,
    INDEX idx_order_returns_order (order_id),
    INDEX idx_order_returns_store_date (store_id, return_date),
    CONSTRAINT fk_order_returns_order FOREIGN KEY (order_id) REFERENCES orders (order_id),
    CONSTRAINT fk_order_returns_store FOREIGN KEY (store_id) REFERENCES stores (store_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE return_lines (
    return_id INT NOT NULL,
    item_id INT NOT NULL,
    order_id INT NOT NULL,
    product_id INT NOT NULL,
    quantity INT NOT NULL,
    refund_cents BIGINT NOT NULL,
    PRIMARY KEY (return_id, item_id),
    INDEX idx_return_lines_item (order_id, item_id),
    INDEX idx_return_lines_product (product_id),
    CONSTRAINT fk_return_lines_return FOREIGN KEY (return_id) REFERENCES order_returns (return_id),
    CONSTRAINT fk_return_lines_product FOREIGN KEY (product_id) REFERENCES products (product_id),
    CONSTRAINT fk_return_lines_order FOREIGN KEY (order_id) REFERENCES orders (order_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Money taken (positive) and refunded (negative) by tender. A cash payment records what was
-- handed over (the change is what that exceeds the amount by); a day close takes every
-- payment of its store not yet closed.
CREATE TABLE payments (
    payment_id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    order_id INT NOT NULL,
    return_id INT,
    store_id INT NOT NULL,
    tender VARCHAR(8) NOT NULL,
    amount_cents BIGINT NOT NULL,
    tendered_cents BIGINT NOT NULL,
    close_id INT,
    at BIGINT NOT NULL,
    actor VARCHAR(128) NOT NULL,
    INDEX idx_payments_order (order_id),
    INDEX idx_payments_return (return_id),
    INDEX idx_payments_open (store_id, close_id),
    INDEX idx_payments_close (close_id),
    CONSTRAINT fk_payments_order FOREIGN KEY (order_id) REFERENCES orders (order_id),
    CONSTRAINT fk_payments_return FOREIGN KEY (return_id) REFERENCES order_returns (return_id),
    CONSTRAINT fk_payments_store FOREIGN KEY (store_id) REFERENCES stores (store_id),
    CONSTRAINT fk_payments_close FOREIGN KEY (close_id) REFERENCES day_closes (close_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The stock ledger (DESIGN §3): every change of a store's stock of a product is a move, written
-- by src/store/stock in the same transaction as the change, so a stock row always equals the
-- sum of its moves (`stockroom stock verify`). What stock there is when the ledger begins
-- enters as `opening` moves.
CREATE TABLE stock_moves (
    move_id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    store_id INT NOT NULL,
    product_id INT NOT NULL,
    quantity INT NOT NULL,
    reason VARCHAR(16) NOT NULL,
    reference VARCHAR(64),
    note VARCHAR(255),
    actor VARCHAR(128) NOT NULL,
    at BIGINT NOT NULL,
    INDEX idx_stock_moves_item (store_id, product_id, quantity),
    INDEX idx_stock_moves_product (product_id),
    INDEX idx_stock_moves_at (at),
    CONSTRAINT fk_stock_moves_store FOREIGN KEY (store_id) REFERENCES stores (store_id),
    CONSTRAINT fk_stock_moves_product FOREIGN KEY (product_id) REFERENCES products (product_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
INSERT INTO stock_moves (store_id, product_id, quantity, reason, reference, note, actor, at)
SELECT store_id, product_id, quantity, 'opening', NULL, 'stock when the ledger began',
       'migration', UNIX_TIMESTAMP()
FROM stocks WHERE quantity <> 0 ORDER BY store_id, product_id;

-- A member of staff is one person whatever the case of their e-mail.
ALTER TABLE staffs MODIFY email VARCHAR(255) COLLATE utf8mb4_unicode_ci NOT NULL;

-- The Dashboard's monthly totals (src/store/sales_summary.rs) are forgotten by the database
-- itself whenever orders or their lines change, whoever writes them (Stockroom, a DBA,
-- another program): a month summed is summed again on the next look. The change first reads
-- the summing lock row in share mode, so it never interleaves with a terminal summing months
-- (which updates that row): either the summing waits for the change to commit and sums it,
-- or the change waits for the summing and then forgets the month. Writers share the lock, so
-- sales never wait on each other; only months that were summed are deleted. Stockroom's own
-- bulk writers (an import, the demo load) set @stockroom_bulk inside their transaction and
-- forget every month themselves under the lock row (the per-row work would cost them ~10 s a
-- million rows); every Stockroom write transaction begins with it unset.
CREATE PROCEDURE sales_forget_month(IN d DATE)
BEGIN
    DECLARE m VARCHAR(7);
    DECLARE n BIGINT;
    IF d IS NOT NULL THEN
        SET m = DATE_FORMAT(d, '%Y-%m');
        SELECT changes INTO n FROM sales_summary_lock WHERE id = 1 LOCK IN SHARE MODE;
        IF EXISTS (SELECT 1 FROM sales_months WHERE month = m) THEN
            DELETE FROM sales_months WHERE month = m;
            DELETE FROM sales_by_staff WHERE month = m;
            DELETE FROM sales_by_product WHERE month = m;
        END IF;
    END IF;
END;
CREATE TRIGGER sales_forget_orders_insert AFTER INSERT ON orders FOR EACH ROW
BEGIN
    IF @stockroom_bulk IS NULL THEN
        CALL sales_forget_month(NEW.order_date);
    END IF;
END;
CREATE TRIGGER sales_forget_orders_delete AFTER DELETE ON orders FOR EACH ROW
BEGIN
    IF @stockroom_bulk IS NULL THEN
        CALL sales_forget_month(OLD.order_date);
    END IF;
END;
CREATE TRIGGER sales_forget_orders_update AFTER UPDATE ON orders FOR EACH ROW
BEGIN
    IF @stockroom_bulk IS NULL THEN
        CALL sales_forget_month(OLD.order_date);
        IF NEW.order_date <> OLD.order_date THEN
            CALL sales_forget_month(NEW.order_date);
        END IF;
    END IF;
END;
CREATE TRIGGER sales_forget_items_insert AFTER INSERT ON order_items FOR EACH ROW
BEGIN
    IF @stockroom_bulk IS NULL THEN
        CALL sales_forget_month((SELECT order_date FROM orders WHERE order_id = NEW.order_id));
    END IF;
END;
CREATE TRIGGER sales_forget_items_delete AFTER DELETE ON order_items FOR EACH ROW
BEGIN
    IF @stockroom_bulk IS NULL THEN
        CALL sales_forget_month((SELECT order_date FROM orders WHERE order_id = OLD.order_id));
    END IF;
END;
CREATE TRIGGER sales_forget_items_update AFTER UPDATE ON order_items FOR EACH ROW
BEGIN
    IF @stockroom_bulk IS NULL THEN
        CALL sales_forget_month((SELECT order_date FROM orders WHERE order_id = OLD.order_id));
        IF NEW.order_id <> OLD.order_id THEN
            CALL sales_forget_month((SELECT order_date FROM orders WHERE order_id = NEW.order_id));
        END IF;
    END IF;
END;

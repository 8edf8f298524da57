-- The stock ledger (DESIGN §3): every change of a store's stock of a product is a move, written
-- by src/store/stock in the same transaction as the change, so a stock row always equals the
-- sum of its moves (`stockroom stock verify`). What stock there is when the ledger begins
-- enters as `opening` moves.
CREATE TABLE stock_moves (
    move_id INTEGER NOT NULL PRIMARY KEY,
    store_id INTEGER NOT NULL REFERENCES stores (store_id),
    product_id INTEGER NOT NULL REFERENCES products (product_id),
    quantity INTEGER NOT NULL,
    reason VARCHAR(16) NOT NULL,
    reference VARCHAR(64),
    note VARCHAR(255),
    actor VARCHAR(128) NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX idx_stock_moves_item ON stock_moves (store_id, product_id, quantity);
CREATE INDEX idx_stock_moves_product ON stock_moves (product_id);
CREATE INDEX idx_stock_moves_at ON stock_moves (at);
INSERT INTO stock_moves (store_id, product_id, quantity, reason, reference, note, actor, at)
SELECT store_id, product_id, quantity, 'opening', NULL, 'stock when the ledger began',
       'migration', CAST(strftime('%s', 'now') AS INTEGER)
FROM stocks WHERE quantity <> 0 ORDER BY store_id, product_id;

-- A member of staff is one person whatever the case of their e-mail.
DROP INDEX ux_staffs_email;
CREATE UNIQUE INDEX ux_staffs_email ON staffs (email COLLATE NOCASE);

-- The Dashboard's monthly totals (src/store/sales_summary.rs) are forgotten by the database
-- itself whenever orders or their lines change, whoever writes them (Stockroom, a DBA,
-- another program): a month summed is summed again on the next look. Only months that were
-- summed are touched, and a store with no month summed (an import forgets them all first)
-- pays one look at an empty table a row.
CREATE TRIGGER sales_forget_orders_insert AFTER INSERT ON orders
WHEN EXISTS (SELECT 1 FROM sales_months) AND EXISTS (SELECT 1 FROM sales_months WHERE month = substr(NEW.order_date, 1, 7))
BEGIN
    DELETE FROM sales_months WHERE month = substr(NEW.order_date, 1, 7);
    DELETE FROM sales_by_staff WHERE month = substr(NEW.order_date, 1, 7);
    DELETE FROM sales_by_product WHERE month = substr(NEW.order_date, 1, 7);
END;
CREATE TRIGGER sales_forget_orders_delete AFTER DELETE ON orders
WHEN EXISTS (SELECT 1 FROM sales_months) AND EXISTS (SELECT 1 FROM sales_months WHERE month = substr(OLD.order_date, 1, 7))
BEGIN
    DELETE FROM sales_months WHERE month = substr(OLD.order_date, 1, 7);
    DELETE FROM sales_by_staff WHERE month = substr(OLD.order_date, 1, 7);
    DELETE FROM sales_by_product WHERE month = substr(OLD.order_date, 1, 7);
END;
CREATE TRIGGER sales_forget_orders_update AFTER UPDATE ON orders
WHEN EXISTS (SELECT 1 FROM sales_months) AND EXISTS (SELECT 1 FROM sales_months
             WHERE month IN (substr(OLD.order_date, 1, 7), substr(NEW.order_date, 1, 7)))
BEGIN
    DELETE FROM sales_months
        WHERE month IN (substr(OLD.order_date, 1, 7), substr(NEW.order_date, 1, 7));
    DELETE FROM sales_by_staff
        WHERE month IN (substr(OLD.order_date, 1, 7), substr(NEW.order_date, 1, 7));
    DELETE FROM sales_by_product
        WHERE month IN (substr(OLD.order_date, 1, 7), substr(NEW.order_date, 1, 7));
END;
CREATE TRIGGER sales_forget_items_insert AFTER INSERT ON order_items
WHEN EXISTS (SELECT 1 FROM sales_months) AND EXISTS (SELECT 1 FROM sales_months WHERE month =
             (SELECT substr(order_date, 1, 7) FROM orders WHERE order_id = NEW.order_id))
BEGIN
    DELETE FROM sales_months WHERE month =
        (SELECT substr(order_date, 1, 7) FROM orders WHERE order_id = NEW.order_id);
    DELETE FROM sales_by_staff WHERE month =
        (SELECT substr(order_date, 1, 7) FROM orders WHERE order_id = NEW.order_id);
    DELETE FROM sales_by_product WHERE month =
        (SELECT substr(order_date, 1, 7) FROM orders WHERE order_id = NEW.order_id);
END;
CREATE TRIGGER sales_forget_items_delete AFTER DELETE ON order_items
WHEN EXISTS (SELECT 1 FROM sales_months) AND EXISTS (SELECT 1 FROM sales_months WHERE month =
             (SELECT substr(order_date, 1, 7) FROM orders WHERE order_id = OLD.order_id))
BEGIN
    DELETE FROM sales_months WHERE month =
        (SELECT substr(order_date, 1, 7) FROM orders WHERE order_id = OLD.order_id);
    DELETE FROM sales_by_staff WHERE month =
        (SELECT substr(order_date, 1, 7) FROM orders WHERE order_id = OLD.order_id);
    DELETE FROM sales_by_product WHERE month =
        (SELECT substr(order_date, 1, 7) FROM orders WHERE order_id = OLD.order_id);
END;
CREATE TRIGGER sales_forget_items_update AFTER UPDATE ON order_items
WHEN EXISTS (SELECT 1 FROM sales_months) AND EXISTS (SELECT 1 FROM sales_months WHERE month IN
             (SELECT substr(order_date, 1, 7) FROM orders
              WHERE order_id IN (OLD.order_id, NEW.order_id)))
BEGIN
    DELETE FROM sales_months WHERE month IN (SELECT substr(order_date, 1, 7) FROM orders
        WHERE order_id IN (OLD.order_id, NEW.order_id));
    DELETE FROM sales_by_staff WHERE month IN (SELECT substr(order_date, 1, 7) FROM orders
        WHERE order_id IN (OLD.order_id, NEW.order_id));
    DELETE FROM sales_by_product WHERE month IN (SELECT substr(order_date, 1, 7) FROM orders
        WHERE order_id IN (OLD.order_id, NEW.order_id));
END;

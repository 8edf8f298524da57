CREATE INDEX idx_orders_store ON orders (store_id);
DROP INDEX idx_orders_store_date;

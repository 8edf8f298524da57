-- The Dashboard and the Orders list for one store: its orders by day without reading the
-- other stores' (replaces the store-only index, which this one's prefix serves).
CREATE INDEX idx_orders_store_date ON orders (store_id, order_date);
DROP INDEX idx_orders_store;

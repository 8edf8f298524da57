-- The Data tab lists orders by customer name: the customers are walked in name order on
-- this index (then by key, which the index holds), each with its orders on idx_orders_customer.
CREATE INDEX idx_customers_name ON customers (first_name, last_name);

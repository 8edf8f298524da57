DROP INDEX idx_customers_name;

DROP TABLE payments;
DROP TABLE return_lines;
DROP TABLE order_returns;
DROP TABLE day_closes;
DROP TABLE chain_settings;
ALTER TABLE stores DROP COLUMN time_zone;

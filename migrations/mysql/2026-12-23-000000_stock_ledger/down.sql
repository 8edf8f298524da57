DROP TRIGGER sales_forget_items_update;
DROP TRIGGER sales_forget_items_delete;
DROP TRIGGER sales_forget_items_insert;
DROP TRIGGER sales_forget_orders_update;
DROP TRIGGER sales_forget_orders_delete;
DROP TRIGGER sales_forget_orders_insert;
DROP PROCEDURE sales_forget_month;
ALTER TABLE staffs MODIFY email VARCHAR(255) COLLATE utf8mb4_bin NOT NULL;
DROP TABLE stock_moves;

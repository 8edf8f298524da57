DROP TRIGGER sales_forget_items_update;
DROP TRIGGER sales_forget_items_delete;
DROP TRIGGER sales_forget_items_insert;
DROP TRIGGER sales_forget_orders_update;
DROP TRIGGER sales_forget_orders_delete;
DROP TRIGGER sales_forget_orders_insert;
DROP INDEX ux_staffs_email;
CREATE UNIQUE INDEX ux_staffs_email ON staffs (email);
DROP TABLE stock_moves;

DROP INDEX ux_products_barcode;
ALTER TABLE products DROP COLUMN barcode;

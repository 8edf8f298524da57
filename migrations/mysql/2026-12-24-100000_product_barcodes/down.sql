DROP INDEX ux_products_barcode ON products;
ALTER TABLE products DROP COLUMN barcode;

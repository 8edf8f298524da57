-- A product's barcode (EAN-8, EAN-13, UPC-A or any code a store prints), optional and unique:
-- the till finds the product a scanner typed in.
ALTER TABLE products ADD COLUMN barcode VARCHAR(64);
CREATE UNIQUE INDEX ux_products_barcode ON products (barcode);

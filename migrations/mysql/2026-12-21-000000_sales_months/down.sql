DROP TABLE sales_summary_lock;
DROP TABLE sales_by_product;
DROP TABLE sales_by_staff;
DROP TABLE sales_months;

DROP TABLE store_keys;

-- Random keys that belong to one store (see the MySQL migration).
CREATE TABLE store_keys (
    name VARCHAR(32) NOT NULL PRIMARY KEY,
    key_hex VARCHAR(128) NOT NULL,
    created_at BIGINT NOT NULL
);

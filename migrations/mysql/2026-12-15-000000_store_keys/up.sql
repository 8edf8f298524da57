-- Random keys that belong to one store and every terminal of it must share, made on first
-- need by the services (e.g. the key of the hash that stands for an unknown username in the
-- audit trail). Not the 2FA key, which is kept outside the store on purpose.
CREATE TABLE store_keys (
    name VARCHAR(32) NOT NULL PRIMARY KEY,
    key_hex VARCHAR(128) NOT NULL,
    created_at BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Rows that transactions checking a rule across many rows (the first administrator, the last
-- active administrator) write first (see the MySQL migration; SQLite serialises writers anyway).
CREATE TABLE guards (
    name VARCHAR(32) NOT NULL PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO guards (name, version) VALUES ('accounts', 0);

-- Rows that transactions checking a rule across many rows (the first administrator, the last
-- active administrator) write first: one server serialises them on the row lock, a Galera
-- cluster refuses all but one at commit (they conflict), so the check always sees the truth.
CREATE TABLE guards (
    name VARCHAR(32) NOT NULL PRIMARY KEY,
    version BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
INSERT INTO guards (name, version) VALUES ('accounts', 0);

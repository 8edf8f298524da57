DROP TABLE import_runs;
DROP TABLE audit_events;
DROP TABLE sessions;
DROP TABLE backup_codes;
DROP TABLE users;

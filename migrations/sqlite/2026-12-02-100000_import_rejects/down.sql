ALTER TABLE import_runs DROP COLUMN rejects_file;

-- Where an import's rejected rows were written, when they were.
ALTER TABLE import_runs ADD COLUMN rejects_file TEXT NULL;

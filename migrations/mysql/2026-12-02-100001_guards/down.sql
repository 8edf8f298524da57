DROP TABLE guards;

-- Users and the security support tables (SQLite). Times are UTC Unix seconds.
CREATE TABLE users (
    user_id INTEGER NOT NULL PRIMARY KEY,
    username VARCHAR(64) NOT NULL,
    password_hash VARCHAR(100) NOT NULL,
    role VARCHAR(16) NOT NULL CHECK (role IN ('employee', 'manager', 'administrator')),
    staff_id INTEGER REFERENCES staffs (staff_id),
    active BOOLEAN NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until BIGINT,
    must_change_password BOOLEAN NOT NULL,
    password_changed_at BIGINT NOT NULL,
    last_login_at BIGINT,
    totp_enabled BOOLEAN NOT NULL,
    totp_secret_enc VARCHAR(255),
    totp_last_step BIGINT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX ux_users_username ON users (username);
CREATE INDEX idx_users_staff ON users (staff_id);

CREATE TABLE backup_codes (
    backup_code_id INTEGER NOT NULL PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    code_hash VARCHAR(64) NOT NULL,
    created_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX idx_backup_codes_user ON backup_codes (user_id);

CREATE TABLE sessions (
    session_id INTEGER NOT NULL PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    terminal VARCHAR(255) NOT NULL,
    started_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    ended_at BIGINT,
    end_reason VARCHAR(64)
);
CREATE INDEX idx_sessions_user ON sessions (user_id);

CREATE TABLE audit_events (
    audit_event_id INTEGER NOT NULL PRIMARY KEY,
    at BIGINT NOT NULL,
    actor VARCHAR(128) NOT NULL,
    terminal VARCHAR(255) NOT NULL,
    event VARCHAR(64) NOT NULL,
    details TEXT NOT NULL
);
CREATE INDEX idx_audit_events_at ON audit_events (at);
CREATE INDEX idx_audit_events_actor ON audit_events (actor);
CREATE INDEX idx_audit_events_event ON audit_events (event);

CREATE TABLE import_runs (
    import_run_id INTEGER NOT NULL PRIMARY KEY,
    actor VARCHAR(128) NOT NULL,
    source TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    rows_read BIGINT NOT NULL,
    rows_inserted BIGINT NOT NULL,
    rows_updated BIGINT NOT NULL,
    rows_unchanged BIGINT NOT NULL,
    rows_rejected BIGINT NOT NULL,
    outcome VARCHAR(32) NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX idx_import_runs_started ON import_runs (started_at);

-- Users and the security support tables (MySQL/MariaDB). Times are UTC Unix seconds.
CREATE TABLE users (
    user_id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    username VARCHAR(64) NOT NULL,
    password_hash VARCHAR(100) NOT NULL,
    role VARCHAR(16) NOT NULL CHECK (role IN ('employee', 'manager', 'administrator')),
    staff_id INT,
    active BOOLEAN NOT NULL,
    failed_attempts INT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    must_change_password BOOLEAN NOT NULL,
    password_changed_at BIGINT NOT NULL,
    last_login_at BIGINT,
    totp_enabled BOOLEAN NOT NULL,
    totp_secret_enc VARCHAR(255),
    totp_last_step BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE INDEX ux_users_username (username),
    INDEX idx_users_staff (staff_id),
    CONSTRAINT fk_users_staff FOREIGN KEY (staff_id) REFERENCES staffs (staff_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE backup_codes (
    backup_code_id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id INT NOT NULL,
    code_hash VARCHAR(64) NOT NULL,
    created_at BIGINT NOT NULL,
    used_at BIGINT,
    INDEX idx_backup_codes_user (user_id),
    CONSTRAINT fk_backup_codes_user FOREIGN KEY (user_id) REFERENCES users (user_id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE sessions (
    session_id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id INT NOT NULL,
    terminal VARCHAR(255) NOT NULL,
    started_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    ended_at BIGINT,
    end_reason VARCHAR(64),
    INDEX idx_sessions_user (user_id),
    CONSTRAINT fk_sessions_user FOREIGN KEY (user_id) REFERENCES users (user_id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE audit_events (
    audit_event_id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor VARCHAR(128) NOT NULL,
    terminal VARCHAR(255) NOT NULL,
    event VARCHAR(64) NOT NULL,
    details TEXT NOT NULL,
    INDEX idx_audit_events_at (at),
    INDEX idx_audit_events_actor (actor),
    INDEX idx_audit_events_event (event)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE import_runs (
    import_run_id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
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
    message TEXT NOT NULL,
    INDEX idx_import_runs_started (started_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

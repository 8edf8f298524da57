//! Tracing as JSON lines to a file in the state directory: stdout and stderr belong to the
//! TUI and to command output. Each command or background operation runs inside an `op`
//! span whose `op_id` is a fresh correlation id, carried on every line it logs.

use std::path::PathBuf;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

use crate::config::{Config, Sources};
use crate::error::{Error, Result};

/// Keeps the background log writer alive; drop it last (it flushes on drop).
pub struct LogGuard {
    _guard: WorkerGuard,
    pub path: PathBuf,
}

/// The log file's name inside the log directory.
pub const LOG_FILE: &str = "stockroom.log";

/// Starts logging to `<log_dir>/stockroom.log`. `RUST_LOG` beats `--log-level`/config.
pub fn init(cfg: &Config, src: &Sources) -> Result<LogGuard> {
    // The log names users and terminals: private to its owner, like the store.
    crate::files::create_private_file(&cfg.log_dir.join(LOG_FILE))?;
    let directives = src
        .env
        .get("RUST_LOG")
        .filter(|v| !v.is_empty())
        .cloned()
        .unwrap_or_else(|| cfg.log_level.clone());
    let filter = EnvFilter::try_new(&directives)
        .map_err(|e| Error::Config(format!("log level `{directives}`: {e}")))?;
    let appender = tracing_appender::rolling::never(&cfg.log_dir, LOG_FILE);
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_span_list(false)
        .with_ansi(false)
        .with_env_filter(filter)
        .with_writer(writer)
        .finish();
    // A second init (tests, TUI restart) keeps the first subscriber.
    let _ = tracing::subscriber::set_global_default(subscriber);
    Ok(LogGuard {
        _guard: guard,
        path: cfg.log_dir.join(LOG_FILE),
    })
}

/// A fresh correlation id: 12 hex digits.
pub fn new_op_id() -> String {
    format!("{:012x}", rand::random::<u64>() & 0xffff_ffff_ffff)
}

/// The span one command or background operation runs in.
pub fn operation_span(name: &str) -> tracing::Span {
    tracing::info_span!("op", op_id = %new_op_id(), name = %name)
}

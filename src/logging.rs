//! Tracing as JSON lines to a file in the state directory: stdout and stderr belong to the
//! TUI and to command output. Each command or background operation runs inside an `op`
//! span whose `op_id` is a fresh correlation id, carried on every line it logs. The file
//! rotates daily (`stockroom.YYYY-MM-DD.log`, UTC days; `stockroom.log` points at the file
//! of the day the process started) and the newest `log_max_files` are kept: rotation is by
//! time only, so a very busy day still makes one large file.

use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::EnvFilter;

use crate::config::{Config, Sources};
use crate::error::{Error, Result};

/// Keeps the background log writer alive; drop it last (it flushes on drop).
pub struct LogGuard {
    _guard: WorkerGuard,
    pub path: PathBuf,
}

/// The link to the current log file inside the log directory.
pub const LOG_FILE: &str = "stockroom.log";

/// Daily files are `<PREFIX>.<date>.<SUFFIX>`.
const PREFIX: &str = "stockroom";
const SUFFIX: &str = "log";

/// Today's log file name (UTC, as the appender names it).
pub fn todays_file() -> String {
    format!(
        "{PREFIX}.{}.{SUFFIX}",
        chrono::Utc::now().format("%Y-%m-%d")
    )
}

/// A log from before rotation (a plain `stockroom.log` file) is kept under a dated name, so
/// that the link to the current file does not replace it.
fn keep_unrotated(dir: &Path) {
    let old = dir.join(LOG_FILE);
    let Ok(meta) = std::fs::symlink_metadata(&old) else {
        return;
    };
    if !meta.is_file() {
        return;
    }
    let date = meta
        .modified()
        .ok()
        .map(chrono::DateTime::<chrono::Utc>::from)
        .unwrap_or_else(chrono::Utc::now)
        .format("%Y-%m-%d");
    for n in 1..100 {
        let name = if n == 1 {
            format!("{PREFIX}.until-{date}.{SUFFIX}")
        } else {
            format!("{PREFIX}.until-{date}-{n}.{SUFFIX}")
        };
        let to = dir.join(name);
        if std::fs::symlink_metadata(&to).is_err() {
            let _ = std::fs::rename(&old, &to);
            return;
        }
    }
}

/// Points `stockroom.log` at the day's file: a new link renamed over the old one, so that
/// commands starting at once never see it missing (nor fail over it).
fn link_current(dir: &Path, file: &str) {
    let tmp = dir.join(format!(
        ".{LOG_FILE}.{}.{:08x}",
        std::process::id(),
        rand::random::<u32>()
    ));
    if std::os::unix::fs::symlink(file, &tmp).is_ok()
        && std::fs::rename(&tmp, dir.join(LOG_FILE)).is_err()
    {
        let _ = std::fs::remove_file(&tmp);
    }
}

/// Starts logging to `<log_dir>/stockroom.YYYY-MM-DD.log`. `RUST_LOG` beats
/// `--log-level`/config.
pub fn init(cfg: &Config, src: &Sources) -> Result<LogGuard> {
    // The log names users and terminals: private to its owner, like the store (the folder
    // too, which keeps the files of the days to come private whatever the umask).
    crate::files::create_private_dir(&cfg.log_dir)?;
    keep_unrotated(&cfg.log_dir);
    let today = cfg.log_dir.join(todays_file());
    // The appender prunes to one file fewer than its limit before it makes today's: when
    // today's is already there, one more is allowed, so the newest `log_max_files` stay.
    let keep = cfg.log_max_files.max(1) as usize + usize::from(today.is_file());
    let directives = src
        .env
        .get("RUST_LOG")
        .filter(|v| !v.is_empty())
        .cloned()
        .unwrap_or_else(|| cfg.log_level.clone());
    let filter = EnvFilter::try_new(&directives)
        .map_err(|e| Error::Config(format!("log level `{directives}`: {e}")))?;
    let appender = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(PREFIX)
        .filename_suffix(SUFFIX)
        .max_log_files(keep)
        .build(&cfg.log_dir)
        .map_err(|e| {
            Error::Config(format!(
                "cannot write the log in {}: {e}",
                cfg.log_dir.display()
            ))
        })?;
    {
        // (Past midnight between the two clocks, the file is another day's: the folder
        // keeps it private.)
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&today, std::fs::Permissions::from_mode(0o600));
    }
    link_current(&cfg.log_dir, &todays_file());
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

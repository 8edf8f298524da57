//! The errors users see. Library modules return [`Error`]; the binary turns it into a
//! one-line message on stderr and an exit status (DESIGN §8).

use std::path::PathBuf;

/// Everything that can go wrong in a service call, phrased for the person at the keyboard.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Configuration is missing or malformed.
    #[error("configuration: {0}")]
    Config(String),
    /// The database refused, is unreachable or failed a statement.
    #[error("database: {0}")]
    Database(String),
    /// Another writer got in the way (deadlock, lock wait, a busy store); nothing of the
    /// transaction was written and running it again may succeed.
    #[error("{0}")]
    Busy(String),
    /// The database does not answer, the connection broke, the disk is full or the store is
    /// read-only; nothing of the transaction was written.
    #[error("{0}")]
    Unavailable(String),
    /// Input given by a user or a file is not acceptable; the message names what and why.
    #[error("{0}")]
    Invalid(String),
    /// One field of a form or command is not acceptable; `field` names it.
    #[error("{field}: {message}")]
    InvalidField { field: String, message: String },
    /// Another terminal changed what this change was based on; nothing was written.
    #[error("{0}")]
    Conflict(String),
    /// The signed-in actor lacks a permission.
    #[error("permission denied: {0}")]
    Forbidden(String),
    /// The signed-in session is over (signed out elsewhere, ended by an administrator, the
    /// account deactivated or locked): the user must sign in again.
    #[error("{0}")]
    SessionEnded(String),
    /// The account is locked (too many failed attempts); the message says for how long when
    /// the user has proved who they are.
    #[error("{0}")]
    Locked(String),
    /// Something asked for does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// Sign-in failed; deliberately vague (DESIGN §5).
    #[error("{0}")]
    Auth(String),
    /// The operation was cancelled; nothing was written.
    #[error("cancelled: nothing was written")]
    Cancelled,
    /// A file could not be read or written.
    #[error("{}: {}", crate::text::escape(&path.display().to_string()), io_words(source))]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}", io_words(.0))]
    Io(#[from] std::io::Error),
    /// The command cannot run as invoked (exit status 2).
    #[error("{0}")]
    Usage(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An I/O error in words, never a bare number: `the disk is full`, not `(os error 28)`.
pub fn io_words(e: &std::io::Error) -> String {
    let words = match e.raw_os_error() {
        Some(libc::ENOSPC) => "the disk is full (no space left on the device)",
        Some(libc::EDQUOT) => "the disk quota is used up",
        Some(libc::EFBIG) => "the file would pass the file-size limit (ulimit -f)",
        Some(libc::EROFS) => "the file system is read-only",
        Some(libc::EACCES) | Some(libc::EPERM) => "permission denied",
        Some(libc::ENOENT) => "no such file or folder",
        Some(libc::ENOTDIR) => "a part of the path is not a folder",
        Some(libc::EISDIR) => "it is a folder",
        Some(libc::EEXIST) => "it already exists",
        Some(libc::EPIPE) => "the reader went away (broken pipe)",
        Some(libc::EIO) => "input/output error (the disk may be failing)",
        Some(libc::ENXIO) => "no reader is there (a FIFO without a reader, or a device gone)",
        Some(libc::ELOOP) => "too many symbolic links",
        Some(libc::ENAMETOOLONG) => "the name is too long",
        Some(libc::EXDEV) => "it is on another file system",
        Some(libc::EBUSY) => "it is busy",
        Some(libc::ETXTBSY) => "it is busy (a running program)",
        Some(libc::EMFILE) | Some(libc::ENFILE) => "too many open files",
        Some(_) => {
            // The system's own words, without the trailing `(os error N)`.
            let text = e.to_string();
            return match text.rfind(" (os error ") {
                Some(at) => text[..at].to_string(),
                None => text,
            };
        }
        None => return e.to_string(),
    };
    words.to_string()
}

impl From<diesel::result::Error> for Error {
    fn from(e: diesel::result::Error) -> Self {
        use crate::db::fault;
        if let Some(frozen) = crate::db::watchdog::take_timeout() {
            return Error::Unavailable(frozen);
        }
        Error::from_db(fault::classify(&e), &e.to_string())
    }
}

impl From<diesel::ConnectionError> for Error {
    fn from(e: diesel::ConnectionError) -> Self {
        Error::Database(crate::db::url::redact_text(&e.to_string()))
    }
}

/// What kind of failure an [`Error`] is, so front ends route on the kind and never on the
/// wording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    SessionEnded,
    Locked,
    Forbidden,
    NotFound,
    Conflict,
    /// Bad input; `field` names the field when one is to blame.
    Invalid {
        field: Option<String>,
    },
    /// Try again: another writer was in the way.
    Busy,
    Unavailable,
    Cancelled,
    SignInFailed,
    Other,
}

impl Error {
    /// The kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::SessionEnded(_) => ErrorKind::SessionEnded,
            Error::Locked(_) => ErrorKind::Locked,
            Error::Forbidden(_) => ErrorKind::Forbidden,
            Error::NotFound(_) => ErrorKind::NotFound,
            Error::Conflict(_) => ErrorKind::Conflict,
            Error::Invalid(_) => ErrorKind::Invalid { field: None },
            Error::InvalidField { field, .. } => ErrorKind::Invalid {
                field: Some(field.clone()),
            },
            Error::Busy(_) => ErrorKind::Busy,
            Error::Unavailable(_) => ErrorKind::Unavailable,
            Error::Cancelled => ErrorKind::Cancelled,
            Error::Auth(_) => ErrorKind::SignInFailed,
            Error::Config(_)
            | Error::Database(_)
            | Error::File { .. }
            | Error::Io(_)
            | Error::Usage(_) => ErrorKind::Other,
        }
    }

    /// The error for a database failure of class `fault` whose driver message is `raw`.
    pub fn from_db(fault: crate::db::fault::Fault, raw: &str) -> Error {
        use crate::db::fault::{self, Fault};
        match fault::describe(fault, fault::lock_wait_secs()) {
            Some(text) if matches!(fault, Fault::Conflict(_)) => Error::Busy(text),
            Some(text) => Error::Unavailable(format!(
                "{text} ({})",
                crate::text::escape(&crate::db::url::redact_text(raw))
            )),
            None => Error::Database(raw.to_string()),
        }
    }

    /// Whether re-running the whole transaction may succeed (see [`crate::db::tx`]).
    pub fn is_transient(&self) -> bool {
        matches!(self, Error::Busy(_))
    }

    /// Wraps an I/O error with the path it concerns.
    pub fn file(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::File {
            path: path.into(),
            source,
        }
    }
}

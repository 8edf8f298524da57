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
    /// Input given by a user or a file is not acceptable; the message names what and why.
    #[error("{0}")]
    Invalid(String),
    /// The signed-in actor lacks a permission.
    #[error("permission denied: {0}")]
    Forbidden(String),
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
    #[error("{path}: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<diesel::result::Error> for Error {
    fn from(e: diesel::result::Error) -> Self {
        Error::Database(e.to_string())
    }
}

impl From<diesel::ConnectionError> for Error {
    fn from(e: diesel::ConnectionError) -> Self {
        Error::Database(crate::db::url::redact_text(&e.to_string()))
    }
}

impl From<diesel::r2d2::PoolError> for Error {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        Error::Database(crate::db::url::redact_text(&e.to_string()))
    }
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn file(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::File {
            path: path.into(),
            source,
        }
    }
}

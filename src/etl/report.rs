//! What an import tells the user: per-table counts, every bad row (file, line, column,
//! value, reason), the outcome and the exit status it maps to.

use std::path::Path;

use super::write::Counts;
use crate::error::{Error, Result};

/// One bad row (or one bad cell of it).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowError {
    pub source: String,
    pub line: u64,
    pub column: String,
    pub value: String,
    pub reason: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::text::{escape, escape_bounded};
        write!(f, "{}:{}:", escape(&self.source), self.line)?;
        if !self.column.is_empty() {
            write!(f, " column `{}`", escape_bounded(&self.column, 64))?;
            write!(f, " value `{}`", escape_bounded(&self.value, 80))?;
        }
        write!(f, " {}", escape(&self.reason))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct TableReport {
    pub table: String,
    pub source: String,
    pub read: u64,
    #[serde(flatten)]
    pub counts: Counts,
    pub rejected: u64,
    pub extra_columns: Vec<String>,
    /// Written through the server's bulk loader (MySQL/MariaDB `LOAD DATA LOCAL INFILE`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub bulk: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Everything valid was written.
    Committed,
    /// Committed, with bad rows skipped (`--skip-invalid`).
    CommittedWithRejects,
    /// Bad rows were found: nothing was written.
    RolledBack,
    /// `--dry-run`: validated, nothing written.
    DryRun,
    /// Cancelled: nothing written.
    Cancelled,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Committed => "committed",
            Outcome::CommittedWithRejects => "committed_with_rejects",
            Outcome::RolledBack => "rolled_back",
            Outcome::DryRun => "dry_run",
            Outcome::Cancelled => "cancelled",
        }
    }

    /// Whether the run's rows are in the store.
    pub fn committed(self) -> bool {
        matches!(self, Outcome::Committed | Outcome::CommittedWithRejects)
    }
}

/// Errors kept in memory for listing; beyond this they are counted (and all go to the
/// rejects file when one is given).
pub const LISTED_ERRORS: usize = 10_000;

#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportReport {
    pub tables: Vec<TableReport>,
    pub errors: Vec<RowError>,
    pub rejected_rows: u64,
    pub outcome: Outcome,
    pub duration_ms: u64,
    /// Things the user should know that are not bad rows (files skipped, columns ignored).
    pub notes: Vec<String>,
    /// Where the bad rows were written, when they were.
    pub rejects_file: Option<String>,
}

impl ImportReport {
    pub fn totals(&self) -> (u64, Counts, u64) {
        let mut c = Counts::default();
        let mut read = 0;
        let mut rejected = 0;
        for t in &self.tables {
            c += t.counts;
            read += t.read;
            rejected += t.rejected;
        }
        (read, c, rejected)
    }

    /// 0 written, 1 nothing written because of bad rows, 3 written with rejected rows.
    pub fn exit_code(&self) -> u8 {
        match self.outcome {
            Outcome::Committed | Outcome::DryRun if self.rejected_rows == 0 => 0,
            Outcome::CommittedWithRejects => 3,
            Outcome::DryRun => 1,
            _ => 1,
        }
    }
}

/// Streams rejected rows to a CSV: source, line, column, value, reason, and the original record.
pub struct RejectWriter {
    w: csv::Writer<std::fs::File>,
}

impl RejectWriter {
    /// Creates (or, unless `new_only`, replaces) the rejects file, private to its owner;
    /// with `new_only` anything already at `path` (a file, a planted symlink) is refused.
    pub fn create(path: &Path, new_only: bool) -> Result<Self> {
        let file = if new_only {
            crate::files::create_new_private(path)?
        } else {
            crate::files::create_private(path)?
        };
        let mut w = csv::Writer::from_writer(file);
        w.write_record(["source", "line", "column", "value", "reason", "record"])
            .map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?;
        Ok(RejectWriter { w })
    }

    pub fn write(&mut self, e: &RowError, record: &[String]) -> Result<()> {
        let mut raw = csv::Writer::from_writer(Vec::new());
        let _ = raw.write_record(record);
        let raw = String::from_utf8(raw.into_inner().unwrap_or_default()).unwrap_or_default();
        self.w
            .write_record([
                e.source.as_str(),
                &e.line.to_string(),
                &e.column,
                &e.value,
                &e.reason,
                raw.trim_end(),
            ])
            .map_err(|e| Error::Invalid(format!("cannot write the rejects file: {e}")))
    }

    pub fn finish(mut self) -> Result<()> {
        self.w.flush().map_err(Error::Io)
    }
}

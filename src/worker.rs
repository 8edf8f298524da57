//! Background jobs: a cancel token shared with the job, and the small progress events a job
//! sends back over crossbeam (folded into a summary by whoever draws it).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Asks a running job to stop; the job checks it between batches and rolls back.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    /// The flag itself, for a signal handler to set.
    pub fn flag(&self) -> Arc<AtomicBool> {
        self.0.clone()
    }
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
    /// `Err(Cancelled)` once cancelled, for `?` between batches.
    pub fn check(&self) -> crate::error::Result<()> {
        if self.is_cancelled() {
            Err(crate::error::Error::Cancelled)
        } else {
            Ok(())
        }
    }
}

/// How far a job is on one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub table: &'static str,
    pub rows_done: u64,
    pub rows_total: Option<u64>,
    pub bytes_done: u64,
    pub bytes_total: Option<u64>,
    pub rejects: u64,
}

impl Progress {
    pub fn rows(table: &'static str, rows_done: u64, rows_total: u64) -> Self {
        Progress {
            table,
            rows_done,
            rows_total: Some(rows_total),
            bytes_done: 0,
            bytes_total: None,
            rejects: 0,
        }
    }
}

//! The ETL tab's state: what to import, the running job's per-table progress (folded from
//! the job's events), and the last result with its rejected rows.

use std::time::Instant;

use super::jobs::EtlEvent;
use super::widgets::input::TextInput;
use crate::worker::{CancelToken, Progress};

/// One table's progress, folded from [`Progress`] events.
#[derive(Debug, Clone)]
pub struct TableGauge {
    pub table: &'static str,
    pub rows: u64,
    pub bytes: u64,
    pub bytes_total: Option<u64>,
    pub rejects: u64,
    pub started: Instant,
    pub done: bool,
}

impl TableGauge {
    /// How far, from the bytes read (None when the size is unknown, e.g. an API).
    pub fn fraction(&self) -> Option<f64> {
        if self.done {
            return Some(1.0);
        }
        self.bytes_total
            .filter(|t| *t > 0)
            .map(|t| (self.bytes as f64 / t as f64).min(1.0))
    }

    pub fn rows_per_sec(&self, now: Instant) -> f64 {
        self.rows as f64 / (now - self.started).as_secs_f64().max(0.001)
    }

    /// Seconds left, from the fraction done and the time spent.
    pub fn eta_secs(&self, now: Instant) -> Option<u64> {
        let f = self.fraction()?;
        if f <= 0.0 || f >= 1.0 {
            return None;
        }
        let spent = (now - self.started).as_secs_f64();
        Some((spent * (1.0 - f) / f).ceil() as u64)
    }
}

#[derive(Debug, Clone)]
pub struct EtlRun {
    pub what: String,
    pub cancel: CancelToken,
    pub started: Instant,
    pub tables: Vec<TableGauge>,
}

impl EtlRun {
    /// Folds one progress event.
    pub fn fold(&mut self, p: Progress) {
        let now = Instant::now();
        let g = match self.tables.iter_mut().position(|g| g.table == p.table) {
            Some(i) => &mut self.tables[i],
            None => {
                for g in self.tables.iter_mut() {
                    g.done = true;
                }
                self.tables.push(TableGauge {
                    table: p.table,
                    rows: 0,
                    bytes: 0,
                    bytes_total: None,
                    rejects: 0,
                    started: now,
                    done: false,
                });
                self.tables.last_mut().expect("just pushed")
            }
        };
        g.rows = p.rows_done;
        g.bytes = p.bytes_done;
        g.bytes_total = p.bytes_total.or(g.bytes_total);
        g.rejects = p.rejects;
        if p.rows_total.is_some_and(|t| p.rows_done >= t) {
            g.done = true;
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EtlResult {
    pub what: String,
    pub lines: Vec<String>,
    pub rejected: Vec<String>,
    pub outcome: String,
    pub ok: bool,
}

#[derive(Debug, Clone)]
pub struct EtlTab {
    pub source: TextInput,
    pub editing: bool,
    /// The source is an API base URL rather than files.
    pub api: bool,
    pub skip_invalid: bool,
    pub dry_run: bool,
    pub running: Option<EtlRun>,
    pub last: Option<EtlResult>,
}

impl Default for EtlTab {
    fn default() -> Self {
        let mut source = TextInput::new("Source");
        source.max_chars = 1_000;
        EtlTab {
            source,
            editing: false,
            api: false,
            skip_invalid: false,
            dry_run: false,
            running: None,
            last: None,
        }
    }
}

impl EtlTab {
    /// Folds an event of the running job.
    pub fn on_event(&mut self, ev: EtlEvent) {
        match ev {
            EtlEvent::Progress(p) => {
                if let Some(r) = &mut self.running {
                    r.fold(p);
                }
            }
            EtlEvent::Finished {
                lines,
                rejected,
                outcome,
                ok,
            } => {
                let what = self.running.take().map(|r| r.what).unwrap_or_default();
                self.last = Some(EtlResult {
                    what,
                    lines,
                    rejected,
                    outcome,
                    ok,
                });
            }
            EtlEvent::Failed(msg) => {
                let what = self.running.take().map(|r| r.what).unwrap_or_default();
                self.last = Some(EtlResult {
                    what,
                    lines: vec![],
                    rejected: vec![],
                    outcome: msg,
                    ok: false,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_progress_per_table() {
        let mut run = EtlRun {
            what: "x".into(),
            cancel: CancelToken::new(),
            started: Instant::now(),
            tables: vec![],
        };
        run.fold(Progress {
            table: "orders",
            rows_done: 10,
            rows_total: None,
            bytes_done: 50,
            bytes_total: Some(100),
            rejects: 1,
        });
        assert_eq!(run.tables[0].fraction(), Some(0.5));
        run.fold(Progress {
            table: "order_items",
            rows_done: 5,
            rows_total: None,
            bytes_done: 10,
            bytes_total: Some(100),
            rejects: 0,
        });
        assert!(
            run.tables[0].done,
            "a new table means the previous one is done"
        );
        assert_eq!(run.tables.len(), 2);
        run.fold(Progress::rows("order_items", 9, 9));
        assert!(run.tables[1].done);
        assert_eq!(run.tables[1].fraction(), Some(1.0));
    }
}

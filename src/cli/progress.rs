//! Progress for long commands on stderr: a redrawn bar with rows/s and ETA on a terminal;
//! into a pipe or a log file, one plain line per table when it ends (no bars). Rates and
//! ETAs appear only once enough time has passed for them to mean something.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use crate::worker::Progress;

pub struct ProgressPrinter {
    tty: bool,
    started: Instant,
    last_print: Option<Instant>,
    table: &'static str,
    table_started: Instant,
    /// When the last table finished (the next one's time runs from there).
    prev_end: Instant,
}

impl Default for ProgressPrinter {
    fn default() -> Self {
        Self::new()
    }
}

impl ProgressPrinter {
    pub fn new() -> Self {
        ProgressPrinter {
            tty: std::io::stderr().is_terminal(),
            started: Instant::now(),
            last_print: None,
            table: "",
            table_started: Instant::now(),
            prev_end: Instant::now(),
        }
    }

    /// Shows one progress event.
    pub fn show(&mut self, p: &Progress) {
        let now = Instant::now();
        if p.table != self.table {
            if self.tty && !self.table.is_empty() {
                eprintln!();
            }
            self.table = p.table;
            // From when the table before it ended: a small table may send its first event
            // only once it is written.
            self.table_started = self.prev_end;
            self.last_print = None;
        }
        let rows_done = p.rows_total.is_some_and(|t| p.rows_done >= t);
        let finished = if self.tty {
            rows_done || p.bytes_total.is_some_and(|t| t > 0 && p.bytes_done >= t)
        } else {
            // Without a terminal, only the table's last event (rows counted in full) prints.
            rows_done
        };
        let due = self.tty
            && self
                .last_print
                .is_none_or(|t| now - t >= Duration::from_millis(100));
        if !due && !finished {
            return;
        }
        self.last_print = Some(now);
        let line = if self.tty {
            render_line(p, now - self.table_started)
        } else {
            render_done(p, now - self.table_started)
        };
        if finished {
            self.prev_end = now;
        }
        if self.tty {
            eprint!("\r\x1b[2K{line}");
            if finished {
                eprintln!();
                self.table = "";
            }
        } else {
            eprintln!("{line}");
            self.table = "";
        }
        let _ = std::io::stderr().flush();
    }

    /// Ends the display (a newline after an unfinished bar).
    pub fn finish(&mut self) {
        if self.tty && !self.table.is_empty() {
            eprintln!();
        }
        tracing::debug!(
            elapsed_ms = self.started.elapsed().as_millis() as u64,
            "progress done"
        );
    }
}

pub use crate::text::{MEANINGFUL, duration, duration_and_rate};

/// The line for a table that has finished, for logs: `orders  161,500 rows in 2.4 s (…)`.
pub fn render_done(p: &Progress, elapsed: Duration) -> String {
    let mut line = format!(
        "{:<12} {} rows in {}",
        p.table,
        group(p.rows_done),
        duration_and_rate(p.rows_done, elapsed.as_millis() as u64)
    );
    if p.rejects > 0 {
        line.push_str(&format!(", {} rejected", group(p.rejects)));
    }
    line
}

/// One progress line: `orders  [#####-----]  50%  80,750/161,500 rows  42,000 rows/s  ETA 2s`.
pub fn render_line(p: &Progress, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64().max(0.001);
    let rate = p.rows_done as f64 / secs;
    let meaningful = elapsed >= MEANINGFUL;
    let fraction = match (p.bytes_total, p.rows_total) {
        (Some(total), _) if total > 0 => Some(p.bytes_done as f64 / total as f64),
        (_, Some(total)) if total > 0 => Some(p.rows_done as f64 / total as f64),
        _ => None,
    };
    let mut line = format!("{:<12}", p.table);
    if let Some(f) = fraction {
        let f = f.clamp(0.0, 1.0);
        let filled = (f * 20.0).round() as usize;
        line.push_str(&format!(
            " [{}{}] {:>3}%",
            "#".repeat(filled),
            "-".repeat(20 - filled),
            (f * 100.0).floor() as u64
        ));
    }
    match p.rows_total {
        Some(t) => line.push_str(&format!("  {}/{} rows", group(p.rows_done), group(t))),
        None => line.push_str(&format!("  {} rows", group(p.rows_done))),
    }
    if meaningful {
        line.push_str(&format!("  {} rows/s", group(rate as u64)));
    }
    if let Some(f) = fraction
        && meaningful
        && f > 0.0
        && f < 1.0
    {
        let eta = secs * (1.0 - f) / f;
        line.push_str(&format!("  ETA {}s", eta.ceil() as u64));
    }
    if p.rejects > 0 {
        line.push_str(&format!("  {} rejected", group(p.rejects)));
    }
    line
}

pub use crate::text::group_digits as group;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_rate_and_eta() {
        let p = Progress::rows("orders", 50, 100);
        let line = render_line(&p, Duration::from_secs(5));
        assert!(line.contains("[##########----------]  50%"), "{line}");
        assert!(line.contains("50/100 rows"), "{line}");
        assert!(line.contains("10 rows/s"), "{line}");
        assert!(line.contains("ETA 5s"), "{line}");
        assert_eq!(group(1_234_567), "1,234,567");
        // A 60 ms run shows no rate and no ETA.
        let line = render_line(&Progress::rows("orders", 5, 10), Duration::from_millis(60));
        assert!(!line.contains("rows/s") && !line.contains("ETA"), "{line}");
        assert_eq!(duration_and_rate(1_445, 60), "60 ms");
        assert_eq!(duration_and_rate(10_000, 2_000), "2.0 s (5,000 rows/s)");
        let done = render_done(&Progress::rows("brands", 9, 9), Duration::from_millis(3));
        assert_eq!(done, "brands       9 rows in 3 ms");
    }
}

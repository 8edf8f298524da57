//! Progress for long commands on stderr: a redrawn bar with rows/s and ETA on a terminal,
//! plain lines (at most one a second per table, and the last) otherwise.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use crate::worker::Progress;

pub struct ProgressPrinter {
    tty: bool,
    started: Instant,
    last_print: Option<Instant>,
    table: &'static str,
    table_started: Instant,
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
            self.table_started = now;
            self.last_print = None;
        }
        let finished = p.rows_total.is_some_and(|t| p.rows_done >= t)
            || p.bytes_total.is_some_and(|t| t > 0 && p.bytes_done >= t);
        let due = self
            .last_print
            .is_none_or(|t| now - t >= Duration::from_millis(if self.tty { 100 } else { 1000 }));
        if !due && !finished {
            return;
        }
        self.last_print = Some(now);
        let line = render_line(p, now - self.table_started);
        if self.tty {
            eprint!("\r\x1b[2K{line}");
            if finished {
                eprintln!();
                self.table = "";
            }
        } else {
            eprintln!("{line}");
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

/// One progress line: `orders  [#####-----]  50%  80,750/161,500 rows  42,000 rows/s  ETA 2s`.
pub fn render_line(p: &Progress, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64().max(0.001);
    let rate = p.rows_done as f64 / secs;
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
    line.push_str(&format!("  {} rows/s", group(rate as u64)));
    if let Some(f) = fraction
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

pub use crate::store::money::group_digits as group;

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
    }
}

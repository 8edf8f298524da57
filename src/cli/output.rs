//! How listing commands print: an aligned table, CSV or JSON.

use clap::ValueEnum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

/// Prints rows of cells under a header in the chosen format. Cells hold text from outside
/// (names, audit details): in table and CSV output their control characters are escaped, so
/// printing them cannot drive the terminal; JSON escapes them itself.
pub fn print_rows(format: Format, header: &[&str], rows: &[Vec<String>]) {
    let escaped: Vec<Vec<String>>;
    let rows = if format == Format::Json {
        rows
    } else {
        escaped = rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|c| crate::text::escape(c).into_owned())
                    .collect()
            })
            .collect();
        &escaped
    };
    match format {
        Format::Table => {
            let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
            for row in rows {
                for (w, cell) in widths.iter_mut().zip(row) {
                    *w = (*w).max(cell.chars().count());
                }
            }
            let line = |cells: Vec<&str>| {
                cells
                    .iter()
                    .zip(&widths)
                    .map(|(c, w)| format!("{c:<w$}"))
                    .collect::<Vec<_>>()
                    .join("  ")
                    .trim_end()
                    .to_string()
            };
            crate::outln!("{}", line(header.to_vec()));
            for row in rows {
                crate::outln!("{}", line(row.iter().map(String::as_str).collect()));
            }
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(std::io::stdout());
            let _ = w.write_record(header);
            for row in rows {
                let _ = w.write_record(row);
            }
            let _ = w.flush();
        }
        Format::Json => {
            let list: Vec<serde_json::Map<String, serde_json::Value>> = rows
                .iter()
                .map(|row| {
                    header
                        .iter()
                        .zip(row)
                        .map(|(h, c)| (h.to_string(), serde_json::Value::String(c.clone())))
                        .collect()
                })
                .collect();
            crate::outln!(
                "{}",
                serde_json::to_string_pretty(&list).unwrap_or_default()
            );
        }
    }
}

/// A line of a command's output. A reader that went away (`| head -1`) ends the command
/// quietly with success, as Unix tools do, never with a panic.
pub fn write_line(args: std::fmt::Arguments) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|_| out.write_all(b"\n")) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        tracing::warn!(error = %e, "could not write the output");
    }
}

/// `println!` for command output (see [`write_line`]).
#[macro_export]
macro_rules! outln {
    () => {
        $crate::cli::output::write_line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::cli::output::write_line(format_args!($($arg)*))
    };
}

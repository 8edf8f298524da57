//! What a report PDF says about itself and how it is made (issue 23): the real creation time
//! and "Stockroom VERSION" as producer, no claim of a standard (PDF/X) it does not meet; the
//! sales report lists the months from the first to the last with orders, whatever the range
//! asked, so a range from year 1 to 9999 costs what the store's history does (pages and peak
//! memory of the process, measured by the kernel); a character no embedded font has is drawn
//! as one visible marker (U+FFFD), while CJK, Arabic and 😀 are drawn as themselves.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::TestDb;
use common::cli::{stockroom_on as bin, text};

fn tool(name: &str, args: &[&str]) -> String {
    let o = Command::new(name)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{name} (poppler-utils): {e}"));
    assert!(o.status.success(), "{name}: {}", text(&o.stderr));
    text(&o.stdout)
}

fn demo_store(t: &TestDb) {
    common::cli::demo(t, 5);
}

/// Runs `cmd` to the end; returns its exit code and peak resident memory in KiB, as the
/// kernel counted it for that process (`wait4`, which also reaps it).
#[allow(clippy::zombie_processes)]
fn run_measured(mut cmd: Command) -> (i32, i64) {
    let child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32);
    (libc::WEXITSTATUS(status), usage.ru_maxrss)
}

fn pages_of(path: &Path) -> usize {
    tool("pdfinfo", &[path.to_str().unwrap()])
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

both_backends!(a_report_says_when_and_by_what_it_was_made, |t: TestDb| {
    demo_store(&t);
    let home = tempfile::tempdir().unwrap();
    let pdf = home.path().join("s.pdf");
    let before = chrono::Utc::now().timestamp();
    let o = bin(home.path(), &t.url)
        .args([
            "report", "sales", "--from", "2017-01", "--to", "2017-03", "--out",
        ])
        .arg(&pdf)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let info = tool("pdfinfo", &["-isodates", pdf.to_str().unwrap()]);
    let field = |name: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}:")))
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    assert_eq!(
        field("Producer"),
        format!("Stockroom {}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(field("Creator"), field("Producer"));
    for date in ["CreationDate", "ModDate"] {
        let d = chrono::DateTime::parse_from_rfc3339(&field(date))
            .unwrap_or_else(|e| panic!("{date} `{}`: {e}\n{info}", field(date)));
        assert!(
            (d.timestamp() - before).abs() < 120,
            "{date} is the time it was made: {d}"
        );
    }
    assert!(
        !info.contains("PDF/X") && !info.contains("PDF subtype"),
        "no standard claimed:\n{info}"
    );
    assert!(!info.contains("Custom Metadata: yes"), "{info}");
});

both_backends!(
    a_sales_report_is_as_long_as_the_history_whatever_the_range,
    |t: TestDb| {
        demo_store(&t);
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        let report = |from: &str, to: &str, out: &Path| {
            let mut c = bin(h, &t.url);
            c.args(["report", "sales", "--from", from, "--to", to, "--out"])
                .arg(out);
            c
        };
        let history = h.join("history.pdf");
        let wide = h.join("wide.pdf");
        let (code, history_kib) = run_measured(report("2016-01", "2018-12", &history));
        assert_eq!(code, 0);
        let (code, wide_kib) = run_measured(report("0001-01", "9999-12", &wide));
        assert_eq!(code, 0);
        eprintln!(
            "peak memory: 2016-01..2018-12 {} KiB, 0001-01..9999-12 {} KiB; pages {} and {}",
            history_kib,
            wide_kib,
            pages_of(&history),
            pages_of(&wide)
        );
        assert_eq!(pages_of(&wide), pages_of(&history), "the same months");
        assert!(pages_of(&wide) < 10);
        assert!(
            wide_kib <= history_kib + history_kib / 5 + 8 * 1024,
            "memory flat: {wide_kib} KiB for year 1 to 9999 vs {history_kib} KiB"
        );
        // Months from the first to the last with orders, said in a line; none before or after.
        let txt = tool("pdftotext", &["-layout", wide.to_str().unwrap(), "-"]);
        assert!(
            txt.contains(
                "From the first to the last month with orders in the period (2016-01 to 2018-12)."
            ),
            "{txt}"
        );
        let month_rows: Vec<&str> = txt
            .lines()
            .map(str::trim)
            .filter(|l| {
                l.len() > 7
                    && l.as_bytes()[4] == b'-'
                    && l[..4].chars().all(|c| c.is_ascii_digit())
                    && l.split_whitespace().count() == 4
            })
            .collect();
        assert_eq!(month_rows.len(), 36, "{month_rows:?}");
        assert!(month_rows[0].starts_with("2016-01") && month_rows[35].starts_with("2018-12"));
    }
);

#[test]
fn a_glyph_no_font_has_is_one_visible_marker() {
    let t = TestDb::sqlite();
    demo_store(&t);
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let o = bin(h, &t.url)
        .args([
            "data",
            "add",
            "customers",
            "first_name=Bike🚲Shop",
            "last_name=王 مرحبا 😀",
            "email=bike@example.com",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let id = text(&o.stdout)
        .trim()
        .rsplit(' ')
        .next()
        .unwrap()
        .to_string();
    let pdf = h.join("c.pdf");
    let o = bin(h, &t.url)
        .args(["report", "customer", &id, "--out"])
        .arg(&pdf)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let txt = tool("pdftotext", &[pdf.to_str().unwrap(), "-"]);
    assert!(
        txt.contains("Bike\u{fffd}Shop"),
        "the marker stands for 🚲:\n{txt}"
    );
    assert!(!txt.contains('🚲'));
    for kept in ["王", "😀", "Bike"] {
        assert!(txt.contains(kept), "{kept} drawn as itself:\n{txt}");
    }
    // Every font used is embedded (the marker is one of DejaVu Sans's own glyphs).
    let fonts = tool("pdffonts", &[pdf.to_str().unwrap()]);
    for l in fonts.lines().skip(2) {
        let cols: Vec<&str> = l.split_whitespace().collect();
        let n = cols.len();
        assert_eq!(cols[n - 5], "yes", "embedded: {l}");
    }
}

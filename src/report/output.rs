//! Where finished reports go: a new private file (mode 0600, folder 0700) created
//! exclusively, so an existing report is never overwritten — `name.pdf` is taken, so
//! `name-2.pdf`, `name-3.pdf`, … — and the listing of the latest reports in a folder.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::error::{Error, Result};

/// The most numbered names tried before giving up.
const MAX_SUFFIX: u32 = 10_000;

/// `path` with `-n` before its extension (`a/report.pdf` → `a/report-2.pdf`).
fn numbered(path: &Path, n: u32) -> PathBuf {
    if n <= 1 {
        return path.to_path_buf();
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match path.extension() {
        Some(ext) => format!("{stem}-{n}.{}", ext.to_string_lossy()),
        None => format!("{stem}-{n}"),
    };
    path.with_file_name(name)
}

/// Writes `bytes` to `path`, or to the first free numbered name beside it; returns the path
/// written. A failed write leaves no file behind.
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<PathBuf> {
    for n in 1..=MAX_SUFFIX {
        let candidate = numbered(path, n);
        let mut file = match crate::files::create_new_private(&candidate) {
            Ok(f) => f,
            Err(Error::File { source, .. })
                if source.kind() == std::io::ErrorKind::AlreadyExists =>
            {
                continue;
            }
            Err(e) => return Err(e),
        };
        if let Err(e) = file.write_all(bytes).and_then(|_| file.sync_all()) {
            drop(file);
            let _ = std::fs::remove_file(&candidate);
            return Err(Error::file(&candidate, e));
        }
        return Ok(candidate);
    }
    Err(Error::Invalid(format!(
        "{} and {MAX_SUFFIX} numbered names beside it already exist",
        crate::text::escape(&path.display().to_string())
    )))
}

/// A report file in the reports folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentReport {
    pub path: PathBuf,
    pub bytes: u64,
    /// Last modified, in seconds since the Unix epoch.
    pub modified: i64,
}

/// The `limit` most recently modified PDF files in `dir`, newest first (none when the folder
/// does not exist yet).
pub fn recent(dir: &Path, limit: usize) -> Result<Vec<RecentReport>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::file(dir, e)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::file(dir, e))?;
        let path = entry.path();
        if !path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("pdf"))
        {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        if !meta.is_file() {
            continue;
        }
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs() as i64);
        out.push(RecentReport {
            path,
            bytes: meta.len(),
            modified,
        });
    }
    out.sort_by(|a, b| b.modified.cmp(&a.modified).then(b.path.cmp(&a.path)));
    out.truncate(limit);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn never_overwrites_and_numbers_the_next_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("reports/customer-7-2026-01-02.pdf");
        let a = write_new(&path, b"one").unwrap();
        let b = write_new(&path, b"two").unwrap();
        let c = write_new(&path, b"three").unwrap();
        assert_eq!(a, path);
        assert_eq!(b, dir.path().join("reports/customer-7-2026-01-02-2.pdf"));
        assert_eq!(c, dir.path().join("reports/customer-7-2026-01-02-3.pdf"));
        assert_eq!(std::fs::read(&a).unwrap(), b"one");
        let mode = std::fs::metadata(&b).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let listed = recent(&dir.path().join("reports"), 2).unwrap();
        assert_eq!(listed.len(), 2);
        assert!(recent(&dir.path().join("none"), 5).unwrap().is_empty());
    }
}

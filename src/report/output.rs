//! Where finished reports go: a new private file (mode 0600, folder 0700) written beside its
//! name and moved onto it only when whole, never over an existing report — `name.pdf` is
//! taken, so `name-2.pdf`, `name-3.pdf`, … —; a folder named by `--out` takes the report
//! under its default name; a FIFO or a character device is written into. Also the listing of
//! the latest reports in a folder.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::error::{Error, Result};
use crate::files::out::{Kind, Naming, Output, is_stdout, kind_of};

/// A new report file at `path`, or at the first free numbered name beside it.
pub fn new_file(path: &Path) -> Result<Output> {
    Output::file(
        path,
        Naming::NeverOverwrite,
        crate::text::escape(&path.display().to_string()).into_owned(),
    )
}

/// Where `--out PATH` sends a report called `default_name`: into PATH when it is a folder,
/// straight into a FIFO or a character device, `-` to standard output, else a new file at
/// PATH (never over an existing one).
pub fn open(path: &Path, default_name: &str) -> Result<Output> {
    if !is_stdout(path) && kind_of(&crate::files::replace::resolve(path)?)? == Kind::Folder {
        return new_file(&path.join(default_name));
    }
    Output::open(path, Naming::NeverOverwrite, None)
}

/// Writes `bytes` to a new file at `path`, or at the first free numbered name beside it;
/// returns the path written. A failed write leaves no file behind.
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<PathBuf> {
    use std::io::Write;
    let mut out = new_file(path)?;
    out.write_all(bytes).map_err(|e| out.error(e))?;
    Ok(out.commit()?.expect("a file output has a path"))
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
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};

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
        // A folder takes the report under its default name; a device is written into.
        let mut o = open(&dir.path().join("reports"), "sales.pdf").unwrap();
        std::io::Write::write_all(&mut o, b"pdf").unwrap();
        assert_eq!(
            o.commit().unwrap(),
            Some(dir.path().join("reports/sales.pdf"))
        );
        let mut o = open(Path::new("/dev/null"), "sales.pdf").unwrap();
        std::io::Write::write_all(&mut o, b"pdf").unwrap();
        assert_eq!(o.commit().unwrap(), None);
        let null = std::fs::metadata("/dev/null").unwrap();
        assert!(null.file_type().is_char_device());
    }
}

//! Files that hold the store's secrets and data (the SQLite store, the log, exports, rejects,
//! reports): created private to their owner, folders 0700 and files 0600, never following a
//! planted symlink when a file must be new. Files are replaced whole or not at all
//! ([`replace`]), and outputs go where their path says ([`out`]).

pub mod out;
pub mod replace;

use std::fs::{DirBuilder, File, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use crate::error::{Error, Result};

/// Creates `dir` and its missing parents with mode 0700 (existing folders are left as they are).
pub fn create_private_dir(dir: &Path) -> Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| Error::file(dir, e))
}

/// Makes sure `path` exists, creating it empty with mode 0600 (and its folder 0700) when it
/// does not; an existing file is kept.
pub fn create_private_file(path: &Path) -> Result<()> {
    if let Some(dir) = path.parent() {
        create_private_dir(dir)?;
    }
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(Error::file(path, e)),
    }
}

/// Creates a new file for writing, mode 0600; fails if something (a file, a symlink) is
/// already there.
pub fn create_new_private(path: &Path) -> Result<File> {
    if let Some(dir) = path.parent() {
        create_private_dir(dir)?;
    }
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| Error::file(path, e))
}

/// Creates or truncates a file for writing; a new file gets mode 0600.
pub fn create_private(path: &Path) -> Result<File> {
    if let Some(dir) = path.parent() {
        create_private_dir(dir)?;
    }
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| Error::file(path, e))
}

/// A warning when `path` can be read or written by other users.
pub fn exposure_warning(path: &Path) -> Option<String> {
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    (mode & 0o077 != 0).then(|| {
        format!(
            "{} can be read by other users (mode {:04o}); restrict it with `chmod 600 {}`",
            crate::text::escape(&path.display().to_string()),
            mode & 0o7777,
            crate::text::escape(&path.display().to_string())
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_files_and_folders_are_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/store.db");
        create_private_file(&path).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir.path().join("a/b")), 0o700);
        assert_eq!(mode(&dir.path().join("a")), 0o700);
        assert!(exposure_warning(&path).is_none());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(exposure_warning(&path).unwrap().contains("0644"));
        // A planted symlink is never followed for a file that must be new.
        let target = dir.path().join("elsewhere");
        let link = dir.path().join("rejects.csv");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(create_new_private(&link).is_err());
        assert!(!target.exists());
    }
}

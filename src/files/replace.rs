//! Replacing a file whole or not at all, as careful tools do: the new content goes to a
//! uniquely named temporary file created exclusively in the target's own folder, is synced,
//! and is renamed over the old file (its mode and owner kept, a symlink written through).
//! Read-modify-write callers (the config file) hold an exclusive `flock` on a lock file
//! beside the target, so concurrent savers never lose each other's changes. A failed write
//! (a full disk, a file-size limit) leaves the old file as it was and no temporary behind.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Symbolic links followed at most before giving up (as the kernel does).
const MAX_LINKS: usize = 40;

/// `path` with its symbolic links followed to the file they name (which may not exist yet),
/// so a symlinked file is written through and the link itself is kept.
pub fn resolve(path: &Path) -> Result<PathBuf> {
    let mut p = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let to = std::fs::read_link(&p).map_err(|e| Error::file(&p, e))?;
                p = match p.parent() {
                    Some(dir) if to.is_relative() => dir.join(to),
                    _ => to,
                };
            }
            _ => return Ok(p),
        }
    }
    Err(Error::file(
        path,
        std::io::Error::from_raw_os_error(libc::ELOOP),
    ))
}

/// A temporary file that is removed unless it was renamed into place.
pub struct Temp {
    pub path: PathBuf,
    pub file: Option<File>,
    kept: bool,
}

impl Temp {
    /// A new, empty file `.<name>.<random>.partial` in `dir`, mode 0600, created exclusively
    /// (never an existing file, never through a planted symlink).
    pub fn new_in(dir: &Path, name: &str) -> Result<Temp> {
        crate::files::create_private_dir(dir)?;
        for _ in 0..100 {
            let path = dir.join(format!(
                ".{name}.{:012x}.partial",
                rand::random::<u64>() & 0xffff_ffff_ffff
            ));
            match OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .custom_flags(libc::O_CLOEXEC)
                .open(&path)
            {
                Ok(file) => {
                    return Ok(Temp {
                        path,
                        file: Some(file),
                        kept: false,
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(Error::file(dir, e)),
            }
        }
        Err(Error::Invalid(format!(
            "{}: no free temporary name",
            crate::text::escape(&dir.display().to_string())
        )))
    }

    /// Marks the file as moved into place: it is no longer removed.
    pub fn keep(&mut self) {
        self.kept = true;
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        self.file = None;
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Syncs a folder, so a rename in it survives a crash.
pub fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// The folder of `path` (`.` for a bare name).
pub fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into())
}

/// Replaces `path` with `content`: whole or not at all. A new file gets mode 0600; an
/// existing one keeps its mode and owner. Refuses anything but a regular file or a missing
/// path.
pub fn write(path: &Path, content: &[u8]) -> Result<()> {
    let target = resolve(path)?;
    let old = match std::fs::metadata(&target) {
        Ok(m) if m.is_file() => Some(m),
        Ok(_) => {
            return Err(Error::Invalid(format!(
                "{} is not a regular file; nothing was written",
                crate::text::escape(&target.display().to_string())
            )));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::file(&target, e)),
    };
    let dir = folder_of(&target);
    let mut tmp = Temp::new_in(&dir, &file_name(&target))?;
    let file = tmp.file.as_mut().expect("a new temporary is open");
    let fail = |e| Error::file(&target, e);
    file.write_all(content).map_err(fail)?;
    if let Some(m) = &old {
        file.set_permissions(std::fs::Permissions::from_mode(m.mode() & 0o7777))
            .map_err(fail)?;
        let mine = file.metadata().map_err(fail)?;
        if (mine.uid(), mine.gid()) != (m.uid(), m.gid()) {
            std::os::unix::fs::fchown(&*file, Some(m.uid()), Some(m.gid())).map_err(|e| {
                Error::Invalid(format!(
                    "{}: cannot keep its owner (uid {}, gid {}): {}; nothing was written",
                    crate::text::escape(&target.display().to_string()),
                    m.uid(),
                    m.gid(),
                    crate::error::io_words(&e)
                ))
            })?;
        }
    }
    file.sync_all().map_err(fail)?;
    std::fs::rename(&tmp.path, &target).map_err(fail)?;
    tmp.keep();
    sync_dir(&dir);
    Ok(())
}

/// An exclusive lock on `<path>.lock` (created beside the resolved target), held until
/// dropped: read-modify-write of a shared file under it.
pub struct Lock {
    _file: File,
}

impl Lock {
    /// Waits for the lock of `path`.
    pub fn of(path: &Path) -> Result<Lock> {
        let target = resolve(path)?;
        let dir = folder_of(&target);
        crate::files::create_private_dir(&dir)?;
        let lock_path = dir.join(format!("{}.lock", file_name(&target)));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(libc::O_CLOEXEC | libc::O_NOFOLLOW)
            .open(&lock_path)
            .map_err(|e| Error::file(&lock_path, e))?;
        file.lock().map_err(|e| Error::file(&lock_path, e))?;
        Ok(Lock { _file: file })
    }
}

/// Under the lock of `path`: reads it (`None` when missing), lets `change` make the new text,
/// and replaces it with [`write`]. Concurrent callers run one after another.
pub fn update(path: &Path, change: impl FnOnce(Option<&str>) -> Result<String>) -> Result<()> {
    let _lock = Lock::of(path)?;
    let target = resolve(path)?;
    let old = match std::fs::read_to_string(&target) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::file(&target, e)),
    };
    let new = change(old.as_deref())?;
    write(&target, new.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_whole_keeping_mode_and_writing_through_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.toml");
        std::fs::write(&real, "a = 1\n").unwrap();
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
        let link = dir.path().join("config.toml");
        std::os::unix::fs::symlink("real.toml", &link).unwrap();
        update(&link, |old| Ok(format!("{}b = 2\n", old.unwrap()))).unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "a = 1\nb = 2\n");
        let mode = std::fs::metadata(&real).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        // Only the file, its link and the lock are left: no temporary.
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["config.toml", "real.toml", "real.toml.lock"]);
        // Not a regular file: refused, untouched.
        let e = write(Path::new("/dev/null"), b"x").unwrap_err().to_string();
        assert!(e.contains("not a regular file"), "{e}");
    }
}

//! Where an export or a report goes, by what the path is: standard output (`-`); a FIFO or a
//! character device (`/dev/null`, a terminal, a pipe someone reads) is written straight into;
//! a regular file or a missing path gets a uniquely named temporary file beside it, synced
//! and renamed into place only once everything was written — over the old file (exports) or
//! onto a free name, never over another file (reports: `name-2.pdf`, …). A folder is the
//! caller's to decide; anything else (a block device, a socket) is refused. Nothing but the
//! temporary this process made is ever deleted.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::replace::{Temp, folder_of, resolve, sync_dir};
use crate::error::{Error, Result};
use crate::worker::CancelToken;

/// What a path names (symlinks followed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Missing,
    Regular,
    Folder,
    /// A FIFO or a character device: written straight into.
    Stream,
    /// A block device or a socket: refused.
    Other,
}

/// The kind of `path`, following symlinks.
pub fn kind_of(path: &Path) -> Result<Kind> {
    match std::fs::metadata(path) {
        Ok(m) => {
            let t = m.file_type();
            Ok(if t.is_file() {
                Kind::Regular
            } else if t.is_dir() {
                Kind::Folder
            } else if t.is_fifo() || t.is_char_device() {
                Kind::Stream
            } else {
                Kind::Other
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Kind::Missing),
        Err(e) => Err(Error::file(path, e)),
    }
}

/// Whether `path` is `-` (standard output).
pub fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// `path` with `-n` before its extension (`a/report.pdf` → `a/report-2.pdf`).
pub fn numbered(path: &Path, n: u32) -> PathBuf {
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

/// The most numbered names tried before giving up.
pub const MAX_SUFFIX: u32 = 10_000;

/// How a finished file takes its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Naming {
    /// Over the file there (exports).
    Replace,
    /// Onto the name if free, else the first free numbered name beside it (reports).
    NeverOverwrite,
    /// Onto the name, which must be free (it is an error if a file appeared there).
    Exclusive,
}

enum Dest {
    Stdout {
        w: BufWriter<std::io::Stdout>,
        closed: bool,
        cancel: Option<CancelToken>,
    },
    Stream {
        w: BufWriter<File>,
    },
    File {
        w: Option<BufWriter<File>>,
        tmp: Temp,
        target: PathBuf,
        naming: Naming,
        mode: Option<u32>,
    },
}

/// An output being written; [`Output::commit`] puts it in place. Dropped uncommitted, it
/// leaves nothing behind.
pub struct Output {
    dest: Dest,
    shown: String,
    /// Where it ended up, once committed.
    written: Option<PathBuf>,
}

fn shown(path: &Path) -> String {
    crate::text::escape(&path.display().to_string()).into_owned()
}

fn refuse(path: &Path, what: &str) -> Error {
    Error::InvalidField {
        field: "--out".into(),
        message: format!(
            "{} is {what}; give a file, a FIFO, a character device or - (standard output)",
            shown(path)
        ),
    }
}

impl Output {
    /// Standard output; a reader that goes away (`| head`) cancels `cancel` and the rest is
    /// dropped quietly.
    pub fn stdout(cancel: Option<CancelToken>) -> Output {
        Output {
            dest: Dest::Stdout {
                w: BufWriter::new(std::io::stdout()),
                closed: false,
                cancel,
            },
            shown: "standard output".into(),
            written: None,
        }
    }

    /// Opens `path` for an output named by the user. `-` is standard output, a FIFO or a
    /// character device is written into, a regular file or a missing path is written beside
    /// and renamed as `naming` says. A folder and anything else are refused in words.
    pub fn open(path: &Path, naming: Naming, cancel: Option<CancelToken>) -> Result<Output> {
        if is_stdout(path) {
            return Ok(Output::stdout(cancel));
        }
        let target = resolve(path)?;
        match kind_of(&target)? {
            Kind::Stream => {
                let file = OpenOptions::new()
                    .write(true)
                    .custom_flags(libc::O_CLOEXEC | libc::O_NOCTTY)
                    .open(&target)
                    .map_err(|e| Error::file(&target, e))?;
                Ok(Output {
                    dest: Dest::Stream {
                        w: BufWriter::new(file),
                    },
                    shown: shown(path),
                    written: None,
                })
            }
            Kind::Regular | Kind::Missing => Output::file(&target, naming, shown(path)),
            Kind::Folder => Err(refuse(path, "a folder")),
            Kind::Other => Err(refuse(
                path,
                "neither a file, a FIFO nor a character device",
            )),
        }
    }

    /// A new file at `target` (a regular file or a missing path) by way of a temporary.
    pub fn file(target: &Path, naming: Naming, shown_as: String) -> Result<Output> {
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "output".into());
        let mut tmp = Temp::new_in(&folder_of(target), &name)?;
        let file = tmp.file.take().expect("a new temporary is open");
        // An export over an existing file keeps that file's mode.
        let mode = match naming {
            Naming::Replace => std::fs::metadata(target)
                .ok()
                .filter(|m| m.is_file())
                .map(|m| m.permissions().mode() & 0o7777),
            Naming::NeverOverwrite | Naming::Exclusive => None,
        };
        Ok(Output {
            dest: Dest::File {
                w: Some(BufWriter::with_capacity(64 * 1024, file)),
                tmp,
                target: target.to_path_buf(),
                naming,
                mode,
            },
            shown: shown_as,
            written: None,
        })
    }

    /// `e`, a failed write to this output, naming it.
    pub fn error(&self, e: std::io::Error) -> Error {
        match &self.dest {
            Dest::File { target, .. } => Error::file(target, e),
            _ => stream_error(&self.shown, e),
        }
    }

    /// How to name this output in messages and the audit.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// Whether standard output's reader went away.
    pub fn closed(&self) -> bool {
        matches!(self.dest, Dest::Stdout { closed: true, .. })
    }

    /// The file written, once committed (`None` for streams and standard output).
    pub fn written(&self) -> Option<&Path> {
        self.written.as_deref()
    }

    /// Finishes the output: flushes it, and for a file syncs it and renames it into place.
    /// Returns where it went (`None` for a stream or standard output).
    pub fn commit(&mut self) -> Result<Option<PathBuf>> {
        match &mut self.dest {
            Dest::Stdout { w, closed, .. } => match w.flush() {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                    *closed = true;
                    Ok(None)
                }
                Err(e) => Err(Error::Io(e)),
                Ok(()) => Ok(None),
            },
            Dest::Stream { w } => {
                let shown = self.shown.clone();
                w.flush().map_err(|e| stream_error(&shown, e))?;
                Ok(None)
            }
            Dest::File {
                w,
                tmp,
                target,
                naming,
                mode,
            } => {
                let fail = |e| Error::file(&*target, e);
                let file = w
                    .take()
                    .expect("committed once")
                    .into_inner()
                    .map_err(|e| fail(e.into_error()))?;
                if let Some(m) = mode {
                    file.set_permissions(std::fs::Permissions::from_mode(*m))
                        .map_err(fail)?;
                }
                file.sync_all().map_err(fail)?;
                drop(file);
                let placed = match naming {
                    Naming::Replace => {
                        std::fs::rename(&tmp.path, &*target).map_err(fail)?;
                        target.clone()
                    }
                    Naming::NeverOverwrite => place_new(&tmp.path, target, MAX_SUFFIX)?,
                    Naming::Exclusive => place_new(&tmp.path, target, 1)?,
                };
                tmp.keep();
                if *naming != Naming::Replace {
                    // A hard link may have placed it: the temporary name goes.
                    let _ = std::fs::remove_file(&tmp.path);
                }
                sync_dir(&folder_of(target));
                self.written = Some(placed.clone());
                Ok(Some(placed))
            }
        }
    }
}

fn stream_error(shown: &str, e: std::io::Error) -> Error {
    Error::Invalid(format!("{shown}: {}", crate::error::io_words(&e)))
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.dest {
            Dest::Stdout { w, closed, cancel } => {
                if *closed {
                    return Ok(buf.len());
                }
                match w.write(buf) {
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                        *closed = true;
                        if let Some(c) = cancel {
                            c.cancel();
                        }
                        Ok(buf.len())
                    }
                    other => other,
                }
            }
            Dest::Stream { w } => w.write(buf),
            Dest::File { w, .. } => w.as_mut().expect("not committed").write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.dest {
            Dest::Stdout { w, closed, .. } => match w.flush() {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                    *closed = true;
                    Ok(())
                }
                other => other,
            },
            Dest::Stream { w } => w.flush(),
            Dest::File { w, .. } => w.as_mut().map_or(Ok(()), |w| w.flush()),
        }
    }
}

/// Moves `tmp` onto `target`, or the first free numbered name beside it (of `tries` names),
/// never over an existing file (`renameat2(RENAME_NOREPLACE)`, else a hard link). Returns
/// the name taken.
fn place_new(tmp: &Path, target: &Path, tries: u32) -> Result<PathBuf> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        CString::new(p.as_os_str().as_bytes())
            .map_err(|_| Error::Invalid(format!("{}: the name holds a NUL byte", shown(p))))
    };
    let from = c(tmp)?;
    for n in 1..=tries {
        let candidate = numbered(target, n);
        let to = c(&candidate)?;
        // SAFETY: both are valid NUL-terminated paths; AT_FDCWD resolves them as given.
        let r = unsafe {
            libc::renameat2(
                libc::AT_FDCWD,
                from.as_ptr(),
                libc::AT_FDCWD,
                to.as_ptr(),
                libc::RENAME_NOREPLACE,
            )
        };
        let err = if r == 0 {
            return Ok(candidate);
        } else {
            std::io::Error::last_os_error()
        };
        match err.raw_os_error() {
            Some(libc::EEXIST) => continue,
            // A file system without RENAME_NOREPLACE: a hard link never replaces either.
            Some(libc::EINVAL) | Some(libc::ENOSYS) => match std::fs::hard_link(tmp, &candidate) {
                Ok(()) => return Ok(candidate),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(Error::file(&candidate, e)),
            },
            _ => return Err(Error::file(&candidate, err)),
        }
    }
    if tries == 1 {
        return Err(Error::file(
            target,
            std::io::Error::from(std::io::ErrorKind::AlreadyExists),
        ));
    }
    Err(Error::Invalid(format!(
        "{} and {tries} numbered names beside it already exist",
        shown(target)
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn files_appear_whole_and_only_where_asked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.csv");
        // Someone else's file beside the target is never touched.
        std::fs::write(dir.path().join("notes.partial"), b"mine").unwrap();
        let mut o = Output::open(&path, Naming::Replace, None).unwrap();
        o.write_all(b"a,b\n").unwrap();
        assert!(!path.exists(), "nothing under the name before the commit");
        assert_eq!(o.commit().unwrap(), Some(path.clone()));
        assert_eq!(std::fs::read(&path).unwrap(), b"a,b\n");
        assert_eq!(names(dir.path()), ["notes.csv", "notes.partial"]);
        // Dropped before the commit: the old file stays, no temporary is left.
        let mut o = Output::open(&path, Naming::Replace, None).unwrap();
        o.write_all(b"half").unwrap();
        drop(o);
        assert_eq!(std::fs::read(&path).unwrap(), b"a,b\n");
        assert_eq!(names(dir.path()), ["notes.csv", "notes.partial"]);
        // Never overwriting: the next free numbered name.
        let mut o = Output::open(&path, Naming::NeverOverwrite, None).unwrap();
        o.write_all(b"new").unwrap();
        assert_eq!(o.commit().unwrap(), Some(dir.path().join("notes-2.csv")));
        assert_eq!(std::fs::read(&path).unwrap(), b"a,b\n");
        // A folder is refused in words.
        let e = Output::open(dir.path(), Naming::Replace, None)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("is a folder"), "{e}");
        // A character device is written into, never replaced.
        let mut o = Output::open(Path::new("/dev/null"), Naming::Replace, None).unwrap();
        o.write_all(b"gone").unwrap();
        assert_eq!(o.commit().unwrap(), None);
        assert!(
            std::fs::metadata("/dev/null")
                .unwrap()
                .file_type()
                .is_char_device()
        );
    }
}

//! Private temporary copies of what comes from the network or a pipe. An import reads such
//! input in full into a file of its own first — waiting as long as the other end takes,
//! watching the cancel flag — and opens the store's write transaction only once the data is
//! in hand, so a slow server or pipe never holds the store. The files are unlinked as soon as
//! they are made (mode 0600), so nothing is left behind however the process ends.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Read, Seek, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::worker::CancelToken;

/// Where the spool files go when the caller names no folder.
pub fn default_dir() -> PathBuf {
    std::env::temp_dir()
}

/// A new, empty file only this process can reach: made 0600 in `dir` and unlinked at once.
pub fn private_temp(dir: &Path) -> Result<File> {
    crate::files::create_private_dir(dir)?;
    for _ in 0..16 {
        let path = dir.join(format!(".stockroom-spool-{:016x}", rand::random::<u64>()));
        match OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
        {
            Ok(f) => {
                let _ = std::fs::remove_file(&path);
                return Ok(f);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(spool_error(dir, e)),
        }
    }
    Err(Error::Invalid(format!(
        "cannot make a temporary file in {}",
        crate::etl::source::shown(dir)
    )))
}

/// A failure to write a temporary copy, naming the folder (a full disk says so).
pub fn spool_error(dir: &Path, e: std::io::Error) -> Error {
    Error::Invalid(format!(
        "cannot write the temporary copy in {}: {e}; nothing was written to the store",
        crate::etl::source::shown(dir)
    ))
}

/// Copies a pipe (a FIFO named on the command line or in the ETL tab) into a private
/// temporary file and returns that file at its start. Waits as long as the writer takes
/// (for one to open the pipe, then for its data), checking `cancel` every 100 ms.
pub fn read_pipe(path: &Path, dir: &Path, cancel: &CancelToken) -> Result<File> {
    use std::os::fd::AsRawFd;
    let shown = crate::etl::source::shown(path);
    // Non-blocking, so that neither opening nor reading can wait past a cancel.
    let pipe = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| Error::file(&shown, e))?;
    let mut out = BufWriter::with_capacity(1 << 16, private_temp(dir)?);
    let mut buf = vec![0u8; 1 << 16];
    let fd = pipe.as_raw_fd();
    loop {
        cancel.check()?;
        let mut pfd = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // Linux reports neither data nor a hang-up until a writer has opened the pipe.
        let ready = unsafe { libc::poll(&mut pfd, 1, 100) };
        if ready < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(Error::file(&shown, e));
        }
        if ready == 0 {
            continue;
        }
        loop {
            match (&pipe).read(&mut buf) {
                Ok(0) => {
                    let mut file = out
                        .into_inner()
                        .map_err(|e| spool_error(dir, e.into_error()))?;
                    file.rewind().map_err(|e| spool_error(dir, e))?;
                    return Ok(file);
                }
                Ok(n) => out.write_all(&buf[..n]).map_err(|e| spool_error(dir, e))?,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::file(&shown, e)),
            }
            if cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
        }
    }
}

/// A collection's records as a JSON array in a private temporary file, written object by
/// object as pages arrive and read back by the JSON reader with the usual limits.
pub struct JsonSpool {
    out: BufWriter<File>,
    dir: PathBuf,
    items: u64,
}

impl JsonSpool {
    pub fn new(dir: &Path) -> Result<JsonSpool> {
        let mut out = BufWriter::with_capacity(1 << 16, private_temp(dir)?);
        out.write_all(b"[").map_err(|e| spool_error(dir, e))?;
        Ok(JsonSpool {
            out,
            dir: dir.to_path_buf(),
            items: 0,
        })
    }

    /// Records written so far.
    pub fn items(&self) -> u64 {
        self.items
    }

    pub fn push(&mut self, item: &Map<String, Value>) -> Result<()> {
        let sep: &[u8] = if self.items == 0 { b"\n" } else { b",\n" };
        self.out
            .write_all(sep)
            .and_then(|_| serde_json::to_writer(&mut self.out, item).map_err(Into::into))
            .map_err(|e| spool_error(&self.dir, e))?;
        self.items += 1;
        Ok(())
    }

    /// Where the spool stands, to go back to should a page turn out not to count.
    pub fn mark(&mut self) -> Result<(u64, u64)> {
        self.out.flush().map_err(|e| spool_error(&self.dir, e))?;
        let at = self
            .out
            .get_mut()
            .stream_position()
            .map_err(|e| spool_error(&self.dir, e))?;
        Ok((at, self.items))
    }

    /// Drops what was written since `mark`.
    pub fn rollback(&mut self, (at, items): (u64, u64)) -> Result<()> {
        self.out.flush().map_err(|e| spool_error(&self.dir, e))?;
        let f = self.out.get_mut();
        f.set_len(at)
            .and_then(|_| f.seek(std::io::SeekFrom::Start(at)).map(|_| ()))
            .map_err(|e| spool_error(&self.dir, e))?;
        self.items = items;
        Ok(())
    }

    /// The finished array, at its start, and its size in bytes.
    pub fn finish(mut self) -> Result<(File, u64)> {
        self.out
            .write_all(b"\n]\n")
            .map_err(|e| spool_error(&self.dir, e))?;
        let mut file = self
            .out
            .into_inner()
            .map_err(|e| spool_error(&self.dir, e.into_error()))?;
        let len = file
            .stream_position()
            .map_err(|e| spool_error(&self.dir, e))?;
        file.rewind().map_err(|e| spool_error(&self.dir, e))?;
        Ok((file, len))
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;
    use std::time::{Duration, Instant};

    use super::*;

    #[test]
    fn a_pipe_is_copied_whole_and_a_cancel_ends_the_wait() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("in.csv");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        // Nobody writes: a cancel ends the wait within a poll.
        let cancel = CancelToken::new();
        let c2 = cancel.clone();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            c2.cancel();
        });
        let started = Instant::now();
        assert!(matches!(
            read_pipe(&fifo, dir.path(), &cancel),
            Err(Error::Cancelled)
        ));
        assert!(started.elapsed() < Duration::from_secs(2));
        t.join().unwrap();
        // A slow writer: everything it wrote, in order.
        let f2 = fifo.clone();
        let writer = std::thread::spawn(move || {
            let mut w = OpenOptions::new().write(true).open(&f2).unwrap();
            for i in 0..5 {
                writeln!(w, "line {i}").unwrap();
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        let mut f = read_pipe(&fifo, dir.path(), &CancelToken::new()).unwrap();
        writer.join().unwrap();
        let mut text = String::new();
        f.read_to_string(&mut text).unwrap();
        assert_eq!(text, "line 0\nline 1\nline 2\nline 3\nline 4\n");
        // Nothing is left in the folder.
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, [std::ffi::OsString::from("in.csv")]);
    }
}

//! The key that protects 2FA secrets at rest (XChaCha20-Poly1305) and peppers backup-code
//! hashes (HMAC-SHA256). It comes from `STOCKROOM_SECRET_KEY` (64 hex digits) or a key file
//! (mode 0600), created on first run only while no secret depends on it. A missing or wrong
//! key is a clear error, never a bypass. Every terminal of a shared store needs the same key.

use std::io::Write;
use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, KeyInit as MacKeyInit, Mac};
use sha2::Sha256;

use crate::error::{Error, Result};

#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(***)")
    }
}

const PREFIX: &str = "v1:";

pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn from_hex(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

enum ReadError {
    Missing,
    Failed(Error),
}
use ReadError::{Failed, Missing};

/// The error for a missing key file that stored secrets depend on, saying how to provide it.
pub fn missing(path: &Path) -> Error {
    Error::Config(format!(
        "the secret key file {p} is missing, but 2FA secrets in the store were encrypted with it. \
         Copy the file from another terminal or the server that uses this store to {p} (mode \
         0600), or set STOCKROOM_SECRET_KEY to its 64 hexadecimal digits",
        p = path.display()
    ))
}

impl SecretKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        SecretKey(rand::random())
    }

    /// Parses 64 hex digits.
    pub fn from_hex(text: &str) -> Result<Self> {
        let bytes = from_hex(text)
            .filter(|b| b.len() == 32)
            .ok_or_else(|| Error::Config("the secret key must be 64 hexadecimal digits".into()))?;
        let mut key = [0u8; 32];
        key.copy_from_slice(&bytes);
        Ok(SecretKey(key))
    }

    /// A key from its 32 bytes.
    pub(crate) fn from_bytes(bytes: &[u8; 32]) -> Self {
        SecretKey(*bytes)
    }

    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Reads the key file; creates it (mode 0600) only when `may_create` and it is missing.
    /// Creation never replaces a file: when another process creates it first, its key is
    /// read back and used, so processes starting together end with one key.
    pub fn load_or_create(path: &Path, may_create: bool) -> Result<Self> {
        match Self::read(path) {
            Err(Missing) if !may_create => Err(missing(path)),
            Err(Missing) => {
                let key = Self::generate();
                match key.write_new(path) {
                    Ok(()) => {
                        tracing::info!(path = %path.display(), "generated a new secret key file");
                        Ok(key)
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        Self::read_back(path)
                    }
                    Err(e) => Err(Error::file(path, e)),
                }
            }
            Err(Failed(e)) => Err(e),
            Ok(key) => Ok(key),
        }
    }

    /// Reads a key another process has just created. With hard links it is complete when it
    /// appears; the fallback (no hard links) may show it empty for a moment.
    fn read_back(path: &Path) -> Result<Self> {
        let mut tries = 0;
        loop {
            match Self::read(path) {
                Ok(key) => return Ok(key),
                Err(Failed(_)) if tries < 100 => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(Failed(e)) => return Err(e),
                Err(Missing) => return Err(missing(path)),
            }
        }
    }

    fn read(path: &Path) -> std::result::Result<Self, ReadError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Missing),
            Err(e) => return Err(Failed(Error::file(path, e))),
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path)
                .map_err(|e| Failed(Error::file(path, e)))?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                return Err(Failed(Error::Config(format!(
                    "{}: the secret key file is readable by others (mode {:o}); run `chmod 600` on it",
                    path.display(),
                    mode & 0o777
                ))));
            }
        }
        Self::from_hex(&text).map_err(|_| {
            Failed(Error::Config(format!(
                "{}: not a valid secret key (64 hexadecimal digits)",
                path.display()
            )))
        })
    }

    /// Writes the key to a private temporary file, then links it into place: the link fails
    /// when the file exists (never overwrites), and readers never see it half-written.
    fn write_new(&self, path: &Path) -> std::io::Result<()> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(format!(
            ".new-{}-{:08x}",
            std::process::id(),
            rand::random::<u32>()
        ));
        let tmp = std::path::PathBuf::from(tmp);
        let linked =
            Self::write_exclusive(&tmp, &self.0).and_then(|()| std::fs::hard_link(&tmp, path));
        let _ = std::fs::remove_file(&tmp);
        match linked {
            Err(e)
                if e.kind() != std::io::ErrorKind::AlreadyExists
                    && std::fs::metadata(path).is_err() =>
            {
                // No hard links here (some network or FUSE file systems): create in place.
                Self::write_exclusive(path, &self.0)
            }
            other => other,
        }
    }

    /// Creates `path` exclusively (`O_EXCL`), mode 0600, holding the key in hex.
    fn write_exclusive(path: &Path, key: &[u8; 32]) -> std::io::Result<()> {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(path)?;
        writeln!(f, "{}", to_hex(key))?;
        f.sync_all()
    }

    /// Encrypts `plain`, bound to `context` (e.g. the user id), as `v1:<hex nonce+ciphertext>`.
    pub fn encrypt(&self, plain: &[u8], context: &[u8]) -> String {
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        let nonce: [u8; 24] = rand::random();
        let ct = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: context,
                },
            )
            .expect("encryption of a small buffer cannot fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        format!("{PREFIX}{}", to_hex(&out))
    }

    /// Decrypts what [`SecretKey::encrypt`] made with the same `context`.
    pub fn decrypt(&self, sealed: &str, context: &[u8]) -> Result<Vec<u8>> {
        let bytes = sealed
            .strip_prefix(PREFIX)
            .and_then(from_hex)
            .filter(|b| b.len() > 24)
            .ok_or_else(|| Error::Config("a stored 2FA secret is malformed".into()))?;
        let (nonce, ct) = bytes.split_at(24);
        XChaCha20Poly1305::new((&self.0).into())
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad: context })
            .map_err(|_| {
                Error::Config(
                    "cannot decrypt a stored 2FA secret: the configured secret key is not the one it \
                     was encrypted with"
                        .into(),
                )
            })
    }

    /// A keyed hash (HMAC-SHA256, hex) of `data` for `purpose`.
    pub fn mac(&self, purpose: &str, data: &[u8]) -> String {
        let mut m =
            <Hmac<Sha256> as MacKeyInit>::new_from_slice(&self.0).expect("any key length works");
        m.update(purpose.as_bytes());
        m.update(&[0]);
        m.update(data);
        to_hex(&m.finalize().into_bytes())
    }
}

/// Where the services' key comes from; read only when something needs it (see
/// `Auth::secret_key`), so a terminal without the key file can do everything else.
#[derive(Debug)]
pub(crate) enum KeySource {
    /// Given as is (tests, benches).
    Ready(SecretKey),
    /// `STOCKROOM_SECRET_KEY` was set but is not a key; the message says so when needed.
    Invalid(String),
    /// The key file, created on first need while no stored secret depends on it.
    File(std::path::PathBuf),
}

/// A [`KeySource`] and the key once read.
#[derive(Debug)]
pub(crate) struct LazyKey {
    pub source: KeySource,
    pub loaded: std::sync::OnceLock<SecretKey>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_refuses_the_wrong_key_or_context() {
        let k = SecretKey::generate();
        let sealed = k.encrypt(b"JBSWY3DPEHPK3PXP", b"user:1");
        assert!(sealed.starts_with("v1:"));
        assert!(!sealed.contains("JBSWY3DP"));
        assert_eq!(k.decrypt(&sealed, b"user:1").unwrap(), b"JBSWY3DPEHPK3PXP");
        assert!(k.decrypt(&sealed, b"user:2").is_err());
        let err = SecretKey::generate()
            .decrypt(&sealed, b"user:1")
            .unwrap_err()
            .to_string();
        assert!(err.contains("secret key"), "{err}");
        assert_ne!(k.mac("backup", b"abc"), k.mac("backup", b"abd"));
        assert_ne!(
            k.mac("backup", b"abc"),
            SecretKey::generate().mac("backup", b"abc")
        );
    }

    #[test]
    fn key_file_is_private_and_never_silently_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/secret.key");
        let err = SecretKey::load_or_create(&path, false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("missing"), "{err}");
        let k = SecretKey::load_or_create(&path, true).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let again = SecretKey::load_or_create(&path, true).unwrap();
        assert_eq!(k.0, again.0);
        std::fs::write(&path, "zz").unwrap();
        assert!(SecretKey::load_or_create(&path, true).is_err());
        let err = SecretKey::load_or_create(&dir.path().join("gone.key"), false)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("gone.key is missing, but 2FA secrets")
                && err.contains("Copy the file from another terminal")
                && err.contains("STOCKROOM_SECRET_KEY"),
            "{err}"
        );
    }

    #[test]
    fn processes_creating_the_key_at_once_end_with_one() {
        for round in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("keys/secret.key");
            let barrier = std::sync::Barrier::new(8);
            let keys: Vec<[u8; 32]> = std::thread::scope(|s| {
                let hs: Vec<_> = (0..8)
                    .map(|_| {
                        let (path, barrier) = (&path, &barrier);
                        s.spawn(move || {
                            barrier.wait();
                            SecretKey::load_or_create(path, true).unwrap().0
                        })
                    })
                    .collect();
                hs.into_iter().map(|h| h.join().unwrap()).collect()
            });
            let on_disk = SecretKey::load_or_create(&path, false).unwrap().0;
            assert!(keys.iter().all(|k| *k == on_disk), "round {round}");
            let left: Vec<_> = std::fs::read_dir(path.parent().unwrap())
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            assert_eq!(
                left,
                vec![std::ffi::OsString::from("secret.key")],
                "no temp files left"
            );
        }
    }
}

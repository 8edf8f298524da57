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

    /// Reads the key file; creates it (mode 0600) only when `may_create` and it is missing.
    pub fn load_or_create(path: &Path, may_create: bool) -> Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    let mode = std::fs::metadata(path)
                        .map_err(|e| Error::file(path, e))?
                        .permissions()
                        .mode();
                    if mode & 0o077 != 0 {
                        return Err(Error::Config(format!(
                            "{}: the secret key file is readable by others (mode {:o}); run `chmod 600` on it",
                            path.display(),
                            mode & 0o777
                        )));
                    }
                }
                Self::from_hex(&text).map_err(|_| {
                    Error::Config(format!(
                        "{}: not a valid secret key (64 hexadecimal digits)",
                        path.display()
                    ))
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if !may_create {
                    return Err(Error::Config(format!(
                        "the secret key file {} is missing, but 2FA secrets in the store were encrypted \
                         with it; restore it (or set STOCKROOM_SECRET_KEY / secret_key_file)",
                        path.display()
                    )));
                }
                let key = Self::generate();
                key.write_new(path)?;
                tracing::info!(path = %path.display(), "generated a new secret key file");
                Ok(key)
            }
            Err(e) => Err(Error::file(path, e)),
        }
    }

    fn write_new(&self, path: &Path) -> Result<()> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::file(dir, e))?;
        }
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(path).map_err(|e| Error::file(path, e))?;
        writeln!(f, "{}", to_hex(&self.0)).map_err(|e| Error::file(path, e))?;
        Ok(())
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
    }
}

//! ed25519 key files.
//!
//! A private key file holds one line, `ed25519-private:<base64 of the 32-byte
//! seed>` (the format of [`writ_plan::signature`]), and is created with mode
//! 0600; reading one that group or others can read is refused, as ssh does.
//! Public keys are written as the graph writes them, `ed25519:<base64>`.
//! A key id ([`keyid`]) is the lowercase hex sha256 of the 32 public key
//! bytes; it is a hint in DSSE envelopes and never chooses the key.

use ed25519_dalek::{SigningKey, VerifyingKey};
use std::fmt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use writ_diagnostics::limits::ReadError;

pub use writ_plan::signature::{
    parse_signing_key, parse_trusted_keys, public_key_text, signing_key_text,
};

/// Why a key could not be made, written or read.
#[derive(Debug)]
pub enum KeyError {
    /// The operating system's random number generator failed.
    Random(getrandom::Error),
    /// The key file exists and replacing it was not asked for.
    Exists(PathBuf),
    /// The key file could not be written.
    Write(PathBuf, std::io::Error),
    /// The key file's metadata could not be read.
    Stat(PathBuf, std::io::Error),
    /// Group or others may read the private key file (its mode).
    TooOpen(PathBuf, u32),
    /// The key file could not be read.
    Read(PathBuf, ReadError),
    /// The key file does not hold a private key (why).
    Parse(PathBuf, String),
    /// The trust file could not be read or parsed (the message names it).
    TrustFile(String),
    /// The trust file holds no key with the `runner` role (nor roleless).
    NoRunnerKey(PathBuf),
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Random(e) => write!(f, "the system random number generator failed: {e}"),
            KeyError::Exists(p) => write!(
                f,
                "`{}` already exists; pass --force to replace it",
                p.display()
            ),
            KeyError::Write(p, e) => write!(f, "cannot write `{}`: {e}", p.display()),
            KeyError::Stat(p, e) => write!(f, "cannot read `{}`: {e}", p.display()),
            KeyError::TooOpen(p, mode) => write!(
                f,
                "`{}` is readable by others (mode {mode:o}); a private key must be mode 600: chmod 600 {}",
                p.display(),
                p.display()
            ),
            KeyError::Read(p, e) => write!(f, "cannot read `{}`: {e}", p.display()),
            KeyError::Parse(p, e) => write!(f, "`{}`: {e}", p.display()),
            KeyError::TrustFile(message) => f.write_str(message),
            KeyError::NoRunnerKey(p) => write!(f, "`{}` holds no runner key", p.display()),
        }
    }
}

impl std::error::Error for KeyError {}

/// For callers that report errors as text.
impl From<KeyError> for String {
    fn from(e: KeyError) -> String {
        e.to_string()
    }
}

/// Generates a new key from the operating system's random number generator.
pub fn generate() -> Result<SigningKey, KeyError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(KeyError::Random)?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Writes `key` to a new file at `path` with mode 0600. Refuses to replace an
/// existing file unless `force`.
pub fn write_private_key(path: &Path, key: &SigningKey, force: bool) -> Result<(), KeyError> {
    let text = signing_key_text(key);
    let result = if force {
        crate::fsutil::write_atomic(path, text.as_bytes(), 0o600)
    } else {
        crate::fsutil::write_new(path, text.as_bytes(), 0o600)
    };
    result.map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            KeyError::Exists(path.to_path_buf())
        } else {
            KeyError::Write(path.to_path_buf(), e)
        }
    })
}

/// Reads a private key file, refusing one that group or others may read.
pub fn read_private_key(path: &Path) -> Result<SigningKey, KeyError> {
    let meta = std::fs::metadata(path).map_err(|e| KeyError::Stat(path.to_path_buf(), e))?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(KeyError::TooOpen(path.to_path_buf(), mode));
    }
    let text = writ_diagnostics::limits::read_text(path, writ_diagnostics::limits::Input::Key)
        .map_err(|e| KeyError::Read(path.to_path_buf(), e))?;
    parse_signing_key(&text).map_err(|e| KeyError::Parse(path.to_path_buf(), e))
}

/// Reads the runner keys of a trust file (docs/plan.md, "Trust files"):
/// keys with the `runner` role, and keys written without a role. Plan and
/// results keys never sign bundles, checkpoints or the log.
pub fn read_trusted_keys(path: &Path) -> Result<Vec<VerifyingKey>, KeyError> {
    use writ_plan::signature::{Role, keys_for, read_trust_file};
    let file = read_trust_file(path).map_err(KeyError::TrustFile)?;
    let keys = keys_for(&file, Role::Runner, Role::Runner);
    if keys.is_empty() {
        return Err(KeyError::NoRunnerKey(path.to_path_buf()));
    }
    Ok(keys)
}

/// The key id: lowercase hex sha256 of the 32 public key bytes.
pub fn keyid(key: &VerifyingKey) -> String {
    writ_plan::sha256_hex(key.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        let key = generate().unwrap();
        assert_ne!(key.to_bytes(), generate().unwrap().to_bytes());
        write_private_key(&path, &key, false).unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(read_private_key(&path).unwrap().to_bytes(), key.to_bytes());
        let exists = write_private_key(&path, &key, false).unwrap_err();
        assert!(matches!(exists, KeyError::Exists(_)), "{exists:?}");
        assert!(exists.to_string().contains("already exists"));
        write_private_key(&path, &key, true).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let open = read_private_key(&path).unwrap_err();
        assert!(matches!(open, KeyError::TooOpen(_, 0o644)), "{open:?}");
        assert!(open.to_string().contains("mode 600"));
        assert_eq!(keyid(&key.verifying_key()).len(), 64);
    }
}

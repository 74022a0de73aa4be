//! ed25519 key files.
//!
//! A private key file holds one line, `ed25519-private:<base64 of the 32-byte
//! seed>` (the format of [`writ_plan::signature`]), and is created with mode
//! 0600; reading one that group or others can read is refused, as ssh does.
//! Public keys are written as the graph writes them, `ed25519:<base64>`.
//! A key id ([`keyid`]) is the lowercase hex sha256 of the 32 public key
//! bytes; it is a hint in DSSE envelopes and never chooses the key.

use ed25519_dalek::{SigningKey, VerifyingKey};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

pub use writ_plan::signature::{
    parse_signing_key, parse_trusted_keys, public_key_text, signing_key_text,
};

/// Generates a new key from the operating system's random number generator.
pub fn generate() -> Result<SigningKey, String> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)
        .map_err(|e| format!("the system random number generator failed: {e}"))?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Writes `key` to a new file at `path` with mode 0600. Refuses to replace an
/// existing file unless `force`.
pub fn write_private_key(path: &Path, key: &SigningKey, force: bool) -> Result<(), String> {
    let text = signing_key_text(key);
    let result = if force {
        crate::fsutil::write_atomic(path, text.as_bytes(), 0o600)
    } else {
        crate::fsutil::write_new(path, text.as_bytes(), 0o600)
    };
    result.map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            format!(
                "`{}` already exists; pass --force to replace it",
                path.display()
            )
        } else {
            format!("cannot write `{}`: {e}", path.display())
        }
    })
}

/// Reads a private key file, refusing one that group or others may read.
pub fn read_private_key(path: &Path) -> Result<SigningKey, String> {
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(format!(
            "`{}` is readable by others (mode {mode:o}); a private key must be mode 600: chmod 600 {}",
            path.display(),
            path.display()
        ));
    }
    let text = writ_diagnostics::limits::read_text(path, writ_diagnostics::limits::Input::Key)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    parse_signing_key(&text).map_err(|e| format!("`{}`: {e}", path.display()))
}

/// Reads the runner keys of a trust file (docs/plan.md, "Trust files"):
/// keys with the `runner` role, and keys written without a role. Plan and
/// results keys never sign bundles, checkpoints or the log.
pub fn read_trusted_keys(path: &Path) -> Result<Vec<VerifyingKey>, String> {
    use writ_plan::signature::{Role, keys_for, read_trust_file};
    let file = read_trust_file(path)?;
    let keys = keys_for(&file, Role::Runner, Role::Runner);
    if keys.is_empty() {
        return Err(format!("`{}` holds no runner key", path.display()));
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
        assert!(
            write_private_key(&path, &key, false)
                .unwrap_err()
                .contains("already exists")
        );
        write_private_key(&path, &key, true).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(read_private_key(&path).unwrap_err().contains("mode 600"));
        assert_eq!(keyid(&key.verifying_key()).len(), 64);
    }
}

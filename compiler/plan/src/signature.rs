//! Detached ed25519 signatures over a plan's digest, and key files.
//!
//! The signed message is `writ.plan-signature/v1\n` followed by the plan's
//! digest (`sha256:…`), so a plan signature can never be replayed as any other
//! kind of writ signature. Verification tries every trusted key with
//! `verify_strict`; the key recorded in the signature file is only a hint for
//! humans and never chooses the key.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

/// The format tag of a plan signature file.
pub const SIGNATURE_FORMAT: &str = "writ.plan-signature/v1";

/// The prefix of a private key file's single line.
pub const PRIVATE_KEY_PREFIX: &str = "ed25519-private:";

/// A detached plan signature (`plan.json.sig`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanSignature {
    /// Always [`SIGNATURE_FORMAT`].
    pub format: String,
    /// The digest of the signed plan.
    pub plan: String,
    /// The signer's public key, `ed25519:<base64>` (a hint only).
    pub key: String,
    /// The signature, standard base64 of 64 bytes.
    pub signature: String,
}

fn message(plan_digest: &str) -> Vec<u8> {
    format!("{SIGNATURE_FORMAT}\n{plan_digest}").into_bytes()
}

/// The public key in the graph's notation, `ed25519:<base64>`.
pub fn public_key_text(key: &VerifyingKey) -> String {
    format!("ed25519:{}", STANDARD.encode(key.as_bytes()))
}

/// Signs a plan digest.
pub fn sign(plan_digest: &str, key: &SigningKey) -> PlanSignature {
    let signature = key.sign(&message(plan_digest));
    PlanSignature {
        format: SIGNATURE_FORMAT.into(),
        plan: plan_digest.into(),
        key: public_key_text(&key.verifying_key()),
        signature: STANDARD.encode(signature.to_bytes()),
    }
}

/// Why a signature was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignatureError {
    /// The signature file is not a plan signature.
    Malformed(String),
    /// It signs another plan.
    WrongPlan {
        /// The digest it signs.
        signed: String,
        /// The digest of the plan at hand.
        actual: String,
    },
    /// No trusted key verifies it.
    Untrusted,
    /// No key is trusted at all.
    NoTrustedKeys,
}

impl std::fmt::Display for SignatureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SignatureError::Malformed(why) => write!(f, "the signature file is malformed: {why}"),
            SignatureError::WrongPlan { signed, actual } => {
                write!(
                    f,
                    "the signature is for plan {signed}, not for this plan ({actual})"
                )
            }
            SignatureError::Untrusted => {
                write!(f, "the signature does not verify against any trusted key")
            }
            SignatureError::NoTrustedKeys => write!(f, "no trusted keys were given"),
        }
    }
}

/// Verifies `signature_bytes` (a signature file) for the plan with digest
/// `plan_digest` against `trusted` keys; returns the key that verified it.
pub fn verify(
    signature_bytes: &[u8],
    plan_digest: &str,
    trusted: &[VerifyingKey],
) -> Result<VerifyingKey, SignatureError> {
    if trusted.is_empty() {
        return Err(SignatureError::NoTrustedKeys);
    }
    let sig: PlanSignature = serde_json::from_slice(signature_bytes)
        .map_err(|e| SignatureError::Malformed(e.to_string()))?;
    if sig.format != SIGNATURE_FORMAT {
        return Err(SignatureError::Malformed(format!(
            "format `{}`",
            sig.format
        )));
    }
    if sig.plan != plan_digest {
        return Err(SignatureError::WrongPlan {
            signed: sig.plan,
            actual: plan_digest.into(),
        });
    }
    let raw = STANDARD
        .decode(&sig.signature)
        .map_err(|e| SignatureError::Malformed(format!("signature is not base64: {e}")))?;
    let raw: [u8; 64] = raw
        .try_into()
        .map_err(|_| SignatureError::Malformed("a signature has 64 bytes".into()))?;
    let signature = ed25519_dalek::Signature::from_bytes(&raw);
    let message = message(plan_digest);
    trusted
        .iter()
        .find(|key| key.verify_strict(&message, &signature).is_ok())
        .copied()
        .ok_or(SignatureError::Untrusted)
}

/// Reads trusted public keys: one `ed25519:<base64>` per line; blank lines and
/// `#` comments ignored. Errors name the line.
pub fn parse_trusted_keys(text: &str) -> Result<Vec<VerifyingKey>, String> {
    let mut keys = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        // Allow `name ed25519:…` lines: the key is the last word.
        let word = line.split_whitespace().last().unwrap_or(line);
        let key = writ_graph::parse_public_key(word).map_err(|e| format!("line {}: {e}", i + 1))?;
        keys.push(key);
    }
    Ok(keys)
}

/// Reads a private key file: one line `ed25519-private:<base64 of the 32-byte seed>`.
pub fn parse_signing_key(text: &str) -> Result<SigningKey, String> {
    let line = text.trim();
    let b64 = line.strip_prefix(PRIVATE_KEY_PREFIX).ok_or_else(|| {
        format!("a private key file holds one line starting with `{PRIVATE_KEY_PREFIX}`")
    })?;
    let bytes = STANDARD
        .decode(b64)
        .map_err(|e| format!("invalid base64: {e}"))?;
    let seed: [u8; 32] = bytes
        .try_into()
        .map_err(|_| "an ed25519 private key seed has 32 bytes".to_string())?;
    Ok(SigningKey::from_bytes(&seed))
}

/// The text of a private key file for `key`.
pub fn signing_key_text(key: &SigningKey) -> String {
    format!("{PRIVATE_KEY_PREFIX}{}\n", STANDARD.encode(key.to_bytes()))
}

/// Where trusted plan-signing keys come from: `--trust FILE`, else the
/// `WRIT_TRUST` environment variable, else nowhere (no signature required).
pub fn trust_source(flag: Option<&std::path::Path>) -> Option<std::path::PathBuf> {
    flag.map(std::path::Path::to_path_buf).or_else(|| {
        std::env::var_os("WRIT_TRUST")
            .filter(|v| !v.is_empty())
            .map(std::path::PathBuf::from)
    })
}

/// Requires the plan at `plan_path` (with digest `plan_digest`) to carry a
/// signature (`<plan>.sig`) by a key listed in `trust_file`.
pub fn require_trusted(
    plan_path: &std::path::Path,
    plan_digest: &str,
    trust_file: &std::path::Path,
) -> Result<VerifyingKey, String> {
    let trusted =
        writ_diagnostics::limits::read_text(trust_file, writ_diagnostics::limits::Input::Key)
            .map_err(|e| format!("cannot read trusted keys `{}`: {e}", trust_file.display()))
            .and_then(|t| {
                parse_trusted_keys(&t)
                    .map_err(|e| format!("trusted keys `{}`: {e}", trust_file.display()))
            })?;
    let mut sig_path = plan_path.as_os_str().to_owned();
    sig_path.push(".sig");
    let sig_path = std::path::PathBuf::from(sig_path);
    let bytes = writ_diagnostics::limits::read(&sig_path, writ_diagnostics::limits::Input::Key).map_err(|e| {
        format!("error[E0705]: trust is configured but plan {plan_digest} has no readable signature `{}`: {e}", sig_path.display())
    })?;
    verify(&bytes, plan_digest, &trusted)
        .map_err(|e| format!("error[E0705]: plan {plan_digest} refused: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    #[test]
    fn sign_and_verify() {
        let k = key(1);
        let sig = serde_json::to_vec(&sign("sha256:abc", &k)).unwrap();
        let trusted = [key(2).verifying_key(), k.verifying_key()];
        assert_eq!(verify(&sig, "sha256:abc", &trusted), Ok(k.verifying_key()));
    }

    #[test]
    fn refusals() {
        let k = key(1);
        let sig = serde_json::to_vec(&sign("sha256:abc", &k)).unwrap();
        assert!(matches!(
            verify(&sig, "sha256:abd", &[k.verifying_key()]),
            Err(SignatureError::WrongPlan { .. })
        ));
        assert_eq!(
            verify(&sig, "sha256:abc", &[key(2).verifying_key()]),
            Err(SignatureError::Untrusted)
        );
        assert_eq!(
            verify(&sig, "sha256:abc", &[]),
            Err(SignatureError::NoTrustedKeys)
        );
        // A signature whose `key` hint names a trusted key but was made by another.
        let mut forged = sign("sha256:abc", &key(3));
        forged.key = public_key_text(&k.verifying_key());
        let forged = serde_json::to_vec(&forged).unwrap();
        assert_eq!(
            verify(&forged, "sha256:abc", &[k.verifying_key()]),
            Err(SignatureError::Untrusted)
        );
        assert!(matches!(
            verify(b"{}", "sha256:abc", &[k.verifying_key()]),
            Err(SignatureError::Malformed(_))
        ));
    }

    #[test]
    fn key_files_round_trip() {
        let k = key(7);
        let parsed = parse_signing_key(&signing_key_text(&k)).unwrap();
        assert_eq!(parsed.to_bytes(), k.to_bytes());
        let trusted = parse_trusted_keys(&format!(
            "# security team\n\nsecurity {}\n",
            public_key_text(&k.verifying_key())
        ))
        .unwrap();
        assert_eq!(trusted, vec![k.verifying_key()]);
        assert!(
            parse_trusted_keys("ed25519:nope")
                .unwrap_err()
                .starts_with("line 1")
        );
        assert!(parse_signing_key("ed25519:abc").is_err());
    }
}

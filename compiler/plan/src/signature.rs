//! Detached ed25519 signatures over a plan's digest, key files, and where
//! the trust in a plan comes from.
//!
//! The signed message is `writ.plan-signature/v2`, the plan's digest
//! (`sha256:…`), the issue time and the expiry (or `none`), one per line, so
//! a plan signature can never be replayed as any other kind of writ
//! signature, and an expired signature cannot be revived by editing the file.
//! Verification tries every trusted key with `verify_strict`; the key
//! recorded in the signature file is only a hint for humans and never chooses
//! the key. Version 1 signatures (no issue time, no expiry) are refused: they
//! cannot be rolled back.
//!
//! Trust is never optional: [`trust_source`] returns the trusted keys or an
//! error, unless the caller passed the explicit insecure flag, and the result
//! of establishing trust ([`PlanTrust`]) is recorded in every proof and bundle.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The format tag of a plan signature file.
pub(crate) const SIGNATURE_FORMAT: &str = "writ.plan-signature/v2";

/// The format tag of the refused first version (no issue time, no expiry).
const SIGNATURE_FORMAT_V1: &str = "writ.plan-signature/v1";

/// The prefix of a private key file's single line.
pub(crate) const PRIVATE_KEY_PREFIX: &str = "ed25519-private:";

/// The name of the explicit flag that runs a plan nobody signed.
pub const INSECURE_FLAG: &str = "--insecure-unsigned-plan";

/// How far in the future an issue time may lie (clock skew between the
/// signer's machine and the runner's), in seconds.
pub(crate) const ISSUE_SKEW_SECS: i64 = 300;

/// A detached plan signature (`plan.json.sig`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanSignature {
    /// Always [`SIGNATURE_FORMAT`].
    pub format: String,
    /// The digest of the signed plan.
    pub plan: String,
    /// When it was signed, Unix seconds (signed).
    #[serde(default)]
    pub issued_at: i64,
    /// When it stops being valid, Unix seconds (signed); `None`: never.
    #[serde(default)]
    pub expires_at: Option<i64>,
    /// The signer's public key, `ed25519:<base64>` (a hint only).
    pub key: String,
    /// The signature, standard base64 of 64 bytes.
    pub signature: String,
}

fn message(plan_digest: &str, issued_at: i64, expires_at: Option<i64>) -> Vec<u8> {
    let expires = expires_at.map_or_else(|| "none".to_string(), |t| t.to_string());
    format!("{SIGNATURE_FORMAT}\nplan {plan_digest}\nissued_at {issued_at}\nexpires_at {expires}")
        .into_bytes()
}

/// The public key in the graph's notation, `ed25519:<base64>`.
pub fn public_key_text(key: &VerifyingKey) -> String {
    format!("ed25519:{}", STANDARD.encode(key.as_bytes()))
}

/// Signs a plan digest, issued at `issued_at` and valid until `expires_at`
/// (Unix seconds; `None`: no expiry).
pub fn sign(
    plan_digest: &str,
    key: &SigningKey,
    issued_at: i64,
    expires_at: Option<i64>,
) -> PlanSignature {
    let signature = key.sign(&message(plan_digest, issued_at, expires_at));
    PlanSignature {
        format: SIGNATURE_FORMAT.into(),
        plan: plan_digest.into(),
        issued_at,
        expires_at,
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
    /// The signature expired (rollback protection).
    Expired {
        /// Its expiry, Unix seconds.
        expires_at: i64,
        /// The time of the check.
        now: i64,
    },
    /// The signature claims to be issued in the future.
    NotYetValid {
        /// Its issue time, Unix seconds.
        issued_at: i64,
        /// The time of the check.
        now: i64,
    },
}

impl SignatureError {
    /// The stable diagnostic code: E0706 for a signature outside its
    /// validity window, E0705 for every other refusal.
    pub fn code(&self) -> &'static str {
        match self {
            SignatureError::Expired { .. } | SignatureError::NotYetValid { .. } => "E0706",
            _ => "E0705",
        }
    }
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
            SignatureError::Expired { expires_at, now } => write!(
                f,
                "the signature expired at {expires_at} (Unix seconds; now {now}): ask the \
                 security team to re-sign the plan (`writ plan --sign KEY --expires …`)"
            ),
            SignatureError::NotYetValid { issued_at, now } => write!(
                f,
                "the signature claims to be issued at {issued_at}, after now ({now}): \
                 check the signer's and this machine's clocks"
            ),
        }
    }
}

/// A signature that verified: by which key, and its validity window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verified {
    /// The trusted key that verified it.
    pub key: VerifyingKey,
    /// Its issue time, Unix seconds.
    pub issued_at: i64,
    /// Its expiry, Unix seconds, if any.
    pub expires_at: Option<i64>,
}

/// Verifies `signature_bytes` (a signature file) for the plan with digest
/// `plan_digest` against `trusted` keys at time `now` (Unix seconds).
pub fn verify(
    signature_bytes: &[u8],
    plan_digest: &str,
    trusted: &[VerifyingKey],
    now: i64,
) -> Result<Verified, SignatureError> {
    if trusted.is_empty() {
        return Err(SignatureError::NoTrustedKeys);
    }
    let value: serde_json::Value = serde_json::from_slice(signature_bytes)
        .map_err(|e| SignatureError::Malformed(e.to_string()))?;
    if value.get("format").and_then(|f| f.as_str()) == Some(SIGNATURE_FORMAT_V1) {
        return Err(SignatureError::Malformed(format!(
            "`{SIGNATURE_FORMAT_V1}` signatures carry no issue time or expiry and are no \
             longer accepted: re-sign the plan with `writ plan --sign`"
        )));
    }
    let sig: PlanSignature =
        serde_json::from_value(value).map_err(|e| SignatureError::Malformed(e.to_string()))?;
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
    let message = message(plan_digest, sig.issued_at, sig.expires_at);
    let key = trusted
        .iter()
        .find(|key| key.verify_strict(&message, &signature).is_ok())
        .copied()
        .ok_or(SignatureError::Untrusted)?;
    // The window is checked only once the signature is known to be genuine,
    // so an attacker cannot make an untrusted file look merely expired.
    if let Some(expires_at) = sig.expires_at
        && now >= expires_at
    {
        return Err(SignatureError::Expired { expires_at, now });
    }
    if sig.issued_at > now.saturating_add(ISSUE_SKEW_SECS) {
        return Err(SignatureError::NotYetValid {
            issued_at: sig.issued_at,
            now,
        });
    }
    Ok(Verified {
        key,
        issued_at: sig.issued_at,
        expires_at: sig.expires_at,
    })
}

/// The roles a trusted key can hold in a trust file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Signs compiled plans (the security team).
    Plan,
    /// Signs decision bundles and the check results it ran (a CI runner).
    Runner,
    /// Signs check results imported from elsewhere (`writ evidence add`).
    Results,
    /// Signs writ's own releases (`writ attest verify`).
    Release,
}

impl Role {
    fn parse(word: &str) -> Option<Role> {
        match word {
            "plan" => Some(Role::Plan),
            "runner" => Some(Role::Runner),
            "results" => Some(Role::Results),
            "release" => Some(Role::Release),
            _ => None,
        }
    }
}

/// One trusted key and the roles it holds; no role means "the role the
/// verb reading the file asks about" (the file format before roles).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustedKey {
    /// The key.
    pub key: VerifyingKey,
    /// Its roles; empty: the verb's default role.
    pub roles: Vec<Role>,
    /// The name written before the key, if any.
    pub name: Option<String>,
}

/// Reads a trust file: one key per line, `[ROLE[,ROLE…]] [NAME] ed25519:<base64>`,
/// where ROLE is `plan`, `runner`, `results` or `release`; blank lines and `#` comments
/// ignored. Errors name the line.
pub(crate) fn parse_trust_file(text: &str) -> Result<Vec<TrustedKey>, String> {
    let mut keys = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim().trim_start_matches('\u{feff}');
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some((last, rest)) = words.split_last() else {
            continue;
        };
        let key = writ_graph::parse_public_key(last).map_err(|e| format!("line {}: {e}", i + 1))?;
        let mut roles = Vec::new();
        let mut rest = rest;
        if let Some((first, tail)) = rest.split_first() {
            let parsed: Option<Vec<Role>> = first.split(',').map(Role::parse).collect();
            if let Some(parsed) = parsed {
                roles = parsed;
                rest = tail;
            }
        }
        if rest.len() > 1 {
            return Err(format!(
                "line {}: write `[ROLE] [NAME] ed25519:…` (ROLE is plan, runner or results; \
                 a name is one word)",
                i + 1
            ));
        }
        roles.sort();
        roles.dedup();
        keys.push(TrustedKey {
            key,
            roles,
            name: rest.first().map(|s| s.to_string()),
        });
    }
    Ok(keys)
}

/// The keys of a trust file that hold `role`; keys written without a role
/// count when `role == default` (the role the reading verb asks about).
pub fn keys_for(keys: &[TrustedKey], role: Role, default: Role) -> Vec<VerifyingKey> {
    keys.iter()
        .filter(|k| k.roles.contains(&role) || (k.roles.is_empty() && role == default))
        .map(|k| k.key)
        .collect()
}

/// Reads trusted public keys: one `[ROLE] [NAME] ed25519:<base64>` per line;
/// every key regardless of its role. Errors name the line.
pub fn parse_trusted_keys(text: &str) -> Result<Vec<VerifyingKey>, String> {
    Ok(parse_trust_file(text)?.into_iter().map(|k| k.key).collect())
}

/// Reads and parses a trust file.
pub fn read_trust_file(path: &Path) -> Result<Vec<TrustedKey>, String> {
    let text = writ_diagnostics::limits::read_text(path, writ_diagnostics::limits::Input::Key)
        .map_err(|e| format!("cannot read trusted keys `{}`: {e}", path.display()))?;
    parse_trust_file(&text).map_err(|e| format!("trusted keys `{}`: {e}", path.display()))
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

/// Where the trust in a plan comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrustSource {
    /// A trust file (`--trust FILE` or `$WRIT_TRUST`).
    Keys(PathBuf),
    /// Nobody: the user passed [`INSECURE_FLAG`] and no trust file.
    Insecure,
}

/// Where trusted plan-signing keys come from: `--trust FILE`, else the
/// `WRIT_TRUST` environment variable; with neither, an error unless
/// `insecure` (the explicit [`INSECURE_FLAG`]) was given. An empty
/// `WRIT_TRUST` is an error, never "no trust".
pub fn trust_source(flag: Option<&Path>, insecure: bool) -> Result<TrustSource, String> {
    if let Some(path) = flag {
        return Ok(TrustSource::Keys(path.to_path_buf()));
    }
    match std::env::var_os("WRIT_TRUST") {
        Some(v) if v.is_empty() => Err(
            "error[E0705]: WRIT_TRUST is set but empty: set it to a trust file, or unset it and \
             pass --trust FILE"
                .into(),
        ),
        Some(v) => Ok(TrustSource::Keys(PathBuf::from(v))),
        None if insecure => Ok(TrustSource::Insecure),
        None => Err(format!(
            "error[E0705]: no trusted plan keys: pass --trust FILE (or set WRIT_TRUST) with the \
             security team's public keys; for local experiments only, {INSECURE_FLAG} runs an \
             unsigned plan and records that in the evidence"
        )),
    }
}

/// What was established about a plan's signature, recorded in proofs and
/// bundles so a policy or an auditor can refuse an unverified plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanTrust {
    /// Whether the plan's signature verified against a trusted key.
    pub verified: bool,
    /// The trusted key that verified it, `ed25519:<base64>`.
    pub key: Option<String>,
    /// The signature's issue time, Unix seconds.
    pub issued_at: Option<i64>,
    /// The signature's expiry, Unix seconds.
    pub expires_at: Option<i64>,
    /// The flag that let an unsigned plan run, when `verified` is false.
    pub insecure: Option<String>,
}

impl PlanTrust {
    /// The record of a plan run under [`INSECURE_FLAG`].
    pub fn insecure() -> PlanTrust {
        PlanTrust {
            verified: false,
            key: None,
            issued_at: None,
            expires_at: None,
            insecure: Some(INSECURE_FLAG.into()),
        }
    }

    /// The record of a verified signature.
    pub fn verified(v: &Verified) -> PlanTrust {
        PlanTrust {
            verified: true,
            key: Some(public_key_text(&v.key)),
            issued_at: Some(v.issued_at),
            expires_at: v.expires_at,
            insecure: None,
        }
    }
}

/// The signature file of a plan: `<plan>.sig`.
pub fn signature_path(plan: &Path) -> PathBuf {
    let mut name = plan.as_os_str().to_owned();
    name.push(".sig");
    PathBuf::from(name)
}

/// Establishes the trust in the plan at `plan_path` (digest `plan_digest`) at
/// time `now`: with a trust file, its `<plan>.sig` must verify against one of
/// the file's plan keys; under [`TrustSource::Insecure`], an unverified record.
pub fn establish(
    plan_path: &Path,
    plan_digest: &str,
    source: &TrustSource,
    now: i64,
) -> Result<PlanTrust, String> {
    match source {
        TrustSource::Insecure => Ok(PlanTrust::insecure()),
        TrustSource::Keys(path) => {
            let keys = read_trust_file(path)?;
            establish_with(plan_path, plan_digest, path, &keys, now)
        }
    }
}

/// [`establish`] with the trust file `trust_file` already read as `keys`.
pub fn establish_with(
    plan_path: &Path,
    plan_digest: &str,
    trust_file: &Path,
    keys: &[TrustedKey],
    now: i64,
) -> Result<PlanTrust, String> {
    let trusted = keys_for(keys, Role::Plan, Role::Plan);
    if trusted.is_empty() {
        return Err(format!(
            "error[E0705]: `{}` lists no plan-signing key (lines `plan NAME ed25519:…`, or keys \
             without a role)",
            trust_file.display()
        ));
    }
    let sig_path = signature_path(plan_path);
    let bytes = writ_diagnostics::limits::read(&sig_path, writ_diagnostics::limits::Input::Key)
        .map_err(|e| {
            format!(
                "error[E0705]: plan {plan_digest} has no readable signature `{}`: {e}",
                sig_path.display()
            )
        })?;
    verify(&bytes, plan_digest, &trusted, now)
        .map(|v| PlanTrust::verified(&v))
        .map_err(|e| format!("error[{}]: plan {plan_digest} refused: {e}", e.code()))
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
        let sig = serde_json::to_vec(&sign("sha256:abc", &k, 100, None)).unwrap();
        let trusted = [key(2).verifying_key(), k.verifying_key()];
        assert_eq!(
            verify(&sig, "sha256:abc", &trusted, 200).map(|v| v.key),
            Ok(k.verifying_key())
        );
    }

    #[test]
    fn refusals() {
        let k = key(1);
        let sig = serde_json::to_vec(&sign("sha256:abc", &k, 100, None)).unwrap();
        assert!(matches!(
            verify(&sig, "sha256:abd", &[k.verifying_key()], 200),
            Err(SignatureError::WrongPlan { .. })
        ));
        assert_eq!(
            verify(&sig, "sha256:abc", &[key(2).verifying_key()], 200),
            Err(SignatureError::Untrusted)
        );
        assert_eq!(
            verify(&sig, "sha256:abc", &[], 200),
            Err(SignatureError::NoTrustedKeys)
        );
        // A signature whose `key` hint names a trusted key but was made by another.
        let mut forged = sign("sha256:abc", &key(3), 100, None);
        forged.key = public_key_text(&k.verifying_key());
        let forged = serde_json::to_vec(&forged).unwrap();
        assert_eq!(
            verify(&forged, "sha256:abc", &[k.verifying_key()], 200),
            Err(SignatureError::Untrusted)
        );
        assert!(matches!(
            verify(b"{}", "sha256:abc", &[k.verifying_key()], 200),
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

    #[test]
    fn validity_window() {
        let k = key(1);
        let trusted = [k.verifying_key()];
        let sig = serde_json::to_vec(&sign("sha256:abc", &k, 1000, Some(2000))).unwrap();
        assert!(verify(&sig, "sha256:abc", &trusted, 1500).is_ok());
        let expired = verify(&sig, "sha256:abc", &trusted, 2000).unwrap_err();
        assert_eq!(
            expired,
            SignatureError::Expired {
                expires_at: 2000,
                now: 2000
            }
        );
        assert_eq!(expired.code(), "E0706");
        // Issued far in the future (a clock set forward to outlive an expiry).
        assert!(matches!(
            verify(&sig, "sha256:abc", &trusted, 1000 - ISSUE_SKEW_SECS - 1),
            Err(SignatureError::NotYetValid { .. })
        ));
        // Editing the expiry in the file breaks the signature: it is signed.
        let mut extended = sign("sha256:abc", &k, 1000, Some(2000));
        extended.expires_at = Some(9_999_999);
        let extended = serde_json::to_vec(&extended).unwrap();
        assert_eq!(
            verify(&extended, "sha256:abc", &trusted, 5000),
            Err(SignatureError::Untrusted)
        );
        let mut dropped = sign("sha256:abc", &k, 1000, Some(2000));
        dropped.expires_at = None;
        let dropped = serde_json::to_vec(&dropped).unwrap();
        assert_eq!(
            verify(&dropped, "sha256:abc", &trusted, 5000),
            Err(SignatureError::Untrusted)
        );
    }

    #[test]
    fn version_one_signatures_are_refused() {
        let k = key(1);
        // A genuine v1 signature (message: format, newline, digest).
        let v1_sig = k.sign(b"writ.plan-signature/v1\nsha256:abc");
        let file = serde_json::json!({
            "format": "writ.plan-signature/v1",
            "plan": "sha256:abc",
            "key": public_key_text(&k.verifying_key()),
            "signature": STANDARD.encode(v1_sig.to_bytes()),
        });
        let err = verify(
            file.to_string().as_bytes(),
            "sha256:abc",
            &[k.verifying_key()],
            10,
        )
        .unwrap_err();
        assert!(
            matches!(&err, SignatureError::Malformed(m) if m.contains("re-sign")),
            "{err}"
        );
    }

    #[test]
    fn trust_file_roles() {
        let (a, b, c) = (key(1), key(2), key(3));
        let text = format!(
            "# roles\nplan security {}\nrunner,results ci {}\n{}\n",
            public_key_text(&a.verifying_key()),
            public_key_text(&b.verifying_key()),
            public_key_text(&c.verifying_key())
        );
        let keys = parse_trust_file(&text).unwrap();
        assert_eq!(keys[0].roles, vec![Role::Plan]);
        assert_eq!(keys[0].name.as_deref(), Some("security"));
        assert_eq!(keys[1].roles, vec![Role::Runner, Role::Results]);
        assert!(keys[2].roles.is_empty());
        // Keys without a role serve the verb's default role only.
        assert_eq!(
            keys_for(&keys, Role::Plan, Role::Plan),
            vec![a.verifying_key(), c.verifying_key()]
        );
        assert_eq!(
            keys_for(&keys, Role::Plan, Role::Runner),
            vec![a.verifying_key()]
        );
        assert_eq!(
            keys_for(&keys, Role::Results, Role::Plan),
            vec![b.verifying_key()]
        );
        assert!(parse_trust_file("plan a b ed25519:x").is_err());
    }
}

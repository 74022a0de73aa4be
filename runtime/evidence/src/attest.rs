//! Signed in-toto statements about files: what `writ attest` makes and checks,
//! such as the provenance of a writ release signed by writ's own key.
//!
//! A statement (`https://in-toto.io/Statement/v1`) names each file by its
//! file name and sha256 digest and carries a predicate (for a release, an
//! SLSA provenance predicate); it is signed as a DSSE envelope, the same as
//! evidence bundles, so OpenSSL alone can check it
//! (`examples/audit/dsse-verify-openssl.sh`). Verifying takes the trusted keys
//! from the user, checks the signature with `verify_strict` before reading the
//! payload, then checks every given file against the subject of its name.

use crate::dsse::{self, Envelope, INTOTO_PAYLOAD_TYPE};
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The in-toto statement type this module writes and accepts.
pub(crate) const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";

/// The default predicate type: SLSA provenance v1.
pub const SLSA_PROVENANCE: &str = "https://slsa.dev/provenance/v1";

/// One attested file: its name (no folders) and its sha256 in hex.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Subject {
    /// The file name the statement uses.
    pub name: String,
    /// Lowercase hex sha256 of the file's bytes.
    pub sha256: String,
}

impl Subject {
    /// The subject for `bytes` named `name`.
    pub fn of(name: &str, bytes: &[u8]) -> Subject {
        Subject {
            name: name.to_string(),
            sha256: writ_plan::hex(&Sha256::digest(bytes)),
        }
    }
}

/// The statement's bytes: subjects sorted by name, keys in a fixed order
/// (serde_json sorts object keys), so the same inputs give the same bytes.
pub fn statement(subjects: &[Subject], predicate_type: &str, predicate: &Value) -> Vec<u8> {
    let mut subjects = subjects.to_vec();
    subjects.sort();
    let subject: Vec<Value> = subjects
        .iter()
        .map(|s| json!({"name": s.name, "digest": {"sha256": s.sha256}}))
        .collect();
    let value = json!({
        "_type": STATEMENT_TYPE,
        "subject": subject,
        "predicateType": predicate_type,
        "predicate": predicate,
    });
    serde_json::to_vec_pretty(&value).expect("a JSON value serialises")
}

/// Signs a statement about `subjects` with `key`.
pub fn sign(
    subjects: &[Subject],
    predicate_type: &str,
    predicate: &Value,
    key: &SigningKey,
) -> Result<Envelope, String> {
    if subjects.is_empty() {
        return Err("a statement needs at least one file".into());
    }
    let mut names: Vec<&str> = subjects.iter().map(|s| s.name.as_str()).collect();
    names.sort_unstable();
    if let Some(pair) = names.windows(2).find(|p| p[0] == p[1]) {
        return Err(format!("two files are named `{}`", pair[0]));
    }
    let payload = statement(subjects, predicate_type, predicate);
    Ok(dsse::sign(INTOTO_PAYLOAD_TYPE, &payload, key))
}

/// A statement whose signature and files verified.
#[derive(Clone, Debug)]
pub struct Verified {
    /// The predicate type.
    pub predicate_type: String,
    /// Every subject of the statement, sorted by name.
    pub subjects: Vec<Subject>,
    /// The trusted keys that signed it.
    pub keys: Vec<VerifyingKey>,
}

/// Verifies the envelope `bytes` against `trusted` keys, then checks each
/// of `files` (name, bytes) against the subject of that name: a file the
/// statement does not name, or whose digest differs, is refused.
pub fn verify(
    bytes: &[u8],
    trusted: &[VerifyingKey],
    files: &[(String, Vec<u8>)],
) -> Result<Verified, String> {
    let envelope = dsse::parse(bytes).map_err(|e| e.to_string())?;
    let verified =
        dsse::verify(&envelope, INTOTO_PAYLOAD_TYPE, trusted, 1).map_err(|e| e.to_string())?;
    let value: Value = serde_json::from_slice(&verified.payload)
        .map_err(|e| format!("the signed payload is not JSON: {e}"))?;
    if value["_type"] != STATEMENT_TYPE {
        return Err(format!(
            "the signed payload is not an in-toto statement ({STATEMENT_TYPE})"
        ));
    }
    let predicate_type = value["predicateType"]
        .as_str()
        .ok_or("the statement has no predicateType")?
        .to_string();
    let mut subjects = Vec::new();
    for s in value["subject"]
        .as_array()
        .ok_or("the statement has no subject")?
    {
        let (Some(name), Some(sha256)) = (s["name"].as_str(), s["digest"]["sha256"].as_str())
        else {
            return Err("a subject has no name or sha256 digest".into());
        };
        subjects.push(Subject {
            name: name.to_string(),
            sha256: sha256.to_ascii_lowercase(),
        });
    }
    subjects.sort();
    for (name, content) in files {
        let actual = Subject::of(name, content);
        match subjects.iter().find(|s| &s.name == name) {
            None => return Err(format!("the statement does not name `{name}`")),
            Some(s) if s.sha256 != actual.sha256 => {
                return Err(format!(
                    "`{name}` has sha256 {}, the statement says {}",
                    actual.sha256, s.sha256
                ));
            }
            Some(_) => {}
        }
    }
    Ok(Verified {
        predicate_type,
        subjects,
        keys: verified.keys,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        crate::keys::generate().unwrap()
    }

    #[test]
    fn a_signed_statement_verifies_and_binds_its_files() {
        let k = key();
        let files = vec![
            ("writ.tar.gz".to_string(), b"archive".to_vec()),
            ("SHA256SUMS".to_string(), b"sums".to_vec()),
        ];
        let subjects: Vec<Subject> = files.iter().map(|(n, b)| Subject::of(n, b)).collect();
        let predicate = json!({"buildDefinition": {"buildType": "x"}});
        let envelope = sign(&subjects, SLSA_PROVENANCE, &predicate, &k).unwrap();
        let bytes = serde_json::to_vec(&envelope).unwrap();
        let ok = verify(&bytes, &[k.verifying_key()], &files).unwrap();
        assert_eq!(ok.predicate_type, SLSA_PROVENANCE);
        assert_eq!(ok.subjects.len(), 2);
        assert_eq!(ok.subjects[0].name, "SHA256SUMS");
        // Same inputs, same statement bytes.
        assert_eq!(
            statement(&subjects, SLSA_PROVENANCE, &predicate),
            dsse::decode_base64(&envelope.payload).unwrap()
        );

        let tampered = vec![("writ.tar.gz".to_string(), b"archivf".to_vec())];
        let e = verify(&bytes, &[k.verifying_key()], &tampered).unwrap_err();
        assert!(e.contains("has sha256"), "{e}");
        let unnamed = vec![("other".to_string(), b"archive".to_vec())];
        let e = verify(&bytes, &[k.verifying_key()], &unnamed).unwrap_err();
        assert!(e.contains("does not name `other`"), "{e}");
        let e = verify(&bytes, &[key().verifying_key()], &files).unwrap_err();
        assert!(!e.is_empty());
    }

    #[test]
    fn duplicate_names_and_empty_statements_are_refused() {
        let k = key();
        let s = Subject::of("a", b"1");
        assert!(sign(&[], SLSA_PROVENANCE, &Value::Null, &k).is_err());
        let e = sign(&[s.clone(), s], SLSA_PROVENANCE, &Value::Null, &k).unwrap_err();
        assert!(e.contains("two files are named `a`"), "{e}");
    }
}

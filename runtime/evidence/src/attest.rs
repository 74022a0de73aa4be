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

/// Why a statement could not be signed or does not verify.
#[derive(Debug)]
pub enum AttestError {
    /// Signing: no file to make a statement about.
    NoFiles,
    /// Signing: two files share a name.
    DuplicateName(String),
    /// The envelope does not parse or its signature does not verify.
    Envelope(dsse::DsseError),
    /// The signed payload is not JSON.
    NotJson(serde_json::Error),
    /// The signed payload is not an in-toto statement.
    NotStatement,
    /// The statement has no `predicateType`.
    NoPredicateType,
    /// The statement has no `subject` array.
    NoSubject,
    /// A subject lacks its name or sha256 digest.
    IncompleteSubject,
    /// A file given to check is not a subject of the statement.
    NotNamed(String),
    /// A file's sha256 differs from its subject's.
    Digest {
        /// The file's name.
        name: String,
        /// Its sha256.
        actual: String,
        /// The sha256 the statement records.
        stated: String,
    },
}

impl std::fmt::Display for AttestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AttestError::NoFiles => f.write_str("a statement needs at least one file"),
            AttestError::DuplicateName(name) => write!(f, "two files are named `{name}`"),
            AttestError::Envelope(e) => write!(f, "{e}"),
            AttestError::NotJson(e) => write!(f, "the signed payload is not JSON: {e}"),
            AttestError::NotStatement => write!(
                f,
                "the signed payload is not an in-toto statement ({STATEMENT_TYPE})"
            ),
            AttestError::NoPredicateType => f.write_str("the statement has no predicateType"),
            AttestError::NoSubject => f.write_str("the statement has no subject"),
            AttestError::IncompleteSubject => f.write_str("a subject has no name or sha256 digest"),
            AttestError::NotNamed(name) => write!(f, "the statement does not name `{name}`"),
            AttestError::Digest {
                name,
                actual,
                stated,
            } => write!(
                f,
                "`{name}` has sha256 {actual}, the statement says {stated}"
            ),
        }
    }
}

impl std::error::Error for AttestError {}

impl From<AttestError> for String {
    fn from(e: AttestError) -> String {
        e.to_string()
    }
}

/// Signs a statement about `subjects` with `key`.
pub fn sign(
    subjects: &[Subject],
    predicate_type: &str,
    predicate: &Value,
    key: &SigningKey,
) -> Result<Envelope, AttestError> {
    if subjects.is_empty() {
        return Err(AttestError::NoFiles);
    }
    let mut names: Vec<&str> = subjects.iter().map(|s| s.name.as_str()).collect();
    names.sort_unstable();
    if let Some(pair) = names.windows(2).find(|p| p[0] == p[1]) {
        return Err(AttestError::DuplicateName(pair[0].to_string()));
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
) -> Result<Verified, AttestError> {
    let envelope = dsse::parse(bytes).map_err(AttestError::Envelope)?;
    let verified =
        dsse::verify(&envelope, INTOTO_PAYLOAD_TYPE, trusted, 1).map_err(AttestError::Envelope)?;
    let value: Value = serde_json::from_slice(&verified.payload).map_err(AttestError::NotJson)?;
    if value["_type"] != STATEMENT_TYPE {
        return Err(AttestError::NotStatement);
    }
    let predicate_type = value["predicateType"]
        .as_str()
        .ok_or(AttestError::NoPredicateType)?
        .to_string();
    let mut subjects = Vec::new();
    for s in value["subject"].as_array().ok_or(AttestError::NoSubject)? {
        let (Some(name), Some(sha256)) = (s["name"].as_str(), s["digest"]["sha256"].as_str())
        else {
            return Err(AttestError::IncompleteSubject);
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
            None => return Err(AttestError::NotNamed(name.clone())),
            Some(s) if s.sha256 != actual.sha256 => {
                return Err(AttestError::Digest {
                    name: name.clone(),
                    actual: actual.sha256,
                    stated: s.sha256.clone(),
                });
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
        assert!(
            matches!(&e, AttestError::Digest { name, .. } if name == "writ.tar.gz"),
            "{e}"
        );
        assert!(e.to_string().contains("has sha256"), "{e}");
        let unnamed = vec![("other".to_string(), b"archive".to_vec())];
        let e = verify(&bytes, &[k.verifying_key()], &unnamed).unwrap_err();
        assert_eq!(e.to_string(), "the statement does not name `other`");
        let e = verify(&bytes, &[key().verifying_key()], &files).unwrap_err();
        assert!(matches!(e, AttestError::Envelope(_)), "{e}");
    }

    #[test]
    fn duplicate_names_and_empty_statements_are_refused() {
        let k = key();
        let s = Subject::of("a", b"1");
        assert!(matches!(
            sign(&[], SLSA_PROVENANCE, &Value::Null, &k),
            Err(AttestError::NoFiles)
        ));
        let e = sign(&[s.clone(), s], SLSA_PROVENANCE, &Value::Null, &k).unwrap_err();
        assert_eq!(e.to_string(), "two files are named `a`");
    }
}

//! DSSE envelopes (Dead Simple Signing Envelope, v1.0.2).
//!
//! The signature covers `PAE(payloadType, payload)`:
//! `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, lengths as ASCII
//! decimal. Envelopes are JSON with `payload` (standard base64),
//! `payloadType` and `signatures` (`keyid`, `sig` in standard base64).
//!
//! Verification tries every trusted key on every signature with
//! `verify_strict`, counts distinct keys (not signatures), and only then
//! checks that the verified `payloadType` is the one expected. The `keyid`
//! is never used to choose a key.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

/// The payload type of in-toto statements.
pub const INTOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// A DSSE envelope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// The payload, standard base64.
    pub payload: String,
    /// The payload's media type; signed (it is part of the PAE).
    #[serde(rename = "payloadType")]
    pub payload_type: String,
    /// One or more signatures.
    pub signatures: Vec<Signature>,
}

/// One signature of an envelope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    /// A hint naming the key ([`crate::keys::keyid`]); never trusted.
    #[serde(default)]
    pub keyid: String,
    /// The ed25519 signature over the PAE, standard base64.
    pub sig: String,
}

/// Pre-Authentication Encoding.
pub(crate) fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + payload_type.len() + 32);
    out.extend_from_slice(b"DSSEv1 ");
    out.extend_from_slice(payload_type.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload_type.as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload);
    out
}

/// Signs `payload` of type `payload_type` with `key`.
pub fn sign(payload_type: &str, payload: &[u8], key: &SigningKey) -> Envelope {
    let sig = key.sign(&pae(payload_type, payload));
    Envelope {
        payload: STANDARD.encode(payload),
        payload_type: payload_type.to_string(),
        signatures: vec![Signature {
            keyid: crate::keys::keyid(&key.verifying_key()),
            sig: STANDARD.encode(sig.to_bytes()),
        }],
    }
}

/// Why an envelope was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DsseError {
    /// Not a DSSE envelope (the reason says what is wrong).
    Malformed(String),
    /// No trusted keys were given.
    NoTrustedKeys,
    /// Fewer distinct trusted keys than required signed it.
    Untrusted {
        /// Distinct trusted keys whose signature verified.
        verified: usize,
        /// Distinct trusted keys required.
        threshold: usize,
    },
    /// The signature verified but the payload is of another type.
    WrongPayloadType {
        /// The signed payload type.
        found: String,
        /// The type expected.
        expected: String,
    },
}

impl std::fmt::Display for DsseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DsseError::Malformed(why) => write!(f, "not a valid DSSE envelope: {why}"),
            DsseError::NoTrustedKeys => write!(f, "no trusted keys were given"),
            DsseError::Untrusted { verified: 0, .. } => write!(
                f,
                "no signature verifies against a trusted key (forged, altered after signing, or signed by an untrusted key)"
            ),
            DsseError::Untrusted {
                verified,
                threshold,
            } => write!(
                f,
                "signed by {verified} distinct trusted key(s), {threshold} required"
            ),
            DsseError::WrongPayloadType { found, expected } => {
                write!(
                    f,
                    "the signed payload type is `{found}`, expected `{expected}`"
                )
            }
        }
    }
}

impl std::error::Error for DsseError {}

/// A verified envelope.
#[derive(Clone, Debug)]
pub struct Verified {
    /// The payload bytes (exactly the signed bytes).
    pub payload: Vec<u8>,
    /// The distinct trusted keys whose signature verified.
    pub keys: Vec<VerifyingKey>,
}

/// Text that is not base64 in any form DSSE allows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Base64Error(base64::DecodeError);

impl std::fmt::Display for Base64Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid base64: {}", self.0)
    }
}

impl std::error::Error for Base64Error {}

/// Decodes base64 as DSSE allows (standard or URL-safe).
pub fn decode_base64(text: &str) -> Result<Vec<u8>, Base64Error> {
    STANDARD
        .decode(text)
        .or_else(|_| URL_SAFE.decode(text))
        .or_else(|_| URL_SAFE_NO_PAD.decode(text))
        .map_err(Base64Error)
}

/// Parses an envelope from JSON bytes.
pub fn parse(bytes: &[u8]) -> Result<Envelope, DsseError> {
    serde_json::from_slice(bytes).map_err(|e| DsseError::Malformed(format!("{e}")))
}

/// Verifies `envelope`: at least `threshold` distinct keys of `trusted`
/// signed it, and its payload type is `expected_type`.
pub fn verify(
    envelope: &Envelope,
    expected_type: &str,
    trusted: &[VerifyingKey],
    threshold: usize,
) -> Result<Verified, DsseError> {
    if trusted.is_empty() {
        return Err(DsseError::NoTrustedKeys);
    }
    let payload = decode_base64(&envelope.payload)
        .map_err(|e| DsseError::Malformed(format!("payload: {e}")))?;
    if envelope.signatures.is_empty() {
        return Err(DsseError::Malformed("no signatures".into()));
    }
    let message = pae(&envelope.payload_type, &payload);
    let mut verified: Vec<VerifyingKey> = Vec::new();
    for signature in &envelope.signatures {
        let Ok(raw) = decode_base64(&signature.sig) else {
            continue;
        };
        let Ok(raw) = <[u8; 64]>::try_from(raw.as_slice()) else {
            continue;
        };
        let sig = ed25519_dalek::Signature::from_bytes(&raw);
        for key in trusted {
            if verified.contains(key) {
                continue;
            }
            if key.verify_strict(&message, &sig).is_ok() {
                verified.push(*key);
                break;
            }
        }
    }
    let threshold = threshold.max(1);
    if verified.len() < threshold {
        return Err(DsseError::Untrusted {
            verified: verified.len(),
            threshold,
        });
    }
    if envelope.payload_type != expected_type {
        return Err(DsseError::WrongPayloadType {
            found: envelope.payload_type.clone(),
            expected: expected_type.to_string(),
        });
    }
    Ok(Verified {
        payload,
        keys: verified,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    #[test]
    fn pae_matches_the_spec() {
        // The DSSE spec's own example.
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
        assert_eq!(pae("", b""), b"DSSEv1 0  0 ".to_vec());
    }

    #[test]
    fn sign_verify_and_refusals() {
        let k = key(1);
        let env = sign(INTOTO_PAYLOAD_TYPE, b"{}", &k);
        let ok = verify(
            &env,
            INTOTO_PAYLOAD_TYPE,
            &[key(2).verifying_key(), k.verifying_key()],
            1,
        )
        .unwrap();
        assert_eq!(ok.payload, b"{}");
        assert_eq!(ok.keys, vec![k.verifying_key()]);
        // Untrusted key.
        assert!(matches!(
            verify(&env, INTOTO_PAYLOAD_TYPE, &[key(2).verifying_key()], 1),
            Err(DsseError::Untrusted { verified: 0, .. })
        ));
        // Edited payload type: the signature no longer verifies.
        let mut edited = env.clone();
        edited.payload_type = "application/json".into();
        assert!(matches!(
            verify(&edited, "application/json", &[k.verifying_key()], 1),
            Err(DsseError::Untrusted { .. })
        ));
        // Correctly signed, wrong type.
        let other = sign("application/json", b"{}", &k);
        assert!(matches!(
            verify(&other, INTOTO_PAYLOAD_TYPE, &[k.verifying_key()], 1),
            Err(DsseError::WrongPayloadType { .. })
        ));
        // The same signature twice counts once.
        let mut twice = env.clone();
        twice.signatures.push(twice.signatures[0].clone());
        assert!(matches!(
            verify(&twice, INTOTO_PAYLOAD_TYPE, &[k.verifying_key()], 2),
            Err(DsseError::Untrusted {
                verified: 1,
                threshold: 2
            })
        ));
        // A key id naming a trusted key does not make a signature by another key valid.
        let mut lying = sign(INTOTO_PAYLOAD_TYPE, b"{}", &key(3));
        lying.signatures[0].keyid = crate::keys::keyid(&k.verifying_key());
        assert!(verify(&lying, INTOTO_PAYLOAD_TYPE, &[k.verifying_key()], 1).is_err());
        assert!(matches!(
            parse(b"{\"payload\":1}"),
            Err(DsseError::Malformed(_))
        ));
    }
}

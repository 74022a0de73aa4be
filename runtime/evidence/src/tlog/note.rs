//! The C2SP `signed-note` format (c2sp.org/signed-note), Ed25519 only.
//!
//! A note is UTF-8 text ending in a newline, a blank line, then one line per
//! signature: `— <key name> <base64(key hash ‖ signature)>`. The key hash is
//! the first four bytes of `SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key)`, read as
//! a big-endian `u32`; a verifier key is written `<name>+<hash hex>+<base64(0x01 ‖ key)>`.
//!
//! Verification never lets the note choose a key: each signature line is
//! checked with `verify_strict` against the caller's trusted keys whose key
//! hash (for that line's name) matches; signatures by unknown keys (other
//! cosigners) are kept and reported as unverified.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature as EdSignature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// The algorithm byte of Ed25519 keys in key hashes and verifier keys.
const ALG_ED25519: u8 = 0x01;
/// At most this many signatures are read from a note (as Go's `note` does).
const MAX_SIGNATURES: usize = 100;
/// Notes larger than this are refused before parsing.
const MAX_NOTE_BYTES: usize = 1 << 20;

/// One signature line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteSignature {
    /// The key name.
    pub name: String,
    /// The key hash the line claims.
    pub key_hash: u32,
    /// The signature bytes (64 for Ed25519).
    pub signature: Vec<u8>,
}

/// A parsed signed note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// The signed text, ending in a newline.
    pub text: String,
    /// The signature lines, in order.
    pub signatures: Vec<NoteSignature>,
}

/// Why a note, or a note key, is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoteError {
    /// Larger than [`MAX_NOTE_BYTES`].
    TooLarge,
    /// Not UTF-8.
    NotUtf8,
    /// No blank line separates the text from the signatures.
    NoBlankLine,
    /// The text does not end with a newline.
    TextNoNewline,
    /// The text holds a control character.
    TextControl,
    /// The signature lines do not end with a newline.
    SignaturesNoNewline,
    /// A line that is not `— <name> <base64>`.
    NotSignatureLine(String),
    /// A key name with a space or `+`, or empty.
    KeyName(String),
    /// The signature of the named key is not base64.
    SignatureBase64(String),
    /// The signature of the named key is shorter than a key hash and a byte.
    SignatureShort(String),
    /// More than [`MAX_SIGNATURES`] signature lines.
    TooManySignatures,
    /// No signature line.
    NoSignature,
    /// The named signature's bytes are not an Ed25519 signature.
    NotEd25519Signature(String),
    /// A signature whose key hash matches a trusted key does not verify.
    Forged {
        /// The signature line's key name.
        name: String,
        /// The trusted key, as text.
        key: String,
    },
    /// A verifier key not of the form `<name>+<hash>+<key>`.
    VerifierKeyShape,
    /// A private key without the `PRIVATE+KEY+` prefix.
    PrivateKeyPrefix,
    /// A private key not of the form `PRIVATE+KEY+<name>+<hash>+<key>`.
    PrivateKeyShape,
    /// The key is not base64 (the decoder's message).
    KeyBase64(String),
    /// Not an Ed25519 verifier key (algorithm byte and length).
    NotEd25519VerifierKey,
    /// Not an Ed25519 private key (algorithm byte and length).
    NotEd25519PrivateKey,
    /// The key bytes are not an Ed25519 point (the library's message).
    InvalidKey(String),
    /// The key hash written does not match the key.
    KeyHash(String),
}

impl std::fmt::Display for NoteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NoteError::TooLarge => f.write_str("the note is too large"),
            NoteError::NotUtf8 => f.write_str("the note is not UTF-8"),
            NoteError::NoBlankLine => {
                f.write_str("not a signed note: no blank line before the signatures")
            }
            NoteError::TextNoNewline => f.write_str("the note text must end with a newline"),
            NoteError::TextControl => f.write_str("the note text holds a control character"),
            NoteError::SignaturesNoNewline => {
                f.write_str("the signature lines must end with a newline")
            }
            NoteError::NotSignatureLine(line) => write!(f, "not a signature line: `{line}`"),
            NoteError::KeyName(name) => write!(f, "`{name}` is not a valid key name"),
            NoteError::SignatureBase64(name) => {
                write!(f, "the signature of `{name}` is not base64")
            }
            NoteError::SignatureShort(name) => write!(f, "the signature of `{name}` is too short"),
            NoteError::TooManySignatures => write!(f, "more than {MAX_SIGNATURES} signatures"),
            NoteError::NoSignature => f.write_str("the note has no signature"),
            NoteError::NotEd25519Signature(name) => {
                write!(f, "the signature of `{name}` is not an Ed25519 signature")
            }
            NoteError::Forged { name, key } => write!(
                f,
                "the signature of `{name}` by trusted key {key} does not verify: the note was \
                 altered or forged"
            ),
            NoteError::VerifierKeyShape => f.write_str("a verifier key is `<name>+<hash>+<key>`"),
            NoteError::PrivateKeyPrefix => {
                f.write_str("a note private key starts with `PRIVATE+KEY+`")
            }
            NoteError::PrivateKeyShape => {
                f.write_str("a note private key is `PRIVATE+KEY+<name>+<hash>+<key>`")
            }
            NoteError::KeyBase64(e) => write!(f, "the key is not base64: {e}"),
            NoteError::NotEd25519VerifierKey => {
                f.write_str("not an Ed25519 verifier key (algorithm 0x01, 32 bytes)")
            }
            NoteError::NotEd25519PrivateKey => f.write_str("not an Ed25519 private key"),
            NoteError::InvalidKey(e) => write!(f, "not an Ed25519 key: {e}"),
            NoteError::KeyHash(hash) => write!(f, "the key hash `{hash}` does not match the key"),
        }
    }
}

impl std::error::Error for NoteError {}

/// Whether `name` is a valid key name: non-empty, no Unicode spaces, no `+`.
pub(crate) fn valid_key_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+')
}

/// The key hash of an Ed25519 key under `name`.
pub(crate) fn key_hash(name: &str, key: &VerifyingKey) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([ALG_ED25519]);
    h.update(key.as_bytes());
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// The verifier key text `<name>+<hash>+<base64(0x01 ‖ key)>`.
pub fn verifier_key_text(name: &str, key: &VerifyingKey) -> String {
    let mut raw = vec![ALG_ED25519];
    raw.extend_from_slice(key.as_bytes());
    format!("{name}+{:08x}+{}", key_hash(name, key), B64.encode(raw))
}

/// Parses a verifier key `<name>+<hash>+<base64(0x01 ‖ key)>`, checking its hash.
pub fn parse_verifier_key(text: &str) -> Result<(String, VerifyingKey), NoteError> {
    let mut parts = text.trim().splitn(3, '+');
    let (Some(name), Some(hash), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(NoteError::VerifierKeyShape);
    };
    if !valid_key_name(name) {
        return Err(NoteError::KeyName(name.to_string()));
    }
    let raw = B64
        .decode(key)
        .map_err(|e| NoteError::KeyBase64(e.to_string()))?;
    if raw.len() != 33 || raw[0] != ALG_ED25519 {
        return Err(NoteError::NotEd25519VerifierKey);
    }
    let bytes: [u8; 32] = raw[1..].try_into().expect("32 bytes");
    let vk = VerifyingKey::from_bytes(&bytes).map_err(|e| NoteError::InvalidKey(e.to_string()))?;
    if hash.len() != 8 || u32::from_str_radix(hash, 16).ok() != Some(key_hash(name, &vk)) {
        return Err(NoteError::KeyHash(hash.to_string()));
    }
    Ok((name.to_string(), vk))
}

/// Parses a Go-style private key `PRIVATE+KEY+<name>+<hash>+<base64(0x01 ‖ seed)>`.
pub fn parse_private_key(text: &str) -> Result<(String, SigningKey), NoteError> {
    let rest = text
        .trim()
        .strip_prefix("PRIVATE+KEY+")
        .ok_or(NoteError::PrivateKeyPrefix)?;
    let mut parts = rest.splitn(3, '+');
    let (Some(name), Some(hash), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(NoteError::PrivateKeyShape);
    };
    let raw = B64
        .decode(key)
        .map_err(|e| NoteError::KeyBase64(e.to_string()))?;
    if raw.len() != 33 || raw[0] != ALG_ED25519 {
        return Err(NoteError::NotEd25519PrivateKey);
    }
    let seed: [u8; 32] = raw[1..].try_into().expect("32 bytes");
    let sk = SigningKey::from_bytes(&seed);
    if u32::from_str_radix(hash, 16).ok() != Some(key_hash(name, &sk.verifying_key())) {
        return Err(NoteError::KeyHash(hash.to_string()));
    }
    Ok((name.to_string(), sk))
}

fn valid_text(text: &str) -> Result<(), NoteError> {
    if !text.ends_with('\n') {
        return Err(NoteError::TextNoNewline);
    }
    if text
        .chars()
        .any(|c| c != '\n' && (c.is_control() || c == '\u{2028}' || c == '\u{2029}'))
    {
        return Err(NoteError::TextControl);
    }
    Ok(())
}

impl Note {
    /// Signs `text` (which must end in a newline) with `key` under `name`,
    /// keeping the signatures of `cosigned` (a note over the same text) first.
    pub fn sign(text: &str, name: &str, key: &SigningKey) -> Result<Note, NoteError> {
        valid_text(text)?;
        if !valid_key_name(name) {
            return Err(NoteError::KeyName(name.to_string()));
        }
        let sig = key.sign(text.as_bytes());
        Ok(Note {
            text: text.to_string(),
            signatures: vec![NoteSignature {
                name: name.to_string(),
                key_hash: key_hash(name, &key.verifying_key()),
                signature: sig.to_bytes().to_vec(),
            }],
        })
    }

    /// Adds a signature by `key` under `name` (a cosigner), replacing an
    /// earlier one with the same name and key hash.
    pub fn cosign(&mut self, name: &str, key: &SigningKey) -> Result<(), NoteError> {
        let mut new = Note::sign(&self.text, name, key)?;
        let sig = new.signatures.remove(0);
        self.signatures
            .retain(|s| !(s.name == sig.name && s.key_hash == sig.key_hash));
        self.signatures.push(sig);
        Ok(())
    }

    /// The note's bytes: text, blank line, signature lines.
    pub fn to_text(&self) -> String {
        let mut out = self.text.clone();
        out.push('\n');
        for s in &self.signatures {
            let mut raw = s.key_hash.to_be_bytes().to_vec();
            raw.extend_from_slice(&s.signature);
            out.push_str(&format!("\u{2014} {} {}\n", s.name, B64.encode(raw)));
        }
        out
    }

    /// Parses a signed note; any malformation is an error.
    pub fn parse(bytes: &[u8]) -> Result<Note, NoteError> {
        if bytes.len() > MAX_NOTE_BYTES {
            return Err(NoteError::TooLarge);
        }
        let all = std::str::from_utf8(bytes).map_err(|_| NoteError::NotUtf8)?;
        let split = all.rfind("\n\n").ok_or(NoteError::NoBlankLine)?;
        let (text, sigs) = (&all[..split + 1], &all[split + 2..]);
        valid_text(text)?;
        if !sigs.ends_with('\n') {
            return Err(NoteError::SignaturesNoNewline);
        }
        let mut signatures = Vec::new();
        for line in sigs[..sigs.len() - 1].split('\n') {
            let rest = line
                .strip_prefix("\u{2014} ")
                .ok_or_else(|| NoteError::NotSignatureLine(line.to_string()))?;
            let (name, b64) = rest
                .split_once(' ')
                .ok_or_else(|| NoteError::NotSignatureLine(line.to_string()))?;
            if !valid_key_name(name) {
                return Err(NoteError::KeyName(name.to_string()));
            }
            let raw = B64
                .decode(b64)
                .map_err(|_| NoteError::SignatureBase64(name.to_string()))?;
            if raw.len() < 5 {
                return Err(NoteError::SignatureShort(name.to_string()));
            }
            signatures.push(NoteSignature {
                name: name.to_string(),
                key_hash: u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]),
                signature: raw[4..].to_vec(),
            });
            if signatures.len() > MAX_SIGNATURES {
                return Err(NoteError::TooManySignatures);
            }
        }
        if signatures.is_empty() {
            return Err(NoteError::NoSignature);
        }
        Ok(Note {
            text: text.to_string(),
            signatures,
        })
    }

    /// The signatures that verify (`verify_strict`) against one of `trusted`:
    /// `(signature's key name, the key)`. A line whose key hash matches a
    /// trusted key but whose signature does not verify is an error (a forged
    /// or damaged signature); lines by unknown keys are skipped.
    pub(crate) fn verified_by(
        &self,
        trusted: &[VerifyingKey],
    ) -> Result<Vec<(String, VerifyingKey)>, NoteError> {
        let mut out = Vec::new();
        for s in &self.signatures {
            for key in trusted {
                if key_hash(&s.name, key) != s.key_hash {
                    continue;
                }
                let Ok(sig) = EdSignature::from_slice(&s.signature) else {
                    return Err(NoteError::NotEd25519Signature(s.name.clone()));
                };
                key.verify_strict(self.text.as_bytes(), &sig)
                    .map_err(|_| NoteError::Forged {
                        name: s.name.clone(),
                        key: crate::keys::public_key_text(key),
                    })?;
                out.push((s.name.clone(), *key));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The example keys and notes of c2sp.org/signed-note and Go's
    // golang.org/x/mod/sumdb/note (PeterNeumann, EnochRoot).
    const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const PETER_SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
    const TEXT: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    const PETER_SIG: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    const ENOCH_SIG: &str = "\u{2014} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

    #[test]
    fn signing_reproduces_the_published_note() {
        let (name, sk) = parse_private_key(PETER_SKEY).unwrap();
        assert_eq!(name, "PeterNeumann");
        assert_eq!(verifier_key_text(&name, &sk.verifying_key()), PETER_VKEY);
        let note = Note::sign(TEXT, &name, &sk).unwrap();
        assert_eq!(note.to_text(), format!("{TEXT}\n{PETER_SIG}"));
    }

    #[test]
    fn published_notes_verify_with_their_keys_only() {
        let (_, peter) = parse_verifier_key(PETER_VKEY).unwrap();
        let (_, enoch) = parse_verifier_key(ENOCH_VKEY).unwrap();
        let note = Note::parse(format!("{TEXT}\n{PETER_SIG}{ENOCH_SIG}").as_bytes()).unwrap();
        assert_eq!(note.text, TEXT);
        assert_eq!(note.signatures.len(), 2);
        assert_eq!(note.signatures[0].key_hash, 0xc74f20a3);
        let v = note.verified_by(&[peter]).unwrap();
        assert_eq!(v, vec![("PeterNeumann".to_string(), peter)]);
        assert_eq!(note.verified_by(&[peter, enoch]).unwrap().len(), 2);
        assert!(note.verified_by(&[]).unwrap().is_empty());
        // The same signature under another name, or over other text, fails.
        let renamed = format!(
            "{TEXT}\n{}",
            PETER_SIG.replace("PeterNeumann", "PeterNeuman")
        );
        assert!(
            Note::parse(renamed.as_bytes())
                .unwrap()
                .verified_by(&[peter])
                .unwrap()
                .is_empty()
        );
        let edited = format!("{}\n{PETER_SIG}", TEXT.replace("problem,", "problem;"));
        let e = Note::parse(edited.as_bytes())
            .unwrap()
            .verified_by(&[peter])
            .unwrap_err();
        assert!(
            matches!(&e, NoteError::Forged { name, .. } if name == "PeterNeumann"),
            "{e:?}"
        );
        assert!(e.to_string().contains("does not verify"), "{e}");
    }

    #[test]
    fn malformed_notes_and_keys_are_errors() {
        for bad in [
            "".to_string(),
            TEXT.to_string(),
            format!("{TEXT}\n"),
            format!("{TEXT}\n{}", PETER_SIG.trim_end()),
            format!("{TEXT}\n- PeterNeumann abc\n"),
            format!("{TEXT}\n\u{2014} PeterNeumann\n"),
            format!("{TEXT}\n\u{2014} Peter+Neumann AAAAAAAA\n"),
            format!("{TEXT}\n\u{2014} PeterNeumann !!!\n"),
            format!("{TEXT}\n\u{2014} PeterNeumann AAAA\n"),
            format!("no newline\n\n{PETER_SIG}").replace("no newline\n", "no newline"),
            format!("bell\u{7}\n\n{PETER_SIG}"),
            format!("{TEXT}\n{}", PETER_SIG.repeat(101)),
        ] {
            assert!(Note::parse(bad.as_bytes()).is_err(), "{bad:?}");
        }
        assert_eq!(Note::parse(&[0xff, b'\n', b'\n']), Err(NoteError::NotUtf8));
        assert_eq!(
            Note::parse(format!("{TEXT}\n").as_bytes()),
            Err(NoteError::SignaturesNoNewline)
        );
        assert_eq!(
            Note::parse(format!("{TEXT}\n{}", PETER_SIG.repeat(101)).as_bytes()),
            Err(NoteError::TooManySignatures)
        );
        assert!(
            parse_verifier_key(
                "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
            )
            .is_err()
        );
        assert_eq!(
            parse_verifier_key("PeterNeumann+c74f20a3"),
            Err(NoteError::VerifierKeyShape)
        );
        assert!(
            parse_verifier_key("+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW").is_err()
        );
        assert!(Note::sign("no newline", "a", &SigningKey::from_bytes(&[1; 32])).is_err());
        assert!(Note::sign("x\n", "a b", &SigningKey::from_bytes(&[1; 32])).is_err());
    }

    #[test]
    fn cosigners_are_added_and_kept() {
        let (name, peter) = parse_private_key(PETER_SKEY).unwrap();
        let other = SigningKey::from_bytes(&[7; 32]);
        let mut note = Note::sign(TEXT, &name, &peter).unwrap();
        note.cosign("witness.example/w1", &other).unwrap();
        note.cosign("witness.example/w1", &other).unwrap();
        let parsed = Note::parse(note.to_text().as_bytes()).unwrap();
        assert_eq!(parsed, note);
        assert_eq!(parsed.signatures.len(), 2);
        let v = parsed
            .verified_by(&[peter.verifying_key(), other.verifying_key()])
            .unwrap();
        assert_eq!(v.len(), 2);
    }
}

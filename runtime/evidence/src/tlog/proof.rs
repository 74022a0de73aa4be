//! Inclusion proofs an auditor checks offline.
//!
//! A proof file (the `<bundle>.proof` sidecar written at append, or the
//! output of `writ ledger prove`) is one JSON object:
//!
//! ```text
//! {"type":"writ.inclusion-proof/v1","index":N,"record":"<ledger line>",
//!  "hashes":["<base64>",…],"checkpoint":"<signed note>"}
//! ```
//!
//! `record` is the record's ledger line (without its newline), so its own
//! digest, its `seq` and the bundle digest it names are all checkable;
//! `hashes` is the RFC 6962 audit path from leaf `index` to the root of the
//! checkpoint's tree. [`check_proof`] needs nothing but this file, the
//! trusted keys and (optionally) the bundle.

use super::merkle::{Hash, Tree, leaf_hash, verify_inclusion};
use super::{CHECKPOINT_FILE, fault, matches_tree, open_checkpoint, read_checkpoint_file};
use crate::ledger::{self, Fault};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Why an inclusion proof does not hold.
#[derive(Debug)]
pub enum ProofError {
    /// The file is not a proof (JSON or shape).
    NotProof(serde_json::Error),
    /// The file is a JSON object of another type.
    Type(String),
    /// The proof's own checkpoint is refused.
    Checkpoint(super::CheckpointRejected),
    /// The checkpoint does not match the log the proof is checked in.
    CheckpointAgainstLog(super::CheckpointRejected),
    /// The proof's record line is not a valid record.
    Record(ledger::RecordError),
    /// The record's `seq` is not the proof's index.
    Seq {
        /// The record's seq.
        seq: u64,
        /// The proof's index.
        index: u64,
    },
    /// The proof is for another record of the log.
    OtherRecord {
        /// The proof's index.
        proof: u64,
        /// The record checked.
        record: u64,
    },
    /// The audit path holds a hash that is not base64 SHA-256.
    Hashes,
    /// The audit path does not lead to the checkpoint's root.
    NotIncluded {
        /// The record's index.
        index: u64,
        /// The checkpoint's size.
        size: u64,
        /// Why.
        error: super::merkle::MerkleError,
    },
    /// The audit path of a sidecar does not lead to the checkpoint's root.
    Inclusion(super::merkle::MerkleError),
    /// The record names another bundle's digest.
    OtherBundle {
        /// The digest the record names.
        named: Option<String>,
        /// The bundle's digest.
        digest: String,
    },
    /// The proof file cannot be read.
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// The proof in this file does not hold.
    InFile {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        error: Box<ProofError>,
    },
}

impl std::fmt::Display for ProofError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProofError::NotProof(e) => write!(f, "not an inclusion proof: {e}"),
            ProofError::Type(kind) => write!(f, "not an inclusion proof: type `{kind}`"),
            ProofError::Checkpoint(e) => write!(f, "the proof's checkpoint: {e}"),
            ProofError::CheckpointAgainstLog(e) => e.fmt(f),
            ProofError::Record(e) => write!(f, "the proof's record: {e}"),
            ProofError::Seq { seq, index } => write!(
                f,
                "the record is seq {seq} but the proof is for index {index}"
            ),
            ProofError::OtherRecord { proof, record } => write!(
                f,
                "the proof is for record {proof}, not this record {record}"
            ),
            ProofError::Hashes => f.write_str("the proof's hashes are not base64 SHA-256 hashes"),
            ProofError::NotIncluded { index, size, error } => write!(
                f,
                "record {index} is not in the signed log of {size} records: {error}"
            ),
            ProofError::Inclusion(e) => e.fmt(f),
            ProofError::OtherBundle { named, digest } => write!(
                f,
                "the record names bundle digest {}, but the bundle is {digest}: the proof is for \
                 another bundle",
                named.as_deref().unwrap_or("(none)")
            ),
            ProofError::Read { path, error } => write!(
                f,
                "cannot read the inclusion proof `{}`: {error}",
                path.display()
            ),
            ProofError::InFile { path, error } => {
                write!(f, "inclusion proof `{}`: {error}", path.display())
            }
        }
    }
}

impl std::error::Error for ProofError {}

impl From<ProofError> for String {
    fn from(e: ProofError) -> String {
        e.to_string()
    }
}

/// The audit path's hashes, decoded (`None` when one is not base64 SHA-256).
pub(crate) fn decode_hashes(hashes: &[String]) -> Result<Vec<Hash>, ProofError> {
    hashes
        .iter()
        .map(|h| B64.decode(h).ok().and_then(|b| b.try_into().ok()))
        .collect::<Option<_>>()
        .ok_or(ProofError::Hashes)
}

/// The `type` of a proof file.
pub(crate) const PROOF_TYPE: &str = "writ.inclusion-proof/v1";

/// A record's inclusion proof against a signed checkpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InclusionProof {
    /// Always [`PROOF_TYPE`].
    #[serde(rename = "type")]
    pub kind: String,
    /// The record's position (its `seq`), from 0.
    pub index: u64,
    /// The record's ledger line, without its newline.
    pub record: String,
    /// The audit path, leaf side first, standard base64.
    pub hashes: Vec<String>,
    /// The signed checkpoint (a signed note) the path leads to.
    pub checkpoint: String,
}

impl InclusionProof {
    /// The proof of record `index` (whose line is `line`) in the first
    /// `size` records of `tree`, against `checkpoint` (its note text).
    pub fn new(
        tree: &Tree,
        index: u64,
        size: u64,
        line: &[u8],
        checkpoint: &str,
    ) -> Result<Self, Fault> {
        let hashes = tree
            .inclusion_proof(index, size)
            .ok_or_else(|| fault(format!("record {index} is not in a tree of {size} records")))?;
        let record = std::str::from_utf8(line)
            .map_err(|_| fault(format!("record {index} is not UTF-8")))?
            .to_string();
        Ok(InclusionProof {
            kind: PROOF_TYPE.to_string(),
            index,
            record,
            hashes: hashes.iter().map(|h| B64.encode(h)).collect(),
            checkpoint: checkpoint.to_string(),
        })
    }

    /// The proof of record `index` (line `line`) from its audit path.
    pub(crate) fn from_path(
        index: u64,
        line: &[u8],
        path: &[Hash],
        checkpoint: &str,
    ) -> Result<Self, Fault> {
        let record = std::str::from_utf8(line)
            .map_err(|_| fault(format!("record {index} is not UTF-8")))?
            .to_string();
        Ok(InclusionProof {
            kind: PROOF_TYPE.to_string(),
            index,
            record,
            hashes: path.iter().map(|h| B64.encode(h)).collect(),
            checkpoint: checkpoint.to_string(),
        })
    }

    /// The proof's bytes: compact JSON and a newline (fields in a fixed order).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec(self).expect("a proof serialises");
        out.push(b'\n');
        out
    }

    /// Parses a proof file.
    pub fn parse(bytes: &[u8]) -> Result<Self, ProofError> {
        let p: InclusionProof = serde_json::from_slice(bytes).map_err(ProofError::NotProof)?;
        if p.kind != PROOF_TYPE {
            return Err(ProofError::Type(p.kind));
        }
        Ok(p)
    }
}

/// What a proof that checked proves.
#[derive(Clone, Debug, PartialEq)]
pub struct ProofReport {
    /// The record's position.
    pub index: u64,
    /// The checkpoint's tree size and origin.
    pub size: u64,
    /// The log's origin.
    pub origin: String,
    /// The record.
    pub record: ledger::Record,
    /// The key names whose trusted signatures verified on the checkpoint.
    pub signers: Vec<String>,
}

/// Checks a proof offline: the checkpoint's signature by a trusted key
/// under the log's name, the record line's own digest, its `seq` against
/// the index, the audit path to the checkpoint's root, and, given the
/// bundle's bytes, that the record names that bundle's digest.
pub fn check_proof(
    bytes: &[u8],
    trusted: &[VerifyingKey],
    bundle: Option<&[u8]>,
) -> Result<ProofReport, ProofError> {
    let p = InclusionProof::parse(bytes)?;
    let cp =
        open_checkpoint(p.checkpoint.as_bytes(), Some(trusted)).map_err(ProofError::Checkpoint)?;
    let record = ledger::parse_line(p.record.as_bytes()).map_err(ProofError::Record)?;
    if record.seq != p.index {
        return Err(ProofError::Seq {
            seq: record.seq,
            index: p.index,
        });
    }
    let hashes = decode_hashes(&p.hashes)?;
    let size = cp.checkpoint.size;
    verify_inclusion(
        p.index,
        size,
        &leaf_hash(p.record.as_bytes()),
        &hashes,
        &cp.checkpoint.root,
    )
    .map_err(|error| ProofError::NotIncluded {
        index: p.index,
        size,
        error,
    })?;
    if let Some(bundle) = bundle {
        let digest = crate::sha256_digest(bundle);
        let named = record.entry.get("bundle_digest").and_then(|d| d.as_str());
        if named != Some(digest.as_str()) {
            return Err(ProofError::OtherBundle {
                named: named.map(str::to_string),
                digest,
            });
        }
    }
    Ok(ProofReport {
        index: p.index,
        size,
        origin: cp.checkpoint.origin.clone(),
        record,
        signers: cp.verified.into_iter().map(|(n, _)| n).collect(),
    })
}

/// The inclusion proof of record `seq` of the log of `dir` against its
/// latest signed checkpoint (`ledger.checkpoint`), after checking that the
/// ledger verifies and matches that checkpoint.
pub fn prove(dir: &Path, seq: u64) -> Result<InclusionProof, Fault> {
    let bytes = std::fs::read(ledger::ledger_path(dir))
        .map_err(|e| fault(format!("cannot read the ledger: {e}")))?;
    ledger::verify_bytes(&bytes, ledger::read_head(dir)?)?;
    let cp_bytes = read_checkpoint_file(dir)?.ok_or_else(|| {
        fault(format!(
            "no `{CHECKPOINT_FILE}`: the log has no signed checkpoint"
        ))
    })?;
    let cp =
        open_checkpoint(&cp_bytes, None).map_err(|e| fault(format!("`{CHECKPOINT_FILE}`: {e}")))?;
    let tree = super::tree_of(&bytes);
    matches_tree(&cp.checkpoint, &tree).map_err(|e| fault(format!("`{CHECKPOINT_FILE}`: {e}")))?;
    if seq >= cp.checkpoint.size {
        return Err(fault(format!(
            "record {seq} is not covered by the signed checkpoint ({} records)",
            cp.checkpoint.size
        )));
    }
    let line = ledger::complete_lines(&bytes)
        .nth(seq as usize)
        .ok_or_else(|| fault(format!("no record {seq}")))?;
    let text = String::from_utf8(cp_bytes).map_err(|_| fault("the checkpoint is not UTF-8"))?;
    InclusionProof::new(&tree, seq, cp.checkpoint.size, line, &text)
}

/// For `writ verify`: checks the inclusion proof of a bundle, from
/// `explicit` when given, else from its sidecar `<bundle>.proof` when there
/// is one. `Ok(None)`: no proof to check; `Ok(Some(line))`: what it proved.
pub fn check_bundle_proof(
    bundle_path: &Path,
    bundle: &[u8],
    explicit: Option<&Path>,
    trusted: &[VerifyingKey],
) -> Result<Option<String>, ProofError> {
    let sidecar = bundle_path.with_file_name(format!(
        "{}{}",
        bundle_path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy(),
        super::PROOF_SUFFIX
    ));
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None if sidecar.is_file() => sidecar,
        None => return Ok(None),
    };
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(error) => return Err(ProofError::Read { path, error }),
    };
    let r = match check_proof(&bytes, trusted, Some(bundle)) {
        Ok(r) => r,
        Err(error) => {
            return Err(ProofError::InFile {
                path,
                error: Box::new(error),
            });
        }
    };
    Ok(Some(format!(
        "recorded as ledger record {} of log `{}`, included in its checkpoint of {} records signed by {}",
        r.index,
        r.origin,
        r.size,
        r.signers.join(", ")
    )))
}

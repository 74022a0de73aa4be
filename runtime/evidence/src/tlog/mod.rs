//! The decision ledger as a transparency log.
//!
//! The records of `ledger.jsonl` (see [`crate::ledger`]) are the leaves of an
//! RFC 6962 Merkle tree ([`merkle`]): leaf `i` is the bytes of record line `i`
//! without its newline. After every append the runner signs a checkpoint
//! ([`checkpoint`], C2SP `tlog-checkpoint`) as a C2SP `signed-note`
//! ([`note`]) with its key, under the log's origin as key name, and writes it
//! to `ledger.checkpoint`; the bundle the record names gets a sidecar
//! `<bundle>.proof` holding the record, its inclusion proof and that checkpoint
//! ([`proof`]). [`verify`] recomputes the tree, checks every checkpoint, every
//! named bundle and proof, and consistency with a checkpoint an auditor kept.
//! [`git`] shares one log between CI runs on a git ref.
//!
//! Formats and what each check proves: `docs/evidence.md`, `docs/auditing.md`.

pub mod append;
pub mod checkpoint;
pub mod git;
pub mod merkle;
pub mod note;
pub mod proof;
pub mod verify;

pub use append::append_signed;
pub use proof::{InclusionProof, ProofError, check_bundle_proof, check_proof, prove};
pub use verify::{LogReport, VerifyOptions, verify_log};

use crate::ledger::Fault;
use checkpoint::Checkpoint;
use ed25519_dalek::VerifyingKey;
use merkle::{Tree, leaf_hash};
use note::Note;
use std::path::Path;

/// The latest signed checkpoint's file name in the evidence folder.
pub const CHECKPOINT_FILE: &str = "ledger.checkpoint";
/// The right edge of the tree as of the latest checkpoint (a cache that
/// makes an append logarithmic; ignored unless it matches the checkpoint).
pub const TREE_FILE: &str = "ledger.tree";
/// The origin (and signing key name) of a log created without one.
pub const DEFAULT_ORIGIN: &str = "writ-ledger";
/// The extension of a bundle's inclusion-proof sidecar (`<bundle>.proof`).
pub const PROOF_SUFFIX: &str = ".proof";

/// A fault that is not about one line.
pub(crate) fn fault(message: impl Into<String>) -> Fault {
    Fault {
        line: None,
        offset: 0,
        message: message.into(),
    }
}

/// The Merkle tree over the complete record lines of ledger bytes.
pub fn tree_of(bytes: &[u8]) -> Tree {
    Tree::from_leaf_hashes(
        crate::ledger::complete_lines(bytes)
            .map(leaf_hash)
            .collect(),
    )
}

/// A checkpoint read from a signed note, and who signed it.
#[derive(Clone, Debug)]
pub struct SignedCheckpoint {
    /// The checkpoint.
    pub checkpoint: Checkpoint,
    /// The note (text and every signature line).
    pub note: Note,
    /// The trusted keys whose signatures verified, with their key names
    /// (empty when no trusted keys were given).
    pub verified: Vec<(String, VerifyingKey)>,
}

/// Why a signed checkpoint is refused, or does not match the records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckpointRejected {
    /// The signed note is malformed or a trusted signature does not verify.
    Note(note::NoteError),
    /// The note's text is not a checkpoint.
    Body(checkpoint::CheckpointError),
    /// No trusted key signed under the log's own name.
    NotByLog {
        /// The checkpoint's origin (the log's key name).
        origin: String,
        /// Who signed it: `name+keyhash`, comma-separated.
        signers: String,
    },
    /// The checkpoint covers more records than the ledger holds.
    Truncated {
        /// Records the checkpoint covers.
        covers: u64,
        /// Records the ledger holds.
        holds: u64,
    },
    /// The covered records no longer hash to the checkpoint's root.
    Edited {
        /// Records the checkpoint covers.
        size: u64,
    },
}

impl std::fmt::Display for CheckpointRejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CheckpointRejected::Note(e) => e.fmt(f),
            CheckpointRejected::Body(e) => e.fmt(f),
            CheckpointRejected::NotByLog { origin, signers } => write!(
                f,
                "no signature by a trusted key under the log's name `{origin}` (signed by: \
                 {signers})"
            ),
            CheckpointRejected::Truncated { covers, holds } => write!(
                f,
                "the checkpoint covers {covers} records, but the ledger holds {holds}: records \
                 were removed (truncated)"
            ),
            CheckpointRejected::Edited { size } => write!(
                f,
                "the first {size} records no longer hash to the checkpoint's root: records were \
                 edited, removed, inserted or reordered"
            ),
        }
    }
}

impl std::error::Error for CheckpointRejected {}

impl From<note::NoteError> for CheckpointRejected {
    fn from(e: note::NoteError) -> Self {
        CheckpointRejected::Note(e)
    }
}

impl From<checkpoint::CheckpointError> for CheckpointRejected {
    fn from(e: checkpoint::CheckpointError) -> Self {
        CheckpointRejected::Body(e)
    }
}

/// Parses a signed checkpoint and, given trusted keys, requires a verified
/// signature by the log itself: a trusted key under the key name equal to
/// the checkpoint's origin. Other verified signatures are cosignatures.
pub(crate) fn open_checkpoint(
    bytes: &[u8],
    trusted: Option<&[VerifyingKey]>,
) -> Result<SignedCheckpoint, CheckpointRejected> {
    let note = Note::parse(bytes)?;
    let checkpoint = Checkpoint::parse(&note.text)?;
    let verified = match trusted {
        None => Vec::new(),
        Some(keys) => {
            let v = note.verified_by(keys)?;
            if !v.iter().any(|(name, _)| name == &checkpoint.origin) {
                return Err(CheckpointRejected::NotByLog {
                    origin: checkpoint.origin,
                    signers: note
                        .signatures
                        .iter()
                        .map(|s| format!("{}+{:08x}", s.name, s.key_hash))
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
            v
        }
    };
    Ok(SignedCheckpoint {
        checkpoint,
        note,
        verified,
    })
}

/// Checks a checkpoint against the recomputed tree: its size is within the
/// log and its root is the root of that many records.
pub(crate) fn matches_tree(cp: &Checkpoint, tree: &Tree) -> Result<(), CheckpointRejected> {
    let Some(root) = tree.root(cp.size) else {
        return Err(CheckpointRejected::Truncated {
            covers: cp.size,
            holds: tree.size(),
        });
    };
    if root != cp.root {
        return Err(CheckpointRejected::Edited { size: cp.size });
    }
    Ok(())
}

/// Reads `ledger.checkpoint` of `dir` (`None` when there is none).
pub(crate) fn read_checkpoint_file(dir: &Path) -> Result<Option<Vec<u8>>, Fault> {
    match std::fs::read(dir.join(CHECKPOINT_FILE)) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(fault(format!("cannot read `{CHECKPOINT_FILE}`: {e}"))),
    }
}

//! Appending a decision to the transparency log: the record goes into
//! `ledger.jsonl` with the ledger's crash-safe discipline (flock, one write,
//! fsync, head replaced atomically), then, under the same lock, the runner
//! signs the checkpoint of the new tree, writes it to `ledger.checkpoint`
//! atomically and writes the record's inclusion proof beside its bundle.
//!
//! A crash after the record is durable and before the checkpoint is leaves
//! the checkpoint one record behind; [`super::verify_log`] reports that, and
//! the next append signs a checkpoint covering it.

use super::checkpoint::Checkpoint;
use super::note::Note;
use super::proof::InclusionProof;
use super::{CHECKPOINT_FILE, DEFAULT_ORIGIN, fault, matches_tree, open_checkpoint, tree_of};
use crate::ledger::{self, Appended, Fault};
use ed25519_dalek::SigningKey;
use std::path::{Path, PathBuf};

/// The result of a signed append.
#[derive(Clone, Debug)]
pub struct SignedAppend {
    /// The new record.
    pub appended: Appended,
    /// The signed checkpoint now in `ledger.checkpoint` (note text).
    pub checkpoint: String,
    /// Where the record's inclusion proof was written, if anywhere.
    pub proof: Option<PathBuf>,
}

/// Appends `entry` to the log of evidence folder `dir`, signs the new
/// checkpoint with `key` and, when `proof_path` is given, writes the new
/// record's inclusion proof there. Refuses (after the record is durable, so
/// nothing acknowledged is lost) when the ledger no longer matches its last
/// checkpoint: an earlier record was edited or removed.
pub fn append_signed(
    dir: &Path,
    entry: &serde_json::Value,
    key: &SigningKey,
    proof_path: Option<&Path>,
) -> Result<SignedAppend, Fault> {
    let (appended, (checkpoint, proof)) = ledger::append_with(dir, entry, |bytes, appended| {
        sign_after_append(dir, bytes, appended, key, proof_path)
    })?;
    Ok(SignedAppend {
        appended,
        checkpoint,
        proof,
    })
}

fn sign_after_append(
    dir: &Path,
    bytes: &[u8],
    appended: &Appended,
    key: &SigningKey,
    proof_path: Option<&Path>,
) -> Result<(String, Option<PathBuf>), Fault> {
    let tree = tree_of(bytes);
    if tree.size() != appended.seq + 1 {
        return Err(fault(format!(
            "the ledger holds {} records after appending record {}",
            tree.size(),
            appended.seq
        )));
    }
    let origin = match super::read_checkpoint_file(dir)? {
        None => DEFAULT_ORIGIN.to_string(),
        Some(prev) => {
            let prev = open_checkpoint(&prev, None)
                .map_err(|e| fault(format!("`{CHECKPOINT_FILE}` is damaged: {e}")))?;
            matches_tree(&prev.checkpoint, &tree).map_err(|e| {
                fault(format!(
                    "record {} was appended, but no checkpoint signed: the ledger does not match its last signed checkpoint ({e}); run `writ ledger verify`",
                    appended.seq
                ))
            })?;
            prev.checkpoint.origin
        }
    };
    let cp = Checkpoint {
        origin: origin.clone(),
        size: tree.size(),
        root: tree.root(tree.size()).expect("the whole tree"),
        extensions: Vec::new(),
    };
    let note = Note::sign(&cp.to_text(), &origin, key).map_err(fault)?;
    let text = note.to_text();
    crate::fsutil::write_atomic(&dir.join(CHECKPOINT_FILE), text.as_bytes(), 0o644)
        .map_err(|e| fault(format!("cannot write `{CHECKPOINT_FILE}`: {e}")))?;
    let Some(path) = proof_path else {
        return Ok((text, None));
    };
    // The new record is the last line (found from the end, not by a scan).
    let body = &bytes[..bytes.len().saturating_sub(1)];
    let line = &body[body.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)..];
    let proof = InclusionProof::new(&tree, appended.seq, tree.size(), line, &text)?;
    crate::fsutil::write_atomic(path, &proof.to_bytes(), 0o644)
        .map_err(|e| fault(format!("cannot write `{}`: {e}", path.display())))?;
    Ok((text, Some(path.to_path_buf())))
}

/// Signs a checkpoint of the whole ledger of `dir` when `ledger.checkpoint`
/// lags it (an append interrupted before signing), after checking the old
/// checkpoint is a prefix of it. Returns whether it signed. `writ ledger
/// push` calls it so a shared commit never carries a lagging checkpoint.
pub fn sign_if_behind(dir: &Path, key: &SigningKey) -> Result<bool, Fault> {
    let bytes = match std::fs::read(ledger::ledger_path(dir)) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(fault(format!("cannot read the ledger: {e}"))),
    };
    let tree = tree_of(&bytes);
    let origin = match super::read_checkpoint_file(dir)? {
        None => DEFAULT_ORIGIN.to_string(),
        Some(prev) => {
            let prev = open_checkpoint(&prev, None)
                .map_err(|e| fault(format!("`{CHECKPOINT_FILE}` is damaged: {e}")))?;
            matches_tree(&prev.checkpoint, &tree).map_err(|e| fault(e.to_string()))?;
            if prev.checkpoint.size == tree.size() {
                return Ok(false);
            }
            prev.checkpoint.origin
        }
    };
    if tree.size() == 0 {
        return Ok(false);
    }
    let cp = Checkpoint {
        origin: origin.clone(),
        size: tree.size(),
        root: tree.root(tree.size()).expect("the whole tree"),
        extensions: Vec::new(),
    };
    let note = Note::sign(&cp.to_text(), &origin, key).map_err(fault)?;
    crate::fsutil::write_atomic(&dir.join(CHECKPOINT_FILE), note.to_text().as_bytes(), 0o644)
        .map_err(|e| fault(format!("cannot write `{CHECKPOINT_FILE}`: {e}")))?;
    Ok(true)
}

//! Appending a decision to the transparency log: the record goes into
//! `ledger.jsonl` with the ledger's crash-safe discipline (flock, one write,
//! fsync, head replaced atomically), then, under the same lock, the runner
//! signs the checkpoint of the new tree, writes it to `ledger.checkpoint`
//! atomically and writes the record's inclusion proof beside its bundle.
//!
//! A crash after the record is durable and before the checkpoint is leaves
//! the checkpoint one record behind; [`super::verify_log`] reports that, and
//! the next append signs a checkpoint covering it.
//!
//! `ledger.tree` caches the tree's right edge (its maximal complete
//! subtrees) as of the latest checkpoint, so an append hashes O(log n)
//! nodes. It is used only when the checkpoint covers every earlier record
//! and its root is the cache's; otherwise the whole tree is recomputed and
//! checked against the checkpoint (the append then refuses a ledger that no
//! longer matches it). Verification never reads the cache.

use super::checkpoint::Checkpoint;
use super::merkle::{Hash, frontier_push, frontier_root, leaf_hash};
use super::note::Note;
use super::proof::InclusionProof;
use super::{
    CHECKPOINT_FILE, DEFAULT_ORIGIN, TREE_FILE, fault, matches_tree, open_checkpoint, tree_of,
};
use crate::ledger::{self, Appended, Fault};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
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
    let (appended, (checkpoint, proof)) =
        ledger::append_with(dir, entry, |line, read_all, appended| {
            sign_after_append(dir, line, read_all, appended, key, proof_path)
        })?;
    Ok(SignedAppend {
        appended,
        checkpoint,
        proof,
    })
}

fn sign_after_append(
    dir: &Path,
    line: &[u8],
    read_all: ledger::ReadAll<'_>,
    appended: &Appended,
    key: &SigningKey,
    proof_path: Option<&Path>,
) -> Result<(String, Option<PathBuf>), Fault> {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let prev = match super::read_checkpoint_file(dir)? {
        None => None,
        Some(prev) => Some(
            open_checkpoint(&prev, None)
                .map_err(|e| fault(format!("`{CHECKPOINT_FILE}` is damaged: {e}")))?
                .checkpoint,
        ),
    };
    let origin = prev
        .as_ref()
        .map_or(DEFAULT_ORIGIN.to_string(), |p| p.origin.clone());
    // Fast path: the cached right edge of the tree as of the last checkpoint,
    // when that checkpoint covers every earlier record and has its root.
    let cached = prev.as_ref().and_then(|p| {
        let f = read_frontier(dir)?;
        (p.size == appended.seq && f.0 == p.size && frontier_root(&f.1) == p.root).then_some(f.1)
    });
    let (size, root, frontier, path) = match cached {
        Some(mut f) => {
            let path: Vec<Hash> = f.iter().rev().copied().collect();
            frontier_push(&mut f, appended.seq, leaf_hash(line));
            (appended.seq + 1, frontier_root(&f), f, path)
        }
        None => {
            // Slow path: the whole tree, checked against the last checkpoint.
            let tree = tree_of(&read_all()?);
            if tree.size() != appended.seq + 1 {
                return Err(fault(format!(
                    "the ledger holds {} records after appending record {}",
                    tree.size(),
                    appended.seq
                )));
            }
            if let Some(p) = &prev {
                matches_tree(p, &tree).map_err(|e| {
                    fault(format!(
                        "record {} was appended, but no checkpoint signed: the ledger does not match its last signed checkpoint ({e}); run `writ ledger verify`",
                        appended.seq
                    ))
                })?;
            }
            let n = tree.size();
            let path = tree.inclusion_proof(n - 1, n).expect("the last leaf");
            let frontier = tree.frontier(n).expect("the whole tree");
            (n, tree.root(n).expect("the whole tree"), frontier, path)
        }
    };
    let cp = Checkpoint {
        origin: origin.clone(),
        size,
        root,
        extensions: Vec::new(),
    };
    let note = Note::sign(&cp.to_text(), &origin, key).map_err(|e| fault(e.to_string()))?;
    let text = note.to_text();
    crate::fsutil::write_atomic(&dir.join(CHECKPOINT_FILE), text.as_bytes(), 0o644)
        .map_err(|e| fault(format!("cannot write `{CHECKPOINT_FILE}`: {e}")))?;
    write_frontier(dir, size, &frontier)?;
    let Some(proof_path) = proof_path else {
        return Ok((text, None));
    };
    let proof = InclusionProof::from_path(appended.seq, line, &path, &text)?;
    crate::fsutil::write_atomic(proof_path, &proof.to_bytes(), 0o644)
        .map_err(|e| fault(format!("cannot write `{}`: {e}", proof_path.display())))?;
    Ok((text, Some(proof_path.to_path_buf())))
}

/// Reads `ledger.tree` (`None` when absent or unreadable: it is a cache).
fn read_frontier(dir: &Path) -> Option<(u64, Vec<Hash>)> {
    let bytes = std::fs::read(dir.join(TREE_FILE)).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let size = v.get("size")?.as_u64()?;
    let hashes = v
        .get("frontier")?
        .as_array()?
        .iter()
        .map(|h| B64.decode(h.as_str()?).ok()?.try_into().ok())
        .collect::<Option<Vec<Hash>>>()?;
    (hashes.len() == size.count_ones() as usize).then_some((size, hashes))
}

fn write_frontier(dir: &Path, size: u64, frontier: &[Hash]) -> Result<(), Fault> {
    let v = serde_json::json!({
        "size": size,
        "frontier": frontier.iter().map(|h| B64.encode(h)).collect::<Vec<_>>(),
    });
    crate::fsutil::write_atomic(&dir.join(TREE_FILE), format!("{v}\n").as_bytes(), 0o644)
        .map_err(|e| fault(format!("cannot write `{TREE_FILE}`: {e}")))
}

/// Signs a checkpoint of the whole ledger of `dir` when `ledger.checkpoint`
/// lags it (an append interrupted before signing), after checking the old
/// checkpoint is a prefix of it. Returns whether it signed. `writ ledger
/// push` calls it so a shared commit never carries a lagging checkpoint.
pub(crate) fn sign_if_behind(dir: &Path, key: &SigningKey) -> Result<bool, Fault> {
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
    let note = Note::sign(&cp.to_text(), &origin, key).map_err(|e| fault(e.to_string()))?;
    crate::fsutil::write_atomic(&dir.join(CHECKPOINT_FILE), note.to_text().as_bytes(), 0o644)
        .map_err(|e| fault(format!("cannot write `{CHECKPOINT_FILE}`: {e}")))?;
    write_frontier(
        dir,
        tree.size(),
        &tree.frontier(tree.size()).expect("the whole tree"),
    )?;
    Ok(true)
}

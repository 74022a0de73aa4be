//! `writ ledger verify` for the transparency log: the hash chain (as
//! [`crate::ledger::verify`]), the Merkle tree recomputed from the records,
//! the latest signed checkpoint against it, every bundle a record names
//! (present, and the digest the record holds) with its inclusion-proof
//! sidecar, and consistency with a checkpoint an auditor saved earlier.

use super::merkle::{Tree, verify_consistency};
use super::proof::{InclusionProof, ProofError};
use super::{
    CHECKPOINT_FILE, PROOF_SUFFIX, SignedCheckpoint, fault, matches_tree, open_checkpoint,
    read_checkpoint_file, tree_of,
};
use crate::ledger::{self, Fault};
use ed25519_dalek::VerifyingKey;
use std::path::{Component, Path};

/// What to check beyond the ledger itself.
#[derive(Clone, Copy, Debug, Default)]
pub struct VerifyOptions<'a> {
    /// Keys trusted to sign checkpoints; without them signatures are not
    /// checked (the tree and checkpoint roots still are) and a note says so.
    pub trusted: Option<&'a [VerifyingKey]>,
    /// A signed checkpoint the auditor saved earlier: the log must still
    /// hold it as a prefix (consistency).
    pub since: Option<&'a [u8]>,
    /// Skip the bundle checks (the benchmark of the log alone).
    pub skip_bundles: bool,
}

/// A log that verified.
#[derive(Clone, Debug, Default)]
pub struct LogReport {
    /// Records in the ledger.
    pub records: u64,
    /// The Merkle root of all of them.
    pub root: [u8; 32],
    /// The latest checkpoint's size, origin and verified signers.
    pub checkpoint: Option<(u64, String, Vec<String>)>,
    /// Bundles present with the digest their record names.
    pub bundles: u64,
    /// Inclusion-proof sidecars that checked.
    pub proofs: u64,
    /// The size of the auditor's checkpoint the log is consistent with.
    pub since: Option<u64>,
    /// Notes that are not errors.
    pub notes: Vec<String>,
    /// Every complete record, in order, as verified (the chain, the tree and
    /// the checkpoint cover exactly these).
    pub entries: Vec<ledger::Record>,
}

/// Verifies the transparency log of evidence folder `dir`.
pub fn verify_log(dir: &Path, opts: VerifyOptions<'_>) -> Result<LogReport, Fault> {
    let path = ledger::ledger_path(dir);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(fault(format!("cannot read `{}`: {e}", path.display()))),
    };
    let chain = ledger::verify_bytes(&bytes, ledger::read_head(dir)?)?;
    let mut report = LogReport {
        records: chain.records.len() as u64,
        notes: chain.notes,
        ..LogReport::default()
    };
    let tree = tree_of(&bytes);
    debug_assert_eq!(tree.size(), report.records);
    report.root = tree.root(tree.size()).expect("the whole tree");
    let latest = check_latest(dir, &tree, opts.trusted, &mut report)?;
    if !opts.skip_bundles {
        check_bundles(
            dir,
            &bytes,
            &chain.records,
            &tree,
            opts.trusted,
            &mut report,
        )?;
    }
    if let Some(saved) = opts.since {
        check_since(saved, &tree, latest.as_ref(), opts.trusted, &mut report)?;
    }
    report.entries = chain.records;
    if opts.trusted.is_none() {
        report.notes.push(
            "checkpoint signatures were not checked: pass --trust KEYS to check who signed the log"
                .into(),
        );
    }
    Ok(report)
}

fn check_latest(
    dir: &Path,
    tree: &Tree,
    trusted: Option<&[VerifyingKey]>,
    report: &mut LogReport,
) -> Result<Option<SignedCheckpoint>, Fault> {
    let n = tree.size();
    let Some(bytes) = read_checkpoint_file(dir)? else {
        if n > 0 && trusted.is_some() {
            return Err(fault(format!(
                "`{CHECKPOINT_FILE}` is missing: no signed checkpoint covers the {n} records"
            )));
        }
        if n > 0 {
            report.notes.push(format!(
                "no `{CHECKPOINT_FILE}`: the {n} records are not covered by a signed checkpoint"
            ));
        }
        return Ok(None);
    };
    let cp =
        open_checkpoint(&bytes, trusted).map_err(|e| fault(format!("`{CHECKPOINT_FILE}`: {e}")))?;
    matches_tree(&cp.checkpoint, tree).map_err(|e| fault(format!("`{CHECKPOINT_FILE}`: {e}")))?;
    let size = cp.checkpoint.size;
    if size + 1 == n {
        report.notes.push(format!(
            "record {size} is not yet covered by a signed checkpoint (an append was interrupted before signing; the next append signs it)"
        ));
    } else if size + 1 < n {
        return Err(fault(format!(
            "records {size}..{} are not covered by the signed checkpoint ({size} records): appended without the log's key",
            n - 1
        )));
    }
    report.checkpoint = Some((
        size,
        cp.checkpoint.origin.clone(),
        cp.verified.iter().map(|(name, _)| name.clone()).collect(),
    ));
    Ok(Some(cp))
}

/// A record's relative path to a file in the evidence folder, refusing
/// absolute paths and `..`.
pub(crate) fn evidence_file(dir: &Path, rel: &str) -> Option<std::path::PathBuf> {
    let p = Path::new(rel);
    p.components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then(|| dir.join(p))
}

fn check_bundles(
    dir: &Path,
    bytes: &[u8],
    records: &[ledger::Record],
    tree: &Tree,
    trusted: Option<&[VerifyingKey]>,
    report: &mut LogReport,
) -> Result<(), Fault> {
    let mut without_proof = 0u64;
    for ((i, r), line) in records
        .iter()
        .enumerate()
        .zip(ledger::complete_lines(bytes))
    {
        let at = |message: String| Fault {
            line: Some(i + 1),
            offset: 0,
            message,
        };
        let Some(name) = r.entry.get("bundle").and_then(|b| b.as_str()) else {
            continue;
        };
        let path = evidence_file(dir, name)
            .ok_or_else(|| at(format!("names bundle `{name}` outside the evidence folder")))?;
        let bundle = std::fs::read(&path).map_err(|e| {
            at(format!(
                "names bundle `{name}`, which cannot be read ({e}): deleted or moved"
            ))
        })?;
        let digest = crate::sha256_digest(&bundle);
        let named = r.entry.get("bundle_digest").and_then(|d| d.as_str());
        if named != Some(digest.as_str()) {
            return Err(at(format!(
                "names bundle `{name}` with digest {}, but the file is {digest}: the bundle was replaced or edited",
                named.unwrap_or("(none)")
            )));
        }
        if let Some(vsa) = r.entry.get("vsa").and_then(|v| v.as_str()) {
            match evidence_file(dir, vsa) {
                Some(p) if p.is_file() => {}
                _ => return Err(at(format!("names summary `{vsa}`, which is missing"))),
            }
        }
        report.bundles += 1;
        let proof_path = path.with_file_name(format!(
            "{}{PROOF_SUFFIX}",
            path.file_name().unwrap_or_default().to_string_lossy()
        ));
        let proof = match std::fs::read(&proof_path) {
            Ok(p) => p,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                without_proof += 1;
                continue;
            }
            Err(e) => return Err(at(format!("cannot read `{}`: {e}", proof_path.display()))),
        };
        check_sidecar(&proof, i as u64, line, tree, trusted)
            .map_err(|e| at(format!("`{name}{PROOF_SUFFIX}`: {e}")))?;
        report.proofs += 1;
    }
    if without_proof > 0 {
        report.notes.push(format!(
            "{without_proof} bundles have no `{PROOF_SUFFIX}` sidecar (recorded before the log signed checkpoints, or removed); `writ ledger prove` makes one"
        ));
    }
    Ok(())
}

/// A sidecar proof: for this record, its checkpoint signed (when keys are
/// given) and a prefix of the recomputed tree, its path leading to that root.
fn check_sidecar(
    bytes: &[u8],
    index: u64,
    line: &[u8],
    tree: &Tree,
    trusted: Option<&[VerifyingKey]>,
) -> Result<(), ProofError> {
    let p = InclusionProof::parse(bytes)?;
    if p.index != index || p.record.as_bytes() != line {
        return Err(ProofError::OtherRecord {
            proof: p.index,
            record: index,
        });
    }
    let cp = open_checkpoint(p.checkpoint.as_bytes(), trusted)
        .map_err(ProofError::CheckpointAgainstLog)?;
    matches_tree(&cp.checkpoint, tree).map_err(ProofError::CheckpointAgainstLog)?;
    match trusted {
        Some(keys) => super::check_proof(bytes, keys, None).map(|_| ()),
        None => {
            let hashes = super::proof::decode_hashes(&p.hashes)?;
            super::merkle::verify_inclusion(
                index,
                cp.checkpoint.size,
                &super::merkle::leaf_hash(line),
                &hashes,
                &cp.checkpoint.root,
            )
            .map_err(ProofError::Inclusion)
        }
    }
}

fn check_since(
    saved: &[u8],
    tree: &Tree,
    latest: Option<&SignedCheckpoint>,
    trusted: Option<&[VerifyingKey]>,
    report: &mut LogReport,
) -> Result<(), Fault> {
    let old =
        open_checkpoint(saved, trusted).map_err(|e| fault(format!("the saved checkpoint: {e}")))?;
    let o = &old.checkpoint;
    if let Some(latest) = latest {
        if latest.checkpoint.origin != o.origin {
            return Err(fault(format!(
                "the saved checkpoint is of log `{}`, this log is `{}`",
                o.origin, latest.checkpoint.origin
            )));
        }
    }
    matches_tree(o, tree).map_err(|e| {
        fault(format!(
            "not consistent with the saved checkpoint of {} records: {e}; the log was rewritten after the auditor saved it",
            o.size
        ))
    })?;
    // What an auditor's own tool checks: a consistency proof from the saved
    // checkpoint to the latest one, verified against both roots.
    let new = latest.map_or(tree.size(), |l| l.checkpoint.size.max(o.size));
    let new_root = tree.root(new).expect("within the tree");
    let proof = tree
        .consistency_proof(o.size, new)
        .expect("within the tree");
    verify_consistency(o.size, new, &o.root, &new_root, &proof)
        .map_err(|e| fault(format!("the saved checkpoint: {e}")))?;
    report.since = Some(o.size);
    Ok(())
}

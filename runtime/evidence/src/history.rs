//! The decisions an evidence folder records, read back and decided again.
//!
//! [`read_decisions`] is the one reader of a folder's history for analysis:
//! it verifies the transparency log first ([`crate::tlog::verify_log`]: the
//! hash chain, the Merkle tree, the signed checkpoint against the trusted
//! keys, every bundle present with the digest its record names and its
//! inclusion proof), so a rewritten ledger is an error, never a history;
//! then reads each decision record's bundle, checks its digest against the
//! record again and verifies its signature ([`crate::bundle::verify_bundle`]).
//! Nothing a record or a bundle says is believed without those signatures.
//!
//! [`replay`] decides a recorded change again under another plan, with its
//! recorded evidence (re-verified: [`crate::bundle::decision_inputs`]) at
//! its recorded decision time, and compares the two proofs
//! ([`writ_runtime::delta::Delta`]). Approvals and check results bound to
//! the plan the decision was recorded under count as if they had been given
//! under the replay plan: the question a replay answers is what the other
//! plan would have decided with the same people's approvals and the same
//! checks. Evidence bound to any other plan stays as it was (it did not
//! count then and does not now).

use crate::bundle::{self, BundleReport};
use crate::ledger::Fault;
use crate::tlog::{self, LogReport, VerifyOptions};
use ed25519_dalek::VerifyingKey;
use std::path::Path;
use writ_graph::Graph;
use writ_runtime::delta::Delta;
use writ_runtime::proof::{Outcome, Proof};
use writ_runtime::{Decision, Prepared};

/// The ledger entry type of a decision (`writ run`).
pub const DECISION_ENTRY: &str = "writ.decision/v1";

/// One decision the ledger records, its bundle verified.
#[derive(Clone, Debug)]
pub struct RecordedDecision {
    /// The record's position in the ledger, from 0.
    pub seq: u64,
    /// The bundle the record names, relative to the evidence folder.
    pub bundle: String,
    /// The verified bundle.
    pub report: BundleReport,
}

/// A folder's verified log and the decisions it records, in ledger order.
#[derive(Clone, Debug)]
pub struct History {
    /// What the log verification found (records, checkpoint, notes).
    pub log: LogReport,
    /// Every decision record, with its verified bundle.
    pub decisions: Vec<RecordedDecision>,
}

/// Why a history could not be read: where (the ledger line, when there is
/// one) and what.
pub type HistoryError = Fault;

/// Verifies the log of evidence folder `dir` against `trusted` (the keys
/// that sign checkpoints and bundles: the runners') and reads every
/// decision it records. A record of another entry type is skipped; a
/// decision record whose bundle is missing, altered or not signed by a
/// trusted key is an error.
pub fn read_decisions(dir: &Path, trusted: &[VerifyingKey]) -> Result<History, HistoryError> {
    let log = tlog::verify_log(
        dir,
        VerifyOptions {
            trusted: Some(trusted),
            ..VerifyOptions::default()
        },
    )?;
    let mut decisions = Vec::new();
    for (i, record) in log.entries.iter().enumerate() {
        let at = |message: String| Fault {
            line: Some(i + 1),
            offset: 0,
            message,
        };
        if record.entry.get("type").and_then(|t| t.as_str()) != Some(DECISION_ENTRY) {
            continue;
        }
        let name = record
            .entry
            .get("bundle")
            .and_then(|b| b.as_str())
            .ok_or_else(|| at("a decision record that names no bundle".into()))?;
        let path = tlog::verify::evidence_file(dir, name)
            .ok_or_else(|| at(format!("names bundle `{name}` outside the evidence folder")))?;
        let bytes = writ_diagnostics::limits::read(&path, writ_diagnostics::limits::Input::Bundle)
            .map_err(|e| at(format!("cannot read bundle `{name}`: {e}")))?;
        let digest = crate::sha256_digest(&bytes);
        if record.entry.get("bundle_digest").and_then(|d| d.as_str()) != Some(digest.as_str()) {
            return Err(at(format!(
                "bundle `{name}` is {digest}, not the digest its record names: it was replaced"
            )));
        }
        let report = bundle::verify_bundle(&bytes, trusted, None)
            .map_err(|e| at(format!("bundle `{name}`: {e}")))?;
        if report.predicate_type != bundle::PREDICATE_TYPE {
            return Err(at(format!(
                "bundle `{name}` is a `{}`, not a writ decision",
                report.predicate_type
            )));
        }
        let entry_says = |key: &str| record.entry.get(key).and_then(|v| v.as_str());
        if entry_says("change_id") != Some(report.change_id.as_str())
            || entry_says("outcome") != Some(report.outcome.as_str())
            || entry_says("plan_digest") != Some(report.plan_digest.as_str())
        {
            return Err(at(format!(
                "the record does not say what its signed bundle `{name}` says (change, outcome or plan)"
            )));
        }
        decisions.push(RecordedDecision {
            seq: record.seq,
            bundle: name.to_string(),
            report,
        });
    }
    Ok(History { log, decisions })
}

/// A recorded decision decided again.
#[derive(Clone, Debug)]
pub struct Replayed {
    /// The change's id.
    pub change_id: String,
    /// The change's digest.
    pub change_digest: String,
    /// The recorded decision time, Unix seconds.
    pub decided_at: i64,
    /// The plan it was recorded under.
    pub recorded_plan: String,
    /// The recorded outcome (from the signed bundle).
    pub recorded: Outcome,
    /// The decision under the replay plan.
    pub replayed: Decision,
    /// The recorded proof against the replayed one.
    pub delta: Delta,
}

/// Why a recorded decision could not be decided again.
#[derive(Debug)]
pub enum ReplayError {
    /// The bundle's decision inputs could not be re-derived.
    Inputs(crate::bundle::BundleError),
    /// The statement holds no decision.
    NoDecision,
    /// The recorded proof does not parse.
    Proof(serde_json::Error),
    /// The recorded proof and the bundle disagree on the outcome.
    Outcome {
        /// The proof's outcome.
        proof: String,
        /// The bundle's.
        bundle: String,
    },
}

impl std::fmt::Display for ReplayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReplayError::Inputs(why) => why.fmt(f),
            ReplayError::NoDecision => f.write_str("the statement has no decision"),
            ReplayError::Proof(e) => write!(f, "the recorded proof cannot be read: {e}"),
            ReplayError::Outcome { proof, bundle } => {
                write!(
                    f,
                    "the recorded proof says `{proof}`, the bundle `{bundle}`"
                )
            }
        }
    }
}

impl std::error::Error for ReplayError {}

/// Decides `recorded` again under `plan` (see the module docs): its
/// evidence re-verified against the people's keys in `graph` (the replay
/// plan's) and `result_keys`, at its recorded decision time.
pub fn replay(
    recorded: &RecordedDecision,
    plan: &Prepared,
    graph: &Graph,
    result_keys: &[VerifyingKey],
) -> Result<Replayed, ReplayError> {
    let statement = &recorded.report.statement;
    let mut inputs =
        bundle::decision_inputs(statement, graph, result_keys).map_err(ReplayError::Inputs)?;
    let signed = statement
        .pointer("/predicate/decision")
        .cloned()
        .ok_or(ReplayError::NoDecision)?;
    let before: Proof = serde_json::from_value(signed).map_err(ReplayError::Proof)?;
    let recorded_outcome = before.outcome;
    if recorded_outcome.as_str() != recorded.report.outcome {
        return Err(ReplayError::Outcome {
            proof: recorded_outcome.as_str().to_string(),
            bundle: recorded.report.outcome.clone(),
        });
    }
    for a in &mut inputs.evidence.approvals {
        if a.plan_digest == inputs.plan_digest {
            a.plan_digest = plan.digest().to_string();
        }
    }
    let replayed = plan.evaluate_at(&inputs.change, &inputs.evidence, inputs.decided_at);
    let delta = Delta::between(&before, &replayed.proof);
    Ok(Replayed {
        change_id: inputs.change.id.clone(),
        change_digest: inputs.change.digest.clone(),
        decided_at: inputs.decided_at,
        recorded_plan: inputs.plan_digest,
        recorded: recorded_outcome,
        replayed,
        delta,
    })
}

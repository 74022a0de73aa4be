//! The evidence a decision weighs: check results and approvals.
//!
//! These are the *inputs* of [`crate::evaluate`]. They are produced by the
//! evidence crate (`writ-evidence`: running checks, ingesting JUnit/SARIF,
//! verifying signed approvals) or by a policy test's `given` statements.
//! Cryptographic checks happen before evaluation (an approval arrives with
//! `signature_verified` set); policy checks (team membership, author ≠
//! approver, agents, distinct people, expiry, digests) happen in evaluation,
//! because they need the chain and the graph.

use serde::{Deserialize, Serialize};

/// Everything known about a change besides the change itself.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// Check results.
    pub checks: Vec<CheckResult>,
    /// Approvals, signatures already checked.
    pub approvals: Vec<Approval>,
}

/// The result of one check on one node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    /// The check's name, as the graph lists it on the node.
    pub check: String,
    /// The node's id.
    pub node: String,
    /// Passed or failed (a time-out or crash is a failure with its reason).
    pub outcome: CheckOutcome,
    /// sha256 of the stored evidence record (`sha256:…`), for the proof.
    pub digest: String,
    /// Where it came from: `run`, `junit:<file>`, `sarif:<file>`, `test`.
    pub source: String,
    /// A one-line summary (counts, findings by severity), if any.
    pub summary: Option<String>,
}

/// Passed or failed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum CheckOutcome {
    /// The check passed.
    Passed,
    /// The check failed, timed out or crashed.
    Failed {
        /// Why, in one line.
        reason: String,
    },
}

/// One signed approval.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// The approving person's id, as the approval claims it.
    pub person: String,
    /// The public key that signed it, `ed25519:<base64>`.
    pub key: String,
    /// The chain (or emergency path) id it is for; `None` approves every
    /// approval chain the person may approve for this change, but never an
    /// emergency path (breaking the glass must be named).
    pub chain: Option<String>,
    /// The change id it is bound to (an approval for another change is
    /// ignored even when the digests are equal).
    #[serde(default)]
    pub change_id: String,
    /// The change digest it is bound to.
    pub change_digest: String,
    /// The plan digest it is bound to.
    pub plan_digest: String,
    /// When it was signed, Unix seconds.
    pub signed_at: i64,
    /// sha256 of the approval record (`sha256:…`), for the proof.
    pub digest: String,
    /// Whether the signature verified (`verify_strict`) against one of the
    /// keys the graph lists for `person`. A `false` here denies the change.
    pub signature_verified: bool,
}

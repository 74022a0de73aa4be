//! The obligations of a proof ([`ObligationProof`]): their status, the
//! check or approval evidence that discharged them, and, on a missing one,
//! who can unblock it and how ([`Unblock`], a check's [`Command`] named in
//! `Proof::commands`). Re-exported by `proof`.

use super::{Few, InstanceRef, Name, NameTable, SourceRef, Text};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Whether an obligation is discharged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Discharged by evidence.
    Satisfied,
    /// Evidence is missing (the decision is pending).
    Missing,
    /// Evidence says it failed (the decision is deny).
    Failed,
}

/// One obligation, merged across every rule instance that imposes it.
/// Its id is not stored: its check and node, or its chain and arguments,
/// say it ([`ObligationProof::id`]); the JSON still writes it as `id`
/// first, and reading checks it against them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObligationProof {
    /// Its status.
    pub status: Status,
    /// Every rule instance that imposes it, by position, sorted (so in
    /// instance id order; most have one: kept inline);
    /// [`Proof::imposed_by`](super::Proof::imposed_by) gives their ids.
    pub imposed_by: Few<InstanceRef>,
    /// For a check obligation.
    pub check: Option<CheckObligation>,
    /// For an approval obligation (boxed: most obligations of a large
    /// proof are checks, and an inline approval would triple their size).
    pub approval: Option<Box<ApprovalObligation>>,
    /// Who can supply the missing evidence, and the command each would
    /// run; present only when the obligation is missing.
    pub unblock: Option<Unblock>,
}

impl ObligationProof {
    /// `check "name" on node` or `approval chain` / `approval chain(arg,
    /// …)`: from its check or approval (empty when it has neither, which
    /// no proof writes); `names` is the table of the proof it is in.
    pub fn id(&self, names: &NameTable) -> String {
        let mut id = String::new();
        self.write_id(names, &mut id);
        id
    }

    /// [`ObligationProof::id`], appended to `out`.
    pub fn write_id(&self, names: &NameTable, out: &mut String) {
        if let Some(c) = &self.check {
            write_check_id(out, names.get(c.check), names.get(c.node));
        } else if let Some(a) = &self.approval {
            write_approval_id(out, &a.chain, &a.args, |out, arg| out.push_str(arg));
        }
    }
}

/// A check obligation's id, `check "name" on node`, appended to `out`: the
/// one layout of it, for the proof tree and the evaluator (the direct JSON
/// writes the same text escaped from escaped parts, `eval/json_ids.rs`).
pub fn write_check_id(out: &mut String, check: &str, node: &str) {
    out.push_str("check \"");
    out.push_str(check);
    out.push_str("\" on ");
    out.push_str(node);
}

/// An approval obligation's id, `approval chain` or `approval chain(arg,
/// …)`, appended to `out`, each of `args` written by `write_arg`: the one
/// layout of it, for the proof tree and the evaluator.
pub fn write_approval_id<A>(
    out: &mut String,
    chain: &str,
    args: &[A],
    mut write_arg: impl FnMut(&mut String, &A),
) {
    out.push_str("approval ");
    out.push_str(chain);
    if !args.is_empty() {
        out.push('(');
        for (i, arg) in args.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            write_arg(out, arg);
        }
        out.push(')');
    }
}

/// Who can unblock a missing obligation. Commands are argument vectors
/// (run without a shell) in which `<CHANGE>`, `<PLAN>`, `<KEY>` and
/// `<REPORT>` stand for the change file, the plan file, the signer's private
/// key file and a test report, which the proof cannot know.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unblock {
    /// For a missing check: the command that supplies its result (`writ
    /// run --only` when the node declares the check, else `writ evidence
    /// add junit`), named in [`Proof::commands`] (its words are shared
    /// texts); [`Proof::unblock_command`] gives it in full.
    pub command: Option<Command>,
    /// For a missing approval chain: each step still short of approvals, in
    /// order.
    pub steps: Vec<UnblockStep>,
}

/// A missing check's command, as an obligation's `unblock` holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Command {
    /// Position `i` in [`Proof::commands`], `<NODE>` standing for the
    /// obligation's node (a number in the JSON).
    Template(u32),
    /// The whole argument vector (an array in the JSON): written when the
    /// check's name itself holds `<NODE>`, so no template can stand for it
    /// (a boxed slice: two words, so a missing check's `unblock` stays
    /// small).
    Argv(Box<[Text]>),
}

/// What stands for the node in a command of [`Proof::commands`].
pub const NODE_HOLE: &str = "<NODE>";

/// One step of a chain still short of approvals.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnblockStep {
    /// The step, 1-based (`then` steps are approved in order).
    pub step: u32,
    /// Approvals this step still needs.
    pub still_needed: u32,
    /// The people whose approval would count, sorted by person: of the
    /// step's sources, humans who are neither the author nor a contributor,
    /// have not already approved this step and do not count for another
    /// step of the chain.
    pub people: Vec<Approver>,
    /// When fewer people can approve than the step still needs: why
    /// (`no one can approve this: …`); `null` otherwise.
    pub blocked: Option<String>,
}

/// A person who can approve, and the command they would run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approver {
    /// The person's id.
    pub person: Text,
    /// `writ approve …` for this person (without `--chain`, so it counts
    /// for every approval chain they may fill): made once per person per
    /// proof and shared by every step that offers them (the JSON writes
    /// it in full each time).
    pub command: Arc<[Text]>,
}

/// A check that must pass on a node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckObligation {
    /// The check's name.
    pub check: Name,
    /// The node id.
    pub node: Name,
    /// Every result supplied for it, sorted by digest (a boxed slice:
    /// two words, most are empty).
    pub results: Box<[CheckEvidence]>,
}

/// A check result used as evidence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckEvidence {
    /// Passed or failed.
    pub outcome: CheckResult,
    /// Why it failed; `null` when it passed.
    pub reason: Option<String>,
    /// The evidence record's digest.
    pub digest: String,
    /// Where it came from (`run`, `junit:<file>`, …).
    pub source: String,
    /// Its summary line, if any.
    pub summary: Option<String>,
}

/// What a check result says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckResult {
    /// The check passed.
    Passed,
    /// The check failed.
    Failed,
}

impl CheckResult {
    /// `passed` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckResult::Passed => "passed",
            CheckResult::Failed => "failed",
        }
    }
}

impl std::fmt::Display for CheckResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An approval chain that must be satisfied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalObligation {
    /// The chain's id (shared with the plan's other proofs).
    pub chain: Text,
    /// The node ids bound to its parameters, in order (`team "x"` or
    /// `person "p"` for a team or person argument).
    pub args: Vec<Text>,
    /// The chain's source (one per chain, shared by every proof of the
    /// plan: the JSON writes it in full).
    pub source: Arc<SourceRef>,
    /// `expires after`, in seconds.
    pub expires_after: Option<u64>,
    /// Each step, in order.
    pub steps: Vec<StepProof>,
}

/// One step of an approval chain (or an emergency path's approvers).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepProof {
    /// Where approvers come from, as written: `team "security"`, `owners(svc=ehr)`.
    pub sources: Vec<String>,
    /// Distinct people needed.
    pub need: u32,
    /// Distinct people who may approve (the author and agents excluded).
    pub eligible: u32,
    /// The approvals that count for this step, sorted by person.
    pub approvals: Vec<ApprovalUse>,
}

/// An approval that counts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalUse {
    /// The approver's person id.
    pub person: String,
    /// The key that signed it.
    pub key: String,
    /// The approval record's digest.
    pub digest: String,
    /// When it was signed, RFC 3339 UTC.
    pub signed_at: String,
}

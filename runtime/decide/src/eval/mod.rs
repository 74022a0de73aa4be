//! Evaluation: touched nodes, reach (each distinct query once per change),
//! rule instances, obligations, approvals, forbids, the decision and its proof.
//!
//! This module holds the public entry points ([`Prepared::evaluate`],
//! `evaluate_at`, `evaluate_with`, [`Prepared::decide`]), the [`Verdict`]
//! between the two steps, and the deny for inputs that cannot be evaluated
//! (`refused`). The work is in its children, each adding methods to the
//! `Eval` context of `state`: `sets` (node sets, reach, witnesses), `values`
//! (expressions), `instances`, `approvals`, `coverage`, `forbids` (forbids
//! and emergency paths), then `settle` (decide in index form) and `prove`
//! (write the proof tree) or `json` (write the proof's JSON straight from
//! the index form). Children import only siblings earlier in that list,
//! never this module.

mod approval_json;
mod approvals;
mod coverage;
mod forbids;
mod instances;
mod json;
mod json_ids;
mod naming;
mod prove;
mod sets;
mod settle;
mod state;
mod unblock;
mod values;

pub use coverage::Coverage;
pub use prove::{Decision, proof_json};
pub use state::Scratch;

use crate::evidence::Evidence;
use crate::prepare::Prepared;
use crate::proof::*;
use crate::time::{format_rfc3339, parse_rfc3339};
use prove::change_ref;
use settle::Settled;
use state::{Eval, FxMap, InputError, WitnessTrees};
use std::collections::BTreeSet;
use writ_graph::Change;

/// Current Unix time in seconds.
pub fn system_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// A deny decision for inputs that could not be evaluated at all.
pub(crate) fn refused(
    plan_digest: String,
    graph_sha256: String,
    change: &Change,
    now: i64,
    problems: Vec<String>,
) -> Decision {
    let mut reasons: Vec<Reason> = problems
        .into_iter()
        .map(|message| Reason::InvalidInput { message })
        .collect();
    reasons.sort();
    reasons.dedup();
    let proof = Proof {
        format: PROOF_FORMAT.into(),
        outcome: Outcome::Deny,
        reasons,
        plan: PlanRef {
            digest: plan_digest,
            graph_sha256,
            trust: None,
        },
        change: change_ref(change, change.compute_digest()),
        decided_at: format_rfc3339(now),
        files: Vec::new(),
        unowned: Vec::new(),
        touched: Vec::new(),
        witnesses: Vec::new(),
        rules: Vec::new(),
        not_fired: NotFiredList::default(),
        obligations: Vec::new(),
        commands: Vec::new(),
        forbids: Vec::new(),
        rejected: Vec::new(),
        names: NameTable::new(),
    };
    Decision {
        outcome: Outcome::Deny,
        proof,
        coverage: Coverage::default(),
    }
}

impl Prepared {
    /// Decides `change` with `evidence`, at the current system time (which
    /// approval expiry is measured against and the proof records).
    pub fn evaluate(&self, change: &Change, evidence: &Evidence) -> Decision {
        self.evaluate_at(change, evidence, system_now())
    }

    /// Decides `change` with `evidence` at decision time `now` (Unix seconds).
    /// Pure: the same inputs give the same decision and the same proof bytes.
    pub fn evaluate_at(&self, change: &Change, evidence: &Evidence, now: i64) -> Decision {
        let mut scratch = Scratch::new(self);
        self.evaluate_with(&mut scratch, change, evidence, now)
    }

    /// [`Prepared::evaluate_at`] reusing `scratch` (for many decisions in a row).
    pub fn evaluate_with(
        &self,
        scratch: &mut Scratch,
        change: &Change,
        evidence: &Evidence,
        now: i64,
    ) -> Decision {
        self.decide(scratch, change, evidence, now).into_decision()
    }

    /// Decides `change` with `evidence` at `now`, reusing `scratch`, without
    /// writing the proof out yet (see [`Verdict`]):
    /// `decide(…).into_decision()` is [`Prepared::evaluate_with`].
    pub fn decide<'a, 's>(
        &'a self,
        scratch: &'s mut Scratch,
        change: &'a Change,
        evidence: &'a Evidence,
        now: i64,
    ) -> Verdict<'a, 's> {
        let mut errors = Vec::new();
        let change_digest = change.compute_digest();
        if !change.digest.is_empty() && change.digest != change_digest {
            errors.push(InputError::ChangeDigest {
                recorded: change.digest.clone(),
                computed: change_digest.clone(),
            });
        }
        let change_time = match parse_rfc3339(&change.timestamp) {
            Some(t) => t,
            None => {
                errors.push(InputError::ChangeTime(change.timestamp.clone()));
                0
            }
        };
        let mut paths: Vec<&str> = change.paths().collect();
        paths.sort_unstable();
        paths.dedup();
        let sets = scratch.file_sets(self, &paths);
        let mut authors: Vec<&str> = std::iter::once(&change.author)
            .chain(&change.contributors)
            .filter_map(|i| i.id.as_deref())
            .collect();
        authors.sort_unstable();
        authors.dedup();
        let mut ev = Eval {
            p: self,
            change,
            evidence,
            now,
            change_time,
            change_digest,
            paths,
            touched: sets.touched,
            scratch,
            reaches: sets.reaches,
            filled: sets.filled,
            candidates: sets.candidates,
            files: Vec::new(),
            globs: FxMap::default(),
            errors,
            authors,
            rejected: BTreeSet::new(),
            cur: Vec::new(),
            trees: WitnessTrees::default(),
            read_time: false,
        };
        let st = ev.settle();
        Verdict { ev, st }
    }
}

/// A decision whose proof is not written out yet.
///
/// [`Prepared::decide`] settles everything the proof says — the touched
/// nodes, each reach with the parent pointers of its witness paths, every
/// rule instance with its bindings and obligations, each obligation's
/// status against the evidence, every forbid and emergency path — in index
/// form; [`Verdict::into_decision`] writes the proof tree (node ids,
/// instance ids, witness steps, sorted lists) from it. Deciding many changes
/// where only the outcome is wanted skips that second step.
pub struct Verdict<'a, 's> {
    ev: Eval<'a, 's>,
    st: Settled<'a>,
}

/// What the evidence of a decision lacks ([`Verdict::wanted`]): the checks
/// its obligations ask for and the people who could supply its missing
/// approvals, as the proof would list them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Wanted {
    /// Every check an obligation asks for, as (check, node id), in
    /// obligation order (not sorted, may repeat).
    pub checks: Vec<(String, String)>,
    /// Every person the proof's `unblock` lists name for a missing approval
    /// obligation, in obligation order (not sorted, may repeat).
    pub approvers: Vec<String>,
}

impl Verdict<'_, '_> {
    /// Allow, deny or pending.
    pub fn outcome(&self) -> Outcome {
        self.st.outcome
    }

    /// Whether a condition (a rule's or forbid's `when`) read
    /// `decision.time` or `change.time` while the outcome was settled.
    /// When not, every other decision time and change time gives the same
    /// outcome and the same [`Verdict::wanted`] and [`Verdict::fired`], for
    /// the change otherwise alike and evidence that stands alike (each
    /// approval signed relative to the decision time the same way: not
    /// after it, and expiring or not alike), because conditions are the
    /// only part of settling that reads the time otherwise
    /// (`writ prove` decides such a change in one time region for all).
    pub fn read_time(&self) -> bool {
        self.ev.read_time
    }

    /// The rule instances that fire, in order: each as the rule's index in
    /// the plan's rules and the nodes bound to its `for` variables.
    pub fn fired(&self) -> impl Iterator<Item = (usize, &[writ_graph::NodeIdx])> {
        self.st
            .instances
            .iter()
            .map(|i| (i.item as usize, &self.st.all_vars[i.vars.clone()]))
    }

    /// The checks the decision's obligations ask for and the people listed
    /// as able to unblock each missing approval: what
    /// [`Verdict::into_decision`]'s proof says in its obligations' `check`
    /// and `unblock` fields, without writing the proof.
    pub fn wanted(&mut self) -> Wanted {
        let mut out = Wanted::default();
        let (ev, st) = (&mut self.ev, &mut self.st);
        let mut approvers = approvals::Offered::default();
        for (o, key) in st.obligations.iter().enumerate() {
            match key {
                settle::ObKey::Check(c, n) => out
                    .checks
                    .push((ev.p.checks[*c as usize].clone(), ev.node_id(*n).to_string())),
                settle::ObKey::Approval(ci, args) => {
                    if st.statuses[o] != Status::Missing {
                        continue;
                    }
                    let steps = match st.steps.get(o) {
                        Some(steps) => steps.clone(),
                        None => ev.match_chain(*ci, args, &st.usable).1,
                    };
                    for step in ev.unblock_chain(*ci, args, &steps, &mut approvers).steps {
                        out.approvers
                            .extend(step.people.into_iter().map(|a| a.person.to_string()));
                    }
                }
            }
        }
        out
    }

    /// The decision with its proof.
    pub fn into_decision(mut self) -> Decision {
        self.ev.prove(&mut self.st)
    }

    /// The proof as compact JSON (`writ.proof/v3`) with a final newline, written straight
    /// from the settled decision without the [`Proof`] tree: the same
    /// bytes as `into_decision().to_json()` (with `plan.trust` set to
    /// `trust` when given, as `writ eval` records it), at a fraction of
    /// the cost for a large proof. The outcome is [`Verdict::outcome`].
    pub fn into_json(mut self, trust: Option<&writ_plan::signature::PlanTrust>) -> String {
        self.ev.prove_json(&mut self.st, trust, String::new())
    }

    /// [`Verdict::into_json`] written into `out` (emptied first): a caller
    /// writing many proofs reuses one buffer, and its pages, across them.
    pub fn write_json(mut self, trust: Option<&writ_plan::signature::PlanTrust>, out: &mut String) {
        *out = self.ev.prove_json(&mut self.st, trust, std::mem::take(out));
    }
}

impl Drop for Verdict<'_, '_> {
    /// Hands the settled decision's buffers back to the scratch space for
    /// the next decision (`Eval::recycle`); the file sets follow when the
    /// evaluation itself is dropped.
    fn drop(&mut self) {
        self.ev.recycle(&mut self.st);
    }
}

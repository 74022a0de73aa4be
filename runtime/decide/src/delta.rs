//! What differs between two decisions of the same change under two plans
//! (or the same plan and other evidence): the outcome, the rules that fire,
//! the obligations imposed, the forbids that apply and the reasons given.
//!
//! This is the one comparison of proofs: `writ replay` (a recorded decision
//! against the same change decided again under another plan) and `writ diff`
//! (a synthetic change decided under an old and a new plan) both report a
//! [`Delta`]. Every list is sorted, so the same two proofs give the same
//! delta.

use crate::proof::{ForbidStatus, Outcome, Proof, Status};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The difference between a decision `before` and a decision `after`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Delta {
    /// The outcome before.
    pub before: Outcome,
    /// The outcome after.
    pub after: Outcome,
    /// Rules that fire after but not before, by id.
    pub rules_fired: Vec<String>,
    /// Rules that fired before but not after, by id.
    pub rules_stopped: Vec<String>,
    /// Obligations imposed after but not before.
    pub obligations_added: Vec<ObligationDelta>,
    /// Obligations imposed before but not after.
    pub obligations_removed: Vec<ObligationDelta>,
    /// Forbids that apply after (denying, or lifted by an emergency path)
    /// but not before.
    pub forbids_started: Vec<ForbidDelta>,
    /// Forbids that applied before but not after.
    pub forbids_stopped: Vec<ForbidDelta>,
    /// Reasons for not allowing given after but not before, as one line each.
    pub reasons_added: Vec<String>,
    /// Reasons given before but not after.
    pub reasons_removed: Vec<String>,
}

/// An obligation one side imposes and the other does not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ObligationDelta {
    /// The obligation's id (`check "unit" on money`, `approval chain(…)`).
    pub id: String,
    /// Its status on the side that imposes it.
    pub status: Status,
    /// The rule instances that impose it there, sorted.
    pub imposed_by: Vec<String>,
}

/// A forbid that applies on one side and not on the other.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ForbidDelta {
    /// The forbid's id.
    pub id: String,
    /// Its status on the side where it applies (`applied` or `lifted`).
    pub status: ForbidStatus,
    /// Its message.
    pub message: String,
}

impl Delta {
    /// Compares two proofs of the same change.
    pub fn between(before: &Proof, after: &Proof) -> Delta {
        let fired = |p: &Proof| -> BTreeSet<String> {
            p.rules
                .iter()
                .filter(|r| !r.instances.is_empty())
                .map(|r| r.id.to_string())
                .collect()
        };
        let (fired_before, fired_after) = (fired(before), fired(after));
        let obligations = |p: &Proof| -> BTreeMap<String, ObligationDelta> {
            p.obligations
                .iter()
                .map(|o| {
                    let mut imposed_by: Vec<String> = p.imposed_by(o);
                    imposed_by.sort();
                    let id = o.id(&p.names);
                    let delta = ObligationDelta {
                        id: id.clone(),
                        status: o.status,
                        imposed_by,
                    };
                    (id, delta)
                })
                .collect()
        };
        let (ob_before, ob_after) = (obligations(before), obligations(after));
        let forbids = |p: &Proof| -> BTreeMap<String, ForbidDelta> {
            p.forbids
                .iter()
                .filter(|f| f.status != ForbidStatus::NotApplied)
                .map(|f| {
                    (
                        f.id.clone(),
                        ForbidDelta {
                            id: f.id.clone(),
                            status: f.status,
                            message: f.message.clone(),
                        },
                    )
                })
                .collect()
        };
        let (fb_before, fb_after) = (forbids(before), forbids(after));
        let reasons =
            |p: &Proof| -> BTreeSet<String> { p.reasons.iter().map(|r| r.describe(p)).collect() };
        let (r_before, r_after) = (reasons(before), reasons(after));
        Delta {
            before: before.outcome,
            after: after.outcome,
            rules_fired: fired_after.difference(&fired_before).cloned().collect(),
            rules_stopped: fired_before.difference(&fired_after).cloned().collect(),
            obligations_added: only_in(&ob_after, &ob_before),
            obligations_removed: only_in(&ob_before, &ob_after),
            forbids_started: only_in(&fb_after, &fb_before),
            forbids_stopped: only_in(&fb_before, &fb_after),
            reasons_added: r_after.difference(&r_before).cloned().collect(),
            reasons_removed: r_before.difference(&r_after).cloned().collect(),
        }
    }

    /// Whether the outcome differs.
    pub fn flipped(&self) -> bool {
        self.before != self.after
    }

    /// Whether nothing at all differs (outcome, rules, obligations, forbids, reasons).
    pub fn is_empty(&self) -> bool {
        !self.flipped()
            && self.rules_fired.is_empty()
            && self.rules_stopped.is_empty()
            && self.obligations_added.is_empty()
            && self.obligations_removed.is_empty()
            && self.forbids_started.is_empty()
            && self.forbids_stopped.is_empty()
            && self.reasons_added.is_empty()
            && self.reasons_removed.is_empty()
    }

    /// What made the difference, one line each, most decisive first:
    /// forbids, then obligations, then the remaining reasons, then rules.
    pub fn because(&self) -> Vec<String> {
        let mut out = Vec::new();
        for f in &self.forbids_started {
            out.push(format!(
                "forbid `{}` now applies ({}): {}",
                f.id,
                forbid_status(f.status),
                f.message
            ));
        }
        for f in &self.forbids_stopped {
            out.push(format!("forbid `{}` no longer applies", f.id));
        }
        for o in &self.obligations_added {
            out.push(format!(
                "new obligation {} ({}), imposed by {}",
                o.id,
                status_name(o.status),
                o.imposed_by.join(", ")
            ));
        }
        for o in &self.obligations_removed {
            out.push(format!(
                "obligation {} dropped (was imposed by {})",
                o.id,
                o.imposed_by.join(", ")
            ));
        }
        let covered = |line: &str| {
            self.forbids_started
                .iter()
                .any(|f| line.contains(&format!("`{}`", f.id)))
                || self
                    .obligations_added
                    .iter()
                    .chain(&self.obligations_removed)
                    .any(|o| line.contains(o.id.as_str()))
        };
        for r in &self.reasons_added {
            if !covered(r) {
                out.push(format!("now: {r}"));
            }
        }
        for r in &self.reasons_removed {
            if !covered(r) {
                out.push(format!("no longer: {r}"));
            }
        }
        for r in &self.rules_fired {
            out.push(format!("rule `{r}` now fires"));
        }
        for r in &self.rules_stopped {
            out.push(format!("rule `{r}` no longer fires"));
        }
        out
    }
}

fn only_in<T: Clone>(a: &BTreeMap<String, T>, b: &BTreeMap<String, T>) -> Vec<T> {
    a.iter()
        .filter(|(k, _)| !b.contains_key(*k))
        .map(|(_, v)| v.clone())
        .collect()
}

/// `satisfied`, `missing` or `failed`.
pub(crate) fn status_name(status: Status) -> &'static str {
    match status {
        Status::Satisfied => "satisfied",
        Status::Missing => "missing",
        Status::Failed => "failed",
    }
}

/// A forbid's status in words: `denies`, `lifted by an emergency path`, `does not apply`.
pub fn forbid_status(status: ForbidStatus) -> &'static str {
    match status {
        ForbidStatus::Applied => "denies",
        ForbidStatus::Lifted => "lifted by an emergency path",
        ForbidStatus::NotApplied => "does not apply",
    }
}

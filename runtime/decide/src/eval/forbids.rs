//! Forbids: for each forbid, the bindings for which its `when` holds (a
//! `when` that cannot be evaluated counts as applying), the value of each
//! part of the `when` for the proof, and, when it applies to an emergency
//! change, the emergency paths tried in order until one has its approvals
//! (which lifts the forbid and owes a follow-up review). A forbid that
//! applies and is not lifted denies.

use super::approvals::Target;
use super::coverage::{CoverageBits, forbid_flags};
use super::state::{Eval, InputError};
use crate::prepare::{CExpr, CItem};
use crate::proof::{
    ConditionValue, EmergencyProof, FollowUp, ForbidProof, ForbidStatus, Reason, StepProof,
};
use crate::time::format_rfc3339;
use writ_graph::NodeIdx;

/// A forbid as settled: whether it applies and why, the emergency paths
/// tried, and the bindings for which it applies. Its proof (with the value
/// of each part of its `when` and the words of why) is written only when a
/// proof is ([`Eval::forbid_proof`]): a settled decision needs neither.
pub(super) struct ForbidState {
    pub(super) status: ForbidStatus,
    pub(super) why: ForbidWhy,
    pub(super) emergencies: Vec<EmergencyProof>,
    pub(super) flat: Vec<NodeIdx>,
    pub(super) applied: Vec<std::ops::Range<usize>>,
}

/// Why a forbid applies or not, as settling found it.
pub(super) enum ForbidWhy {
    /// Not applied: binding `i` had no node.
    NoNode(usize),
    /// Not applied: its `when` is false (the false parts named from the
    /// conditions, [`when_false_why`]).
    WhenFalse,
    /// Applied or lifted: in these words.
    Said(String),
}

impl<'a> Eval<'a, '_> {
    /// Forbid `fi`: the bindings for which it applies, its conditions, and
    /// whether an emergency path lifts it (if not and it applies, it denies).
    pub(super) fn settle_forbid(
        &mut self,
        fi: usize,
        usable: &[usize],
        coverage: &mut CoverageBits,
        reasons: &mut Vec<Reason>,
    ) -> ForbidState {
        let p = self.p;
        let f = &p.forbids[fi];
        let meta = &p.plan.forbids[fi];
        let mut flat = Vec::new();
        let stride = f.bindings.len();
        let (count, empty) = match self.instances(f, &mut flat) {
            Ok(c) => (c, None),
            Err(i) => (0, Some(i)),
        };
        let mut applied: Vec<std::ops::Range<usize>> = Vec::new();
        let mut error = None;
        for k in 0..count {
            let range = k * stride..(k + 1) * stride;
            match f
                .when
                .as_ref()
                .map_or(Ok(true), |w| self.truth(w, &flat[range.clone()]))
            {
                Ok(true) => applied.push(range),
                Ok(false) => {}
                Err(e) => {
                    // A forbid that cannot be evaluated is treated as applying.
                    error.get_or_insert(e);
                    applied.push(range);
                }
            }
        }
        if let Some(e) = &error {
            self.errors.push(InputError::ForbidWhen {
                forbid: meta.id.clone(),
                error: e.clone(),
            });
        }
        let mut emergencies = Vec::new();
        let (status, why) = if applied.is_empty() {
            coverage.forbids[fi] |= forbid_flags::NOT_APPLIED;
            let why = match empty {
                Some(i) => ForbidWhy::NoNode(i),
                None => ForbidWhy::WhenFalse,
            };
            (ForbidStatus::NotApplied, why)
        } else {
            coverage.forbids[fi] |= forbid_flags::APPLIED;
            let lifted_by = if self.change.emergency && error.is_none() {
                self.try_emergencies(&f.unless, usable, &mut emergencies)
            } else {
                None
            };
            match lifted_by {
                Some(e) => {
                    let due = emergencies
                        .last()
                        .and_then(|x| x.followup.as_ref())
                        .map_or(String::new(), |f| f.due.clone());
                    (
                        ForbidStatus::Lifted,
                        ForbidWhy::Said(format!(
                            "applies, lifted by emergency path `{e}`; follow-up review owed by {due}"
                        )),
                    )
                }
                None => {
                    reasons.push(Reason::Forbidden {
                        forbid: meta.id.clone(),
                        message: meta.message.clone(),
                    });
                    let why = if error.is_some() {
                        "its `when` could not be evaluated, so it is treated as applying"
                    } else if f.unless.is_empty() {
                        "applies; no emergency path can lift it"
                    } else if !self.change.emergency {
                        "applies; the change is not flagged as an emergency, so no emergency path was tried"
                    } else {
                        "applies; no emergency path has the approvals it needs"
                    };
                    (ForbidStatus::Applied, ForbidWhy::Said(why.to_string()))
                }
            }
        };
        ForbidState {
            status,
            why,
            emergencies,
            flat,
            applied,
        }
    }

    /// Forbid `fi`'s proof as settled (`state`), without its instances:
    /// each part of its `when` evaluated again for the proof alone (what
    /// that reads does not count as read by the outcome), and why in words.
    pub(super) fn forbid_proof(&mut self, fi: usize, state: &mut ForbidState) -> ForbidProof {
        let p = self.p;
        let f = &p.forbids[fi];
        let meta = &p.plan.forbids[fi];
        let read_time = self.read_time;
        let conditions = self.forbid_conditions(f, &state.flat, &state.applied);
        self.read_time = read_time;
        let why = match std::mem::replace(&mut state.why, ForbidWhy::WhenFalse) {
            ForbidWhy::NoNode(i) => {
                String::from(f.meta.no_node.get(i).map_or("no node for `?`", |w| w))
            }
            ForbidWhy::WhenFalse => when_false_why(&conditions),
            ForbidWhy::Said(why) => why,
        };
        ForbidProof {
            id: meta.id.clone(),
            message: meta.message.clone(),
            status: state.status,
            why,
            source: f.meta.source.clone(),
            conditions,
            instances: Vec::new(),
            emergencies: std::mem::take(&mut state.emergencies),
        }
    }

    /// The value of each part of a forbid's `when`, for the first binding
    /// it applies to (or the first binding).
    fn forbid_conditions(
        &mut self,
        f: &'a CItem,
        flat: &[NodeIdx],
        applied: &[std::ops::Range<usize>],
    ) -> Vec<ConditionValue> {
        let stride = f.bindings.len();
        let probe: &[NodeIdx] = match applied.first() {
            Some(r) => &flat[r.clone()],
            None => flat.get(..stride).unwrap_or_default(),
        };
        match f.when.as_ref() {
            Some(CExpr::And(parts)) if stride == 0 || !flat.is_empty() => parts
                .iter()
                .zip(&f.meta.conditions)
                .map(|(c, e)| ConditionValue {
                    expr: e.clone(),
                    value: self.truth(c, probe).ok(),
                })
                .collect(),
            Some(w) if stride == 0 || !flat.is_empty() => vec![ConditionValue {
                expr: f.meta.conditions.first().cloned().unwrap_or_default(),
                value: self.truth(w, probe).ok(),
            }],
            _ => Vec::new(),
        }
    }

    /// Tries the emergency paths `unless` in order, recording each tried in
    /// `emergencies`; the id of the first that has its approvals.
    fn try_emergencies(
        &mut self,
        unless: &[u32],
        usable: &[usize],
        emergencies: &mut Vec<EmergencyProof>,
    ) -> Option<String> {
        let plan = &self.p.plan;
        for &ei in unless {
            let em = &plan.emergencies[ei as usize];
            let target = Target {
                id: &em.id,
                expires_after: None,
                emergency: true,
            };
            let (ok, mut steps) = self.match_steps(
                std::slice::from_ref(&em.approvers),
                &[],
                &[],
                target,
                usable,
            );
            let approvers = steps.pop().unwrap_or(StepProof {
                sources: vec![],
                need: 1,
                eligible: 0,
                approvals: vec![],
            });
            let followup =
                ok.then(|| {
                    let people: Vec<String> = self
                        .eligible(&em.followup, &[])
                        .into_iter()
                        .map(String::from)
                        .collect();
                    FollowUp {
                        sources: em
                            .followup
                            .sources
                            .iter()
                            .map(|s| self.describe_source(s, &[], &[]))
                            .collect(),
                        need: em.followup.count.unwrap_or(people.len() as u32),
                        people,
                        due: format_rfc3339(self.change_time.saturating_add(
                            i64::try_from(em.followup_within).unwrap_or(i64::MAX / 2),
                        )),
                    }
                });
            emergencies.push(EmergencyProof {
                id: em.id.clone(),
                satisfied: ok,
                approvers,
                followup,
            });
            if ok {
                return Some(em.id.clone());
            }
        }
        None
    }
}

/// Why a forbid whose bindings exist does not apply: its `when` is false
/// (naming the false parts of a conjunction).
fn when_false_why(conditions: &[ConditionValue]) -> String {
    const FALSE: &str = "its `when` is false";
    let mut false_parts = (conditions.iter())
        .filter(|c| c.value == Some(false))
        .map(|c| c.expr.as_str())
        .peekable();
    if conditions.len() <= 1 || false_parts.peek().is_none() {
        return FALSE.into();
    }
    let mut why = String::with_capacity(64);
    why.push_str(FALSE);
    why.push_str(": ");
    for (i, part) in false_parts.enumerate() {
        if i > 0 {
            why.push_str("; ");
        }
        why.push('`');
        why.push_str(part);
        why.push_str("` is false");
    }
    why
}

//! Checking one assertion's claims on one change (`writ prove`): each
//! `expect` against the decision with the strongest evidence, and, for
//! `expect requires …`, against the decisions with that evidence weakened
//! as the claim says (every set of N−1 approvers, a check's results left
//! out), all by the real decider.

use crate::space::Strongest;
use crate::{Evidence, Outcome, Prepared, Scratch};
use std::collections::BTreeSet;
use writ_graph::{Change, PrincipalKind};
use writ_plan::ir::{self, Approvers, ClaimKind, NodeSet};

/// At most this many sets of approvers are tried for one `expect requires
/// N of …` claim on one change (the sets of N−1 of the eligible people).
pub(crate) const MAX_SUBSETS: usize = 256;

/// A change's claims being checked: the change, its decision with the
/// strongest evidence, and what the decisions made so far cost and read.
pub(super) struct ClaimCtx<'a, 'b> {
    pub(super) p: &'a Prepared,
    pub(super) scratch: &'b mut Scratch,
    pub(super) change: &'a Change,
    pub(super) time: i64,
    pub(super) strongest: &'b Strongest,
    pub(super) best: Outcome,
    pub(super) decisions: &'b mut u64,
    /// Set when a decision read the time (`Verdict::read_time`).
    pub(super) read_time: &'b mut bool,
    pub(super) not_covered: &'b mut Vec<String>,
}

impl ClaimCtx<'_, '_> {
    fn decide(&mut self, ev: &Evidence) -> Outcome {
        *self.decisions += 1;
        // Only the outcome: the proof is not written out.
        let v = self.p.decide(self.scratch, self.change, ev, self.time);
        *self.read_time |= v.read_time();
        v.outcome()
    }

    /// `Some((outcome, why, evidence))` when `claim` fails for node `n`.
    pub(super) fn check(
        &mut self,
        claim: &ir::Claim,
        n: &str,
    ) -> Option<(Outcome, String, Evidence)> {
        let none: BTreeSet<String> = BTreeSet::new();
        let no_checks: BTreeSet<(String, String)> = BTreeSet::new();
        match &claim.kind {
            ClaimKind::Decision { negated, outcome } => {
                let holds = (self.best.as_str() == outcome) != *negated;
                (!holds).then(|| {
                    (
                        self.best,
                        format!(
                            "with every check passing and everyone who may approve approving, the decision is {}",
                            self.best.as_str()
                        ),
                        self.strongest.evidence(&none, &no_checks),
                    )
                })
            }
            ClaimKind::Approvals(step) => {
                if self.best != Outcome::Allow {
                    return None; // weaker evidence never allows either
                }
                let graph = self.p.graph();
                let author = self.change.author.id.as_deref();
                let mut people: BTreeSet<String> = BTreeSet::new();
                for src in &step.sources {
                    let ids: Vec<String> = match src {
                        Approvers::OwnersOfParam(0) => graph
                            .node_by_id(n)
                            .map(|node| {
                                graph
                                    .owner_people(&node.owners)
                                    .into_iter()
                                    .map(String::from)
                                    .collect()
                            })
                            .unwrap_or_default(),
                        Approvers::OwnersOfNode(i) => self
                            .p
                            .node_of_plan(*i)
                            .map(|idx| {
                                graph
                                    .owner_people(&graph.node(idx).owners)
                                    .into_iter()
                                    .map(String::from)
                                    .collect()
                            })
                            .unwrap_or_default(),
                        Approvers::Team(t) => graph
                            .team(t)
                            .map(|t| t.members.iter().map(|m| m.value.clone()).collect())
                            .unwrap_or_default(),
                        Approvers::Person(x) => vec![x.clone()],
                        Approvers::OwnersOfParam(_)
                        | Approvers::Param(_)
                        | Approvers::OwnersOfTouched => Vec::new(),
                    };
                    people.extend(ids.into_iter().filter(|id| {
                        Some(id.as_str()) != author
                            && graph
                                .person(id)
                                .is_some_and(|p| p.kind == PrincipalKind::Human)
                    }));
                }
                if step.count.is_none() && people.is_empty() {
                    return None; // all of nobody: nothing to withhold
                }
                let need = step.count.map_or(people.len(), |c| c as usize);
                let keep = need.saturating_sub(1);
                let pool: Vec<&String> = people.iter().collect();
                if keep >= pool.len() {
                    // Even all of them are fewer than it takes: any allow
                    // with all of them approving is a counterexample.
                    return Some((
                        self.best,
                        format!(
                            "allowed though only {} of the {} it takes can approve ({})",
                            pool.len(),
                            need,
                            list(&pool)
                        ),
                        self.strongest.evidence(&none, &no_checks),
                    ));
                }
                let mut tried = 0usize;
                let mut subset: Vec<usize> = (0..keep).collect();
                loop {
                    if tried == MAX_SUBSETS {
                        self.not_covered.push(format!(
                            "`{}` on `{n}`: more than {MAX_SUBSETS} sets of {keep} of {} approvers",
                            claim_kind(step),
                            pool.len()
                        ));
                        return None;
                    }
                    tried += 1;
                    let kept: BTreeSet<&String> = subset.iter().map(|&i| pool[i]).collect();
                    let absent: BTreeSet<String> = pool
                        .iter()
                        .filter(|p| !kept.contains(*p))
                        .map(|p| (*p).clone())
                        .collect();
                    let ev = self.strongest.evidence(&absent, &no_checks);
                    let out = self.decide(&ev);
                    if out == Outcome::Allow {
                        let kept: Vec<&String> = kept.into_iter().collect();
                        return Some((
                            out,
                            format!(
                                "allowed with {} of the {} it takes approving ({})",
                                kept.len(),
                                need,
                                if kept.is_empty() {
                                    "none".into()
                                } else {
                                    list(&kept)
                                }
                            ),
                            ev,
                        ));
                    }
                    if !next_combination(&mut subset, pool.len()) {
                        return None;
                    }
                }
            }
            ClaimKind::Check { check, on } => {
                if self.best != Outcome::Allow {
                    return None;
                }
                let mut nodes = Vec::new();
                if !self.nodes_of(on, n, &mut nodes) {
                    self.not_covered.push(format!(
                        "`require check \"{check}\"` on a node set that depends on the change"
                    ));
                    return None;
                }
                let absent: BTreeSet<(String, String)> = nodes
                    .into_iter()
                    .map(|node| (check.clone(), node))
                    .collect();
                let ev = self.strongest.evidence(&none, &absent);
                let out = self.decide(&ev);
                (out == Outcome::Allow).then(|| {
                    let on: Vec<&str> = absent.iter().map(|(_, n)| n.as_str()).collect();
                    (
                        out,
                        format!("allowed without check `{check}` on {}", on.join(", ")),
                        ev,
                    )
                })
            }
        }
    }

    /// The node ids of `set` for the assertion's node `n`; false when the
    /// set depends on the change.
    fn nodes_of(&self, set: &NodeSet, n: &str, out: &mut Vec<String>) -> bool {
        match set {
            NodeSet::Var(0) => {
                out.push(n.to_string());
                true
            }
            NodeSet::Static(i) => {
                let Some(nodes) = self.p.plan().sets.get(*i as usize) else {
                    return false;
                };
                for &x in nodes {
                    if let Some(idx) = self.p.node_of_plan(x) {
                        out.push(self.p.graph().node(idx).id.to_string());
                    }
                }
                true
            }
            NodeSet::Union(v) => v.iter().all(|s| self.nodes_of(s, n, out)),
            NodeSet::Var(_) | NodeSet::Touches { .. } | NodeSet::Reach { .. } => false,
        }
    }
}

fn claim_kind(step: &ir::ApprovalStep) -> String {
    match step.count {
        Some(c) => format!("requires {c} of …"),
        None => "requires all of …".into(),
    }
}

fn list(people: &[&String]) -> String {
    people
        .iter()
        .map(|p| format!("`{p}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The next `k`-combination of `0..n` in lexicographic order.
fn next_combination(c: &mut [usize], n: usize) -> bool {
    let k = c.len();
    let mut i = k;
    while i > 0 {
        i -= 1;
        if c[i] < n - k + i {
            c[i] += 1;
            for j in i + 1..k {
                c[j] = c[j - 1] + 1;
            }
            return true;
        }
    }
    false
}

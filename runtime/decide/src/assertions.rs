//! Proving a plan's assertions (`assert`, `writ prove`): every change of
//! the space ([`crate::space`]) an assertion is about is decided by the real
//! decider, with the strongest evidence and with that evidence weakened as
//! each claim says, and the first change for which a claim fails is the
//! counterexample.
//!
//! Which changes an assertion is about is decided by the real decider too:
//! a *probe plan* holds one evidence-free rule per assertion (its `for` and
//! `when`), and the instances that rule gets on a change are the nodes the
//! assertion binds. The abstraction and what it leaves out are in
//! `docs/prove.md`.

use crate::space::{AuthorClass, Scenario, Space, Strongest};
use crate::{Evidence, Outcome, Prepared, Scratch};
use std::collections::{BTreeMap, BTreeSet};
use writ_graph::index::{Direction, NodeIdx};
use writ_graph::{Change, PrincipalKind};
use writ_plan::ir::{self, Approvers, ClaimKind, NodeSet};

/// At most this many sets of approvers are tried for one `expect requires
/// N of …` claim on one change (the sets of N−1 of the eligible people).
pub const MAX_SUBSETS: usize = 256;

/// What `writ prove` found.
#[derive(Clone, Debug)]
pub struct Report {
    /// One result per assertion, in plan order (sorted by id).
    pub assertions: Vec<AssertionResult>,
    /// Decisions made by the real decider (probe decisions included).
    pub decisions: u64,
    /// Why a property proved for every single-node change may not carry
    /// over to changes touching several nodes: each rule or forbid whose
    /// condition is not monotone in the touched set, with the construct
    /// (sorted; empty when the plan is monotone, docs/prove.md).
    pub not_monotone: Vec<String>,
}

/// The result for one assertion.
#[derive(Clone, Debug)]
pub struct AssertionResult {
    /// `module::name`.
    pub id: String,
    /// The assertion's message (may be empty).
    pub message: String,
    /// Where it is written.
    pub origin: ir::Origin,
    /// Changes it was checked on (each a node × author class × emergency
    /// flag × label set × decision time it is about).
    pub changes: u64,
    /// The first change for which a claim fails, if any.
    pub counterexample: Option<Counterexample>,
    /// What was not checked, each with the reason (sorted).
    pub not_covered: Vec<String>,
}

impl AssertionResult {
    /// Whether no counterexample was found.
    pub fn holds(&self) -> bool {
        self.counterexample.is_none()
    }
}

/// A change, with the evidence, for which an assertion's claim fails.
#[derive(Clone, Debug)]
pub struct Counterexample {
    /// The claim's index among the assertion's `expect` clauses.
    pub claim: usize,
    /// The claim as written.
    pub claim_text: String,
    /// The node the assertion bound (`for n in …`).
    pub node: String,
    /// The node the change touches.
    pub touched: String,
    /// The one file the change modifies.
    pub file: String,
    /// The author's person id (`None`: an unknown author).
    pub author: Option<String>,
    /// The author's class.
    pub author_class: String,
    /// The emergency flag.
    pub emergency: bool,
    /// The labels.
    pub labels: Vec<String>,
    /// The decision time (and the change's time), Unix seconds.
    pub time: i64,
    /// The decision with `evidence`.
    pub outcome: Outcome,
    /// Why the claim fails, in one sentence.
    pub why: String,
    /// The change.
    pub change: Change,
    /// The evidence that gets `outcome`.
    pub evidence: Evidence,
}

impl Counterexample {
    /// The author as shown to people: "`id` (class)", or "an unknown author".
    pub fn author_text(&self) -> String {
        match &self.author {
            Some(id) => format!("`{id}` ({})", self.author_class),
            None => "an unknown author".into(),
        }
    }

    /// The labels as shown to people: "no labels" or "labels a, b".
    pub fn labels_text(&self) -> String {
        if self.labels.is_empty() {
            "no labels".to_string()
        } else {
            format!("labels {}", self.labels.join(", "))
        }
    }
}

/// Checks every assertion of `p`'s plan.
pub fn prove(p: &Prepared) -> Result<Report, String> {
    let plan = p.plan();
    let mut results: Vec<AssertionResult> = plan
        .assertions
        .iter()
        .map(|a| AssertionResult {
            id: a.id.clone(),
            message: a.message.clone(),
            origin: a.origin.clone(),
            changes: 0,
            counterexample: None,
            not_covered: Vec::new(),
        })
        .collect();
    if plan.assertions.is_empty() {
        return Ok(Report {
            assertions: results,
            decisions: 0,
            not_monotone: Vec::new(),
        });
    }
    let probe = Prepared::new(probe_plan(plan)).map_err(|e| {
        format!(
            "the assertions' probe plan does not prepare: {:?}",
            e.problems
        )
    })?;
    let space = Space::new(p);
    let label_sets = space.label_sets().ok_or_else(|| {
        format!(
            "the plan compares {} labels; `writ prove` enumerates at most {}",
            space.labels().len(),
            crate::space::MAX_LABELS
        )
    })?;
    let mut candidates: BTreeMap<NodeIdx, Vec<usize>> = BTreeMap::new();
    for (i, a) in plan.assertions.iter().enumerate() {
        match touched_candidates(p, &a.binding.set) {
            Ok(nodes) => {
                for m in nodes {
                    candidates.entry(m).or_default().push(i);
                }
            }
            Err(why) => results[i].not_covered.push(why),
        }
    }
    let mut scratch = Scratch::new(p);
    let mut probe_scratch = Scratch::new(&probe);
    let mut decisions = 0u64;
    let graph = p.graph();
    for (&m, idxs) in &candidates {
        let Some(file) = space.path_for(m) else {
            for &i in idxs {
                results[i].not_covered.push(format!(
                    "changes to `{}`: no file path touches it alone",
                    graph.node(m).id.value
                ));
            }
            continue;
        };
        for class in space.author_classes(&[m]) {
            for &emergency in space.emergency_flags() {
                for labels in &label_sets {
                    for &time in space.times() {
                        let open: Vec<usize> = idxs
                            .iter()
                            .copied()
                            .filter(|&i| {
                                results[i].counterexample.is_none()
                                    && class_matches(&plan.assertions[i].authors, &class)
                            })
                            .collect();
                        if open.is_empty() {
                            continue;
                        }
                        let s = Scenario {
                            nodes: vec![m],
                            author: class.clone(),
                            emergency,
                            labels: labels.clone(),
                            time,
                        };
                        let change = space.change(&s).map_err(|e| e.to_string())?;
                        // Which nodes each assertion binds: the touched node
                        // itself for a `touches` assertion without `when`,
                        // else what the probe plan's rule gets.
                        let needs_probe = open.iter().any(|&i| !is_plain(&plan.assertions[i]));
                        let bound = needs_probe.then(|| {
                            decisions += 1;
                            probe
                                .evaluate_with(
                                    &mut probe_scratch,
                                    &change,
                                    &Evidence::default(),
                                    time,
                                )
                                .proof
                        });
                        let mut strongest: Option<(Strongest, Outcome)> = None;
                        for i in open {
                            let a = &plan.assertions[i];
                            let nodes: BTreeSet<String> = match &bound {
                                Some(bound) if !is_plain(a) => bound
                                    .rules
                                    .iter()
                                    .find(|r| r.id == a.id)
                                    .map(|rule| {
                                        rule.instances
                                            .iter()
                                            .filter_map(|inst| inst.bindings.first())
                                            .map(|b| b.node.to_string())
                                            .collect()
                                    })
                                    .unwrap_or_default(),
                                _ => BTreeSet::from([graph.node(m).id.value.clone()]),
                            };
                            if nodes.is_empty() {
                                continue;
                            }
                            results[i].changes += 1;
                            let (st, best) = strongest.get_or_insert_with(|| {
                                let st = space.strongest(&change, time);
                                let ev = st.evidence(&BTreeSet::new(), &BTreeSet::new());
                                let out = p.decide(&mut scratch, &change, &ev, time).outcome();
                                decisions += 2;
                                (st, out)
                            });
                            let mut ctx = ClaimCtx {
                                p,
                                scratch: &mut scratch,
                                change: &change,
                                time,
                                strongest: st,
                                best: *best,
                                decisions: &mut decisions,
                                not_covered: &mut results[i].not_covered,
                            };
                            'claims: for (ci, claim) in a.claims.iter().enumerate() {
                                for n in &nodes {
                                    if let Some((outcome, why, evidence)) = ctx.check(claim, n) {
                                        results[i].counterexample = Some(Counterexample {
                                            claim: ci,
                                            claim_text: source_text(plan, &claim.origin),
                                            node: n.clone(),
                                            touched: graph.node(m).id.value.clone(),
                                            file: file.clone(),
                                            author: change.author.id.clone(),
                                            author_class: class.label(),
                                            emergency,
                                            labels: labels.clone(),
                                            time,
                                            outcome,
                                            why,
                                            change: change.clone(),
                                            evidence,
                                        });
                                        break 'claims;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    for r in &mut results {
        r.not_covered.sort();
        r.not_covered.dedup();
    }
    Ok(Report {
        assertions: results,
        decisions,
        not_monotone: not_monotone(plan),
    })
}

/// The rules and forbids whose condition may turn false when the change
/// touches more (so a larger change may impose fewer obligations).
pub fn not_monotone(plan: &ir::Plan) -> Vec<String> {
    let mut out = Vec::new();
    let conds = plan
        .rules
        .iter()
        .filter_map(|r| r.when.as_ref().map(|w| ("rule", &r.id, &w.expr)))
        .chain(plan.forbids.iter().map(|f| ("forbid", &f.id, &f.when.expr)));
    for (what, id, e) in conds {
        if let Some(why) = shrinking(e, false) {
            out.push(format!("{what} `{id}` {why}"));
        }
    }
    out.sort();
    out
}

/// Why `e` can turn false when more nodes or files are touched (`negated`:
/// under a `not`).
fn shrinking(e: &ir::Expr, negated: bool) -> Option<&'static str> {
    use ir::{ChangeField, Expr};
    match e {
        Expr::AllPaths(_) => Some("tests `change.only_paths(…)`"),
        Expr::Change(ChangeField::Files) => Some("tests `change.files`"),
        Expr::Change(ChangeField::HasUnowned) if negated => Some("negates `change.has_unowned`"),
        Expr::Nodes(_) if negated => Some("negates a node set of the change"),
        Expr::AnyPath(_) if negated => Some("negates `change.touches_path(…)`"),
        Expr::Not(x) => shrinking(x, !negated),
        Expr::And(xs) | Expr::Or(xs) | Expr::List(xs) => {
            xs.iter().find_map(|x| shrinking(x, negated))
        }
        Expr::Compare(_, a, b) | Expr::Range(a, b) => {
            // A comparison involving a node set or the files is not
            // monotone either way.
            let touches_change = |x: &Expr| {
                matches!(
                    x,
                    Expr::Nodes(_) | Expr::Change(ChangeField::Files | ChangeField::HasUnowned)
                )
            };
            (touches_change(a) || touches_change(b))
                .then_some("compares a node set or the files of the change")
                .or_else(|| shrinking(a, negated).or_else(|| shrinking(b, negated)))
        }
        Expr::Bool(_)
        | Expr::Int(_)
        | Expr::Str(_)
        | Expr::Duration(_)
        | Expr::Time(_)
        | Expr::Nodes(_)
        | Expr::NodeField { .. }
        | Expr::Person(_)
        | Expr::Team(_)
        | Expr::Change(_)
        | Expr::DecisionTime
        | Expr::AnyPath(_) => None,
    }
}

/// Whether the assertion binds exactly the touched node whenever it is a
/// candidate: a `touches` (or plain) selector and no `when`.
fn is_plain(a: &ir::Assertion) -> bool {
    a.when.is_none() && matches!(a.binding.set, NodeSet::Static(_) | NodeSet::Touches { .. })
}

/// The plan whose rules are the assertions' `for` and `when`: one rule per
/// assertion, with its id, requiring nothing (its instances are the nodes
/// the assertion binds on a change).
fn probe_plan(plan: &ir::Plan) -> ir::Plan {
    let mut probe = plan.clone();
    probe.rules = plan
        .assertions
        .iter()
        .map(|a| {
            let mut binding = a.binding.clone();
            // A plain selector means "the node the change touches".
            if let NodeSet::Static(i) = binding.set {
                binding.set = NodeSet::Touches { filter: i };
            }
            ir::Rule {
                id: a.id.clone(),
                doc: String::new(),
                origin: a.origin.clone(),
                bindings: vec![binding],
                when: a.when.clone(),
                checks: Vec::new(),
                approvals: Vec::new(),
            }
        })
        .collect();
    probe.forbids.clear();
    probe.chains.clear();
    probe.emergencies.clear();
    probe.assertions.clear();
    probe.format = writ_plan::FORMAT.into();
    probe
}

/// The nodes whose change can bind the assertion: the set itself for
/// `touches`, and for `reaches`/`exposes` every node reaching the set the
/// other way (a superset; the probe decides).
fn touched_candidates(p: &Prepared, set: &NodeSet) -> Result<Vec<NodeIdx>, String> {
    let plan_set = |i: u32| -> Result<Vec<NodeIdx>, String> {
        let nodes = p
            .plan()
            .sets
            .get(i as usize)
            .ok_or("the assertion's node set is not in the plan")?;
        Ok(nodes.iter().filter_map(|&n| p.node_of_plan(n)).collect())
    };
    match set {
        NodeSet::Static(i) | NodeSet::Touches { filter: i } => plan_set(*i),
        NodeSet::Reach {
            filter,
            via,
            depth,
            direction,
        } => {
            let from = plan_set(*filter)?;
            let mask = p
                .graph()
                .edge_mask(via.iter().map(String::as_str))
                .map_err(|k| format!("edge kind `{k}` is not in the graph"))?;
            let mask = if via.is_empty() {
                writ_graph::index::EdgeMask::ALL
            } else {
                mask
            };
            let back = match direction {
                ir::Direction::Reverse => Direction::Forward,
                ir::Direction::Forward => Direction::Reverse,
            };
            let mut nodes = p.graph().reach(&from, mask, *depth, back).nodes();
            nodes.sort();
            Ok(nodes)
        }
        NodeSet::Union(v) if v.is_empty() => Ok(Vec::new()),
        NodeSet::Union(_) | NodeSet::Var(_) => {
            Err("the assertion's `for` is not one selector".into())
        }
    }
}

/// Whether an author of `class` is one the assertion's `by` names.
fn class_matches(authors: &[ir::AuthorClass], class: &AuthorClass) -> bool {
    authors.is_empty()
        || authors.iter().any(|a| match a {
            ir::AuthorClass::Owner => class.is_owner(),
            ir::AuthorClass::Outsider => class.is_outsider(),
            ir::AuthorClass::Agent => class.is_agent(),
            ir::AuthorClass::Human => class.kind == Some(PrincipalKind::Human),
            ir::AuthorClass::Known => class.kind.is_some(),
            ir::AuthorClass::Unknown => class.kind.is_none(),
            ir::AuthorClass::Team(t) => class.teams.contains(t),
            ir::AuthorClass::Person(x) => class.named.as_ref() == Some(x),
        })
}

fn source_text(plan: &ir::Plan, origin: &ir::Origin) -> String {
    plan.sources
        .get(origin.source as usize)
        .and_then(|s| s.text.get(origin.span[0] as usize..origin.span[1] as usize))
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

struct ClaimCtx<'a, 'b> {
    p: &'a Prepared,
    scratch: &'b mut Scratch,
    change: &'a Change,
    time: i64,
    strongest: &'b Strongest,
    best: Outcome,
    decisions: &'b mut u64,
    not_covered: &'b mut Vec<String>,
}

impl ClaimCtx<'_, '_> {
    fn decide(&mut self, ev: &Evidence) -> Outcome {
        *self.decisions += 1;
        // Only the outcome: the proof is not written out.
        self.p
            .decide(self.scratch, self.change, ev, self.time)
            .outcome()
    }

    /// `Some((outcome, why, evidence))` when `claim` fails for node `n`.
    fn check(&mut self, claim: &ir::Claim, n: &str) -> Option<(Outcome, String, Evidence)> {
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
                        out.push(self.p.graph().node(idx).id.value.clone());
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

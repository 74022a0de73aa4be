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
//!
//! This file owns the enumeration: the nodes a change can touch for each
//! assertion, each node's changes (author class × emergency flag × label
//! set × time region, one region for all when no decision read the time),
//! the nodes shared out to threads and the results merged in node order, so
//! the report does not depend on the number of threads. Checking the claims
//! on one change is `claims.rs`.

mod claims;

use crate::space::{AuthorClass, Scenario, Space};
use crate::{Evidence, Outcome, Prepared, Scratch};
use claims::ClaimCtx;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use writ_graph::index::{Direction, NodeIdx};
use writ_graph::{Change, PrincipalKind};
use writ_plan::ir::{self, NodeSet};

/// At most this many nodes are handed to a thread at a time (fewer when
/// there are few nodes, so that every thread gets some).
const CHUNK: usize = 64;

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
    /// flag × label set × decision time it is about; a change whose
    /// decisions read no time is decided once and counted in every region).
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

/// Why `writ prove` could not check the plan's assertions at all (an
/// assertion it cannot cover is a finding in its result, not an error).
#[derive(Debug)]
pub enum ProveError {
    /// The probe plan made from the assertions does not prepare.
    Probe(crate::PrepareError),
    /// The plan compares more labels than the space enumerates.
    TooManyLabels {
        /// The labels the plan compares.
        compared: usize,
        /// The most `writ prove` enumerates.
        max: usize,
    },
    /// A node's synthetic change cannot be built.
    Space(crate::space::SpaceError),
}

impl std::fmt::Display for ProveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProveError::Probe(e) => write!(
                f,
                "the assertions' probe plan does not prepare: {:?}",
                e.problems
            ),
            ProveError::TooManyLabels { compared, max } => write!(
                f,
                "the plan compares {compared} labels; `writ prove` enumerates at most {max}"
            ),
            ProveError::Space(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ProveError {}

impl From<ProveError> for String {
    fn from(e: ProveError) -> String {
        e.to_string()
    }
}

/// Checks every assertion of `p`'s plan, on as many threads as the
/// machine has cores ([`prove_with`]).
pub fn prove(p: &Prepared) -> Result<Report, ProveError> {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    prove_with(p, threads)
}

/// Checks every assertion of `p`'s plan on `threads` threads (at least
/// one). The report is the same for any number of threads: each node's
/// changes are checked alike whoever checks them, and the results are
/// merged in node order.
pub fn prove_with(p: &Prepared, threads: usize) -> Result<Report, ProveError> {
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
    // Over the graph already parsed; its digest names it as the plan's
    // probe (it is never written out, nor compared with an approval's).
    let probe = Prepared::from_graph(
        probe_plan(plan),
        format!("{}+probe", p.digest()),
        p.graph().clone(),
    )
    .map_err(ProveError::Probe)?;
    let space = Space::new(p);
    let label_sets = space
        .label_sets()
        .ok_or_else(|| ProveError::TooManyLabels {
            compared: space.labels().len(),
            max: crate::space::MAX_LABELS,
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
    let work: Vec<(NodeIdx, Vec<usize>)> = candidates.into_iter().collect();
    let prover = Prover {
        p,
        probe: &probe,
        space: &space,
        label_sets: &label_sets,
    };
    let mut decisions = 0u64;
    for (idxs, found) in work.iter().map(|(_, i)| i).zip(prover.all(&work, threads)) {
        let found = found?;
        decisions += found.decisions;
        for (&i, f) in idxs.iter().zip(found.assertions) {
            let r = &mut results[i];
            if r.counterexample.is_some() {
                continue; // proved violated at an earlier node
            }
            r.changes += f.changes;
            r.not_covered.extend(f.not_covered);
            r.counterexample = f.counterexample;
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

/// What the changes to one node showed, per assertion about it (in the
/// order of the node's assertions), and the decisions they took. Each node
/// starts with all its assertions open, whatever other nodes found, so
/// this depends on the node alone.
#[derive(Default)]
struct NodeFindings {
    assertions: Vec<Found>,
    decisions: u64,
}

/// One assertion's findings on one node's changes.
#[derive(Default)]
struct Found {
    /// Changes checked, up to and including the counterexample.
    changes: u64,
    counterexample: Option<Counterexample>,
    not_covered: Vec<String>,
}

/// What every thread shares: the plan, the probe plan, the space.
struct Prover<'a> {
    p: &'a Prepared,
    probe: &'a Prepared,
    space: &'a Space<'a>,
    label_sets: &'a [Vec<String>],
}

/// A thread's working memory: one scratch per plan.
struct Worker {
    scratch: Scratch,
    probe: Scratch,
}

impl Prover<'_> {
    /// The findings of every node of `work`, in its order, checked on
    /// `threads` threads (each taking the next few nodes, at most [`CHUNK`]).
    fn all(
        &self,
        work: &[(NodeIdx, Vec<usize>)],
        threads: usize,
    ) -> Vec<Result<NodeFindings, ProveError>> {
        let size = (work.len() / (4 * threads.max(1))).clamp(1, CHUNK);
        let chunks: Vec<&[(NodeIdx, Vec<usize>)]> = work.chunks(size).collect();
        let next = AtomicUsize::new(0);
        let run = || {
            let mut w = Worker {
                scratch: Scratch::new(self.p),
                probe: Scratch::new(self.probe),
            };
            let mut done = Vec::new();
            loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                let Some(chunk) = chunks.get(k) else { break };
                let found: Vec<_> = chunk
                    .iter()
                    .map(|(m, idxs)| self.node(&mut w, *m, idxs))
                    .collect();
                done.push((k, found));
            }
            done
        };
        let threads = threads.clamp(1, chunks.len().max(1));
        let mut done: Vec<(usize, Vec<Result<NodeFindings, ProveError>>)> = if threads == 1 {
            run()
        } else {
            std::thread::scope(|s| {
                let handles: Vec<_> = (0..threads).map(|_| s.spawn(run)).collect();
                handles
                    .into_iter()
                    .flat_map(|h| match h.join() {
                        Ok(done) => done,
                        Err(panic) => std::panic::resume_unwind(panic),
                    })
                    .collect()
            })
        };
        done.sort_by_key(|(k, _)| *k);
        done.into_iter().flat_map(|(_, found)| found).collect()
    }

    /// Checks the assertions `idxs` (plan indices) on every change of the
    /// space that touches node `m`.
    fn node(&self, w: &mut Worker, m: NodeIdx, idxs: &[usize]) -> Result<NodeFindings, ProveError> {
        let (p, space) = (self.p, self.space);
        let plan = p.plan();
        let graph = p.graph();
        let mut out = NodeFindings {
            assertions: idxs.iter().map(|_| Found::default()).collect(),
            decisions: 0,
        };
        let Some(file) = space.path_for(m) else {
            for f in &mut out.assertions {
                f.not_covered.push(format!(
                    "changes to `{}`: no file path touches it alone",
                    graph.node(m).id.value
                ));
            }
            return Ok(out);
        };
        let times = space.times();
        let base = space.base_change(&[m]).map_err(ProveError::Space)?;
        for class in space.author_classes(&[m]) {
            for &emergency in space.emergency_flags() {
                for labels in self.label_sets {
                    for (ti, &time) in times.iter().enumerate() {
                        let open: Vec<usize> = (0..idxs.len())
                            .filter(|&k| {
                                out.assertions[k].counterexample.is_none()
                                    && class_matches(&plan.assertions[idxs[k]].authors, &class)
                            })
                            .collect();
                        if open.is_empty() {
                            break; // nor at a later time
                        }
                        let s = Scenario {
                            nodes: vec![m],
                            author: class.clone(),
                            emergency,
                            labels: labels.clone(),
                            time,
                        };
                        let change = space.change_from(&base, &s);
                        let mut read_time = false;
                        let counted = self.change(
                            w,
                            &ChangeAt {
                                m,
                                file: &file,
                                class: &class,
                                change: &change,
                                time,
                            },
                            idxs,
                            &open,
                            &mut out,
                            &mut read_time,
                        );
                        if !read_time {
                            // No decision read the time: every later region
                            // decides alike (`Verdict::read_time`), so the
                            // open claims hold there too.
                            let later = (times.len() - 1 - ti) as u64;
                            for k in counted {
                                if out.assertions[k].counterexample.is_none() {
                                    out.assertions[k].changes += later;
                                }
                            }
                            break;
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    /// Checks the `open` assertions (positions in `idxs`) on one change;
    /// the positions of those it was about (counted in their changes).
    fn change(
        &self,
        w: &mut Worker,
        at: &ChangeAt<'_>,
        idxs: &[usize],
        open: &[usize],
        out: &mut NodeFindings,
        read_time: &mut bool,
    ) -> Vec<usize> {
        let (p, space) = (self.p, self.space);
        let plan = p.plan();
        let graph = p.graph();
        let ChangeAt {
            m,
            file,
            class,
            change,
            time,
        } = *at;
        // Which nodes each assertion binds: the touched node itself for a
        // `touches` assertion without `when`, else what the probe plan's
        // rule gets (the probe's rules are the assertions, in order).
        let needs_probe = open.iter().any(|&k| !is_plain(&plan.assertions[idxs[k]]));
        let mut bound: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
        if needs_probe {
            out.decisions += 1;
            let none = Evidence::default();
            let v = self.probe.decide(&mut w.probe, change, &none, time);
            *read_time |= v.read_time();
            for (rule, vars) in v.fired() {
                if let Some(&n) = vars.first() {
                    bound
                        .entry(rule)
                        .or_default()
                        .insert(graph.node(n).id.to_string());
                }
            }
        }
        let mut counted = Vec::new();
        let mut strongest = None;
        for &k in open {
            let i = idxs[k];
            let a = &plan.assertions[i];
            let nodes: BTreeSet<String> = if is_plain(a) {
                BTreeSet::from([graph.node(m).id.to_string()])
            } else {
                bound.remove(&i).unwrap_or_default()
            };
            if nodes.is_empty() {
                continue;
            }
            counted.push(k);
            let found = &mut out.assertions[k];
            found.changes += 1;
            let (st, best) = strongest.get_or_insert_with(|| {
                let st = space.strongest_with(&mut w.scratch, change, time);
                *read_time |= st.read_time();
                let ev = st.evidence(&BTreeSet::new(), &BTreeSet::new());
                let v = p.decide(&mut w.scratch, change, &ev, time);
                *read_time |= v.read_time();
                out.decisions += 2;
                (st, v.outcome())
            });
            let mut ctx = ClaimCtx {
                p,
                scratch: &mut w.scratch,
                change,
                time,
                strongest: st,
                best: *best,
                decisions: &mut out.decisions,
                read_time: &mut *read_time,
                not_covered: &mut found.not_covered,
            };
            'claims: for (ci, claim) in a.claims.iter().enumerate() {
                for n in &nodes {
                    if let Some((outcome, why, evidence)) = ctx.check(claim, n) {
                        found.counterexample = Some(Counterexample {
                            claim: ci,
                            claim_text: source_text(plan, &claim.origin),
                            node: n.clone(),
                            touched: graph.node(m).id.to_string(),
                            file: file.to_string(),
                            author: change.author.id.clone(),
                            author_class: class.label(),
                            emergency: change.emergency,
                            labels: change.labels.clone(),
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
        counted
    }
}

/// One change of a node's enumeration.
#[derive(Clone, Copy)]
struct ChangeAt<'c> {
    /// The touched node.
    m: NodeIdx,
    /// The file the change modifies.
    file: &'c str,
    class: &'c AuthorClass,
    change: &'c Change,
    time: i64,
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
/// under a `not`). Each node is judged here; the recursion is the IR's
/// (`writ_plan::walk`), which passes `negated` down.
fn shrinking(e: &ir::Expr, negated: bool) -> Option<&'static str> {
    use ir::{ChangeField, Expr};
    use writ_plan::walk::Visit::{Descend, Found};
    e.find(negated, &mut |e, negated| match e {
        Expr::AllPaths(_) => Found("tests `change.only_paths(…)`"),
        Expr::Change(ChangeField::Files) => Found("tests `change.files`"),
        Expr::Change(ChangeField::HasUnowned) if negated => Found("negates `change.has_unowned`"),
        Expr::Nodes(_) if negated => Found("negates a node set of the change"),
        Expr::AnyPath(_) if negated => Found("negates `change.touches_path(…)`"),
        Expr::Not(_) => Descend(!negated),
        Expr::Compare(_, a, b) | Expr::Range(a, b) => {
            // A comparison involving a node set or the files is not
            // monotone either way.
            let touches_change = |x: &Expr| {
                matches!(
                    x,
                    Expr::Nodes(_) | Expr::Change(ChangeField::Files | ChangeField::HasUnowned)
                )
            };
            if touches_change(a) || touches_change(b) {
                Found("compares a node set or the files of the change")
            } else {
                Descend(negated)
            }
        }
        Expr::And(_)
        | Expr::Or(_)
        | Expr::List(_)
        | Expr::Bool(_)
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
        | Expr::AnyPath(_) => Descend(negated),
    })
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
                requirements: ir::Requirements::default(),
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

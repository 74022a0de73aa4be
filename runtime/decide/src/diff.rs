//! What a policy edit changes: two plans over one graph compared on every
//! single-node change × author class × decision time of the change space.
//!
//! For every node with a path of its own ([`Space::path_for`]), every
//! author class either plan can tell apart ([`Space::joint`],
//! [`Space::author_classes`]) and every decision time either plan's windows
//! distinguish ([`Space::times`]), a synthetic change (with the labels and
//! emergency flag of [`Options`]: none by default) is decided under both plans with the strongest evidence each
//! allows ([`Space::strongest_evidence`]: every check passes, everyone who
//! may approve approves). The two proofs are compared ([`Delta`]): the
//! outcome then says whether the change *can* be allowed (`pending` with
//! the strongest evidence means an obligation nobody can meet), and an
//! obligation's status whether it can be met. Times at which a cell's
//! delta is the same are merged; a cell whose delta is empty at every time
//! is left out. Everything is sorted: the same plans give the same diff.
//!
//! Not covered (stated in docs/analysis.md): other label sets and the other
//! value of the emergency flag than [`Options`] gives, changes touching
//! several nodes, nodes no path touches alone (listed in
//! [`PlanDiff::uncovered`]).

use crate::delta::Delta;
use crate::proof::Outcome;
use crate::space::{Scenario, Space};
use crate::{Decision, Prepared};
use std::collections::BTreeMap;

/// The comparison of two plans.
#[derive(Clone, Debug)]
pub struct PlanDiff {
    /// The decision times tried (Unix seconds, sorted).
    pub times: Vec<i64>,
    /// Nodes compared.
    pub nodes: usize,
    /// (node, author class, time) decisions made under each plan.
    pub cells: usize,
    /// Every cell whose decision differs in anything, sorted by node, then
    /// author class.
    pub changes: Vec<CellChange>,
    /// Nodes no synthetic change can touch alone, sorted (not compared).
    pub uncovered: Vec<String>,
}

/// A node and the author classes whose decision differs the same way.
#[derive(Clone, Debug)]
pub struct CellChange {
    /// The node's id.
    pub node: String,
    /// The node's kind.
    pub kind: String,
    /// The node's owners (team or person ids), sorted.
    pub owners: Vec<String>,
    /// The author classes, in the space's order (at least one).
    pub authors: Vec<Author>,
    /// The times at which this delta holds; `None` when at every time tried.
    pub at: Option<Vec<i64>>,
    /// The old plan's decision against the new one's.
    pub delta: Delta,
}

/// An author class.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Author {
    /// The class in words (`owner (in team "payments")`, `agent`, …).
    pub class: String,
    /// The person standing for the class (`None`: the unknown author).
    pub representative: Option<String>,
}

/// Why two plans cannot be compared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DiffError {
    /// The plans embed different graphs.
    DifferentGraphs {
        /// The old plan's graph digest.
        old: String,
        /// The new plan's graph digest.
        new: String,
    },
}

impl std::fmt::Display for DiffError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DiffError::DifferentGraphs { old, new } => write!(
                f,
                "the plans were compiled against different graphs (sha256:{old} and \
                 sha256:{new}): a diff compares two policies over one graph"
            ),
        }
    }
}

/// What every synthetic change carries besides its node and author.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// The change's labels (none by default).
    pub labels: Vec<String>,
    /// The change is flagged as an emergency.
    pub emergency: bool,
}

/// Compares `old` and `new` (see the module docs).
pub fn diff(old: &Prepared, new: &Prepared, options: &Options) -> Result<PlanDiff, DiffError> {
    if old.plan().graph_sha256 != new.plan().graph_sha256 {
        return Err(DiffError::DifferentGraphs {
            old: old.plan().graph_sha256.clone(),
            new: new.plan().graph_sha256.clone(),
        });
    }
    let (s_old, s_new) = (Space::new(old), Space::new(new));
    let (j_old, j_new) = (s_old.joint(&s_new), s_new.joint(&s_old));
    let mut times: Vec<i64> = s_old.times().iter().chain(s_new.times()).copied().collect();
    times.sort_unstable();
    times.dedup();
    let graph = old.graph();
    // Node indices follow node ids (the graph keeps its nodes sorted).
    let order = (0..graph.nodes().len() as u32).map(writ_graph::index::NodeIdx);
    let mut out = PlanDiff {
        times: times.clone(),
        nodes: 0,
        cells: 0,
        changes: Vec::new(),
        uncovered: Vec::new(),
    };
    for n in order {
        let decl = graph.node(n);
        if j_old.path_for(n).is_none() {
            out.uncovered.push(decl.id.to_string());
            continue;
        }
        out.nodes += 1;
        let mut owners: Vec<String> = decl.owners.iter().map(|o| o.to_string()).collect();
        owners.sort();
        owners.dedup();
        // (delta, times) → the classes it holds for, in class order.
        let mut merged: Vec<Merged> = Vec::new();
        for class in j_old.author_classes(&[n]) {
            // Distinct deltas of this cell, with the times they hold at.
            let mut seen: BTreeMap<String, (Delta, Vec<i64>)> = BTreeMap::new();
            let mut empty_at = 0usize;
            for &time in &times {
                out.cells += 1;
                let scenario = Scenario {
                    nodes: vec![n],
                    author: class.clone(),
                    emergency: options.emergency,
                    labels: options.labels.clone(),
                    time,
                };
                let (Some(a), Some(b)) = (decide(&j_old, &scenario), decide(&j_new, &scenario))
                else {
                    continue;
                };
                let delta = Delta::between(&a.proof, &b.proof);
                if delta.is_empty() {
                    empty_at += 1;
                    continue;
                }
                let key = serde_json::to_string(&delta).unwrap_or_default();
                seen.entry(key)
                    .or_insert_with(|| (delta, Vec::new()))
                    .1
                    .push(time);
            }
            let every = empty_at == 0 && seen.len() == 1;
            let mut cells: Vec<(String, Delta, Vec<i64>)> =
                seen.into_iter().map(|(k, (d, at))| (k, d, at)).collect();
            cells.sort_by(|a, b| a.2.cmp(&b.2));
            let author = Author {
                class: class.label(),
                representative: class.representative.clone(),
            };
            for (key, delta, at) in cells {
                let at = (!every).then_some(at);
                match merged.iter_mut().find(|m| m.0 == key && m.1 == at) {
                    Some(m) => m.3.push(author.clone()),
                    None => merged.push((key, at, delta, vec![author.clone()])),
                }
            }
        }
        for (_, at, delta, authors) in merged {
            out.changes.push(CellChange {
                node: decl.id.to_string(),
                kind: decl.kind.to_string(),
                owners: owners.clone(),
                authors,
                at,
                delta,
            });
        }
    }
    Ok(out)
}

/// A delta (by its JSON text), the times it holds at (`None`: every time)
/// and the author classes it holds for.
type Merged = (String, Option<Vec<i64>>, Delta, Vec<Author>);

/// The decision of `s` under `space`'s plan with the strongest evidence.
fn decide(space: &Space<'_>, s: &Scenario) -> Option<Decision> {
    let change = space.change(s).ok()?;
    let evidence = space.strongest_evidence(&change, s.time);
    Some(space.prepared().evaluate_at(&change, &evidence, s.time))
}

/// Counts per group (a node, or an owner); a cell is a node × an author
/// class × a group of decision times with the same difference.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Tally {
    /// Cells that differ in anything.
    pub changed: usize,
    /// Cells whose outcome flips.
    pub flipped: usize,
    /// Obligations added, summed over those cells.
    pub obligations_added: usize,
    /// Obligations removed.
    pub obligations_removed: usize,
    /// Forbids that start applying.
    pub forbids_started: usize,
    /// Forbids that stop applying.
    pub forbids_stopped: usize,
}

impl Tally {
    /// Adds `c`: each of its author classes is one changed cell.
    fn add(&mut self, c: &CellChange) {
        let d = &c.delta;
        let n = c.authors.len();
        self.changed += n;
        self.flipped += if d.flipped() { n } else { 0 };
        self.obligations_added += n * d.obligations_added.len();
        self.obligations_removed += n * d.obligations_removed.len();
        self.forbids_started += n * d.forbids_started.len();
        self.forbids_stopped += n * d.forbids_stopped.len();
    }
}

impl PlanDiff {
    /// Whether some decision flips.
    pub fn flipped(&self) -> bool {
        self.changes.iter().any(|c| c.delta.flipped())
    }

    /// Tallies per node (`(id, kind)`), sorted by id.
    pub fn by_node(&self) -> BTreeMap<(String, String), Tally> {
        let mut out: BTreeMap<(String, String), Tally> = BTreeMap::new();
        for c in &self.changes {
            out.entry((c.node.clone(), c.kind.clone()))
                .or_default()
                .add(c);
        }
        out
    }

    /// Tallies per owner (team or person id) of the nodes concerned, sorted.
    pub fn by_owner(&self) -> BTreeMap<String, Tally> {
        let mut out: BTreeMap<String, Tally> = BTreeMap::new();
        for c in &self.changes {
            for o in &c.owners {
                out.entry(o.clone()).or_default().add(c);
            }
        }
        out
    }

    /// Flips counted by kind (`allow→pending`: 3), sorted.
    pub fn flips(&self) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for c in self.changes.iter().filter(|c| c.delta.flipped()) {
            *out.entry(format!(
                "{}→{}",
                c.delta.before.as_str(),
                c.delta.after.as_str()
            ))
            .or_insert(0) += c.authors.len();
        }
        out
    }

    /// Cells that differ (a node × an author class × a group of times).
    pub fn changed(&self) -> usize {
        self.changes.iter().map(|c| c.authors.len()).sum()
    }

    /// Cells whose outcome flips.
    pub fn flipped_cells(&self) -> usize {
        self.changes
            .iter()
            .filter(|c| c.delta.flipped())
            .map(|c| c.authors.len())
            .sum()
    }
}

/// An outcome decided with the strongest evidence, in words: `can be
/// allowed`, `never allowed (denied)`, `never allowed (an obligation nobody
/// can meet)`.
pub fn best_outcome_words(o: Outcome) -> &'static str {
    match o {
        Outcome::Allow => "can be allowed",
        Outcome::Deny => "denied",
        Outcome::Pending => "blocked (an obligation nobody can meet)",
    }
}

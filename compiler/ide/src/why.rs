//! Why a node is reached: which touched nodes (and so which files) make a
//! selector yield a node, and by which path, in the graph's own terms.
//!
//! Nothing here walks the graph by itself: candidates come from one reach
//! of the graph's index run the other way from the selector's nodes, and
//! each path shown is the witness of the reach the runtime itself runs from
//! the touched node (`writ_graph::Graph::reach`, the same query and edge
//! kinds, bounded by the candidate's depth, which leaves breadth-first
//! parents unchanged), so it is the path a proof records when that node is
//! the one touched.
//!
//! Triggers depend only on the graph and the selector, so they are kept in
//! a small cache (by graph and sources, emptied when the graph changes):
//! hovering the same selector again, or a rule after editing its body, does
//! not walk the graph again.

use crate::{Analysis, Cancellable, Ctx};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use writ_analysis::check::{ChangeReach, ChangeSource, selector_nodes};
use writ_analysis::db::SourceFile;
use writ_diagnostics::plural;
use writ_graph::paths::ClaimTarget;
use writ_graph::{Direction, EdgeMask, Graph, NodeIdx};
use writ_plan::ir;
use writ_syntax::ast::{self, ExprKind};

/// How many paths a hover shows.
const PATHS_SHOWN: usize = 3;
/// How many path claims a lens names.
const CLAIMS_NAMED: usize = 3;
/// How many path claims a rule's hover lists.
const FILES_LISTED: usize = 20;

/// The nodes whose change makes a selector yield something.
#[derive(Clone, Debug, Default)]
pub(crate) struct Triggers {
    /// Per node (by index): `None`, or the fewest edges from it to a member,
    /// that member, and the source (index into the sources) it reaches by.
    best: Vec<Option<(u32, u32, u32)>>,
    /// How many nodes trigger.
    count: usize,
    /// The summary `describe` shows, computed once (the cache shares it).
    summary: OnceLock<Summary>,
    /// The sorted path claims of the triggering nodes, computed once.
    claims: OnceLock<Vec<String>>,
}

/// What a description of triggers says: how many path claims, and the
/// nearest triggers as markdown lines.
#[derive(Clone, Debug, Default)]
struct Summary {
    claims: usize,
    lines: Vec<String>,
}

/// The last graph's triggers by sources.
type Cache = Option<(Weak<Graph>, HashMap<Vec<ChangeSource>, Arc<Triggers>>)>;
static CACHE: Mutex<Cache> = Mutex::new(None);
/// Entries kept before the cache starts over (a 100,000-node graph costs
/// 1.6 MB an entry).
const CACHE_ENTRIES: usize = 32;

impl Triggers {
    /// [`Triggers::of`], from the cache when the same graph saw the same
    /// sources before.
    pub(crate) fn cached(graph: &Arc<Graph>, sources: &[ChangeSource]) -> Arc<Triggers> {
        let lookup = |cache: &Cache| {
            cache
                .as_ref()
                .filter(|(g, _)| Weak::ptr_eq(g, &Arc::downgrade(graph)))
                .and_then(|(_, map)| map.get(sources).cloned())
        };
        if let Some(hit) = lookup(&CACHE.lock().unwrap_or_else(|e| e.into_inner())) {
            return hit;
        }
        let computed = Arc::new(Triggers::of(graph, sources));
        let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
        let same = cache.as_ref().is_some_and(|(g, map)| {
            Weak::ptr_eq(g, &Arc::downgrade(graph)) && map.len() < CACHE_ENTRIES
        });
        if !same {
            *cache = Some((Arc::downgrade(graph), HashMap::new()));
        }
        if let Some((_, map)) = cache.as_mut() {
            map.insert(sources.to_vec(), computed.clone());
        }
        computed
    }

    /// What changes to which nodes make `sources` yield nodes.
    pub(crate) fn of(graph: &Graph, sources: &[ChangeSource]) -> Triggers {
        let mut best: Vec<Option<(u32, u32, u32)>> = vec![None; graph.nodes().len()];
        let mut count = 0;
        let mut keep = |node: u32, depth: u32, member: u32, source: u32| {
            let Some(slot) = best.get_mut(node as usize) else {
                return;
            };
            match slot {
                None => {
                    *slot = Some((depth, member, source));
                    count += 1;
                }
                Some(e) if (depth, member) < (e.0, e.1) => *e = (depth, member, source),
                Some(_) => {}
            }
        };
        for (i, source) in sources.iter().enumerate() {
            let i = i as u32;
            let Some(reach) = &source.reach else {
                for &n in &source.filter {
                    keep(n, 0, n, i);
                }
                continue;
            };
            let Some(mask) = mask(graph, reach) else {
                continue;
            };
            // The other way round: from the members to whoever reaches them.
            let from: Vec<NodeIdx> = source.filter.iter().map(|&n| NodeIdx(n)).collect();
            let back = graph.reach(&from, mask, reach.depth, opposite(reach.direction));
            let entries = back.entries();
            // Each entry's member is its start node: follow the parents (in
            // breadth-first order a parent comes first, so one pass does it).
            let mut root = vec![0u32; entries.len()];
            for (k, e) in entries.iter().enumerate() {
                root[k] = match e.parent {
                    Some(p) => root[p as usize],
                    None => e.node.0,
                };
                keep(e.node.0, e.depth, root[k], i);
            }
        }
        Triggers {
            best,
            count,
            summary: OnceLock::new(),
            claims: OnceLock::new(),
        }
    }

    /// How many nodes can trigger.
    pub(crate) fn len(&self) -> usize {
        self.count
    }

    /// The `k` triggering nodes nearest a member (then by id), nearest first.
    pub(crate) fn nearest<'g>(&self, graph: &'g Graph, k: usize) -> Vec<(u32, &'g str)> {
        let mut top: Vec<(u32, &str, u32)> = Vec::with_capacity(k + 1);
        for (n, slot) in self.best.iter().enumerate() {
            let Some((depth, _, _)) = slot else {
                continue;
            };
            let key = (*depth, graph.nodes()[n].id.value.as_str(), n as u32);
            if top.len() < k || key < top[top.len() - 1] {
                let at = top.partition_point(|t| *t < key);
                top.insert(at, key);
                top.truncate(k);
            }
        }
        top.into_iter().map(|(_, id, n)| (n, id)).collect()
    }

    /// The path claims (globs) that give files to triggering nodes, sorted.
    pub(crate) fn claims(&self, graph: &Graph) -> &[String] {
        self.claims.get_or_init(|| {
            let member: Vec<bool> = self.best.iter().map(Option::is_some).collect();
            claims_of(graph, &member)
                .into_iter()
                .map(str::to_string)
                .collect()
        })
    }

    /// Markdown: the path from touched node `node` to the member it yields,
    /// with the edge kinds, as the runtime's reach records it.
    pub(crate) fn path(
        &self,
        graph: &Graph,
        sources: &[ChangeSource],
        node: u32,
    ) -> Option<String> {
        let (depth, member, source) = (*self.best.get(node as usize)?)?;
        let id = |n: NodeIdx| format!("`{}`", graph.nodes()[n.index()].id.value);
        let Some(reach) = &sources.get(source as usize)?.reach else {
            return Some(format!("{} (its own files)", id(NodeIdx(node))));
        };
        let reached = graph.reach(
            &[NodeIdx(node)],
            mask(graph, reach)?,
            Some(depth),
            runtime(reach.direction),
        );
        let steps = reached.witness(NodeIdx(member))?;
        let mut s = id(steps[0].node);
        for step in &steps[1..] {
            let kind = step.via.map_or("?", |k| graph.edge_kind_name(k));
            // Reverse reach walks edges backwards: the next node depends on
            // the previous one through `kind`.
            s.push_str(&match reach.direction {
                ir::Direction::Reverse => format!(" ←{kind}— {}", id(step.node)),
                ir::Direction::Forward => format!(" —{kind}→ {}", id(step.node)),
            });
        }
        Some(s)
    }

    /// Markdown listing the nearest triggers with their paths and globs;
    /// `effect` says what a change does ("can make it fire").
    pub(crate) fn describe(&self, graph: &Graph, sources: &[ChangeSource], effect: &str) -> String {
        if self.count == 0 {
            return format!("no change {effect}");
        }
        let summary = self.summary.get_or_init(|| {
            let member: Vec<bool> = self.best.iter().map(Option::is_some).collect();
            let mut lines = Vec::new();
            for (n, _) in self.nearest(graph, PATHS_SHOWN) {
                if let Some(path) = self.path(graph, sources, n) {
                    let globs = node_claims(graph, NodeIdx(n)).join("`, `");
                    lines.push(if globs.is_empty() {
                        format!("\n- {path}")
                    } else {
                        format!("\n- `{globs}`: {path}")
                    });
                }
            }
            Summary {
                claims: claim_count(graph, &member),
                lines,
            }
        });
        let mut s = format!(
            "a change to {} ({}) {effect}",
            plural(self.len(), "node"),
            plural(summary.claims, "path claim")
        );
        for line in &summary.lines {
            s.push_str(line);
        }
        if self.len() > PATHS_SHOWN {
            s.push_str(&format!("\n- and {} more", self.len() - PATHS_SHOWN));
        }
        s
    }

    /// A lens title: which files can make a rule fire.
    pub(crate) fn lens_title(&self, graph: &Graph) -> String {
        let claims = self.claims(graph);
        if claims.is_empty() {
            return "no file can make it fire".into();
        }
        let named: Vec<&str> = claims
            .iter()
            .take(CLAIMS_NAMED)
            .map(String::as_str)
            .collect();
        let more = claims.len().saturating_sub(CLAIMS_NAMED);
        format!(
            "fires on changes to {}{}",
            named.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        )
    }
}

/// How many path claims give files to the nodes marked in `member`.
fn claim_count(graph: &Graph, member: &[bool]) -> usize {
    let paths = graph.paths();
    let marked = |n: NodeIdx| member.get(n.index()).copied().unwrap_or(false);
    paths
        .claims()
        .filter(|c| match c.target {
            ClaimTarget::Node(n) => marked(n),
            ClaimTarget::Global(rule) => paths.global_nodes(rule).iter().any(|&n| marked(n)),
            ClaimTarget::Unowned => false,
        })
        .count()
}

/// The path claims (globs) of one node, sorted.
fn node_claims(graph: &Graph, node: NodeIdx) -> Vec<&str> {
    let paths = graph.paths();
    let mut globs: Vec<&str> = paths
        .claims()
        .filter(|c| match c.target {
            ClaimTarget::Node(n) => n == node,
            ClaimTarget::Global(rule) => paths.global_nodes(rule).contains(&node),
            ClaimTarget::Unowned => false,
        })
        .map(|c| c.glob)
        .collect();
    globs.sort_unstable();
    globs.dedup();
    globs
}

/// The path claims (globs) giving files to the nodes marked in `member`
/// (one flag per node), sorted: one pass over the claims.
fn claims_of<'g>(graph: &'g Graph, member: &[bool]) -> Vec<&'g str> {
    let paths = graph.paths();
    let marked = |n: NodeIdx| member.get(n.index()).copied().unwrap_or(false);
    let mut globs: Vec<&str> = paths
        .claims()
        .filter(|c| match c.target {
            ClaimTarget::Node(n) => marked(n),
            ClaimTarget::Global(rule) => paths.global_nodes(rule).iter().any(|&n| marked(n)),
            ClaimTarget::Unowned => false,
        })
        .map(|c| c.glob)
        .collect();
    globs.sort_unstable();
    globs.dedup();
    globs
}

fn mask(graph: &Graph, reach: &ChangeReach) -> Option<EdgeMask> {
    if reach.via.is_empty() {
        return Some(EdgeMask::ALL);
    }
    graph.edge_mask(reach.via.iter().map(String::as_str)).ok()
}

/// The direction the runtime follows from the touched nodes.
fn runtime(direction: ir::Direction) -> Direction {
    match direction {
        ir::Direction::Reverse => Direction::Reverse,
        ir::Direction::Forward => Direction::Forward,
    }
}

fn opposite(direction: ir::Direction) -> Direction {
    match direction {
        ir::Direction::Reverse => Direction::Forward,
        ir::Direction::Forward => Direction::Reverse,
    }
}

/// What reaches node `node` as `change.reaches(node "…")` would: every edge kind.
pub(crate) fn reaching_node(node: u32) -> Vec<ChangeSource> {
    vec![ChangeSource {
        filter: vec![node],
        reach: Some(ChangeReach {
            via: Vec::new(),
            depth: None,
            direction: ir::Direction::Reverse,
        }),
    }]
}

/// The change sources of a rule or forbid, one group per `for` or `when`
/// clause that has some (every `change.touches`, `change.reaches` and
/// `change.exposes` in it, except under `not`): a rule fires only when every
/// group yields, so each group is a condition on the change of its own.
pub(crate) fn rule_sources(
    ctx: &Ctx<'_>,
    file: SourceFile,
    clauses: &[ast::Clause],
) -> Vec<Vec<ChangeSource>> {
    let mut locals: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for c in clauses {
        let expr = match &c.kind {
            ast::ClauseKind::For { source, .. } => Some(source),
            ast::ClauseKind::When(e) => Some(e),
            _ => None,
        };
        if let Some(e) = expr {
            let mut calls = Vec::new();
            change_calls(e, &mut calls);
            let mut group = Vec::new();
            for call in calls {
                if let Some(n) = selector_nodes(ctx.db, ctx.workspace, file, call, &locals) {
                    group.extend(n.sources);
                }
            }
            if !group.is_empty() {
                out.push(group);
            }
        }
        if let ast::ClauseKind::For { var, .. } = &c.kind {
            locals.push(var.name.clone());
        }
    }
    out
}

/// A lens title: which files a rule's change conditions need (one list per
/// group; a rule with no group gets none).
pub(crate) fn rule_lens(graph: &Arc<Graph>, groups: &[Vec<ChangeSource>]) -> Option<String> {
    match groups {
        [] => None,
        [one] => Some(Triggers::cached(graph, one).lens_title(graph)),
        several => {
            let lists: Vec<String> = several
                .iter()
                .map(|g| {
                    let triggers = Triggers::cached(graph, g);
                    let claims = triggers.claims(graph);
                    let mut named = claims
                        .iter()
                        .take(CLAIMS_NAMED)
                        .map(String::as_str)
                        .collect::<Vec<_>>()
                        .join(" or ");
                    if claims.len() > CLAIMS_NAMED {
                        named.push_str(&format!(" (+{})", claims.len() - CLAIMS_NAMED));
                    }
                    if named.is_empty() {
                        "nothing".into()
                    } else {
                        named
                    }
                })
                .collect();
            Some(format!(
                "fires only on changes to {}",
                lists.join(", and to ")
            ))
        }
    }
}

/// The outermost `change.touches(…)`/`reaches(…)`/`exposes(…)` calls in `e`
/// that count for it (not under `not`).
fn change_calls<'e>(e: &'e ast::Expr, out: &mut Vec<&'e ast::Expr>) {
    match &e.kind {
        ExprKind::Call(callee, args) => {
            if let ExprKind::Field(base, name) = &callee.kind
                && matches!(base.kind, ExprKind::Change)
                && matches!(name.name.as_str(), "touches" | "reaches" | "exposes")
            {
                out.push(e);
                return;
            }
            change_calls(callee, out);
            for a in args {
                if let ast::Arg::Expr(a) = a {
                    change_calls(a, out);
                }
            }
        }
        ExprKind::Where(a, b) | ExprKind::Binary(_, a, b) | ExprKind::Range(a, b) => {
            change_calls(a, out);
            change_calls(b, out);
        }
        // A change that touches nothing under `not` is what makes it true.
        ExprKind::Not(_) => {}
        ExprKind::Field(a, _) => change_calls(a, out),
        ExprKind::List(items) => items.iter().for_each(|i| change_calls(i, out)),
        _ => {}
    }
}

/// Markdown: which files can make the rule or forbid `name` of `file` fire,
/// and by which paths; `None` for another item, or one that every change
/// (or none of the graph's nodes) concerns.
pub(crate) fn rule_triggers(
    ctx: &Ctx<'_>,
    graph: &Arc<Graph>,
    file: SourceFile,
    name: &str,
) -> Option<String> {
    let parsed = ctx.parse(file);
    let clauses = parsed.file.items.iter().find_map(|i| match &i.kind {
        ast::ItemKind::Rule(r) if r.name.name == name => Some(&r.clauses),
        ast::ItemKind::Forbid(f) if f.name.name == name => Some(&f.clauses),
        _ => None,
    })?;
    let groups = rule_sources(ctx, file, clauses);
    if groups.is_empty() {
        return None;
    }
    let mut s = String::from("**Why it fires**:");
    if groups.len() > 1 {
        s.push_str(&format!(
            " only when all {} conditions on the change hold",
            groups.len()
        ));
    }
    for (i, sources) in groups.iter().enumerate() {
        let triggers = Triggers::cached(graph, sources);
        if groups.len() > 1 {
            s.push_str(&format!("\n\n{}. ", i + 1));
        } else {
            s.push(' ');
        }
        s.push_str(&triggers.describe(graph, sources, "can make it fire"));
        let claims = triggers.claims(graph);
        if !claims.is_empty() {
            s.push_str("\n\nfiles: ");
            s.push_str(
                &claims
                    .iter()
                    .take(FILES_LISTED)
                    .map(|g| format!("`{g}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            if claims.len() > FILES_LISTED {
                s.push_str(&format!(" and {} more", claims.len() - FILES_LISTED));
            }
        }
    }
    Some(s)
}

impl Analysis {
    /// Which path claims (file globs) can make the rule or forbid `name` of
    /// the policy file `path` fire, with the paths by which they reach it
    /// (markdown); `None` without a graph or such an item.
    pub fn why_fires(&self, path: &str, name: &str) -> Cancellable<Option<String>> {
        self.with(|ctx| {
            let file = ctx.file(path)?;
            let graph = ctx.graph()?;
            rule_triggers(ctx, &graph, file, name)
        })
    }
}

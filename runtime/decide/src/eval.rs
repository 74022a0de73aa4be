//! Evaluation: touched nodes, reach (each distinct query once per change),
//! rule instances, obligations, approvals, forbids, the decision and its proof.

use crate::evidence::{Approval, CheckOutcome, CheckResult, Evidence};
use crate::prepare::{CArg, CExpr, CItem, CNodes, Prepared};
use crate::proof::*;
use crate::time::{format_rfc3339, parse_rfc3339};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use writ_graph::paths::ClaimTarget;
use writ_graph::{
    Change, Direction, NodeIdx, PrincipalKind, Reach, ReachQuery, ReachScratch, Touched,
};
use writ_plan::{ApprovalStep, Approvers, ChangeField, CompareOp, NodeField, Origin};

/// At most this many rule or forbid instances per evaluation; past it the
/// change is denied (a policy whose `for` clauses multiply out of hand).
pub const MAX_INSTANCES: usize = 1_000_000;

/// Approvals signed more than this many seconds after the decision time are rejected.
pub const CLOCK_SKEW: i64 = 300;

/// Reusable working memory for evaluations against one prepared plan
/// (visited marks and node→entry maps sized to the graph).
#[derive(Debug, Default)]
pub struct Scratch {
    reach: ReachScratch,
    pos: Vec<Vec<u32>>,
    /// Rule instance bindings, flat.
    vars: Vec<NodeIdx>,
    /// Rule instance obligations, flat.
    obs: Vec<u32>,
    /// Instances and obligations of the last decision (capacity hints).
    sizes: (usize, usize),
    /// Entry buffers of earlier reaches, reused by the next decision.
    reach_buffers: Vec<Vec<writ_graph::Reached>>,
}

impl Scratch {
    /// Scratch space for evaluations of `prepared`.
    pub fn new(prepared: &Prepared) -> Scratch {
        Scratch {
            reach: ReachScratch::new(prepared.graph.nodes().len()),
            pos: Vec::new(),
            vars: Vec::new(),
            obs: Vec::new(),
            sizes: (0, 0),
            reach_buffers: Vec::new(),
        }
    }
}

/// FxHash (rustc's hasher): keys here are small integers and short ids,
/// for which SipHash's DoS resistance buys nothing.
#[derive(Clone, Copy, Default)]
struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.write_u64(u64::from_le_bytes(w));
        }
        for &b in chunks.remainder() {
            self.write_u8(b);
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.write_u64(u64::from(i));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.write_u64(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

type FxMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<FxHasher>>;

/// The texts a proof repeats, shared once per prepared plan: node ids, edge
/// kinds, check names, binding variables, witness directions.
#[derive(Debug, Default)]
pub(crate) struct Names {
    nodes: Vec<Text>,
    edge_kinds: Vec<Text>,
    checks: Vec<Text>,
    /// Per rule (plan order), its binding variables.
    rule_vars: Vec<Vec<Text>>,
    /// Per forbid (plan order), its binding variables.
    forbid_vars: Vec<Vec<Text>>,
    touches: Text,
    reverse: Text,
    forward: Text,
}

impl Names {
    /// The names of `plan` over `graph`; `checks` are the interned check names.
    pub(crate) fn new(
        plan: &writ_plan::Plan,
        graph: &writ_graph::Graph,
        checks: &[String],
    ) -> Names {
        let vars =
            |b: &[writ_plan::Binding]| b.iter().map(|b| Text::from(b.var.as_str())).collect();
        Names {
            nodes: graph
                .nodes()
                .iter()
                .map(|n| Text::from(n.id.value.as_str()))
                .collect(),
            edge_kinds: graph
                .edge_kinds()
                .iter()
                .map(|k| Text::from(k.as_str()))
                .collect(),
            checks: checks.iter().map(|c| Text::from(c.as_str())).collect(),
            rule_vars: plan.rules.iter().map(|r| vars(&r.bindings)).collect(),
            forbid_vars: plan.forbids.iter().map(|f| vars(&f.bindings)).collect(),
            touches: "touches".into(),
            reverse: "reverse".into(),
            forward: "forward".into(),
        }
    }
}

/// What a set of evaluations exercised: the basis of `writ test --coverage`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Per rule (plan order): some instance fired.
    pub rule_fired: Vec<bool>,
    /// Per rule: its `when` was true for some instance.
    pub when_true: Vec<bool>,
    /// Per rule: its `when` was false for some instance.
    pub when_false: Vec<bool>,
    /// Per rule, per `require` clause (checks first, then approvals): it imposed an obligation.
    pub clause_imposed: Vec<Vec<bool>>,
    /// Per forbid (plan order): it applied (lifted or not).
    pub forbid_applied: Vec<bool>,
    /// Per forbid: it did not apply.
    pub forbid_not_applied: Vec<bool>,
}

impl Coverage {
    /// Adds what `other` exercised.
    pub fn merge(&mut self, other: &Coverage) {
        fn or(a: &mut Vec<bool>, b: &[bool]) {
            if a.len() < b.len() {
                a.resize(b.len(), false);
            }
            for (x, y) in a.iter_mut().zip(b) {
                *x |= *y;
            }
        }
        or(&mut self.rule_fired, &other.rule_fired);
        or(&mut self.when_true, &other.when_true);
        or(&mut self.when_false, &other.when_false);
        or(&mut self.forbid_applied, &other.forbid_applied);
        or(&mut self.forbid_not_applied, &other.forbid_not_applied);
        if self.clause_imposed.len() < other.clause_imposed.len() {
            self.clause_imposed
                .resize(other.clause_imposed.len(), Vec::new());
        }
        for (a, b) in self.clause_imposed.iter_mut().zip(&other.clause_imposed) {
            or(a, b);
        }
    }
}

/// The decision on a change: the outcome, why, and the proof.
///
/// Serialises as its proof (which repeats the outcome and reasons).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Allow, deny or pending.
    pub outcome: Outcome,
    /// Why it is not allow (sorted; empty when allowed).
    pub reasons: Vec<Reason>,
    /// The proof.
    pub proof: Proof,
    /// What this evaluation exercised (not part of the proof).
    pub coverage: Coverage,
}

impl serde::Serialize for Decision {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.proof.serialize(s)
    }
}

impl Decision {
    /// The proof as pretty JSON, followed by a newline: the bytes `writ eval
    /// --format json` prints and `writ explain` reads. Deterministic.
    pub fn to_json(&self) -> String {
        proof_json(&self.proof)
    }
}

/// A proof as pretty JSON, followed by a newline.
pub fn proof_json(proof: &Proof) -> String {
    let mut s = serde_json::to_string_pretty(proof).unwrap_or_default();
    s.push('\n');
    s
}

#[derive(Clone, Debug)]
enum Nodes {
    Shared(Arc<[NodeIdx]>),
    One(NodeIdx),
    Owned(Vec<NodeIdx>),
}

impl Nodes {
    fn as_slice(&self) -> &[NodeIdx] {
        match self {
            Nodes::Shared(a) => a,
            Nodes::One(n) => std::slice::from_ref(n),
            Nodes::Owned(v) => v,
        }
    }
}

#[derive(Clone, Debug)]
enum Val<'a> {
    Bool(bool),
    Int(i64),
    Str(&'a str),
    Dur(u64),
    Time(i64),
    Strs(Vec<&'a str>),
    Nodes(Nodes),
    Person { id: Option<&'a str>, agent: bool },
    Team(&'a str),
    List(Vec<Val<'a>>),
    Range(Box<Val<'a>>, Box<Val<'a>>),
    Missing,
}

impl Val<'_> {
    fn type_name(&self) -> &'static str {
        match self {
            Val::Bool(_) => "a boolean",
            Val::Int(_) => "an integer",
            Val::Str(_) => "a string",
            Val::Dur(_) => "a duration",
            Val::Time(_) => "a time",
            Val::Strs(_) => "a set of strings",
            Val::Nodes(_) => "a node set",
            Val::Person { .. } => "a person",
            Val::Team(_) => "a team",
            Val::List(_) => "a list",
            Val::Range(..) => "a range",
            Val::Missing => "a missing attribute",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum ObKey<'a> {
    /// (check index into `Prepared::checks`, node)
    Check(u32, NodeIdx),
    Approval(u32, Args<'a>),
}

/// A chain's arguments; one argument (the common case) without allocating.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Args<'a> {
    /// Exactly one argument.
    One(Arg<'a>),
    /// None, or more than one.
    Many(Vec<Arg<'a>>),
}

impl<'a> Args<'a> {
    fn new(args: impl ExactSizeIterator<Item = Arg<'a>>) -> Args<'a> {
        let mut args = args;
        if args.len() == 1 {
            if let Some(a) = args.next() {
                return Args::One(a);
            }
        }
        Args::Many(args.collect())
    }
}

impl<'a> std::ops::Deref for Args<'a> {
    type Target = [Arg<'a>];
    fn deref(&self) -> &[Arg<'a>] {
        match self {
            Args::One(a) => std::slice::from_ref(a),
            Args::Many(v) => v,
        }
    }
}

/// A chain argument's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Arg<'a> {
    Node(NodeIdx),
    Team(&'a str),
    Person(&'a str),
}

struct Instance {
    item: u32,
    vars: std::ops::Range<usize>,
    /// Range in the flat obligation list (indices into the obligations).
    obligations: std::ops::Range<usize>,
}

/// Why an approval cannot count at all.
enum Standing {
    Usable,
    Invalid(String),
    Ignored(String),
}

struct Eval<'a, 's> {
    p: &'a Prepared,
    change: &'a Change,
    evidence: &'a Evidence,
    now: i64,
    change_time: i64,
    change_digest: String,
    paths: Vec<&'a str>,
    touched: Touched,
    scratch: &'s mut Scratch,
    reaches: Vec<Option<Reach>>,
    /// Filtered node sets, computed once: slot `k * sets + filter`, where
    /// `k` is 0 for `change.touches` and `1 + q` for reach query `q`.
    filtered: Vec<Option<Nodes>>,
    /// Shared paths of the touched files (filled when a proof is written).
    files: Vec<Text>,
    /// Witness globs per (file, first node).
    globs: FxMap<(u32, NodeIdx), Vec<Text>>,
    errors: Vec<String>,
    authors: Vec<&'a str>,
    rejected: BTreeSet<RejectedEvidence>,
    /// The binding being built by `instances`.
    cur: Vec<NodeIdx>,
}

impl<'a> Eval<'a, '_> {
    fn node_id(&self, n: NodeIdx) -> &'a str {
        self.p
            .graph
            .nodes()
            .get(n.index())
            .map_or("?", |x| x.id.value.as_str())
    }

    /// The shared id of node `n`.
    fn node_text(&self, n: NodeIdx) -> Text {
        self.p
            .names
            .nodes
            .get(n.index())
            .cloned()
            .unwrap_or_else(|| "?".into())
    }

    fn ensure_reach(&mut self, q: u32) {
        let qi = q as usize;
        if self.reaches[qi].is_some() {
            return;
        }
        let def = self.p.queries[qi];
        let buffer = self.scratch.reach_buffers.pop().unwrap_or_default();
        let reach = self.p.graph.index().reach_into(
            &mut self.scratch.reach,
            &ReachQuery {
                from: &self.touched.nodes,
                edge_kinds: def.mask,
                max_depth: def.depth,
                direction: def.direction,
            },
            buffer,
        );
        let n = self.p.graph.nodes().len();
        if self.scratch.pos.len() <= qi {
            self.scratch.pos.resize_with(qi + 1, Vec::new);
        }
        let pos = &mut self.scratch.pos[qi];
        if pos.len() != n {
            *pos = vec![u32::MAX; n];
        }
        for (i, e) in reach.entries().iter().enumerate() {
            pos[e.node.index()] = i as u32;
        }
        self.reaches[qi] = Some(reach);
    }

    /// The entry index of `n` in reach `q` (which must be computed).
    fn in_reach(&self, q: u32, n: NodeIdx) -> Option<usize> {
        let reach = self.reaches[q as usize].as_ref()?;
        let i = *self.scratch.pos.get(q as usize)?.get(n.index())? as usize;
        (reach.entries().get(i)?.node == n).then_some(i)
    }

    fn is_touched(&self, n: NodeIdx) -> bool {
        self.touched.nodes.binary_search(&n).is_ok()
    }

    fn nodes(&mut self, s: &CNodes, vars: &[NodeIdx]) -> Nodes {
        match s {
            CNodes::Static(i) => Nodes::Shared(self.p.sets[*i as usize].nodes.clone()),
            CNodes::Var(v) => match vars.get(*v as usize) {
                Some(&n) => Nodes::One(n),
                None => {
                    self.errors.push(format!("variable {v} is not bound"));
                    Nodes::Owned(Vec::new())
                }
            },
            CNodes::Touches(_) if self.touched.nodes.is_empty() => Nodes::Owned(Vec::new()),
            CNodes::Touches(f) => {
                let slot = *f as usize;
                if let Some(Some(r)) = self.filtered.get(slot) {
                    return r.clone();
                }
                let set = &self.p.sets[*f as usize];
                let v: Vec<NodeIdx> = self
                    .touched
                    .nodes
                    .iter()
                    .copied()
                    .filter(|&n| set.contains(n))
                    .collect();
                self.remember(slot, v)
            }
            CNodes::Reach { filter, query } => {
                let slot = (1 + *query as usize) * self.p.sets.len() + *filter as usize;
                if let Some(Some(r)) = self.filtered.get(slot) {
                    return r.clone();
                }
                self.ensure_reach(*query);
                let set = &self.p.sets[*filter as usize];
                let reach_len = self.reaches[*query as usize].as_ref().map_or(0, Reach::len);
                let v: Vec<NodeIdx> = if set.nodes.len() <= reach_len {
                    set.nodes
                        .iter()
                        .copied()
                        .filter(|&n| self.in_reach(*query, n).is_some())
                        .collect()
                } else {
                    let reach = self.reaches[*query as usize]
                        .as_ref()
                        .map_or(&[][..], |r| r.entries());
                    let mut v: Vec<NodeIdx> = reach
                        .iter()
                        .map(|e| e.node)
                        .filter(|&n| set.contains(n))
                        .collect();
                    v.sort_unstable();
                    v
                };
                self.remember(slot, v)
            }
            CNodes::Union(parts) => {
                let mut v = Vec::new();
                for p in parts {
                    v.extend_from_slice(self.nodes(p, vars).as_slice());
                }
                v.sort_unstable();
                v.dedup();
                Nodes::Owned(v)
            }
        }
    }

    /// Caches a filtered set in `slot` (an empty one without allocating).
    fn remember(&mut self, slot: usize, v: Vec<NodeIdx>) -> Nodes {
        let r = if v.is_empty() {
            Nodes::Owned(Vec::new())
        } else {
            Nodes::Shared(v.into())
        };
        if let Some(x) = self.filtered.get_mut(slot) {
            *x = Some(r.clone());
        }
        r
    }

    /// Whether `s` holds some node (without building the set when it is
    /// not already known).
    fn non_empty(&mut self, s: &CNodes, vars: &[NodeIdx]) -> bool {
        match s {
            CNodes::Reach { filter, query } => {
                let slot = (1 + *query as usize) * self.p.sets.len() + *filter as usize;
                if let Some(Some(r)) = self.filtered.get(slot) {
                    return !r.as_slice().is_empty();
                }
                self.ensure_reach(*query);
                let set = &self.p.sets[*filter as usize];
                let Some(reach) = self.reaches[*query as usize].as_ref() else {
                    return false;
                };
                if set.nodes.len() <= reach.len() {
                    set.nodes
                        .iter()
                        .any(|&n| self.in_reach(*query, n).is_some())
                } else {
                    reach.entries().iter().any(|e| set.contains(e.node))
                }
            }
            CNodes::Touches(f) => {
                let set = &self.p.sets[*f as usize];
                self.touched.nodes.iter().any(|&n| set.contains(n))
            }
            _ => !self.nodes(s, vars).as_slice().is_empty(),
        }
    }

    fn contains(&mut self, s: &CNodes, n: NodeIdx, vars: &[NodeIdx]) -> bool {
        match s {
            CNodes::Static(i) => self.p.sets[*i as usize].contains(n),
            CNodes::Var(v) => vars.get(*v as usize) == Some(&n),
            CNodes::Touches(f) => self.p.sets[*f as usize].contains(n) && self.is_touched(n),
            CNodes::Reach { filter, query } => {
                self.ensure_reach(*query);
                self.p.sets[*filter as usize].contains(n) && self.in_reach(*query, n).is_some()
            }
            CNodes::Union(parts) => parts.iter().any(|p| self.contains(p, n, vars)),
        }
    }

    /// The globs by which file `fi` (of `touched.files`) touches `n`, sorted.
    fn globs_for(&mut self, fi: usize, n: NodeIdx) -> Vec<Text> {
        if let Some(g) = self.globs.get(&(fi as u32, n)) {
            return g.clone();
        }
        let g = self.compute_globs(fi, n);
        self.globs.insert((fi as u32, n), g.clone());
        g
    }

    fn compute_globs(&self, fi: usize, n: NodeIdx) -> Vec<Text> {
        let claims = self.p.graph.paths().claims();
        let mut out: Vec<&str> = self.touched.files[fi]
            .claims
            .iter()
            .filter_map(|&c| claims.get(c as usize))
            .filter(|c| match &c.target {
                ClaimTarget::Node(x) => *x == n,
                ClaimTarget::Global(g) => self.p.graph.paths().global_nodes(*g).contains(&n),
                ClaimTarget::Unowned => false,
            })
            .map(|c| c.glob.as_str())
            .collect();
        out.sort_unstable();
        out.dedup();
        out.into_iter().map(Text::from).collect()
    }

    /// The shared path of touched file `fi`.
    fn file_text(&mut self, fi: usize) -> Text {
        if self.files.len() != self.touched.files.len() {
            self.files = self
                .touched
                .files
                .iter()
                .map(|f| Text::from(f.path.as_str()))
                .collect();
        }
        self.files[fi].clone()
    }

    /// The index (in `touched.files`) of the first file that touches `n`.
    fn file_index(&self, n: NodeIdx) -> Option<usize> {
        let file = self.touched.file_for(n)?;
        self.touched
            .files
            .binary_search_by(|f| f.path.as_str().cmp(file))
            .ok()
    }

    fn witness(&mut self, s: &CNodes, n: NodeIdx, vars: &[NodeIdx]) -> Option<Witness> {
        match s {
            CNodes::Static(_) | CNodes::Var(_) => None,
            CNodes::Touches(_) => {
                let fi = self.file_index(n)?;
                Some(Witness {
                    direction: self.p.names.touches.clone(),
                    globs: self.globs_for(fi, n),
                    file: self.file_text(fi),
                    steps: vec![WitnessStep {
                        node: self.node_text(n),
                        via: None,
                    }],
                })
            }
            CNodes::Reach { query, .. } => {
                self.ensure_reach(*query);
                let i = self.in_reach(*query, n)?;
                let entries = self.reaches[*query as usize].as_ref()?.entries();
                // Walk the parent pointers to the start node first, then
                // build the steps start first.
                let mut len = 0;
                let mut start = i;
                let mut cur = Some(i);
                while let Some(c) = cur {
                    let e = entries.get(c)?;
                    len += 1;
                    start = c;
                    cur = e.parent.map(|p| p as usize);
                    if len > entries.len() {
                        return None;
                    }
                }
                let mut steps: Vec<WitnessStep> = Vec::with_capacity(len);
                let mut cur = Some(i);
                while let Some(c) = cur {
                    let e = &entries[c];
                    steps.push(WitnessStep {
                        node: self.node_text(e.node),
                        via: e.via.map(|k| {
                            self.p
                                .names
                                .edge_kinds
                                .get(k.0 as usize)
                                .cloned()
                                .unwrap_or_else(|| "?".into())
                        }),
                    });
                    cur = e.parent.map(|p| p as usize);
                }
                steps.reverse();
                let start = entries[start].node;
                let fi = self.file_index(start)?;
                let direction = match self.p.queries[*query as usize].direction {
                    Direction::Reverse => self.p.names.reverse.clone(),
                    Direction::Forward => self.p.names.forward.clone(),
                };
                Some(Witness {
                    direction,
                    globs: self.globs_for(fi, start),
                    file: self.file_text(fi),
                    steps,
                })
            }
            CNodes::Union(parts) => {
                for p in parts {
                    if self.contains(p, n, vars) {
                        return self.witness(p, n, vars);
                    }
                }
                None
            }
        }
    }

    // ---------------------------------------------------------------- expressions

    fn person(&self, id: &'a str) -> Val<'a> {
        let agent = self
            .p
            .graph
            .person(id)
            .is_some_and(|p| p.kind == PrincipalKind::Agent);
        Val::Person {
            id: Some(id),
            agent,
        }
    }

    fn eval(&mut self, e: &'a CExpr, vars: &[NodeIdx]) -> Result<Val<'a>, String> {
        Ok(match e {
            CExpr::Bool(b) => Val::Bool(*b),
            CExpr::Int(i) => Val::Int(*i),
            CExpr::Str(s) => Val::Str(s),
            CExpr::Duration(d) => Val::Dur(*d),
            CExpr::Time(t) => Val::Time(*t),
            CExpr::List(xs) => Val::List(
                xs.iter()
                    .map(|x| self.eval(x, vars))
                    .collect::<Result<_, _>>()?,
            ),
            CExpr::Range(a, b) => {
                Val::Range(Box::new(self.eval(a, vars)?), Box::new(self.eval(b, vars)?))
            }
            CExpr::Nodes(s) => Val::Nodes(self.nodes(s, vars)),
            CExpr::NodeField(v, field) => {
                let n = *vars
                    .get(*v as usize)
                    .ok_or_else(|| format!("variable {v} is not bound"))?;
                let node = self
                    .p
                    .graph
                    .nodes()
                    .get(n.index())
                    .ok_or("a node out of range")?;
                match field {
                    NodeField::Id => Val::Str(&node.id.value),
                    NodeField::Kind => Val::Str(&node.kind.value),
                    NodeField::Tags => {
                        Val::Strs(node.tags.iter().map(|t| t.value.as_str()).collect())
                    }
                    NodeField::Owners => {
                        Val::Strs(node.owners.iter().map(|t| t.value.as_str()).collect())
                    }
                    NodeField::Checks => {
                        Val::Strs(node.checks.iter().map(|c| c.name.value.as_str()).collect())
                    }
                    NodeField::Attr(name) => match node.attributes.get(name) {
                        None => Val::Missing,
                        Some(v) => match &v.value {
                            writ_graph::model::AttrValue::Bool(b) => Val::Bool(*b),
                            writ_graph::model::AttrValue::Int(i) => Val::Int(*i),
                            writ_graph::model::AttrValue::Str(s) => Val::Str(s),
                        },
                    },
                }
            }
            CExpr::Person(p) => self.person(p),
            CExpr::Team(t) => Val::Team(t),
            CExpr::DecisionTime => Val::Time(self.now),
            CExpr::Change(f) => match f {
                ChangeField::Author => Val::Person {
                    id: self.change.author.id.as_deref(),
                    agent: self.change.author.kind == PrincipalKind::Agent
                        || self
                            .change
                            .author
                            .id
                            .as_deref()
                            .and_then(|id| self.p.graph.person(id))
                            .is_some_and(|p| p.kind == PrincipalKind::Agent),
                },
                ChangeField::Labels => {
                    Val::Strs(self.change.labels.iter().map(String::as_str).collect())
                }
                ChangeField::Emergency => Val::Bool(self.change.emergency),
                ChangeField::Time => Val::Time(self.change_time),
                ChangeField::Files => Val::Strs(self.paths.clone()),
                ChangeField::HasUnowned => Val::Bool(!self.touched.unowned.is_empty()),
            },
            CExpr::AnyPath(g) => {
                let m = self.p.globs.get(*g as usize).ok_or("a glob out of range")?;
                Val::Bool(self.paths.iter().any(|p| m.is_match(p)))
            }
            CExpr::AllPaths(g) => {
                let m = self.p.globs.get(*g as usize).ok_or("a glob out of range")?;
                Val::Bool(!self.paths.is_empty() && self.paths.iter().all(|p| m.is_match(p)))
            }
            CExpr::Not(x) => Val::Bool(!self.truth(x, vars)?),
            CExpr::And(xs) => {
                for x in xs {
                    if !self.truth(x, vars)? {
                        return Ok(Val::Bool(false));
                    }
                }
                Val::Bool(true)
            }
            CExpr::Or(xs) => {
                for x in xs {
                    if self.truth(x, vars)? {
                        return Ok(Val::Bool(true));
                    }
                }
                Val::Bool(false)
            }
            CExpr::Compare(op, a, b) => {
                let a = self.eval(a, vars)?;
                let b = self.eval(b, vars)?;
                Val::Bool(compare(*op, &a, &b, self)?)
            }
        })
    }

    fn truth(&mut self, e: &'a CExpr, vars: &[NodeIdx]) -> Result<bool, String> {
        if let CExpr::Nodes(s) = e {
            return Ok(self.non_empty(s, vars));
        }
        match self.eval(e, vars)? {
            Val::Bool(b) => Ok(b),
            Val::Nodes(n) => Ok(!n.as_slice().is_empty()),
            other => Err(format!(
                "a condition is {}, not a boolean",
                other.type_name()
            )),
        }
    }

    // ---------------------------------------------------------------- instances

    /// Every binding of `item`'s variables, flat (stride = number of bindings).
    /// `Err(i)`: binding `i` had no node (for the first combination tried).
    fn instances(&mut self, item: &CItem, out: &mut Vec<NodeIdx>) -> Result<usize, usize> {
        fn rec(
            ev: &mut Eval<'_, '_>,
            b: &[CNodes],
            cur: &mut Vec<NodeIdx>,
            out: &mut Vec<NodeIdx>,
            count: &mut usize,
            empty: &mut Option<usize>,
        ) {
            let d = cur.len();
            if d == b.len() {
                out.extend_from_slice(cur);
                *count += 1;
                return;
            }
            let nodes = ev.nodes(&b[d], cur);
            if nodes.as_slice().is_empty() {
                empty.get_or_insert(d);
            }
            for &n in nodes.as_slice() {
                if *count >= MAX_INSTANCES {
                    return;
                }
                cur.push(n);
                rec(ev, b, cur, out, count, empty);
                cur.pop();
            }
        }
        let mut cur = std::mem::take(&mut self.cur);
        cur.clear();
        let mut count = 0;
        let mut empty = None;
        rec(self, &item.bindings, &mut cur, out, &mut count, &mut empty);
        self.cur = cur;
        if count == 0 {
            return Err(empty.unwrap_or(0));
        }
        if count >= MAX_INSTANCES {
            self.errors
                .push(format!("more than {MAX_INSTANCES} rule instances"));
        }
        Ok(count)
    }

    // ---------------------------------------------------------------- approvals

    fn standing(&self, a: &Approval, plan_digest: &str) -> Standing {
        if self.p.graph.person(&a.person).is_none() {
            return Standing::Invalid(format!(
                "`{}` is not a person of the graph (add them, with their key, to approve)",
                a.person
            ));
        }
        if !a.signature_verified {
            return Standing::Invalid(
                "its signature did not verify against the person's keys".into(),
            );
        }
        // An approval bound to another change or plan says nothing about this
        // one: it is ignored (not invalid), whoever signed it.
        if a.change_id != self.change.id {
            return Standing::Ignored(format!(
                "for another change: bound to change `{}`, not `{}`",
                a.change_id, self.change.id
            ));
        }
        if a.change_digest != self.change_digest {
            return Standing::Ignored(format!(
                "stale: bound to digest {} of this change, not {} (the change was updated after approval)",
                a.change_digest, self.change_digest
            ));
        }
        if a.plan_digest != plan_digest {
            return Standing::Ignored(format!(
                "bound to plan {}, not {}",
                a.plan_digest, plan_digest
            ));
        }
        let Some(person) = self.p.graph.person(&a.person) else {
            return Standing::Invalid("the graph knows no such person".into());
        };
        if person.kind == PrincipalKind::Agent {
            return Standing::Invalid("agents never approve".into());
        }
        if self.authors.contains(&a.person.as_str()) {
            if self.change.author.id.as_deref() == Some(a.person.as_str()) {
                return Standing::Invalid("the author never approves their own change".into());
            }
            return Standing::Invalid(
                "a contributor to the change (a committer, co-author or uploader) never approves it"
                    .into(),
            );
        }
        if a.signed_at > self.now + CLOCK_SKEW {
            return Standing::Ignored(format!(
                "signed at {}, after the decision time",
                format_rfc3339(a.signed_at)
            ));
        }
        if let Some(c) = &a.chain {
            if self.p.plan.chain(c).is_none() && self.p.plan.emergency(c).is_none() {
                return Standing::Ignored(format!(
                    "this plan has no approval chain or emergency path `{c}`"
                ));
            }
        }
        Standing::Usable
    }

    fn people_of(&self, src: &Approvers, args: &[Arg<'a>]) -> Vec<&'a str> {
        let g = &self.p.graph;
        let owners = |n: NodeIdx| -> Vec<&'a str> {
            g.nodes().get(n.index()).map_or_else(Vec::new, |node| {
                g.owner_people(&node.owners).into_iter().collect()
            })
        };
        match src {
            Approvers::Team(t) => g.team(t).map_or_else(Vec::new, |t| {
                t.members.iter().map(|m| m.value.as_str()).collect()
            }),
            Approvers::Person(p) => g
                .person(p)
                .map_or_else(Vec::new, |p| vec![p.id.value.as_str()]),
            Approvers::OwnersOfParam(i) => match args.get(*i as usize) {
                Some(Arg::Node(n)) => owners(*n),
                _ => Vec::new(),
            },
            Approvers::Param(i) => match args.get(*i as usize) {
                Some(Arg::Team(t)) => g.team(t).map_or_else(Vec::new, |t| {
                    t.members.iter().map(|m| m.value.as_str()).collect()
                }),
                Some(Arg::Person(p)) => g
                    .person(p)
                    .map_or_else(Vec::new, |p| vec![p.id.value.as_str()]),
                Some(Arg::Node(n)) => owners(*n),
                None => Vec::new(),
            },
            Approvers::OwnersOfNode(i) => self.p.node_of_plan(*i).map_or_else(Vec::new, owners),
            Approvers::OwnersOfTouched => {
                self.touched.nodes.iter().flat_map(|&n| owners(n)).collect()
            }
        }
    }

    fn arg_text(&self, a: &Arg<'_>) -> String {
        match a {
            Arg::Node(n) => self.node_id(*n).to_string(),
            Arg::Team(t) => format!("team \"{t}\""),
            Arg::Person(p) => format!("person \"{p}\""),
        }
    }

    fn describe_source(&self, src: &Approvers, params: &[String], args: &[Arg<'_>]) -> String {
        match src {
            Approvers::Team(t) => format!("team \"{t}\""),
            Approvers::Person(p) => format!("person \"{p}\""),
            Approvers::OwnersOfParam(i) => {
                let name = params.get(*i as usize).map_or("?", String::as_str);
                let arg = args
                    .get(*i as usize)
                    .map_or_else(|| "?".into(), |a| self.arg_text(a));
                format!("owners({name}={arg})")
            }
            Approvers::Param(i) => {
                let name = params.get(*i as usize).map_or("?", String::as_str);
                let arg = args
                    .get(*i as usize)
                    .map_or_else(|| "?".into(), |a| self.arg_text(a));
                format!("{name}={arg}")
            }
            Approvers::OwnersOfNode(i) => {
                format!(
                    "owners(node \"{}\")",
                    self.p.node_of_plan(*i).map_or("?", |n| self.node_id(n))
                )
            }
            Approvers::OwnersOfTouched => "owners of the touched nodes".into(),
        }
    }

    /// The people who may approve a step: its sources, less the authors and agents, sorted.
    fn eligible(&self, step: &ApprovalStep, args: &[Arg<'a>]) -> Vec<&'a str> {
        let mut v: Vec<&'a str> = step
            .sources
            .iter()
            .flat_map(|s| self.people_of(s, args))
            .collect();
        v.sort_unstable();
        v.dedup();
        v.retain(|p| {
            !self.authors.contains(p)
                && self
                    .p
                    .graph
                    .person(p)
                    .is_some_and(|x| x.kind == PrincipalKind::Human)
        });
        v
    }

    /// Matches approvals to the steps of chain `ci` bound to `args`.
    fn match_chain(
        &mut self,
        ci: u32,
        args: &[Arg<'a>],
        usable: &[usize],
    ) -> (bool, Vec<StepProof>) {
        let chain = &self.p.plan.chains[ci as usize];
        let target = Target {
            id: &chain.id,
            expires_after: chain.expires_after,
            emergency: false,
        };
        self.match_steps(&chain.steps, &chain.params, args, target, usable)
    }

    /// Matches approvals to steps: distinct people, each counted once per
    /// chain, steps in order. Returns per step (need, eligible, approvals used).
    fn match_steps(
        &mut self,
        steps: &[ApprovalStep],
        params: &[String],
        args: &[Arg<'a>],
        target: Target<'_>,
        usable: &[usize],
    ) -> (bool, Vec<StepProof>) {
        let Target {
            id: target,
            expires_after,
            emergency: named_only,
        } = target;
        let eligible: Vec<Vec<&'a str>> = steps.iter().map(|s| self.eligible(s, args)).collect();
        let need = |s: &ApprovalStep, e: &[&str]| match s.count {
            Some(n) => n,
            None => (e.len() as u32).max(1),
        };
        if usable.is_empty() {
            // Nothing to match (the common case while approvals are pending).
            let proofs: Vec<StepProof> = steps
                .iter()
                .zip(&eligible)
                .map(|(s, e)| StepProof {
                    sources: s
                        .sources
                        .iter()
                        .map(|x| self.describe_source(x, params, args))
                        .collect(),
                    need: need(s, e),
                    eligible: e.len() as u32,
                    approvals: Vec::new(),
                })
                .collect();
            let ok = proofs.iter().all(|s| s.need == 0);
            return (ok, proofs);
        }
        // One approval per person: the latest (then the smallest digest).
        let mut by_person: BTreeMap<&'a str, &'a Approval> = BTreeMap::new();
        for &i in usable {
            let a = &self.evidence.approvals[i];
            if a.chain.as_deref().is_some_and(|c| c != target) {
                continue;
            }
            let in_some_step = eligible
                .iter()
                .any(|e| e.binary_search(&a.person.as_str()).is_ok());
            if !in_some_step {
                if a.chain.is_some() {
                    self.rejected.insert(RejectedEvidence {
                        kind: "approval".into(),
                        subject: a.person.clone(),
                        digest: a.digest.clone(),
                        reason: format!(
                            "`{}` may not approve `{target}` for this change",
                            a.person
                        ),
                        effect: "ignored".into(),
                    });
                }
                continue;
            }
            if named_only && a.chain.is_none() {
                self.rejected.insert(RejectedEvidence {
                    kind: "approval".into(),
                    subject: a.person.clone(),
                    digest: a.digest.clone(),
                    reason: format!(
                        "an approval that names no chain never breaks the glass: sign it for \
                         `{target}` (`writ approve --chain {target}`)"
                    ),
                    effect: "ignored".into(),
                });
                continue;
            }
            if let Some(limit) = expires_after {
                if self.now.saturating_sub(a.signed_at) > i64::try_from(limit).unwrap_or(i64::MAX) {
                    self.rejected.insert(RejectedEvidence {
                        kind: "approval".into(),
                        subject: a.person.clone(),
                        digest: a.digest.clone(),
                        reason: format!(
                            "expired for `{target}`: signed at {}, approvals expire after {}",
                            format_rfc3339(a.signed_at),
                            crate::time::format_duration(limit)
                        ),
                        effect: "ignored".into(),
                    });
                    continue;
                }
            }
            let better = match by_person.get(a.person.as_str()) {
                None => true,
                Some(b) => {
                    (a.signed_at, std::cmp::Reverse(&a.digest))
                        > (b.signed_at, std::cmp::Reverse(&b.digest))
                }
            };
            if better {
                by_person.insert(a.person.as_str(), a);
            }
        }
        let cands: Vec<(&'a str, &'a Approval)> = by_person.into_iter().collect();
        let needs: Vec<u32> = steps
            .iter()
            .zip(&eligible)
            .map(|(s, e)| need(s, e))
            .collect();
        let times: Vec<i64> = cands.iter().map(|c| c.1.signed_at).collect();
        let candidates_of: Vec<Vec<usize>> = eligible
            .iter()
            .map(|e| {
                (0..cands.len())
                    .filter(|&c| e.binary_search(&cands[c].0).is_ok())
                    .collect()
            })
            .collect();
        let assignment = crate::assign::assign(&times, &candidates_of, &needs);
        if !assignment.complete && steps.len() > 1 {
            // Name the approvals that came before the step they could fill
            // was reached: signed before the previous step was complete.
            let mut done_at: Vec<Option<i64>> = vec![None; steps.len()];
            for (s, slot) in done_at.iter_mut().enumerate() {
                let used: Vec<i64> = (0..cands.len())
                    .filter(|&c| assignment.step_of[c] == Some(s))
                    .map(|c| times[c])
                    .collect();
                if used.len() as u32 >= needs[s] {
                    *slot = used.into_iter().max();
                }
            }
            for c in 0..cands.len() {
                if assignment.step_of[c].is_some() {
                    continue;
                }
                let early = (1..steps.len()).find(|&s| {
                    candidates_of[s].contains(&c) && done_at[s - 1].is_some_and(|t| times[c] < t)
                });
                if let Some(s) = early {
                    let a = cands[c].1;
                    self.rejected.insert(RejectedEvidence {
                        kind: "approval".into(),
                        subject: a.person.clone(),
                        digest: a.digest.clone(),
                        reason: format!(
                            "`{target}` step {}: signed at {}, before step {} was complete \
                             (`then` steps are approved in order)",
                            s + 1,
                            format_rfc3339(a.signed_at),
                            s
                        ),
                        effect: "ignored".into(),
                    });
                }
            }
        }
        let mut proofs: Vec<StepProof> = steps
            .iter()
            .zip(&eligible)
            .zip(&needs)
            .map(|((s, e), &need)| StepProof {
                sources: s
                    .sources
                    .iter()
                    .map(|x| self.describe_source(x, params, args))
                    .collect(),
                need,
                eligible: e.len() as u32,
                approvals: Vec::new(),
            })
            .collect();
        for (c, step) in assignment.step_of.iter().enumerate() {
            if let Some(step) = step {
                let a = cands[c].1;
                proofs[*step].approvals.push(ApprovalUse {
                    person: a.person.clone(),
                    key: a.key.clone(),
                    digest: a.digest.clone(),
                    signed_at: format_rfc3339(a.signed_at),
                });
            }
        }
        let ok = proofs
            .iter()
            .all(|s| s.approvals.len() as u32 >= s.need && s.eligible >= s.need);
        (ok, proofs)
    }
}

fn compare<'a>(op: CompareOp, a: &Val<'a>, b: &Val<'a>, ev: &Eval<'a, '_>) -> Result<bool, String> {
    let mismatch = || format!("cannot compare {} with {}", a.type_name(), b.type_name());
    let eq = |x: &Val<'a>, y: &Val<'a>| -> Result<bool, String> {
        Ok(match (x, y) {
            (Val::Missing, _) | (_, Val::Missing) => false,
            (Val::Bool(p), Val::Bool(q)) => p == q,
            (Val::Int(p), Val::Int(q)) => p == q,
            (Val::Str(p), Val::Str(q)) => p == q,
            (Val::Dur(p), Val::Dur(q)) => p == q,
            (Val::Time(p), Val::Time(q)) => p == q,
            (Val::Person { id: p, .. }, Val::Person { id: q, .. }) => p.is_some() && p == q,
            (Val::Person { id: p, .. }, Val::Str(q)) | (Val::Str(q), Val::Person { id: p, .. }) => {
                *p == Some(*q)
            }
            (Val::Team(p), Val::Team(q)) => p == q,
            (Val::Nodes(n), Val::Str(s)) | (Val::Str(s), Val::Nodes(n)) => {
                matches!(n.as_slice(), [one] if ev.node_id(*one) == *s)
            }
            (Val::Nodes(n), Val::Nodes(m)) => n.as_slice() == m.as_slice(),
            (Val::Strs(p), Val::Strs(q)) => {
                let (mut p, mut q) = (p.clone(), q.clone());
                p.sort_unstable();
                p.dedup();
                q.sort_unstable();
                q.dedup();
                p == q
            }
            _ => {
                return Err(format!(
                    "cannot compare {} with {}",
                    x.type_name(),
                    y.type_name()
                ));
            }
        })
    };
    let ord = |x: &Val<'a>, y: &Val<'a>| -> Result<Option<std::cmp::Ordering>, String> {
        Ok(match (x, y) {
            (Val::Missing, _) | (_, Val::Missing) => None,
            (Val::Int(p), Val::Int(q)) => Some(p.cmp(q)),
            (Val::Dur(p), Val::Dur(q)) => Some(p.cmp(q)),
            (Val::Time(p), Val::Time(q)) => Some(p.cmp(q)),
            _ => {
                return Err(format!(
                    "cannot order {} and {}",
                    x.type_name(),
                    y.type_name()
                ));
            }
        })
    };
    let member = |set: &Val<'a>, item: &Val<'a>| -> Result<bool, String> {
        match set {
            Val::Missing => Ok(false),
            Val::Strs(s) => match item {
                Val::Str(x) => Ok(s.contains(x)),
                Val::Team(x) => Ok(s.contains(x)),
                Val::Person { id: Some(x), .. } => Ok(s.contains(x)),
                Val::Person { id: None, .. } | Val::Missing => Ok(false),
                _ => Err(mismatch()),
            },
            Val::Nodes(n) => match item {
                Val::Str(s) => Ok(ev
                    .p
                    .graph
                    .node_index(s)
                    .is_some_and(|x| n.as_slice().binary_search(&x).is_ok())),
                Val::Nodes(m) => Ok(m
                    .as_slice()
                    .iter()
                    .all(|x| n.as_slice().binary_search(x).is_ok())),
                _ => Err(mismatch()),
            },
            Val::List(items) => {
                for i in items {
                    if eq(item, i)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Val::Range(lo, hi) => Ok(matches!(ord(lo, item)?, Some(o) if o.is_le())
                && matches!(ord(item, hi)?, Some(o) if o.is_le())),
            _ => Err(mismatch()),
        }
    };
    match op {
        CompareOp::Eq => eq(a, b),
        CompareOp::Ne => Ok(!eq(a, b)?),
        CompareOp::Lt => Ok(ord(a, b)?.is_some_and(|o| o.is_lt())),
        CompareOp::Le => Ok(ord(a, b)?.is_some_and(|o| o.is_le())),
        CompareOp::Gt => Ok(ord(a, b)?.is_some_and(|o| o.is_gt())),
        CompareOp::Ge => Ok(ord(a, b)?.is_some_and(|o| o.is_ge())),
        CompareOp::Has => member(a, b),
        CompareOp::In => member(b, a),
        CompareOp::Is => match (a, b) {
            (Val::Person { agent, id }, Val::Str(k)) => {
                let known = || id.is_some_and(|id| ev.p.graph.person(id).is_some());
                match *k {
                    "agent" => Ok(*agent),
                    "human" => Ok(!*agent),
                    "known" => Ok(known()),
                    "unknown" => Ok(!known()),
                    other => Err(format!(
                        "`is {other}`: a person is `agent` or `human`, `known` or `unknown`"
                    )),
                }
            }
            _ => Err(mismatch()),
        },
    }
}

pub(crate) fn source_ref(plan: &writ_plan::Plan, o: &Origin) -> SourceRef {
    let src = plan.source(o);
    SourceRef {
        module: src.map_or_else(String::new, |s| s.module.clone()),
        path: src.map_or_else(String::new, |s| s.path.clone()),
        line: o.line,
        column: o.column,
        span: o.span,
        text: src
            .and_then(|s| s.text.get(o.span[0] as usize..o.span[1] as usize))
            .unwrap_or("")
            .to_string(),
    }
}

/// Current Unix time in seconds.
pub fn system_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn change_ref(change: &Change, digest: String) -> ChangeRef {
    ChangeRef {
        id: change.id.clone(),
        digest,
        author: change.author.id.clone(),
        author_kind: change.author.kind.as_str().into(),
        time: change.timestamp.clone(),
        emergency: change.emergency,
        labels: change.labels.clone(),
    }
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
        reasons: reasons.clone(),
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
        rules: Vec::new(),
        not_fired: Vec::new(),
        obligations: Vec::new(),
        forbids: Vec::new(),
        rejected: Vec::new(),
    };
    Decision {
        outcome: Outcome::Deny,
        reasons,
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
            errors.push(format!(
                "the change records digest {} but its files and tree give {change_digest}",
                change.digest
            ));
        }
        let change_time = match parse_rfc3339(&change.timestamp) {
            Some(t) => t,
            None => {
                errors.push(format!(
                    "the change's time `{}` is not an RFC 3339 timestamp",
                    change.timestamp
                ));
                0
            }
        };
        let mut paths: Vec<&str> = change.paths().collect();
        paths.sort_unstable();
        paths.dedup();
        let touched = self.graph.touched(paths.iter().copied());
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
            touched,
            scratch,
            reaches: vec![None; self.queries.len()],
            filtered: vec![None; (1 + self.queries.len()) * self.sets.len()],
            files: Vec::new(),
            globs: FxMap::default(),
            errors,
            authors,
            rejected: BTreeSet::new(),
            cur: Vec::new(),
        };
        let st = ev.settle();
        Verdict { ev, st }
    }
}

/// What a set of approval steps is matched for: a chain, or an emergency
/// path (which only approvals naming it can satisfy).
#[derive(Clone, Copy)]
struct Target<'t> {
    /// The chain's or emergency path's id.
    id: &'t str,
    /// Approvals older than this many seconds do not count.
    expires_after: Option<u64>,
    /// An emergency path: approvals that name no chain never count.
    emergency: bool,
}

/// Why a rule did not fire (the words are written only for the proof).
enum NotFiredWhy {
    /// Binding clause `i` had no node.
    NoNode(usize),
    /// The `when` could not be evaluated.
    Error(String),
    /// The `when` was false for every one of `count` bindings.
    WhenFalse { count: usize, unbound: bool },
}

impl Drop for Eval<'_, '_> {
    /// Hands the reaches' entry buffers back to the scratch space.
    fn drop(&mut self) {
        for r in self.reaches.drain(..).flatten() {
            self.scratch.reach_buffers.push(r.into_entries());
        }
    }
}

/// What an evaluation exercised, as flat flags (expanded into [`Coverage`]
/// only when the decision is written out).
struct CoverageBits {
    /// Per rule: bit 0 fired, bit 1 `when` true, bit 2 `when` false.
    rules: Vec<u8>,
    /// Per rule `require` clause, rules after one another (`Prepared::clause_base`).
    clauses: Vec<bool>,
    /// Per forbid: bit 0 applied, bit 1 not applied.
    forbids: Vec<u8>,
}

/// A forbid as settled: its proof without instances, and the bindings for
/// which it applies.
struct ForbidState {
    proof: ForbidProof,
    flat: Vec<NodeIdx>,
    applied: Vec<std::ops::Range<usize>>,
}

/// Everything an evaluation decided, in index form: the outcome is known,
/// the proof is not written yet.
struct Settled<'a> {
    instances: Vec<Instance>,
    all_vars: Vec<NodeIdx>,
    all_obs: Vec<u32>,
    obligations: Vec<(ObKey<'a>, Vec<u32>)>,
    /// Per obligation (in `obligations` order): its status.
    statuses: Vec<Status>,
    /// Per obligation: for an approval matched against approvals, its steps.
    steps: Vec<Option<Vec<StepProof>>>,
    results: FxMap<(&'a str, &'a str), Vec<&'a CheckResult>>,
    usable: Vec<usize>,
    not_fired: Vec<(u32, NotFiredWhy)>,
    forbids: Vec<ForbidState>,
    /// Every reason but the missing obligations (which the proof names).
    reasons: Vec<Reason>,
    outcome: Outcome,
    coverage: CoverageBits,
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

impl Verdict<'_, '_> {
    /// Allow, deny or pending.
    pub fn outcome(&self) -> Outcome {
        self.st.outcome
    }

    /// The decision with its proof.
    pub fn into_decision(self) -> Decision {
        self.ev.prove(self.st)
    }
}

impl<'a> Eval<'a, '_> {
    fn settle(&mut self) -> Settled<'a> {
        let p = self.p;
        let plan = &p.plan;
        let mut coverage = CoverageBits {
            rules: vec![0; p.rules.len()],
            clauses: vec![false; p.clause_base.last().copied().unwrap_or(0) as usize],
            forbids: vec![0; p.forbids.len()],
        };

        // ---- rules
        // Sized as the previous decision's, which is a good guess in a run.
        let (hint_instances, hint_obligations) = self.scratch.sizes;
        let mut instances: Vec<Instance> = Vec::with_capacity(hint_instances);
        let mut ob_index: FxMap<ObKey<'a>, u32> =
            FxMap::with_capacity_and_hasher(hint_obligations, Default::default());
        let mut obligations: Vec<(ObKey<'a>, Vec<u32>)> = Vec::with_capacity(hint_obligations);
        let mut not_fired = Vec::with_capacity(p.rules.len());
        let mut tests_unowned = false;
        let mut all_vars = std::mem::take(&mut self.scratch.vars);
        all_vars.clear();
        let mut all_obs = std::mem::take(&mut self.scratch.obs);
        all_obs.clear();
        let mut obs: Vec<u32> = Vec::new();
        let mut choices: Vec<Vec<Arg<'a>>> = Vec::new();
        let mut odometer: Vec<usize> = Vec::new();
        for (ri, rule) in p.rules.iter().enumerate() {
            let meta = &plan.rules[ri];
            let cbase = p.clause_base[ri] as usize;
            let start = all_vars.len();
            let stride = rule.bindings.len();
            let count = match self.instances(rule, &mut all_vars) {
                Ok(c) => c,
                Err(i) => {
                    not_fired.push((ri as u32, NotFiredWhy::NoNode(i)));
                    continue;
                }
            };
            let mut fired_any = false;
            let mut when_error = None;
            for k in 0..count {
                let range = start + k * stride..start + (k + 1) * stride;
                let vars = &all_vars[range.clone()];
                let fires = match &rule.when {
                    None => true,
                    Some(w) => match self.truth(w, vars) {
                        Ok(b) => b,
                        Err(e) => {
                            when_error.get_or_insert(e);
                            false
                        }
                    },
                };
                if rule.when.is_some() {
                    coverage.rules[ri] |= if fires { 2 } else { 4 };
                }
                if !fires {
                    continue;
                }
                fired_any = true;
                tests_unowned |= rule.tests_unowned;
                let inst = instances.len() as u32;
                obs.clear();
                for (ci, (check, on)) in rule.checks.iter().enumerate() {
                    let nodes = self.nodes(on, vars);
                    for &n in nodes.as_slice() {
                        coverage.clauses[cbase + ci] = true;
                        obs.push(add_obligation(
                            &mut ob_index,
                            &mut obligations,
                            ObKey::Check(*check, n),
                            inst,
                        ));
                    }
                }
                for (ai, (chain, args)) in rule.approvals.iter().enumerate() {
                    // The choices for each argument; every combination, the
                    // last argument varying fastest.
                    if choices.len() < args.len() {
                        choices.resize_with(args.len(), Vec::new);
                    }
                    let mut total = 1usize;
                    for (a, c) in args.iter().zip(choices.iter_mut()) {
                        c.clear();
                        match a {
                            CArg::Node(s) => {
                                let nodes = self.nodes(s, vars);
                                c.extend(nodes.as_slice().iter().map(|&n| Arg::Node(n)));
                            }
                            CArg::Team(t) => c.push(Arg::Team(t)),
                            CArg::Person(p) => c.push(Arg::Person(p)),
                        }
                        total = total.saturating_mul(c.len());
                    }
                    let choices = &choices[..args.len()];
                    odometer.clear();
                    odometer.resize(args.len(), 0);
                    for _ in 0..total {
                        let combo = Args::new(odometer.iter().zip(choices).map(|(&i, c)| c[i]));
                        coverage.clauses[cbase + rule.checks.len() + ai] = true;
                        obs.push(add_obligation(
                            &mut ob_index,
                            &mut obligations,
                            ObKey::Approval(*chain, combo),
                            inst,
                        ));
                        for j in (0..odometer.len()).rev() {
                            odometer[j] += 1;
                            if odometer[j] < choices[j].len() {
                                break;
                            }
                            odometer[j] = 0;
                        }
                    }
                }
                obs.sort_unstable();
                obs.dedup();
                let o = all_obs.len();
                all_obs.extend_from_slice(&obs);
                instances.push(Instance {
                    item: ri as u32,
                    vars: range,
                    obligations: o..all_obs.len(),
                });
            }
            if let Some(e) = &when_error {
                self.errors.push(format!("rule `{}`: {e}", meta.id));
            }
            if fired_any {
                coverage.rules[ri] |= 1;
            } else {
                let why = match when_error {
                    Some(e) => NotFiredWhy::Error(e),
                    None => NotFiredWhy::WhenFalse {
                        count,
                        unbound: stride == 0,
                    },
                };
                not_fired.push((ri as u32, why));
            }
        }
        drop(ob_index);
        self.scratch.sizes = (instances.len(), obligations.len());

        // ---- approvals: standing
        let mut usable = Vec::new();
        let mut reasons: Vec<Reason> = Vec::new();
        for (i, a) in self.evidence.approvals.iter().enumerate() {
            match self.standing(a, &p.digest) {
                Standing::Usable => usable.push(i),
                Standing::Invalid(why) => {
                    self.rejected.insert(RejectedEvidence {
                        kind: "approval".into(),
                        subject: a.person.clone(),
                        digest: a.digest.clone(),
                        reason: why.clone(),
                        effect: "denies".into(),
                    });
                    reasons.push(Reason::InvalidApproval {
                        person: a.person.clone(),
                        digest: a.digest.clone(),
                        why,
                    });
                }
                Standing::Ignored(why) => {
                    self.rejected.insert(RejectedEvidence {
                        kind: "approval".into(),
                        subject: a.person.clone(),
                        digest: a.digest.clone(),
                        reason: why,
                        effect: "ignored".into(),
                    });
                }
            }
        }

        // ---- checks: every result, indexed; any failure denies
        let mut results: FxMap<(&'a str, &'a str), Vec<&'a CheckResult>> = FxMap::default();
        for r in &self.evidence.checks {
            results
                .entry((r.check.as_str(), r.node.as_str()))
                .or_default()
                .push(r);
        }

        // ---- obligations: statuses (approvals matched only when some approval can count)
        let mut statuses = Vec::with_capacity(obligations.len());
        let mut steps = Vec::with_capacity(obligations.len());
        let mut any_missing = false;
        for (key, _) in &obligations {
            let (status, matched) = match key {
                ObKey::Check(c, n) => {
                    let rs = if results.is_empty() {
                        &[][..]
                    } else {
                        results
                            .get(&(p.checks[*c as usize].as_str(), self.node_id(*n)))
                            .map_or(&[][..], Vec::as_slice)
                    };
                    let status = if rs
                        .iter()
                        .any(|r| matches!(r.outcome, CheckOutcome::Failed { .. }))
                    {
                        Status::Failed
                    } else if rs.is_empty() {
                        Status::Missing
                    } else {
                        Status::Satisfied
                    };
                    (status, None)
                }
                ObKey::Approval(ci, args) => {
                    let chain = &plan.chains[*ci as usize];
                    let (ok, matched) = if usable.is_empty() {
                        // Without approvals only a step that needs no one is met.
                        (chain.steps.iter().all(|s| s.count == Some(0)), None)
                    } else {
                        let (ok, st) = self.match_chain(*ci, args, &usable);
                        (ok, Some(st))
                    };
                    let status = if ok {
                        Status::Satisfied
                    } else {
                        Status::Missing
                    };
                    (status, matched)
                }
            };
            any_missing |= status == Status::Missing;
            statuses.push(status);
            steps.push(matched);
        }
        if !results.is_empty() {
            let mut required: BTreeSet<(&str, &str)> = BTreeSet::new();
            for (key, _) in &obligations {
                if let ObKey::Check(c, n) = key {
                    required.insert((p.checks[*c as usize].as_str(), self.node_id(*n)));
                }
            }
            let mut check_keys: Vec<&(&str, &str)> = results.keys().collect();
            check_keys.sort();
            for key in check_keys {
                for r in &results[key] {
                    if let CheckOutcome::Failed { reason } = &r.outcome {
                        reasons.push(Reason::CheckFailed {
                            check: r.check.clone(),
                            node: r.node.clone(),
                            reason: reason.clone(),
                            required: required.contains(key),
                        });
                    }
                }
            }
        }
        // ---- forbids
        let mut forbid_states = Vec::with_capacity(p.forbids.len());
        for (fi, f) in p.forbids.iter().enumerate() {
            let meta = &plan.forbids[fi];
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
                self.errors.push(format!("forbid `{}`: {e}", meta.id));
            }
            let probe: &[NodeIdx] = match applied.first() {
                Some(r) => &flat[r.clone()],
                None => flat.get(..stride).unwrap_or_default(),
            };
            let conditions = match f.when.as_ref() {
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
            };
            let mut emergencies = Vec::new();
            let (status, why) = if applied.is_empty() {
                coverage.forbids[fi] |= 2;
                let why = match empty {
                    Some(i) => f
                        .meta
                        .no_node
                        .get(i)
                        .cloned()
                        .unwrap_or_else(|| "no node for `?`".into()),
                    None => {
                        let false_parts: Vec<&str> = conditions
                            .iter()
                            .filter(|c| c.value == Some(false))
                            .map(|c| c.expr.as_str())
                            .collect();
                        if conditions.len() > 1 && !false_parts.is_empty() {
                            let parts: Vec<String> = false_parts
                                .iter()
                                .map(|p| format!("`{p}` is false"))
                                .collect();
                            format!("its `when` is false: {}", parts.join("; "))
                        } else {
                            "its `when` is false".into()
                        }
                    }
                };
                (ForbidStatus::NotApplied, why)
            } else {
                coverage.forbids[fi] |= 1;
                let mut lifted_by = None;
                if self.change.emergency && error.is_none() {
                    for &ei in &f.unless {
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
                            &usable,
                        );
                        let approvers = steps.pop().unwrap_or(StepProof {
                            sources: vec![],
                            need: 1,
                            eligible: 0,
                            approvals: vec![],
                        });
                        let followup = ok.then(|| {
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
                            lifted_by = Some(em.id.clone());
                            break;
                        }
                    }
                }
                match lifted_by {
                    Some(e) => {
                        let due = emergencies
                            .last()
                            .and_then(|x| x.followup.as_ref())
                            .map_or(String::new(), |f| f.due.clone());
                        (
                            ForbidStatus::Lifted,
                            format!(
                                "applies, lifted by emergency path `{e}`; follow-up review owed by {due}"
                            ),
                        )
                    }
                    None => {
                        reasons.push(Reason::Forbidden {
                            forbid: meta.id.clone(),
                            message: meta.message.clone(),
                        });
                        let why = if error.is_some() {
                            "its `when` could not be evaluated, so it is treated as applying"
                                .to_string()
                        } else if f.unless.is_empty() {
                            "applies; no emergency path can lift it".to_string()
                        } else if !self.change.emergency {
                            "applies; the change is not flagged as an emergency, so no emergency path was tried".to_string()
                        } else {
                            "applies; no emergency path has the approvals it needs".to_string()
                        };
                        (ForbidStatus::Applied, why)
                    }
                }
            };
            let proof = ForbidProof {
                id: meta.id.clone(),
                message: meta.message.clone(),
                status,
                why,
                source: f.meta.source.clone(),
                conditions,
                instances: Vec::new(),
                emergencies,
            };
            forbid_states.push(ForbidState {
                proof,
                flat,
                applied,
            });
        }

        // ---- default deny, unowned files, input errors
        if instances.is_empty() {
            reasons.push(Reason::NoRuleJudged);
        }
        if !self.touched.unowned.is_empty() && !tests_unowned {
            reasons.push(Reason::UnownedFiles {
                files: self.touched.unowned.clone(),
            });
        }
        for message in std::mem::take(&mut self.errors) {
            reasons.push(Reason::InvalidInput { message });
        }
        // Identity is resolved or the change cannot be allowed.
        let identities = std::iter::once(("author", &self.change.author))
            .chain(self.change.contributors.iter().map(|c| ("contributor", c)));
        for (role, who) in identities {
            let known = who
                .id
                .as_deref()
                .is_some_and(|id| p.graph.person(id).is_some());
            if !known {
                reasons.push(Reason::UnknownIdentity {
                    role: role.into(),
                    name: who.name.clone(),
                    email: who.email.clone(),
                });
            }
        }
        // Every reason so far denies; missing obligations leave it pending.
        let outcome = if !reasons.is_empty() {
            Outcome::Deny
        } else if any_missing {
            Outcome::Pending
        } else {
            Outcome::Allow
        };
        Settled {
            instances,
            all_vars,
            all_obs,
            obligations,
            statuses,
            steps,
            results,
            usable,
            not_fired,
            forbids: forbid_states,
            reasons,
            outcome,
            coverage,
        }
    }

    /// Writes the proof of what [`Eval::settle`] decided.
    fn prove(mut self, st: Settled<'a>) -> Decision {
        let p = self.p;
        let plan = &p.plan;
        let Settled {
            instances,
            all_vars,
            all_obs,
            obligations,
            statuses,
            steps: mut matched_steps,
            results,
            usable,
            not_fired,
            forbids,
            mut reasons,
            outcome,
            coverage: bits,
        } = st;

        // ---- obligations: ids first, then the proofs in id order
        let inst_ids: Vec<Text> = instances
            .iter()
            .map(|inst| {
                let meta = &plan.rules[inst.item as usize];
                Text::from(self.instance_id(&meta.id, &meta.bindings, &all_vars[inst.vars.clone()]))
            })
            .collect();
        let mut ob_ids: Vec<String> = obligations
            .iter()
            .map(|(key, _)| match key {
                ObKey::Check(c, n) => {
                    let check = p.checks[*c as usize].as_str();
                    let node = self.node_id(*n);
                    let mut id = String::with_capacity(12 + check.len() + node.len());
                    id.push_str("check \"");
                    id.push_str(check);
                    id.push_str("\" on ");
                    id.push_str(node);
                    id
                }
                ObKey::Approval(ci, args) => {
                    let chain = &plan.chains[*ci as usize];
                    if args.is_empty() {
                        let mut id = String::with_capacity(9 + chain.id.len());
                        id.push_str("approval ");
                        id.push_str(&chain.id);
                        id
                    } else {
                        let arg_ids: Vec<String> = args.iter().map(|a| self.arg_text(a)).collect();
                        format!("approval {}({})", chain.id, arg_ids.join(", "))
                    }
                }
            })
            .collect();
        let mut order: Vec<u32> = (0..obligations.len() as u32).collect();
        order.sort_by(|&a, &b| ob_ids[a as usize].cmp(&ob_ids[b as usize]));
        let mut rank = vec![0u32; obligations.len()];
        for (r, &o) in order.iter().enumerate() {
            rank[o as usize] = r as u32;
        }
        let sorted_ids: Vec<Text> = order
            .iter()
            .map(|&o| Text::from(std::mem::take(&mut ob_ids[o as usize])))
            .collect();
        drop(ob_ids);
        let mut ob_proofs: Vec<ObligationProof> = Vec::with_capacity(obligations.len());
        for &o in &order {
            let (key, cited) = &obligations[o as usize];
            let mut imposed_by: Vec<Text> = cited
                .iter()
                .map(|&i| inst_ids[i as usize].clone())
                .collect();
            if imposed_by.len() > 1 {
                imposed_by.sort();
                imposed_by.dedup();
            }
            let proof = match key {
                ObKey::Check(c, n) => {
                    let check = p.checks[*c as usize].as_str();
                    let node = self.node_id(*n);
                    let mut res: Vec<CheckEvidence> = if results.is_empty() {
                        Vec::new()
                    } else {
                        results
                            .get(&(check, node))
                            .map(|v| v.as_slice())
                            .unwrap_or(&[])
                            .iter()
                            .map(|r| CheckEvidence {
                                outcome: match r.outcome {
                                    CheckOutcome::Passed => "passed".into(),
                                    CheckOutcome::Failed { .. } => "failed".into(),
                                },
                                reason: match &r.outcome {
                                    CheckOutcome::Passed => None,
                                    CheckOutcome::Failed { reason } => Some(reason.clone()),
                                },
                                digest: r.digest.clone(),
                                source: r.source.clone(),
                                summary: r.summary.clone(),
                            })
                            .collect()
                    };
                    res.sort_by(|a, b| {
                        (&a.digest, &a.source, &a.outcome).cmp(&(&b.digest, &b.source, &b.outcome))
                    });
                    ObligationProof {
                        id: sorted_ids[rank[o as usize] as usize].clone(),
                        status: statuses[o as usize],
                        imposed_by,
                        check: Some(CheckObligation {
                            check: p.names.checks[*c as usize].clone(),
                            node: self.node_text(*n),
                            results: res,
                        }),
                        approval: None,
                    }
                }
                ObKey::Approval(ci, args) => {
                    let chain = &plan.chains[*ci as usize];
                    let steps = match matched_steps[o as usize].take() {
                        Some(steps) => steps,
                        None => self.match_chain(*ci, args, &usable).1,
                    };
                    ObligationProof {
                        id: sorted_ids[rank[o as usize] as usize].clone(),
                        status: statuses[o as usize],
                        imposed_by,
                        check: None,
                        approval: Some(ApprovalObligation {
                            chain: chain.id.clone(),
                            args: args.iter().map(|a| self.arg_text(a)).collect(),
                            source: p
                                .chain_sources
                                .get(*ci as usize)
                                .cloned()
                                .unwrap_or_else(|| source_ref(plan, &chain.origin)),
                            expires_after: chain.expires_after,
                            steps,
                        }),
                    }
                }
            };
            ob_proofs.push(proof);
        }
        for (o, id) in ob_proofs.iter().zip(&sorted_ids) {
            if o.status == Status::Missing {
                reasons.push(Reason::Missing {
                    obligation: id.to_string(),
                });
            }
        }
        reasons.sort();
        reasons.dedup();
        debug_assert_eq!(
            outcome,
            if reasons.iter().any(|r| r.outcome() == Outcome::Deny) {
                Outcome::Deny
            } else if reasons.is_empty() {
                Outcome::Allow
            } else {
                Outcome::Pending
            }
        );

        // ---- forbids: the instances for which each applies, with witnesses
        let mut forbid_proofs = Vec::with_capacity(forbids.len());
        for (fi, state) in forbids.into_iter().enumerate() {
            let f = &p.forbids[fi];
            let meta = &plan.forbids[fi];
            let ForbidState {
                mut proof,
                flat,
                applied,
            } = state;
            let mut inst_proofs = Vec::with_capacity(applied.len());
            for r in &applied {
                let vars = &flat[r.clone()];
                let bindings = self.binding_proofs(&f.bindings, &p.names.forbid_vars[fi], vars);
                inst_proofs.push(InstanceProof {
                    id: self.instance_id(&meta.id, &meta.bindings, vars).into(),
                    bindings,
                    obligations: Vec::new(),
                });
            }
            inst_proofs.sort_by(|a, b| a.id.cmp(&b.id));
            proof.instances = inst_proofs;
            forbid_proofs.push(proof);
        }

        // ---- the proof: fired rules with their instances and witnesses
        let mut rule_proofs: Vec<RuleProof> = Vec::new();
        let mut group: Vec<usize> = Vec::new();
        let mut ranks: Vec<u32> = Vec::new();
        let mut k = 0;
        while k < instances.len() {
            let ri = instances[k].item as usize;
            let mut end = k + 1;
            while end < instances.len() && instances[end].item as usize == ri {
                end += 1;
            }
            let meta = &plan.rules[ri];
            let rule = &p.rules[ri];
            group.clear();
            group.extend(k..end);
            group.sort_by(|&a, &b| inst_ids[a].cmp(&inst_ids[b]));
            let mut inst_proofs = Vec::with_capacity(group.len());
            for &ii in &group {
                let inst = &instances[ii];
                let bindings = self.binding_proofs(
                    &rule.bindings,
                    &p.names.rule_vars[ri],
                    &all_vars[inst.vars.clone()],
                );
                ranks.clear();
                ranks.extend(
                    all_obs[inst.obligations.clone()]
                        .iter()
                        .map(|&o| rank[o as usize]),
                );
                ranks.sort_unstable();
                inst_proofs.push(InstanceProof {
                    id: inst_ids[ii].clone(),
                    bindings,
                    obligations: ranks
                        .iter()
                        .map(|&r| sorted_ids[r as usize].clone())
                        .collect(),
                });
            }
            rule_proofs.push(RuleProof {
                id: meta.id.clone(),
                source: rule.meta.source.clone(),
                clauses: rule.meta.clauses.clone(),
                instances: inst_proofs,
            });
            k = end;
        }
        let mut not_fired: Vec<NotFired> = not_fired
            .into_iter()
            .map(|(ri, why)| {
                let rule = &p.rules[ri as usize];
                let why = match why {
                    NotFiredWhy::NoNode(i) => rule
                        .meta
                        .no_node
                        .get(i)
                        .cloned()
                        .unwrap_or_else(|| "no node for `?`".into()),
                    NotFiredWhy::Error(e) => format!("its `when` could not be evaluated: {e}"),
                    NotFiredWhy::WhenFalse { unbound: true, .. } => "its `when` is false".into(),
                    NotFiredWhy::WhenFalse { count, .. } => format!(
                        "its `when` is false for all {count} binding{}",
                        if count == 1 { "" } else { "s" }
                    ),
                };
                NotFired {
                    rule: plan.rules[ri as usize].id.clone(),
                    why,
                }
            })
            .collect();
        not_fired.sort_by(|a, b| a.rule.cmp(&b.rule));
        let coverage = self.coverage(&bits);
        self.scratch.vars = all_vars;
        self.scratch.obs = all_obs;

        let statuses: FxMap<&str, &str> = self
            .change
            .files
            .iter()
            .flat_map(|f| {
                std::iter::once((f.path.as_str(), f.status.as_str()))
                    .chain(f.old_path.as_deref().map(|o| (o, "renamed_from")))
            })
            .collect();
        let files = self
            .touched
            .files
            .iter()
            .map(|f| {
                let mut globs: Vec<String> = f
                    .claims
                    .iter()
                    .filter_map(|&c| p.graph.paths().claims().get(c as usize))
                    .filter(|c| !matches!(c.target, ClaimTarget::Unowned))
                    .map(|c| c.glob.clone())
                    .collect();
                globs.sort();
                globs.dedup();
                FileProof {
                    path: f.path.clone(),
                    status: statuses
                        .get(f.path.as_str())
                        .copied()
                        .unwrap_or("modified")
                        .to_string(),
                    nodes: f.nodes.iter().map(|&n| self.node_text(n)).collect(),
                    globs,
                }
            })
            .collect();
        let touched = self
            .touched
            .nodes
            .iter()
            .map(|&n| self.node_text(n))
            .collect();
        let proof = Proof {
            format: PROOF_FORMAT.into(),
            outcome,
            reasons: reasons.clone(),
            plan: PlanRef {
                digest: p.digest.clone(),
                graph_sha256: plan.graph_sha256.clone(),
                trust: None,
            },
            change: change_ref(self.change, self.change_digest.clone()),
            decided_at: format_rfc3339(self.now),
            files,
            unowned: self.touched.unowned.clone(),
            touched,
            rules: rule_proofs,
            not_fired,
            obligations: ob_proofs,
            forbids: forbid_proofs,
            rejected: std::mem::take(&mut self.rejected).into_iter().collect(),
        };
        Decision {
            outcome,
            reasons,
            proof,
            coverage,
        }
    }

    /// Expands the flat coverage flags into [`Coverage`].
    fn coverage(&self, bits: &CoverageBits) -> Coverage {
        let base = &self.p.clause_base;
        Coverage {
            rule_fired: bits.rules.iter().map(|b| b & 1 != 0).collect(),
            when_true: bits.rules.iter().map(|b| b & 2 != 0).collect(),
            when_false: bits.rules.iter().map(|b| b & 4 != 0).collect(),
            clause_imposed: (0..bits.rules.len())
                .map(|ri| bits.clauses[base[ri] as usize..base[ri + 1] as usize].to_vec())
                .collect(),
            forbid_applied: bits.forbids.iter().map(|b| b & 1 != 0).collect(),
            forbid_not_applied: bits.forbids.iter().map(|b| b & 2 != 0).collect(),
        }
    }

    fn binding_proofs(
        &mut self,
        sets: &[CNodes],
        names: &[Text],
        vars: &[NodeIdx],
    ) -> Vec<BindingProof> {
        let mut out = Vec::with_capacity(vars.len());
        for (i, &n) in vars.iter().enumerate() {
            let witness = sets.get(i).and_then(|s| self.witness(s, n, &vars[..i]));
            out.push(BindingProof {
                var: names.get(i).cloned().unwrap_or_else(|| "?".into()),
                node: self.node_text(n),
                witness,
            });
        }
        out
    }

    /// `item(var=node, …)`, or `item` alone when it has no `for`.
    fn instance_id(&self, item: &str, bindings: &[writ_plan::Binding], vars: &[NodeIdx]) -> String {
        if bindings.is_empty() {
            return item.to_string();
        }
        let nodes = bindings.iter().zip(vars);
        let len = nodes
            .clone()
            .map(|(b, &n)| b.var.len() + 3 + self.node_id(n).len())
            .sum::<usize>();
        let mut id = String::with_capacity(item.len() + len);
        id.push_str(item);
        id.push('(');
        for (i, (b, &n)) in nodes.enumerate() {
            if i > 0 {
                id.push_str(", ");
            }
            id.push_str(&b.var);
            id.push('=');
            id.push_str(self.node_id(n));
        }
        id.push(')');
        id
    }
}

fn add_obligation<'a>(
    index: &mut FxMap<ObKey<'a>, u32>,
    list: &mut Vec<(ObKey<'a>, Vec<u32>)>,
    key: ObKey<'a>,
    inst: u32,
) -> u32 {
    use std::collections::hash_map::Entry;
    let i = match index.entry(key) {
        Entry::Occupied(e) => *e.get(),
        Entry::Vacant(e) => {
            let i = list.len() as u32;
            list.push((e.key().clone(), Vec::new()));
            e.insert(i);
            i
        }
    };
    let cited = &mut list[i as usize].1;
    if cited.last() != Some(&inst) {
        cited.push(inst);
    }
    i
}

pub(crate) fn rule_clauses(r: &writ_plan::Rule) -> Vec<ClauseRef> {
    let mut out = Vec::new();
    for b in &r.bindings {
        out.push(ClauseRef {
            clause: format!("for {}", b.var),
            span: b.origin.span,
        });
    }
    if let Some(w) = &r.when {
        out.push(ClauseRef {
            clause: "when".into(),
            span: w.origin.span,
        });
    }
    for c in &r.checks {
        out.push(ClauseRef {
            clause: format!("require check \"{}\"", c.check),
            span: c.origin.span,
        });
    }
    for a in &r.approvals {
        out.push(ClauseRef {
            clause: format!("require approval {}", a.chain),
            span: a.origin.span,
        });
    }
    out
}

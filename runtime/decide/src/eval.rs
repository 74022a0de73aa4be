//! Evaluation: touched nodes, reach (each distinct query once per change),
//! rule instances, obligations, approvals, forbids, the decision and its proof.

use crate::evidence::{Approval, CheckOutcome, CheckResult, Evidence};
use crate::prepare::{CArg, CExpr, CItem, CNodes, Prepared};
use crate::proof::*;
use crate::render::render_expr;
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
}

impl Scratch {
    /// Scratch space for evaluations of `prepared`.
    pub fn new(prepared: &Prepared) -> Scratch {
        Scratch {
            reach: ReachScratch::new(prepared.graph.nodes().len()),
            pos: Vec::new(),
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
    Check(&'a str, NodeIdx),
    Approval(u32, Vec<Arg<'a>>),
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
    obligations: Vec<u32>,
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
    filtered: HashMap<(u32, u32), Arc<[NodeIdx]>>,
    errors: Vec<String>,
    authors: Vec<&'a str>,
    vars: Vec<NodeIdx>,
    rejected: BTreeSet<RejectedEvidence>,
}

const TOUCHES: u32 = u32::MAX;

impl<'a> Eval<'a, '_> {
    fn node_id(&self, n: NodeIdx) -> &'a str {
        self.p
            .graph
            .nodes()
            .get(n.index())
            .map_or("?", |x| x.id.value.as_str())
    }

    fn ensure_reach(&mut self, q: u32) {
        let qi = q as usize;
        if self.reaches[qi].is_some() {
            return;
        }
        let def = self.p.queries[qi];
        let reach = self.p.graph.index().reach_with(
            &mut self.scratch.reach,
            &ReachQuery {
                from: &self.touched.nodes,
                edge_kinds: def.mask,
                max_depth: def.depth,
                direction: def.direction,
            },
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
            CNodes::Touches(f) => {
                if let Some(r) = self.filtered.get(&(TOUCHES, *f)) {
                    return Nodes::Shared(r.clone());
                }
                let set = &self.p.sets[*f as usize];
                let r: Arc<[NodeIdx]> = self
                    .touched
                    .nodes
                    .iter()
                    .copied()
                    .filter(|&n| set.contains(n))
                    .collect();
                self.filtered.insert((TOUCHES, *f), r.clone());
                Nodes::Shared(r)
            }
            CNodes::Reach { filter, query } => {
                if let Some(r) = self.filtered.get(&(*query, *filter)) {
                    return Nodes::Shared(r.clone());
                }
                self.ensure_reach(*query);
                let set = &self.p.sets[*filter as usize];
                let reach_len = self.reaches[*query as usize].as_ref().map_or(0, Reach::len);
                let r: Arc<[NodeIdx]> = if set.nodes.len() <= reach_len {
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
                    v.into()
                };
                self.filtered.insert((*query, *filter), r.clone());
                Nodes::Shared(r)
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

    fn globs_for(&self, file: &str, n: NodeIdx) -> Vec<String> {
        let Ok(fi) = self
            .touched
            .files
            .binary_search_by(|f| f.path.as_str().cmp(file))
        else {
            return Vec::new();
        };
        let claims = self.p.graph.paths().claims();
        let mut out: Vec<String> = self.touched.files[fi]
            .claims
            .iter()
            .filter_map(|&c| claims.get(c as usize))
            .filter(|c| match &c.target {
                ClaimTarget::Node(x) => *x == n,
                ClaimTarget::Global(g) => self.p.graph.paths().global_nodes(*g).contains(&n),
                ClaimTarget::Unowned => false,
            })
            .map(|c| c.glob.clone())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    fn witness(&mut self, s: &CNodes, n: NodeIdx, vars: &[NodeIdx]) -> Option<Witness> {
        match s {
            CNodes::Static(_) | CNodes::Var(_) => None,
            CNodes::Touches(_) => {
                let file = self.touched.file_for(n)?.to_string();
                Some(Witness {
                    direction: "touches".into(),
                    globs: self.globs_for(&file, n),
                    file,
                    steps: vec![WitnessStep {
                        node: self.node_id(n).to_string(),
                        via: None,
                    }],
                })
            }
            CNodes::Reach { query, .. } => {
                self.ensure_reach(*query);
                let i = self.in_reach(*query, n)?;
                let entries = self.reaches[*query as usize].as_ref()?.entries();
                let mut steps = Vec::new();
                let mut cur = Some(i);
                while let Some(c) = cur {
                    let e = entries.get(c)?;
                    steps.push(WitnessStep {
                        node: self.node_id(e.node).to_string(),
                        via: e.via.map(|k| self.p.graph.edge_kind_name(k).to_string()),
                    });
                    cur = e.parent.map(|p| p as usize);
                    if steps.len() > entries.len() {
                        return None;
                    }
                }
                steps.reverse();
                let start = self.p.graph.node_index(&steps.first()?.node)?;
                let file = self.touched.file_for(start)?.to_string();
                let direction = match self.p.queries[*query as usize].direction {
                    Direction::Reverse => "reverse",
                    Direction::Forward => "forward",
                };
                Some(Witness {
                    direction: direction.into(),
                    globs: self.globs_for(&file, start),
                    file,
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
        let mut cur = Vec::with_capacity(item.bindings.len());
        let mut count = 0;
        let mut empty = None;
        rec(self, &item.bindings, &mut cur, out, &mut count, &mut empty);
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
        if !a.signature_verified {
            return Standing::Invalid(
                "its signature did not verify against the person's keys".into(),
            );
        }
        let Some(person) = self.p.graph.person(&a.person) else {
            return Standing::Invalid("the graph knows no such person".into());
        };
        if person.kind == PrincipalKind::Agent {
            return Standing::Invalid("agents never approve".into());
        }
        if self.authors.contains(&a.person.as_str()) {
            return Standing::Invalid("the author never approves their own change".into());
        }
        if a.change_digest != self.change_digest {
            return Standing::Ignored(format!(
                "stale: bound to change {}, not {} (the change was updated after approval)",
                a.change_digest, self.change_digest
            ));
        }
        if a.plan_digest != plan_digest {
            return Standing::Ignored(format!(
                "bound to plan {}, not {}",
                a.plan_digest, plan_digest
            ));
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

    /// Matches approvals to steps: distinct people, each counted once per
    /// chain, steps in order. Returns per step (need, eligible, approvals used).
    fn match_steps(
        &mut self,
        steps: &[ApprovalStep],
        params: &[String],
        args: &[Arg<'a>],
        target: &str,
        expires_after: Option<u64>,
        usable: &[usize],
    ) -> (bool, Vec<StepProof>) {
        let eligible: Vec<Vec<&'a str>> = steps.iter().map(|s| self.eligible(s, args)).collect();
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
        // slots: one per person needed, step by step
        let needs: Vec<u32> = steps
            .iter()
            .zip(&eligible)
            .map(|(s, e)| match s.count {
                Some(n) => n,
                None => (e.len() as u32).max(1),
            })
            .collect();
        let mut slot_step = Vec::new();
        for (si, &n) in needs.iter().enumerate() {
            // more slots than candidates can never be filled; cap the work
            for _ in 0..(n as usize).min(cands.len() + 1) {
                slot_step.push(si);
            }
        }
        let adj: Vec<Vec<usize>> = eligible
            .iter()
            .map(|e| {
                (0..cands.len())
                    .filter(|&c| e.binary_search(&cands[c].0).is_ok())
                    .collect()
            })
            .collect();
        let mut owner: Vec<Option<usize>> = vec![None; cands.len()];
        fn augment(
            slot: usize,
            slot_step: &[usize],
            adj: &[Vec<usize>],
            owner: &mut [Option<usize>],
            seen: &mut [bool],
        ) -> bool {
            for &c in &adj[slot_step[slot]] {
                if seen[c] {
                    continue;
                }
                seen[c] = true;
                if owner[c].is_none_or(|o| augment(o, slot_step, adj, owner, seen)) {
                    owner[c] = Some(slot);
                    return true;
                }
            }
            false
        }
        for slot in 0..slot_step.len() {
            let mut seen = vec![false; cands.len()];
            augment(slot, &slot_step, &adj, &mut owner, &mut seen);
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
        for (c, o) in owner.iter().enumerate() {
            if let Some(slot) = o {
                let a = cands[c].1;
                proofs[slot_step[*slot]].approvals.push(ApprovalUse {
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
            (Val::Person { agent, .. }, Val::Str(k)) => match *k {
                "agent" => Ok(*agent),
                "human" => Ok(!*agent),
                other => Err(format!("`is {other}`: a person is `agent` or `human`")),
            },
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

fn instance_id(item: &str, vars: &[String], nodes: &[&str]) -> String {
    if vars.is_empty() {
        return item.to_string();
    }
    let parts: Vec<String> = vars
        .iter()
        .zip(nodes)
        .map(|(v, n)| format!("{v}={n}"))
        .collect();
    format!("{item}({})", parts.join(", "))
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
        let ev = Eval {
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
            filtered: HashMap::new(),
            errors,
            authors,
            vars: Vec::new(),
            rejected: BTreeSet::new(),
        };
        ev.run()
    }
}

impl<'a> Eval<'a, '_> {
    fn run(mut self) -> Decision {
        let p = self.p;
        let plan = &p.plan;
        let mut coverage = Coverage {
            rule_fired: vec![false; p.rules.len()],
            when_true: vec![false; p.rules.len()],
            when_false: vec![false; p.rules.len()],
            clause_imposed: p
                .rules
                .iter()
                .map(|r| vec![false; r.checks.len() + r.approvals.len()])
                .collect(),
            forbid_applied: vec![false; p.forbids.len()],
            forbid_not_applied: vec![false; p.forbids.len()],
        };

        // ---- rules
        let mut instances: Vec<Instance> = Vec::new();
        let mut ob_index: HashMap<ObKey<'a>, u32> = HashMap::new();
        let mut obligations: Vec<(ObKey<'a>, Vec<u32>)> = Vec::new();
        let mut not_fired = Vec::new();
        let mut tests_unowned = false;
        let mut all_vars = std::mem::take(&mut self.vars);
        for (ri, rule) in p.rules.iter().enumerate() {
            let meta = &plan.rules[ri];
            let start = all_vars.len();
            let stride = rule.bindings.len();
            let count = match self.instances(rule, &mut all_vars) {
                Ok(c) => c,
                Err(i) => {
                    let var = meta.bindings.get(i).map_or("?", |b| b.var.as_str());
                    not_fired.push(NotFired {
                        rule: meta.id.clone(),
                        why: format!("no node for `{var}`"),
                    });
                    continue;
                }
            };
            let mut fired_any = false;
            let mut when_error = None;
            for k in 0..count {
                let range = start + k * stride..start + (k + 1) * stride;
                let vars: Vec<NodeIdx> = all_vars[range.clone()].to_vec();
                let fires = match &rule.when {
                    None => true,
                    Some(w) => match self.truth(w, &vars) {
                        Ok(b) => b,
                        Err(e) => {
                            when_error.get_or_insert(e);
                            false
                        }
                    },
                };
                if rule.when.is_some() {
                    if fires {
                        coverage.when_true[ri] = true;
                    } else {
                        coverage.when_false[ri] = true;
                    }
                }
                if !fires {
                    continue;
                }
                fired_any = true;
                tests_unowned |= rule.tests_unowned;
                let inst = instances.len() as u32;
                let mut obs = Vec::new();
                for (ci, (check, on)) in rule.checks.iter().enumerate() {
                    let nodes = self.nodes(on, &vars);
                    for &n in nodes.as_slice() {
                        coverage.clause_imposed[ri][ci] = true;
                        obs.push(add_obligation(
                            &mut ob_index,
                            &mut obligations,
                            ObKey::Check(check.as_str(), n),
                            inst,
                        ));
                    }
                }
                for (ai, (chain, args)) in rule.approvals.iter().enumerate() {
                    let mut combos: Vec<Vec<Arg<'a>>> = vec![Vec::new()];
                    for a in args {
                        let choices: Vec<Arg<'a>> = match a {
                            CArg::Node(s) => self
                                .nodes(s, &vars)
                                .as_slice()
                                .iter()
                                .map(|&n| Arg::Node(n))
                                .collect(),
                            CArg::Team(t) => vec![Arg::Team(t)],
                            CArg::Person(p) => vec![Arg::Person(p)],
                        };
                        combos = combos
                            .into_iter()
                            .flat_map(|c| {
                                choices.iter().map(move |&n| {
                                    let mut c = c.clone();
                                    c.push(n);
                                    c
                                })
                            })
                            .collect();
                    }
                    for c in combos {
                        coverage.clause_imposed[ri][rule.checks.len() + ai] = true;
                        obs.push(add_obligation(
                            &mut ob_index,
                            &mut obligations,
                            ObKey::Approval(*chain, c),
                            inst,
                        ));
                    }
                }
                obs.sort_unstable();
                obs.dedup();
                instances.push(Instance {
                    item: ri as u32,
                    vars: range,
                    obligations: obs,
                });
            }
            if let Some(e) = &when_error {
                self.errors.push(format!("rule `{}`: {e}", meta.id));
            }
            if fired_any {
                coverage.rule_fired[ri] = true;
            } else {
                let why = match &when_error {
                    Some(e) => format!("its `when` could not be evaluated: {e}"),
                    None if stride == 0 => "its `when` is false".to_string(),
                    None => format!(
                        "its `when` is false for all {count} binding{}",
                        if count == 1 { "" } else { "s" }
                    ),
                };
                not_fired.push(NotFired {
                    rule: meta.id.clone(),
                    why,
                });
            }
        }

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
        let mut results: HashMap<(&'a str, &'a str), Vec<&'a CheckResult>> = HashMap::new();
        for r in &self.evidence.checks {
            results
                .entry((r.check.as_str(), r.node.as_str()))
                .or_default()
                .push(r);
        }

        // ---- obligations
        let mut ob_proofs: Vec<ObligationProof> = Vec::with_capacity(obligations.len());
        let mut ob_ids: Vec<String> = Vec::with_capacity(obligations.len());
        let inst_ids: Vec<String> = instances
            .iter()
            .map(|inst| {
                let meta = &plan.rules[inst.item as usize];
                let vars: Vec<String> = meta.bindings.iter().map(|b| b.var.clone()).collect();
                let nodes: Vec<&str> = all_vars[inst.vars.clone()]
                    .iter()
                    .map(|&n| self.node_id(n))
                    .collect();
                instance_id(&meta.id, &vars, &nodes)
            })
            .collect();
        for (key, cited) in &obligations {
            let mut imposed_by: Vec<String> = cited
                .iter()
                .map(|&i| inst_ids[i as usize].clone())
                .collect();
            imposed_by.sort();
            imposed_by.dedup();
            let proof = match key {
                ObKey::Check(check, n) => {
                    let node = self.node_id(*n);
                    let mut res: Vec<CheckEvidence> = results
                        .get(&(*check, node))
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
                        .collect();
                    res.sort_by(|a, b| {
                        (&a.digest, &a.source, &a.outcome).cmp(&(&b.digest, &b.source, &b.outcome))
                    });
                    let status = if res.iter().any(|r| r.outcome == "failed") {
                        Status::Failed
                    } else if res.is_empty() {
                        Status::Missing
                    } else {
                        Status::Satisfied
                    };
                    ObligationProof {
                        id: format!("check \"{check}\" on {node}"),
                        status,
                        imposed_by,
                        check: Some(CheckObligation {
                            check: check.to_string(),
                            node: node.to_string(),
                            results: res,
                        }),
                        approval: None,
                    }
                }
                ObKey::Approval(ci, args) => {
                    let chain = &plan.chains[*ci as usize];
                    let (ok, steps) = self.match_steps(
                        &chain.steps,
                        &chain.params,
                        args,
                        &chain.id,
                        chain.expires_after,
                        &usable,
                    );
                    let arg_ids: Vec<String> = args.iter().map(|a| self.arg_text(a)).collect();
                    let id = if arg_ids.is_empty() {
                        format!("approval {}", chain.id)
                    } else {
                        format!("approval {}({})", chain.id, arg_ids.join(", "))
                    };
                    ObligationProof {
                        id,
                        status: if ok {
                            Status::Satisfied
                        } else {
                            Status::Missing
                        },
                        imposed_by,
                        check: None,
                        approval: Some(ApprovalObligation {
                            chain: chain.id.clone(),
                            args: arg_ids,
                            source: source_ref(plan, &chain.origin),
                            expires_after: chain.expires_after,
                            steps,
                        }),
                    }
                }
            };
            ob_ids.push(proof.id.clone());
            ob_proofs.push(proof);
        }
        let mut required: BTreeSet<(&str, &str)> = BTreeSet::new();
        for (key, _) in &obligations {
            if let ObKey::Check(c, n) = key {
                required.insert((c, self.node_id(*n)));
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
        ob_proofs.sort_by(|a, b| a.id.cmp(&b.id));
        for o in &ob_proofs {
            if o.status == Status::Missing {
                reasons.push(Reason::Missing {
                    obligation: o.id.clone(),
                });
            }
        }

        // ---- forbids
        let mut forbid_proofs = Vec::with_capacity(p.forbids.len());
        for (fi, f) in p.forbids.iter().enumerate() {
            let meta = &plan.forbids[fi];
            let var_names: Vec<String> = meta.bindings.iter().map(|b| b.var.clone()).collect();
            let mut flat = Vec::new();
            let stride = f.bindings.len();
            let (count, empty) = match self.instances(f, &mut flat) {
                Ok(c) => (c, None),
                Err(i) => (0, Some(i)),
            };
            let mut applied: Vec<Vec<NodeIdx>> = Vec::new();
            let mut error = None;
            for k in 0..count {
                let vars = flat[k * stride..(k + 1) * stride].to_vec();
                match f.when.as_ref().map_or(Ok(true), |w| self.truth(w, &vars)) {
                    Ok(true) => applied.push(vars),
                    Ok(false) => {}
                    Err(e) => {
                        // A forbid that cannot be evaluated is treated as applying.
                        error.get_or_insert(e);
                        applied.push(vars);
                    }
                }
            }
            if let Some(e) = &error {
                self.errors.push(format!("forbid `{}`: {e}", meta.id));
            }
            let probe: Vec<NodeIdx> = applied
                .first()
                .cloned()
                .unwrap_or_else(|| flat.get(..stride).map(<[_]>::to_vec).unwrap_or_default());
            let conditions = match f.when.as_ref() {
                Some(CExpr::And(parts)) if stride == 0 || !flat.is_empty() => parts
                    .iter()
                    .zip(match &meta.when.expr {
                        writ_plan::Expr::And(xs) => xs.as_slice(),
                        _ => &[],
                    })
                    .map(|(c, e)| ConditionValue {
                        expr: render_expr(e, plan, &var_names),
                        value: self.truth(c, &probe).ok(),
                    })
                    .collect(),
                Some(w) if stride == 0 || !flat.is_empty() => vec![ConditionValue {
                    expr: render_expr(&meta.when.expr, plan, &var_names),
                    value: self.truth(w, &probe).ok(),
                }],
                _ => Vec::new(),
            };
            let mut inst_proofs = Vec::new();
            for vars in &applied {
                let nodes: Vec<&str> = vars.iter().map(|&n| self.node_id(n)).collect();
                let bindings = self.binding_proofs(&f.bindings, &var_names, vars);
                inst_proofs.push(InstanceProof {
                    id: instance_id(&meta.id, &var_names, &nodes),
                    bindings,
                    obligations: Vec::new(),
                });
            }
            inst_proofs.sort_by(|a, b| a.id.cmp(&b.id));
            let mut emergencies = Vec::new();
            let (status, why) = if applied.is_empty() {
                coverage.forbid_not_applied[fi] = true;
                let why = match empty {
                    Some(i) => format!(
                        "no node for `{}`",
                        var_names.get(i).map_or("?", String::as_str)
                    ),
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
                coverage.forbid_applied[fi] = true;
                let mut lifted_by = None;
                if self.change.emergency && error.is_none() {
                    for &ei in &f.unless {
                        let em = &plan.emergencies[ei as usize];
                        let (ok, mut steps) = self.match_steps(
                            std::slice::from_ref(&em.approvers),
                            &[],
                            &[],
                            &em.id,
                            None,
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
            forbid_proofs.push(ForbidProof {
                id: meta.id.clone(),
                message: meta.message.clone(),
                status,
                why,
                source: source_ref(plan, &meta.origin),
                conditions,
                instances: inst_proofs,
                emergencies,
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
        reasons.sort();
        reasons.dedup();
        let outcome = if reasons.iter().any(|r| r.outcome() == Outcome::Deny) {
            Outcome::Deny
        } else if reasons.is_empty() {
            Outcome::Allow
        } else {
            Outcome::Pending
        };

        // ---- the proof: fired rules with their instances and witnesses
        let mut rule_proofs: Vec<RuleProof> = Vec::new();
        for (ii, inst) in instances.iter().enumerate() {
            let ri = inst.item as usize;
            let meta = &plan.rules[ri];
            if rule_proofs.last().is_none_or(|r| r.id != meta.id) {
                rule_proofs.push(RuleProof {
                    id: meta.id.clone(),
                    source: source_ref(plan, &meta.origin),
                    clauses: rule_clauses(meta),
                    instances: Vec::new(),
                });
            }
            let var_names: Vec<String> = meta.bindings.iter().map(|b| b.var.clone()).collect();
            let vars: Vec<NodeIdx> = all_vars[inst.vars.clone()].to_vec();
            let bindings = self.binding_proofs(&p.rules[ri].bindings, &var_names, &vars);
            let mut obs: Vec<String> = inst
                .obligations
                .iter()
                .map(|&o| ob_ids[o as usize].clone())
                .collect();
            obs.sort();
            if let Some(r) = rule_proofs.last_mut() {
                r.instances.push(InstanceProof {
                    id: inst_ids[ii].clone(),
                    bindings,
                    obligations: obs,
                });
            }
        }
        for r in &mut rule_proofs {
            r.instances.sort_by(|a, b| a.id.cmp(&b.id));
        }
        not_fired.sort_by(|a, b| a.rule.cmp(&b.rule));

        let statuses: HashMap<&str, &str> = self
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
                    nodes: f
                        .nodes
                        .iter()
                        .map(|&n| self.node_id(n).to_string())
                        .collect(),
                    globs,
                }
            })
            .collect();
        let touched = self
            .touched
            .nodes
            .iter()
            .map(|&n| self.node_id(n).to_string())
            .collect();
        let proof = Proof {
            format: PROOF_FORMAT.into(),
            outcome,
            reasons: reasons.clone(),
            plan: PlanRef {
                digest: p.digest.clone(),
                graph_sha256: plan.graph_sha256.clone(),
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

    fn binding_proofs(
        &mut self,
        sets: &[CNodes],
        names: &[String],
        vars: &[NodeIdx],
    ) -> Vec<BindingProof> {
        let mut out = Vec::with_capacity(vars.len());
        for (i, &n) in vars.iter().enumerate() {
            let witness = sets.get(i).and_then(|s| self.witness(s, n, &vars[..i]));
            out.push(BindingProof {
                var: names.get(i).cloned().unwrap_or_default(),
                node: self.node_id(n).to_string(),
                witness,
            });
        }
        out
    }
}

fn add_obligation<'a>(
    index: &mut HashMap<ObKey<'a>, u32>,
    list: &mut Vec<(ObKey<'a>, Vec<u32>)>,
    key: ObKey<'a>,
    inst: u32,
) -> u32 {
    let i = match index.get(&key) {
        Some(&i) => i,
        None => {
            let i = list.len() as u32;
            index.insert(key.clone(), i);
            list.push((key, Vec::new()));
            i
        }
    };
    let cited = &mut list[i as usize].1;
    if cited.last() != Some(&inst) {
        cited.push(inst);
    }
    i
}

fn rule_clauses(r: &writ_plan::Rule) -> Vec<ClauseRef> {
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

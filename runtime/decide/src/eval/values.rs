//! Values and expressions: the runtime value `Val`, the evaluation of a
//! compiled expression (`CExpr`) against the change, the graph and the
//! bound variables (`eval`), conditions (`truth`, which treats a node set as
//! "not empty"), and the comparison operators (`compare`: equality, order,
//! membership, `is`). Errors are messages; the caller turns them into
//! reasons.

use super::state::{Eval, Nodes};
use crate::prepare::CExpr;
use writ_graph::{NodeIdx, PrincipalKind};
use writ_plan::{ChangeField, CompareOp, NodeField};

#[derive(Clone, Debug)]
pub(super) enum Val<'a> {
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

impl<'a> Eval<'a, '_> {
    pub(super) fn person(&self, id: &'a str) -> Val<'a> {
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

    pub(super) fn eval(&mut self, e: &'a CExpr, vars: &[NodeIdx]) -> Result<Val<'a>, String> {
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

    pub(super) fn truth(&mut self, e: &'a CExpr, vars: &[NodeIdx]) -> Result<bool, String> {
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

//! Values and expressions at decision time: the runtime's side of the
//! plan's one evaluator (`writ_plan::eval`, which the compiler's `where`
//! filters use too). This file says how the prepared form (`CExpr`) maps
//! onto the evaluator's forms, and gives the leaves only a change has a
//! value for: node sets, fields of the nodes bound to variables, change
//! fields, globs over the changed paths and `decision.time`. Conditions
//! (`truth`) treat a node set as "not empty" without building it. Errors
//! are typed (`EvalError`); the caller turns them into reasons.

use super::state::{Eval, Nodes};
use crate::prepare::CExpr;
use writ_graph::{Graph, NodeIdx, PrincipalKind};
use writ_plan::ChangeField;
use writ_plan::eval::{self, Env, EvalError, Expression, Form, Value};

/// A runtime value: the evaluator's, over the runtime's node sets.
pub(super) type Val<'a> = Value<'a, Nodes>;

impl AsRef<[NodeIdx]> for Nodes {
    fn as_ref(&self) -> &[NodeIdx] {
        self.as_slice()
    }
}

impl Expression for CExpr {
    fn form(&self) -> Form<'_, Self> {
        match self {
            CExpr::Bool(b) => Form::Bool(*b),
            CExpr::Int(i) => Form::Int(*i),
            CExpr::Str(s) => Form::Str(s),
            CExpr::Duration(d) => Form::Duration(*d),
            CExpr::Time(t) => Form::Time(*t),
            CExpr::Person(p) => Form::Person(p),
            CExpr::Team(t) => Form::Team(t),
            CExpr::List(xs) => Form::List(xs),
            CExpr::Range(a, b) => Form::Range(a, b),
            CExpr::Not(x) => Form::Not(x),
            CExpr::And(xs) => Form::And(xs),
            CExpr::Or(xs) => Form::Or(xs),
            CExpr::Compare(op, a, b) => Form::Compare(*op, a, b),
            CExpr::Nodes(_)
            | CExpr::NodeField(..)
            | CExpr::Change(_)
            | CExpr::DecisionTime
            | CExpr::AnyPath(_)
            | CExpr::AllPaths(_) => Form::Leaf,
        }
    }
}

/// The evaluation context with the nodes bound to the rule's variables.
struct Bound<'e, 'a, 's> {
    ev: &'e mut Eval<'a, 's>,
    vars: &'e [NodeIdx],
}

impl<'a> Env<'a, CExpr> for Bound<'_, 'a, '_> {
    type Nodes = Nodes;

    fn graph(&self) -> &'a Graph {
        let p: &'a crate::prepare::Prepared = self.ev.p;
        &p.graph
    }

    fn leaf(&mut self, e: &'a CExpr) -> Result<Val<'a>, EvalError> {
        let ev = &mut *self.ev;
        Ok(match e {
            CExpr::Nodes(s) => Val::Nodes(ev.nodes(s, self.vars)),
            CExpr::NodeField(v, field) => {
                let n = *self.vars.get(*v as usize).ok_or(EvalError::Unbound(*v))?;
                return eval::node_field(self.graph(), n, field);
            }
            CExpr::DecisionTime => {
                ev.read_time = true;
                Val::Time(ev.now)
            }
            CExpr::Change(f) => match f {
                ChangeField::Author => Val::Person {
                    id: ev.change.author.id.as_deref(),
                    agent: ev.change.author.kind == PrincipalKind::Agent
                        || ev
                            .change
                            .author
                            .id
                            .as_deref()
                            .and_then(|id| ev.p.graph.person(id))
                            .is_some_and(|p| p.kind == PrincipalKind::Agent),
                },
                ChangeField::Labels => {
                    Val::Strs(ev.change.labels.iter().map(String::as_str).collect())
                }
                ChangeField::Emergency => Val::Bool(ev.change.emergency),
                ChangeField::Time => {
                    ev.read_time = true;
                    Val::Time(ev.change_time)
                }
                ChangeField::Files => Val::Strs(ev.paths.clone()),
                ChangeField::HasUnowned => Val::Bool(!ev.touched.unowned.is_empty()),
            },
            CExpr::AnyPath(g) => {
                let m =
                    ev.p.globs
                        .get(*g as usize)
                        .ok_or(EvalError::GlobOutOfRange)?;
                Val::Bool(ev.paths.iter().any(|p| m.is_match(p)))
            }
            CExpr::AllPaths(g) => {
                let m =
                    ev.p.globs
                        .get(*g as usize)
                        .ok_or(EvalError::GlobOutOfRange)?;
                Val::Bool(!ev.paths.is_empty() && ev.paths.iter().all(|p| m.is_match(p)))
            }
            // The evaluator's own forms (never handed to `leaf`).
            CExpr::Bool(_)
            | CExpr::Int(_)
            | CExpr::Str(_)
            | CExpr::Duration(_)
            | CExpr::Time(_)
            | CExpr::Person(_)
            | CExpr::Team(_)
            | CExpr::List(_)
            | CExpr::Range(..)
            | CExpr::Not(_)
            | CExpr::And(_)
            | CExpr::Or(_)
            | CExpr::Compare(..) => return eval::eval(self, e),
        })
    }

    fn leaf_truth(&mut self, e: &'a CExpr) -> Option<Result<bool, EvalError>> {
        match e {
            CExpr::Nodes(s) => Some(Ok(self.ev.non_empty(s, self.vars))),
            _ => None,
        }
    }
}

impl<'a> Eval<'a, '_> {
    /// `e` as a condition, with `vars` bound.
    pub(super) fn truth(&mut self, e: &'a CExpr, vars: &[NodeIdx]) -> Result<bool, EvalError> {
        eval::truth(&mut Bound { ev: self, vars }, e)
    }
}

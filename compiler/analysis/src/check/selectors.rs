//! Selectors: node sets (the set of every node, kinds), `change.touches` /
//! `reaches` / `exposes` with `via` and `depth`, `where` filters evaluated
//! at compile time against the graph (cached by set signature and filter).
//! Editors evaluate a selector through `selector_nodes` (in `mod.rs`).

use super::{Checker, Context, Ty, Val};
use std::collections::BTreeSet;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use writ_diagnostics::{Diagnostic, Span, codes};
use writ_graph::Graph;
use writ_graph::model::AttrValue;
use writ_plan::ir;
use writ_syntax::ast;

impl Checker<'_> {
    /// Every node of the graph.
    pub(super) fn all_nodes(&mut self) -> u32 {
        if let Some(i) = self.all_nodes {
            return i;
        }
        let n = self.graph.map_or(0, |g| g.nodes().len() as u32);
        let i = self.intern((0..n).collect());
        self.all_nodes = Some(i);
        i
    }

    pub(super) fn reach_call(&mut self, whole: &ast::Expr, method: &str, args: &[ast::Arg]) -> Val {
        let mut filter = None;
        let mut via: Vec<String> = Vec::new();
        let mut depth = None;
        for arg in args {
            match arg {
                ast::Arg::Expr(e) => {
                    if filter.is_some() {
                        let d = self
                            .error(
                                codes::E0411,
                                e.span,
                                format!("`{method}` takes one selector"),
                            )
                            .with_help("combine selectors with `or`");
                        self.report(d);
                        continue;
                    }
                    let v = self.expr(e, Context::Normal);
                    match (v.ty, v.expr) {
                        (Ty::Nodes | Ty::Node, ir::Expr::Nodes(ir::NodeSet::Static(s))) => {
                            filter = Some(s)
                        }
                        (Ty::Error, _) => return Val::error(),
                        (Ty::Nodes | Ty::Node, _) => {
                            let d = self
                                .error(
                                    codes::E0411,
                                    e.span,
                                    "the selector must be fixed by the graph",
                                )
                                .with_label("this depends on the change or a variable")
                                .with_help("use a kind, `any`, `node \"id\"` or `S where …`");
                            self.report(d);
                            return Val::error();
                        }
                        (ty, _) => {
                            self.mismatch(e.span, "a selector (a set of nodes)", &ty);
                            return Val::error();
                        }
                    }
                }
                ast::Arg::Via(kinds, _) => {
                    if method == "touches" {
                        let d = self
                            .error(codes::E0411, arg_span(arg), "`touches` follows no edges")
                            .with_help("use `reaches` or `exposes`");
                        self.report(d);
                    }
                    for kind in kinds {
                        if let Some(graph) = self.graph
                            && graph.edge_kind(&kind.name).is_none()
                        {
                            let candidates = graph.edge_kinds().to_vec();
                            self.unknown(
                                codes::E0408,
                                kind.span,
                                "edge kind",
                                &kind.name,
                                candidates,
                            );
                        }
                        via.push(kind.name.clone());
                    }
                }
                ast::Arg::Depth(n, _) => {
                    if method == "touches" {
                        let d = self
                            .error(codes::E0411, arg_span(arg), "`touches` follows no edges")
                            .with_help("use `reaches` or `exposes`");
                        self.report(d);
                    }
                    depth = Some((*n).min(u64::from(u32::MAX)) as u32);
                }
            }
        }
        let filter = match filter {
            Some(f) => f,
            None if method == "touches" => self.all_nodes(),
            None => {
                let d = self
                    .error(
                        codes::E0411,
                        whole.span,
                        format!("`{method}` needs a selector"),
                    )
                    .with_help(format!(
                        "e.g. `change.{method}(service)` or `change.{method}(any)`"
                    ));
                self.report(d);
                return Val::error();
            }
        };
        via.sort();
        via.dedup();
        let set = match method {
            "touches" => ir::NodeSet::Touches { filter },
            _ => ir::NodeSet::Reach {
                filter,
                via,
                depth,
                direction: if method == "reaches" {
                    ir::Direction::Reverse
                } else {
                    ir::Direction::Forward
                },
            },
        };
        Val::new(Ty::Nodes, ir::Expr::Nodes(set))
    }

    pub(super) fn where_(&mut self, selector: &ast::Expr, filter: &ast::Expr, ctx: Context) -> Val {
        let s = self.expr(selector, ctx);
        let set = match (&s.ty, &s.expr) {
            (Ty::Nodes | Ty::Node, ir::Expr::Nodes(ir::NodeSet::Static(set))) => *set,
            (Ty::Error, _) => {
                self.expr(filter, Context::Filter);
                return Val::error();
            }
            (ty, _) => {
                self.mismatch(
                    selector.span,
                    "a selector fixed by the graph (a kind, `any`, `node \"id\"`)",
                    ty,
                );
                return Val::error();
            }
        };
        let reported = self.diagnostics.len();
        let f = self.expr(filter, Context::Filter);
        let filter_had_errors = self.diagnostics[reported..]
            .iter()
            .any(Diagnostic::is_error);
        if f.ty == Ty::Error || filter_had_errors {
            return Val::error();
        }
        if !matches!(f.ty, Ty::Bool | Ty::Error) {
            self.mismatch(filter.span, "a condition on the node", &f.ty);
            return Val::error();
        }
        let Some(graph) = self.graph else {
            let empty = self.intern(Vec::new());
            return Val::new(Ty::Nodes, ir::Expr::Nodes(ir::NodeSet::Static(empty)));
        };
        let cache_key = (set, f.expr.clone());
        if let Some(&cached) = self.filter_cache.get(&cache_key) {
            return Val::new(Ty::Nodes, ir::Expr::Nodes(ir::NodeSet::Static(cached)));
        }
        let sig = match self.set_signatures.get(&set) {
            Some(&sig) => sig,
            None => {
                let sig = signature(self.set_contents(set));
                self.set_signatures.insert(set, sig);
                sig
            }
        };
        let shared_key = (sig, f.expr.clone());
        let shared = self.facts.and_then(|facts| {
            facts
                .filters
                .lock()
                .ok()
                .and_then(|c| c.get(&shared_key).cloned())
        });
        if let Some(members) = shared {
            let set = self.intern((*members).clone());
            self.filter_cache.insert(cache_key, set);
            return Val::new(Ty::Nodes, ir::Expr::Nodes(ir::NodeSet::Static(set)));
        }
        let members: Vec<u32> = self
            .set_contents(set)
            .iter()
            .copied()
            .filter(|&n| eval_filter(graph, n, &f.expr) == Some(StaticVal::Bool(true)))
            .collect();
        if members.is_empty() && f.ty != Ty::Error && !filter_had_errors {
            let d = self
                .error(
                    codes::W0401,
                    selector.span.cover(filter.span),
                    "this selector matches no node of the graph",
                )
                .with_label("matches nothing")
                .with_help("check the filter's values against the graph (`writ graph stats`)");
            self.report(d);
        }
        if let Some(facts) = self.facts
            && let Ok(mut shared) = facts.filters.lock()
        {
            shared.insert(shared_key, Arc::new(members.clone()));
        }
        let set = self.intern(members);
        self.filter_cache.insert(cache_key, set);
        Val::new(Ty::Nodes, ir::Expr::Nodes(ir::NodeSet::Static(set)))
    }
}

/// A fast content signature of a node set (SipHash with fixed keys: the
/// same on every run), for the shared filter cache.
fn signature(set: &[u32]) -> u64 {
    #[allow(deprecated)]
    let mut hasher = std::hash::SipHasher::new();
    set.hash(&mut hasher);
    hasher.finish()
}

fn arg_span(arg: &ast::Arg) -> Span {
    match arg {
        ast::Arg::Expr(e) => e.span,
        ast::Arg::Via(_, s) | ast::Arg::Depth(_, s) => *s,
    }
}

/// A value computed at compile time for a selector filter.
#[derive(Clone, Debug, PartialEq, Eq)]
enum StaticVal {
    Bool(bool),
    Int(i64),
    Str(String),
    Set(BTreeSet<String>),
    List(Vec<StaticVal>),
    Range(Box<StaticVal>, Box<StaticVal>),
}

/// Evaluates a `where` filter on node `n`; `None` when a value is missing
/// (an attribute the node does not have), which the filter treats as false.
fn eval_filter(graph: &Graph, n: u32, expr: &ir::Expr) -> Option<StaticVal> {
    let node = &graph.nodes()[n as usize];
    Some(match expr {
        ir::Expr::Bool(b) => StaticVal::Bool(*b),
        ir::Expr::Int(i) | ir::Expr::Time(i) => StaticVal::Int(*i),
        ir::Expr::Duration(d) => StaticVal::Int(*d as i64),
        ir::Expr::Str(s) | ir::Expr::Team(s) | ir::Expr::Person(s) => StaticVal::Str(s.clone()),
        ir::Expr::List(items) => StaticVal::List(
            items
                .iter()
                .map(|i| eval_filter(graph, n, i))
                .collect::<Option<_>>()?,
        ),
        ir::Expr::Range(a, b) => StaticVal::Range(
            Box::new(eval_filter(graph, n, a)?),
            Box::new(eval_filter(graph, n, b)?),
        ),
        ir::Expr::NodeField { field, .. } => match field {
            ir::NodeField::Id => StaticVal::Str(node.id.value.clone()),
            ir::NodeField::Kind => StaticVal::Str(node.kind.value.clone()),
            ir::NodeField::Tags => {
                StaticVal::Set(node.tags.iter().map(|t| t.value.clone()).collect())
            }
            ir::NodeField::Owners => {
                StaticVal::Set(node.owners.iter().map(|t| t.value.clone()).collect())
            }
            ir::NodeField::Checks => {
                StaticVal::Set(node.checks.iter().map(|c| c.name.value.clone()).collect())
            }
            ir::NodeField::Attr(a) => match &node.attributes.get(a)?.value {
                AttrValue::Bool(b) => StaticVal::Bool(*b),
                AttrValue::Int(i) => StaticVal::Int(*i),
                AttrValue::Str(s) => StaticVal::Str(s.clone()),
            },
        },
        ir::Expr::Not(e) => {
            StaticVal::Bool(eval_filter(graph, n, e) != Some(StaticVal::Bool(true)))
        }
        ir::Expr::And(items) => StaticVal::Bool(
            items
                .iter()
                .all(|i| eval_filter(graph, n, i) == Some(StaticVal::Bool(true))),
        ),
        ir::Expr::Or(items) => StaticVal::Bool(
            items
                .iter()
                .any(|i| eval_filter(graph, n, i) == Some(StaticVal::Bool(true))),
        ),
        ir::Expr::Compare(ir::CompareOp::Has, a, b)
            if matches!(
                &**a,
                ir::Expr::NodeField {
                    field: ir::NodeField::Tags | ir::NodeField::Owners | ir::NodeField::Checks,
                    ..
                }
            ) =>
        {
            // Fast path: no set is built for `tags has "x"`.
            let ir::Expr::NodeField { field, .. } = &**a else {
                return None;
            };
            let StaticVal::Str(x) = eval_filter(graph, n, b)? else {
                return Some(StaticVal::Bool(false));
            };
            StaticVal::Bool(match field {
                ir::NodeField::Tags => node.tags.iter().any(|t| t.value == x),
                ir::NodeField::Owners => node.owners.iter().any(|t| t.value == x),
                _ => node.checks.iter().any(|c| c.name.value == x),
            })
        }
        ir::Expr::Compare(op, a, b) => {
            let (a, b) = (eval_filter(graph, n, a)?, eval_filter(graph, n, b)?);
            StaticVal::Bool(match op {
                ir::CompareOp::Eq => a == b,
                ir::CompareOp::Ne => a != b,
                ir::CompareOp::Lt | ir::CompareOp::Le | ir::CompareOp::Gt | ir::CompareOp::Ge => {
                    let (StaticVal::Int(x), StaticVal::Int(y)) = (&a, &b) else {
                        return None;
                    };
                    match op {
                        ir::CompareOp::Lt => x < y,
                        ir::CompareOp::Le => x <= y,
                        ir::CompareOp::Gt => x > y,
                        _ => x >= y,
                    }
                }
                ir::CompareOp::Has => match (&a, &b) {
                    (StaticVal::Set(s), StaticVal::Str(x)) => s.contains(x),
                    (StaticVal::List(l), x) => l.contains(x),
                    _ => false,
                },
                ir::CompareOp::In => match (&a, &b) {
                    (x, StaticVal::List(l)) => l.contains(x),
                    (StaticVal::Str(x), StaticVal::Set(s)) => s.contains(x),
                    (StaticVal::Int(x), StaticVal::Range(lo, hi)) => match (&**lo, &**hi) {
                        (StaticVal::Int(lo), StaticVal::Int(hi)) => lo <= x && x <= hi,
                        _ => false,
                    },
                    _ => false,
                },
                ir::CompareOp::Is => false,
            })
        }
        ir::Expr::Nodes(_)
        | ir::Expr::Change(_)
        | ir::Expr::DecisionTime
        | ir::Expr::AnyPath(_)
        | ir::Expr::AllPaths(_) => {
            return None;
        }
    })
}

//! Selectors: node sets (the set of every node, kinds), `change.touches` /
//! `reaches` / `exposes` with `via` and `depth`, `where` filters evaluated
//! at compile time against the graph with the plan's one evaluator
//! (`writ_plan::eval`, the runtime's: a node is kept when the condition
//! holds; cached by set signature and filter).
//! Editors evaluate a selector through `selector_nodes` (in `mod.rs`).

use super::{Checker, Context, Ty, Val};
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use writ_diagnostics::{Diagnostic, Span, codes};
use writ_graph::{Graph, NodeIdx};
use writ_plan::eval::{self, Env, EvalError, Value};
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
            .filter(|&n| {
                let node = NodeIdx(n);
                eval::holds(&mut FilterEnv { graph, node }, &f.expr)
            })
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

/// A `where` filter's view of one node: its bare names are the node's
/// fields; nothing else has a value before a change (the checker refuses
/// such filters, so they are never evaluated).
struct FilterEnv<'a> {
    graph: &'a Graph,
    node: NodeIdx,
}

impl<'a> Env<'a, ir::Expr> for FilterEnv<'a> {
    type Nodes = Vec<NodeIdx>;

    fn graph(&self) -> &'a Graph {
        self.graph
    }

    fn leaf(&mut self, e: &'a ir::Expr) -> Result<Value<'a, Vec<NodeIdx>>, EvalError> {
        match e {
            ir::Expr::NodeField { field, .. } => eval::node_field(self.graph, self.node, field),
            _ => Err(EvalError::NotStatic),
        }
    }
}

//! Inlay hints: after each selector in a rule, forbid or `let`, how many of
//! the graph's nodes it matches (`3 nodes`), or can yield when it depends on
//! the change (`≤ 3 nodes`). Only the outermost node-set expression gets a
//! hint (`service where tier == 0`, not `service` inside it); an entity
//! literal (`node "x"`) and a `for` variable get none.

use crate::{Analysis, Cancellable, Ctx};
use writ_analysis::check::selector_nodes;
use writ_analysis::db::SourceFile;
use writ_diagnostics::Span;
use writ_diagnostics::plural;
use writ_syntax::ast::{self, ExprKind};

/// A label shown inline at a place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InlayHint {
    /// The byte offset the label follows.
    pub offset: usize,
    /// The text (`3 nodes`).
    pub label: String,
}

impl Analysis {
    /// The hints of the items of `path` that overlap `range`; none without a graph.
    pub fn inlay_hints(&self, path: &str, range: Span) -> Cancellable<Vec<InlayHint>> {
        self.with(|ctx| {
            let (Some(file), Some(_)) = (ctx.file(path), ctx.graph()) else {
                return Vec::new();
            };
            let parsed = ctx.parse(file);
            let mut out = Vec::new();
            for item in &parsed.file.items {
                if item.span.end < range.start || item.span.start > range.end {
                    continue;
                }
                let clauses = match &item.kind {
                    ast::ItemKind::Rule(r) => &r.clauses,
                    ast::ItemKind::Forbid(f) => &f.clauses,
                    ast::ItemKind::Let(l) => {
                        hints(ctx, file, &l.value, &[], &mut out);
                        continue;
                    }
                    _ => continue,
                };
                let mut locals: Vec<String> = Vec::new();
                for c in clauses {
                    match &c.kind {
                        ast::ClauseKind::For { var, source } => {
                            hints(ctx, file, source, &locals, &mut out);
                            locals.push(var.name.clone());
                        }
                        ast::ClauseKind::When(e) | ast::ClauseKind::RequireCheck { on: e, .. } => {
                            hints(ctx, file, e, &locals, &mut out);
                        }
                        _ => {}
                    }
                }
            }
            out
        })
    }
}

fn hints(
    ctx: &Ctx<'_>,
    file: SourceFile,
    e: &ast::Expr,
    locals: &[String],
    out: &mut Vec<InlayHint>,
) {
    match &e.kind {
        ExprKind::Entity(..) | ExprKind::Name(_) if is_local(e, locals) => return,
        ExprKind::Entity(..) => return,
        _ => {}
    }
    if let Some(nodes) = selector_nodes(ctx.db, ctx.workspace, file, e, locals) {
        let n = plural(nodes.nodes.len(), "node");
        out.push(InlayHint {
            offset: e.span.end as usize,
            label: if nodes.dynamic { format!("≤ {n}") } else { n },
        });
        return;
    }
    match &e.kind {
        ExprKind::Binary(_, a, b) | ExprKind::Where(a, b) => {
            hints(ctx, file, a, locals, out);
            hints(ctx, file, b, locals, out);
        }
        ExprKind::Not(a) => hints(ctx, file, a, locals, out),
        ExprKind::Call(_, args) => {
            for a in args {
                if let ast::Arg::Expr(a) = a {
                    hints(ctx, file, a, locals, out);
                }
            }
        }
        ExprKind::List(items) => items.iter().for_each(|i| hints(ctx, file, i, locals, out)),
        _ => {}
    }
}

fn is_local(e: &ast::Expr, locals: &[String]) -> bool {
    matches!(&e.kind, ExprKind::Name(n) if locals.contains(&n.name))
}

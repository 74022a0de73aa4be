//! Plan expressions rendered back to (approximately) the language, for proofs.

use crate::time::{format_duration, format_rfc3339};
use writ_plan::{ChangeField, CompareOp, Direction, Expr, NodeField, NodeSet, Plan};

/// What rendering reads besides an expression: the plan's node sets, and
/// the id of each node the plan numbers (in its graph's file order) —
/// from the prepared graph, so that a plan read back from the
/// prepared-plan cache never scans its embedded graph's text for them.
pub(crate) struct Names<'a> {
    /// The plan.
    pub(crate) plan: &'a Plan,
    /// The id of the plan's node `i`.
    pub(crate) node_id: &'a dyn Fn(u32) -> Option<String>,
}

fn node_name(cx: &Names<'_>, i: u32) -> String {
    (cx.node_id)(i).unwrap_or_else(|| format!("#{i}"))
}

fn set_text(cx: &Names<'_>, i: u32) -> String {
    let plan = cx.plan;
    let Some(set) = plan.sets.get(i as usize) else {
        return format!("set #{i}");
    };
    let total = plan.graph.node_count();
    if set.len() == total && total > 3 {
        return "any".into();
    }
    let names: Vec<String> = set.iter().take(3).map(|&n| node_name(cx, n)).collect();
    if set.len() > 3 {
        format!("{{{}, … {} nodes}}", names.join(", "), set.len())
    } else {
        format!("{{{}}}", names.join(", "))
    }
}

/// Renders a node set.
pub(crate) fn render_nodes(s: &NodeSet, cx: &Names<'_>, vars: &[String]) -> String {
    match s {
        NodeSet::Static(i) => set_text(cx, *i),
        NodeSet::Var(v) => vars
            .get(*v as usize)
            .cloned()
            .unwrap_or_else(|| format!("${v}")),
        NodeSet::Touches { filter } => format!("change.touches({})", set_text(cx, *filter)),
        NodeSet::Reach {
            filter,
            via,
            depth,
            direction,
        } => {
            let mut args = vec![set_text(cx, *filter)];
            if !via.is_empty() {
                args.push(format!("via {}", via.join(" | ")));
            }
            if let Some(d) = depth {
                args.push(format!("depth <= {d}"));
            }
            let f = match direction {
                Direction::Reverse => "reaches",
                Direction::Forward => "exposes",
            };
            format!("change.{f}({})", args.join(", "))
        }
        NodeSet::Union(parts) => parts
            .iter()
            .map(|p| render_nodes(p, cx, vars))
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

fn op_text(op: CompareOp) -> &'static str {
    match op {
        CompareOp::Eq => "==",
        CompareOp::Ne => "!=",
        CompareOp::Lt => "<",
        CompareOp::Le => "<=",
        CompareOp::Gt => ">",
        CompareOp::Ge => ">=",
        CompareOp::Has => "has",
        CompareOp::In => "in",
        CompareOp::Is => "is",
    }
}

/// Renders an expression; `vars` names the bound variables.
pub(crate) fn render_expr(e: &Expr, cx: &Names<'_>, vars: &[String]) -> String {
    let r = |x: &Expr| render_expr(x, cx, vars);
    match e {
        Expr::Bool(b) => b.to_string(),
        Expr::Int(i) => i.to_string(),
        Expr::Str(s) => format!("{s:?}"),
        Expr::Duration(d) => format_duration(*d),
        Expr::Time(t) => {
            let s = format_rfc3339(*t);
            match s.strip_suffix("T00:00:00Z") {
                Some(date) => date.to_string(),
                None => s,
            }
        }
        Expr::List(xs) => format!("[{}]", xs.iter().map(r).collect::<Vec<_>>().join(", ")),
        Expr::Range(a, b) => format!("{}..{}", r(a), r(b)),
        Expr::Nodes(s) => render_nodes(s, cx, vars),
        Expr::NodeField { var, field } => {
            let v = vars
                .get(*var as usize)
                .cloned()
                .unwrap_or_else(|| format!("${var}"));
            let f = match field {
                NodeField::Id => "id",
                NodeField::Kind => "kind",
                NodeField::Tags => "tags",
                NodeField::Owners => "owners",
                NodeField::Checks => "checks",
                NodeField::Attr(a) => a,
            };
            format!("{v}.{f}")
        }
        Expr::Person(p) => format!("person {p:?}"),
        Expr::Team(t) => format!("team {t:?}"),
        Expr::Change(f) => match f {
            ChangeField::Author => "change.author",
            ChangeField::Labels => "change.labels",
            ChangeField::Emergency => "change.emergency",
            ChangeField::Time => "change.time",
            ChangeField::Files => "change.files",
            ChangeField::HasUnowned => "change.has_unowned",
        }
        .to_string(),
        Expr::DecisionTime => "decision.time".to_string(),
        Expr::AnyPath(g) => format!("change.touches_path({g:?})"),
        Expr::AllPaths(g) => format!("change.only_paths({g:?})"),
        Expr::Not(x) => format!("not {}", r(x)),
        Expr::And(xs) => xs.iter().map(r).collect::<Vec<_>>().join(" and "),
        Expr::Or(xs) => format!("({})", xs.iter().map(r).collect::<Vec<_>>().join(" or ")),
        Expr::Compare(op, a, b) => {
            let rhs = match (op, b.as_ref()) {
                (CompareOp::Is, Expr::Str(s)) => s.clone(),
                _ => r(b),
            };
            format!("{} {} {}", r(a), op_text(*op), rhs)
        }
    }
}

//! Expressions: typing and lowering of literals, lists, ranges, fields
//! (`change.*`, `decision.time`, node fields and attributes), method calls
//! on `change`, binary operators (`and`, `or`, comparisons, `has`, `in`,
//! `is`) and their type errors.

use super::builtins::{self, DECISION, field_type, node_field};
use super::{Checker, Context, Ty, Val};
use writ_diagnostics::{Span, codes};
use writ_graph::model::AttrValue;
use writ_plan::ir;
use writ_syntax::ast::{self, ExprKind};

impl Checker<'_> {
    /// A condition: a bool, or a node set meaning "is not empty".
    pub(super) fn condition(&mut self, expr: &ast::Expr) -> ir::Expr {
        let val = self.expr(expr, Context::Normal);
        match val.ty {
            Ty::Bool | Ty::Error | Ty::Nodes | Ty::Node => val.expr,
            other => {
                self.mismatch(expr.span, "a condition", &other);
                ir::Expr::Bool(false)
            }
        }
    }

    /// A node set (or a single node).
    pub(super) fn node_set(&mut self, expr: &ast::Expr) -> ir::NodeSet {
        let val = self.expr(expr, Context::Normal);
        match (val.ty, val.expr) {
            (Ty::Nodes | Ty::Node, ir::Expr::Nodes(set)) => set,
            (Ty::Error, _) => ir::NodeSet::Union(vec![]),
            (other, _) => {
                self.mismatch(expr.span, "a set of nodes", &other);
                ir::NodeSet::Union(vec![])
            }
        }
    }

    pub(super) fn mismatch(&mut self, span: Span, expected: &str, found: &Ty) {
        if *found == Ty::Error {
            return;
        }
        let d = self
            .error(
                codes::E0409,
                span,
                format!("expected {expected}, found {}", found.describe()),
            )
            .with_label(format!("this is {}", found.describe()));
        self.report(d);
    }

    pub(super) fn expr(&mut self, expr: &ast::Expr, ctx: Context) -> Val {
        match &expr.kind {
            ExprKind::Str(s) => Val::new(Ty::Str, ir::Expr::Str(s.clone())),
            ExprKind::Int(n) => Val::new(Ty::Int, ir::Expr::Int((*n).min(i64::MAX as u64) as i64)),
            ExprKind::Bool(b) => Val::new(Ty::Bool, ir::Expr::Bool(*b)),
            ExprKind::Duration(d) => Val::new(Ty::Duration, ir::Expr::Duration(d.seconds())),
            ExprKind::Date(d) => Val::new(Ty::Time, ir::Expr::Time(d.days_since_epoch() * 86_400)),
            ExprKind::DateTime(dt) => Val::new(Ty::Time, ir::Expr::Time(dt.unix_seconds)),
            ExprKind::Entity(kind, id) => match kind {
                ast::EntityKind::Team => {
                    self.team_exists(id);
                    Val::new(Ty::Team, ir::Expr::Team(id.value.clone()))
                }
                ast::EntityKind::Person => {
                    self.person_exists(id);
                    Val::new(Ty::Person, ir::Expr::Person(id.value.clone()))
                }
                ast::EntityKind::Node => {
                    let idx = self.node_exists(id);
                    if idx.is_none() && self.graph.is_some() {
                        return Val::error();
                    }
                    let set = self.intern(idx.into_iter().collect());
                    Val::new(Ty::Node, ir::Expr::Nodes(ir::NodeSet::Static(set)))
                }
            },
            ExprKind::List(items) => {
                let mut ty = None;
                let mut out = Vec::new();
                for item in items {
                    let v = self.expr(item, ctx);
                    match &ty {
                        None => ty = Some(v.ty.clone()),
                        Some(t) if *t != v.ty && v.ty != Ty::Error && *t != Ty::Error => self
                            .mismatch(
                                item.span,
                                &format!("{} like the first item", t.describe()),
                                &v.ty,
                            ),
                        _ => {}
                    }
                    out.push(v.expr);
                }
                Val::new(
                    Ty::List(Box::new(ty.unwrap_or(Ty::Error))),
                    ir::Expr::List(out),
                )
            }
            ExprKind::Range(a, b) => {
                let a = self.expr(a, ctx);
                let b_val = self.expr(b, ctx);
                if !matches!(a.ty, Ty::Int | Ty::Time | Ty::Duration | Ty::Error) {
                    self.mismatch(expr.span, "a range of integers, durations or dates", &a.ty);
                } else if a.ty != b_val.ty && b_val.ty != Ty::Error && a.ty != Ty::Error {
                    self.mismatch(b.span, &a.ty.describe(), &b_val.ty);
                }
                Val::new(
                    Ty::Range(Box::new(a.ty)),
                    ir::Expr::Range(Box::new(a.expr), Box::new(b_val.expr)),
                )
            }
            ExprKind::Change => {
                let d = self
                    .error(codes::E0409, expr.span, "`change` alone is not a value")
                    .with_help(
                        "use one of its fields, e.g. `change.author`, `change.reaches(service)`",
                    );
                self.report(d);
                Val::error()
            }
            ExprKind::Name(name) => self.name(name, ctx),
            ExprKind::Field(base, field) => self.field(base, field, ctx),
            ExprKind::Call(callee, args) => self.call(expr, callee, args, ctx),
            ExprKind::Where(selector, filter) => self.where_(selector, filter, ctx),
            ExprKind::Not(e) => {
                let v = self.expr(e, ctx);
                if !matches!(v.ty, Ty::Bool | Ty::Error | Ty::Nodes | Ty::Node) {
                    self.mismatch(e.span, "a condition", &v.ty);
                }
                Val::new(Ty::Bool, ir::Expr::Not(Box::new(v.expr)))
            }
            ExprKind::Binary(op, a, b) => self.binary(*op, a, b, expr.span, ctx),
            ExprKind::Error => Val::error(),
        }
    }

    pub(super) fn attr_type(&self, name: &str) -> Ty {
        match self.facts.and_then(|f| f.attributes.get(name)) {
            Some(AttrValue::Bool(_)) => Ty::Bool,
            Some(AttrValue::Int(_)) => Ty::Int,
            Some(AttrValue::Str(_)) => Ty::Str,
            None => Ty::Error,
        }
    }

    pub(super) fn field(&mut self, base: &ast::Expr, field: &ast::Ident, ctx: Context) -> Val {
        if base.kind == ExprKind::Change {
            if ctx == Context::Filter {
                self.dynamic_filter(base.span.cover(field.span));
                return Val::error();
            }
            let Some((ty, f)) = builtins::change_field(&field.name) else {
                let candidates = builtins::change_members();
                self.unknown(
                    codes::E0410,
                    field.span,
                    "change field",
                    &field.name,
                    candidates,
                );
                return Val::error();
            };
            return Val::new(ty, ir::Expr::Change(f));
        }
        if let ExprKind::Name(name) = &base.kind
            && name.name == DECISION
        {
            if ctx == Context::Filter {
                self.dynamic_filter(base.span.cover(field.span));
                return Val::error();
            }
            if builtins::lookup(builtins::BuiltinKind::DecisionField, &field.name).is_some() {
                return Val::new(Ty::Time, ir::Expr::DecisionTime);
            }
            let candidates = builtins::decision_fields();
            self.unknown(
                codes::E0410,
                field.span,
                "decision field",
                &field.name,
                candidates,
            );
            return Val::error();
        }
        let b = self.expr(base, ctx);
        match (&b.ty, &b.expr) {
            (Ty::Node, ir::Expr::Nodes(ir::NodeSet::Var(var))) => {
                let f = node_field(&field.name)
                    .unwrap_or_else(|| ir::NodeField::Attr(field.name.clone()));
                if let ir::NodeField::Attr(a) = &f
                    && let Some(facts) = self.facts
                    && !facts.attributes.contains_key(a.as_str())
                {
                    let mut candidates: Vec<String> = facts.attributes.keys().cloned().collect();
                    candidates.extend(builtins::node_fields());
                    self.unknown(
                        codes::E0404,
                        field.span,
                        "node field or attribute",
                        a,
                        candidates,
                    );
                    return Val::error();
                }
                let ty = match &f {
                    ir::NodeField::Attr(a) => self.attr_type(a),
                    other => field_type(other),
                };
                Val::new(
                    ty,
                    ir::Expr::NodeField {
                        var: *var,
                        field: f,
                    },
                )
            }
            (Ty::Error, _) => Val::error(),
            (ty, _) => {
                let d = self
                    .error(
                        codes::E0410,
                        field.span,
                        format!("{} has no field `{}`", ty.describe(), field.name),
                    )
                    .with_label("unknown field");
                self.report(d);
                Val::error()
            }
        }
    }

    pub(super) fn dynamic_filter(&mut self, span: Span) {
        let d = self
            .error(
                codes::E0412,
                span,
                "a selector filter cannot depend on the change",
            )
            .with_label("filters are resolved against the graph when the plan is compiled")
            .with_help("move the condition to the rule's `when` clause");
        self.report(d);
    }

    pub(super) fn call(
        &mut self,
        whole: &ast::Expr,
        callee: &ast::Expr,
        args: &[ast::Arg],
        ctx: Context,
    ) -> Val {
        let ExprKind::Field(base, method) = &callee.kind else {
            if let ExprKind::Name(n) = &callee.kind
                && n.name == "owners"
            {
                let d = self
                    .error(
                        codes::E0409,
                        whole.span,
                        "`owners(…)` names approvers; it is used in approval steps",
                    )
                    .with_help(
                        "to test a node's owners in a condition, use `svc.owners has team \"x\"`",
                    );
                self.report(d);
                return Val::error();
            }
            let d = self
                .error(codes::E0410, callee.span, "only `change` has methods")
                .with_help(format!("methods: {}", builtins::change_methods()));
            self.report(d);
            return Val::error();
        };
        if base.kind != ExprKind::Change {
            let d = self
                .error(
                    codes::E0410,
                    method.span,
                    format!("unknown method `{}`", method.name),
                )
                .with_help(format!(
                    "methods of `change`: {}",
                    builtins::change_methods()
                ));
            self.report(d);
            return Val::error();
        }
        if ctx == Context::Filter {
            self.dynamic_filter(whole.span);
            return Val::error();
        }
        match method.name.as_str() {
            "touches" | "reaches" | "exposes" => self.reach_call(whole, &method.name, args),
            "touches_path" | "only_paths" => {
                let [
                    ast::Arg::Expr(ast::Expr {
                        kind: ExprKind::Str(glob),
                        span,
                    }),
                ] = args
                else {
                    let d = self
                        .error(
                            codes::E0411,
                            whole.span,
                            format!("`{}` takes one glob string", method.name),
                        )
                        .with_help(format!("e.g. `change.{}(\"docs/**\")`", method.name));
                    self.report(d);
                    return Val::error();
                };
                if let Err(e) = writ_graph::paths::compile_glob(glob) {
                    let code = writ_graph::paths::glob_limit(glob).map_or(codes::E0411, |l| l.0);
                    let d = self.error(code, *span, format!("invalid glob: {e}"));
                    self.report(d);
                    return Val::error();
                }
                let expr = if method.name == "touches_path" {
                    ir::Expr::AnyPath(glob.clone())
                } else {
                    ir::Expr::AllPaths(glob.clone())
                };
                Val::new(Ty::Bool, expr)
            }
            other => {
                let candidates = builtins::change_members();
                self.unknown(
                    codes::E0410,
                    method.span,
                    "change method",
                    other,
                    candidates,
                );
                Val::error()
            }
        }
    }

    pub(super) fn binary(
        &mut self,
        op: ast::BinaryOp,
        a: &ast::Expr,
        b: &ast::Expr,
        span: Span,
        ctx: Context,
    ) -> Val {
        use ast::BinaryOp as B;
        let left = self.expr(a, ctx);
        let right = self.expr(b, ctx);
        let (l, r) = (left.ty.clone(), right.ty.clone());
        let either_error = l == Ty::Error || r == Ty::Error;
        let cmp = |op| {
            ir::Expr::Compare(
                op,
                Box::new(left.expr.clone()),
                Box::new(right.expr.clone()),
            )
        };
        match op {
            B::And | B::Or => {
                let nodes = |t: &Ty| matches!(t, Ty::Nodes | Ty::Node);
                if op == B::Or && nodes(&l) && nodes(&r) {
                    // Union of node sets.
                    let (ir::Expr::Nodes(x), ir::Expr::Nodes(y)) =
                        (left.expr.clone(), right.expr.clone())
                    else {
                        return Val::error();
                    };
                    if let (ir::NodeSet::Static(p), ir::NodeSet::Static(q)) = (&x, &y) {
                        let mut both = self.set_contents(*p).to_vec();
                        both.extend_from_slice(self.set_contents(*q));
                        let s = self.intern(both);
                        return Val::new(Ty::Nodes, ir::Expr::Nodes(ir::NodeSet::Static(s)));
                    }
                    return Val::new(Ty::Nodes, ir::Expr::Nodes(ir::NodeSet::Union(vec![x, y])));
                }
                for (v, e) in [(&l, a), (&r, b)] {
                    if !matches!(v, Ty::Bool | Ty::Error | Ty::Nodes | Ty::Node) {
                        self.mismatch(e.span, "a condition", v);
                    }
                }
                let items = vec![left.expr, right.expr];
                Val::new(
                    Ty::Bool,
                    if op == B::And {
                        ir::Expr::And(items)
                    } else {
                        ir::Expr::Or(items)
                    },
                )
            }
            B::Eq | B::Ne => {
                let comparable = l == r
                    || matches!(
                        (&l, &r),
                        (Ty::Node, Ty::Node)
                            | (Ty::Str, Ty::PrincipalKind)
                            | (Ty::PrincipalKind, Ty::Str)
                    );
                if !either_error && !comparable {
                    self.report_op(span, op, &l, &r);
                }
                Val::new(
                    Ty::Bool,
                    cmp(if op == B::Eq {
                        ir::CompareOp::Eq
                    } else {
                        ir::CompareOp::Ne
                    }),
                )
            }
            B::Lt | B::Le | B::Gt | B::Ge => {
                if !(either_error || l == r && matches!(l, Ty::Int | Ty::Duration | Ty::Time)) {
                    self.report_op(span, op, &l, &r);
                }
                let o = match op {
                    B::Lt => ir::CompareOp::Lt,
                    B::Le => ir::CompareOp::Le,
                    B::Gt => ir::CompareOp::Gt,
                    _ => ir::CompareOp::Ge,
                };
                Val::new(Ty::Bool, cmp(o))
            }
            B::Has => {
                let ok = match (&l, &r) {
                    (Ty::StrSet, Ty::Str | Ty::Team | Ty::Person) => true,
                    (Ty::Nodes, Ty::Node) => true,
                    (Ty::List(t), x) => **t == *x,
                    _ => either_error,
                };
                if !ok {
                    self.report_op(span, op, &l, &r);
                }
                if ok
                    && !either_error
                    && let ir::Expr::Str(tag) = &right.expr
                {
                    self.tag_exists(a, b, tag);
                }
                Val::new(Ty::Bool, cmp(ir::CompareOp::Has))
            }
            B::In => {
                let ok = match &r {
                    Ty::List(t) | Ty::Range(t) => **t == l || **t == Ty::Error,
                    Ty::StrSet => l == Ty::Str,
                    Ty::Nodes => l == Ty::Node,
                    _ => either_error,
                } || either_error;
                if !ok {
                    self.report_op(span, op, &l, &r);
                }
                Val::new(Ty::Bool, cmp(ir::CompareOp::In))
            }
            B::Is => {
                if !(either_error || l == Ty::Person && r == Ty::PrincipalKind) {
                    let d = self
                        .error(
                            codes::E0409,
                            span,
                            "`is` tests whether a person is an `agent` or a `human`, `known` to the graph or `unknown`",
                        )
                        .with_help("e.g. `change.author is agent`");
                    self.report(d);
                }
                Val::new(Ty::Bool, cmp(ir::CompareOp::Is))
            }
        }
    }

    pub(super) fn report_op(&mut self, span: Span, op: ast::BinaryOp, l: &Ty, r: &Ty) {
        let d = self
            .error(
                codes::E0409,
                span,
                format!(
                    "`{}` cannot compare {} with {}",
                    op.as_str(),
                    l.describe(),
                    r.describe()
                ),
            )
            .with_label("mismatched types");
        self.report(d);
    }
}

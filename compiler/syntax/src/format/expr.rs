//! Expressions as layout documents: where a long expression may break.
//!
//! A chain of `or` (or of `and`) breaks before each operator, the operands one
//! level deeper than the clause; `where` breaks before `where`; call arguments
//! and list items break one per line with a trailing comma. Everything else
//! (comparisons, field access, ranges, entities) never breaks. Parentheses are
//! printed exactly where precedence needs them, so the tree never changes.

use super::doc::Doc;
use crate::ast::*;
use std::borrow::Cow;

pub(super) const OR: u8 = 1;
pub(super) const AND: u8 = 2;
pub(super) const NOT: u8 = 3;
pub(super) const RANGE: u8 = 4;
pub(super) const POSTFIX: u8 = 6;
pub(super) const PRIMARY: u8 = 7;

fn precedence(expr: &Expr) -> u8 {
    match &expr.kind {
        ExprKind::Where(..) => 0,
        ExprKind::Binary(BinaryOp::Or, ..) => OR,
        ExprKind::Binary(BinaryOp::And, ..) => AND,
        ExprKind::Not(_) => NOT,
        ExprKind::Range(..) => RANGE,
        ExprKind::Binary(..) => 5,
        ExprKind::Field(..) | ExprKind::Call(..) => POSTFIX,
        _ => PRIMARY,
    }
}

/// A string literal as its author wrote it, escapes included: the formatter
/// never rewrites a literal (so `"\u{202e}"` stays visible). Falls back to
/// quoting `value` if the source at `span` is not a literal.
pub(super) fn literal<'a>(text: &'a str, value: &str, span: Span) -> Cow<'a, str> {
    match text.get(span.range()) {
        Some(source) if source.len() >= 2 && source.starts_with('"') && source.ends_with('"') => {
            Cow::Borrowed(source)
        }
        _ => Cow::Owned(super::quote(value)),
    }
}

/// `open` items `close`: on one line, or one item per line with a trailing
/// comma (the grammar accepts one wherever a list may be empty).
pub(super) fn delimited<'a>(
    open: &'static str,
    items: Vec<Doc<'a>>,
    close: &'static str,
) -> Doc<'a> {
    if items.is_empty() {
        return Doc::text(format!("{open}{close}"));
    }
    let mut inner = Vec::with_capacity(items.len() * 3 + 1);
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            inner.push(Doc::text(","));
            inner.push(Doc::Line);
        } else {
            inner.push(Doc::SoftLine);
        }
        inner.push(item);
    }
    inner.push(Doc::IfBreak(","));
    Doc::Concat(vec![
        Doc::text(open),
        Doc::Concat(inner).nest(),
        Doc::SoftLine,
        Doc::text(close),
    ])
    .group()
}

/// `expr` as a document, parenthesised if its precedence is below `min`.
pub(super) fn expr<'a>(text: &'a str, expr: &Expr, min: u8) -> Doc<'a> {
    let doc = match &expr.kind {
        ExprKind::Name(name) => Doc::text(name.name.clone()),
        ExprKind::Change => Doc::text("change"),
        ExprKind::Str(s) => Doc::Text(literal(text, s, expr.span)),
        ExprKind::Int(n) => Doc::text(n.to_string()),
        ExprKind::Bool(b) => Doc::text(if *b { "true" } else { "false" }),
        ExprKind::Duration(d) => Doc::text(d.to_string()),
        ExprKind::Date(d) => Doc::text(d.to_string()),
        ExprKind::DateTime(d) => Doc::text(d.text.clone()),
        ExprKind::Entity(kind, id) => Doc::Concat(vec![
            Doc::text(kind.keyword()),
            Doc::text(" "),
            Doc::Text(literal(text, &id.value, id.span)),
        ]),
        ExprKind::List(items) => {
            let items = items.iter().map(|e| self::expr(text, e, 0)).collect();
            delimited("[", items, "]")
        }
        ExprKind::Range(a, b) => Doc::Concat(vec![
            self::expr(text, a, POSTFIX),
            Doc::text(".."),
            self::expr(text, b, POSTFIX),
        ]),
        ExprKind::Field(base, field) => Doc::Concat(vec![
            self::expr(text, base, POSTFIX),
            Doc::text("."),
            Doc::text(field.name.clone()),
        ]),
        ExprKind::Call(callee, args) => {
            let args = args
                .iter()
                .map(|arg| match arg {
                    Arg::Expr(e) => self::expr(text, e, 0),
                    Arg::Via(kinds, _) => {
                        let kinds: Vec<&str> = kinds.iter().map(|k| k.name.as_str()).collect();
                        Doc::text(format!("via {}", kinds.join(" | ")))
                    }
                    Arg::Depth(n, _) => Doc::text(format!("depth <= {n}")),
                })
                .collect();
            Doc::Concat(vec![
                self::expr(text, callee, POSTFIX),
                delimited("(", args, ")"),
            ])
        }
        ExprKind::Where(selector, filter) => Doc::Concat(vec![
            self::expr(text, selector, OR),
            Doc::Concat(vec![
                Doc::Line,
                Doc::text("where "),
                self::expr(text, filter, OR),
            ])
            .nest(),
        ])
        .group(),
        ExprKind::Not(e) => {
            // `not a == b` means `not (a == b)` but reads otherwise: a
            // comparison under `not` keeps its parentheses.
            let min = if matches!(e.kind, ExprKind::Binary(..)) {
                POSTFIX
            } else {
                NOT
            };
            Doc::Concat(vec![Doc::text("not "), self::expr(text, e, min)])
        }
        ExprKind::Binary(op @ (BinaryOp::Or | BinaryOp::And), ..) => chain(text, expr, *op),
        ExprKind::Binary(op, a, b) => {
            let (left, right) = match op {
                BinaryOp::In => (POSTFIX, RANGE),
                _ => (POSTFIX, POSTFIX),
            };
            Doc::Concat(vec![
                self::expr(text, a, left),
                Doc::text(format!(" {} ", op.as_str())),
                self::expr(text, b, right),
            ])
        }
        ExprKind::Error => Doc::text(""),
    };
    if precedence(expr) < min {
        Doc::Concat(vec![Doc::text("("), doc, Doc::text(")")])
    } else {
        doc
    }
}

/// `a or b or c` (left-associative, so the chain is the left spine): breaks
/// before every operator of the chain or before none.
fn chain<'a>(text: &'a str, expr: &Expr, op: BinaryOp) -> Doc<'a> {
    let (left_min, right_min) = match op {
        BinaryOp::Or => (OR, AND),
        _ => (AND, NOT),
    };
    // Walk down the left spine iteratively: chains can be long.
    let mut rights = Vec::new();
    let mut node = expr;
    while let ExprKind::Binary(inner, a, b) = &node.kind {
        if *inner != op {
            break;
        }
        rights.push(b.as_ref());
        node = a.as_ref();
    }
    let first = self::expr(text, node, left_min);
    let mut tail = Vec::with_capacity(rights.len() * 3);
    for right in rights.into_iter().rev() {
        tail.push(Doc::Line);
        tail.push(Doc::text(format!("{} ", op.as_str())));
        tail.push(self::expr(text, right, right_min));
    }
    Doc::Concat(vec![first, Doc::Concat(tail).nest()]).group()
}

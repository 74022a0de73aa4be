//! Expressions as layout documents: where a long expression may break.
//!
//! A chain of `or` (or of `and`) breaks before each operator, the operands one
//! level deeper than the clause; `where` breaks before `where`; call arguments
//! and list items break one per line with a trailing comma. Everything else
//! (comparisons, field access, ranges, entities) never breaks. Parentheses are
//! printed exactly where precedence needs them, so the tree never changes.
//!
//! A `//` comment between two operands of a chain, or after an argument or a
//! list item, stays there: it ends its line, which breaks the chain or list.
//! Comments elsewhere inside an expression are left for the printer, which
//! puts them on their own line after the clause.

use super::doc::Doc;
use crate::ast::*;
use crate::lexer::Comment;
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
/// comma (the grammar accepts one wherever a list may be empty). An item's
/// comment follows its comma.
pub(super) fn delimited<'a>(
    open: &'static str,
    items: Vec<(Doc<'a>, Option<Doc<'a>>)>,
    close: &'static str,
) -> Doc<'a> {
    if items.is_empty() {
        return Doc::text(format!("{open}{close}"));
    }
    let last = items.len() - 1;
    let mut inner = Vec::with_capacity(items.len() * 4 + 1);
    inner.push(Doc::SoftLine);
    for (i, (item, comment)) in items.into_iter().enumerate() {
        inner.push(item);
        if i < last {
            inner.push(Doc::text(","));
        } else {
            inner.push(Doc::IfBreak(","));
        }
        inner.extend(comment);
        if i < last {
            inner.push(Doc::Line);
        }
    }
    Doc::Concat(vec![
        Doc::text(open),
        Doc::Concat(inner).nest(),
        Doc::SoftLine,
        Doc::text(close),
    ])
    .group()
}

/// Builds expression documents, taking the comments that belong inside
/// them (in source order) from the printer's unprinted comments.
pub(super) struct Exprs<'a> {
    text: &'a str,
    comments: &'a [Comment],
    /// The first comment not printed yet.
    pub(super) next: usize,
}

impl<'a> Exprs<'a> {
    /// Builds from `text`, whose comments before `next` are printed.
    pub(super) fn new(text: &'a str, comments: &'a [Comment], next: usize) -> Self {
        Exprs {
            text,
            comments,
            next,
        }
    }

    /// The next unprinted comments if they lie in `from..to`, as one
    /// document ending its line (several are joined on that line).
    fn comments_in(&mut self, from: u32, to: u32) -> Option<Doc<'a>> {
        let mut texts = Vec::new();
        while let Some(comment) = self.comments.get(self.next) {
            if comment.span.start < from || comment.span.start >= to {
                break;
            }
            texts.push(comment.text.as_str());
            self.next += 1;
        }
        (!texts.is_empty()).then(|| Doc::Comment(Cow::Owned(texts.join(" "))))
    }

    /// Items of a list or call, each with the comment that follows it
    /// before the next item (or before `end`, the closing bracket).
    pub(super) fn items<T>(
        &mut self,
        items: &[T],
        end: u32,
        span: impl Fn(&T) -> Span,
        mut doc: impl FnMut(&mut Self, &T) -> Doc<'a>,
    ) -> Vec<(Doc<'a>, Option<Doc<'a>>)> {
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let built = doc(self, item);
            let until = items.get(i + 1).map_or(end, |next| span(next).start);
            let comment = self.comments_in(span(item).end, until);
            out.push((built, comment));
        }
        out
    }

    /// `expr` as a document, parenthesised if its precedence is below `min`.
    pub(super) fn expr(&mut self, expr: &Expr, min: u8) -> Doc<'a> {
        let text = self.text;
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
                let items = self.items(items, expr.span.end, |e| e.span, |b, e| b.expr(e, 0));
                delimited("[", items, "]")
            }
            ExprKind::Range(a, b) => Doc::Concat(vec![
                self.expr(a, POSTFIX),
                Doc::text(".."),
                self.expr(b, POSTFIX),
            ]),
            ExprKind::Field(base, field) => Doc::Concat(vec![
                self.expr(base, POSTFIX),
                Doc::text("."),
                Doc::text(field.name.clone()),
            ]),
            ExprKind::Call(callee, args) => {
                let callee = self.expr(callee, POSTFIX);
                let args = self.items(args, expr.span.end, arg_span, |b, arg| match arg {
                    Arg::Expr(e) => b.expr(e, 0),
                    Arg::Via(kinds, _) => {
                        let kinds: Vec<&str> = kinds.iter().map(|k| k.name.as_str()).collect();
                        Doc::text(format!("via {}", kinds.join(" | ")))
                    }
                    Arg::Depth(n, _) => Doc::text(format!("depth <= {n}")),
                });
                Doc::Concat(vec![callee, delimited("(", args, ")")])
            }
            ExprKind::Where(selector, filter) => Doc::Concat(vec![
                self.expr(selector, OR),
                Doc::Concat(vec![Doc::Line, Doc::text("where "), self.expr(filter, OR)]).nest(),
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
                Doc::Concat(vec![Doc::text("not "), self.expr(e, min)])
            }
            ExprKind::Binary(op @ (BinaryOp::Or | BinaryOp::And), ..) => self.chain(expr, *op),
            ExprKind::Binary(op, a, b) => {
                let (left, right) = match op {
                    BinaryOp::In => (POSTFIX, RANGE),
                    _ => (POSTFIX, POSTFIX),
                };
                Doc::Concat(vec![
                    self.expr(a, left),
                    Doc::text(format!(" {} ", op.as_str())),
                    self.expr(b, right),
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

    /// `a or b or c` (left-associative, so the chain is the left spine):
    /// breaks before every operator of the chain or before none.
    fn chain(&mut self, expr: &Expr, op: BinaryOp) -> Doc<'a> {
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
        rights.reverse();
        let mut parts = vec![self.expr(node, left_min)];
        let mut previous_end = node.span.end;
        let mut tail = Vec::with_capacity(rights.len() * 4);
        for right in rights {
            let comment = self.comments_in(previous_end, right.span.start);
            tail.extend(comment);
            tail.push(Doc::Line);
            tail.push(Doc::text(format!("{} ", op.as_str())));
            tail.push(self.expr(right, right_min));
            previous_end = right.span.end;
        }
        parts.push(Doc::Concat(tail).nest());
        Doc::Concat(parts).group()
    }
}

fn arg_span(arg: &Arg) -> Span {
    match arg {
        Arg::Expr(e) => e.span,
        Arg::Via(_, span) | Arg::Depth(_, span) => *span,
    }
}

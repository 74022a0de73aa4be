//! The formatter behind `writ fmt` and the language server's formatting.
//!
//! It prints the syntax tree in one canonical layout (two-space indent, one
//! clause per line, one blank line between items) and puts every comment back:
//! a comment on its own line stays on its own line before the next construct;
//! a comment after code on the same line stays at the end of that line. A
//! blank line the author left between clauses is kept (one at most).
//!
//! A clause longer than the width (100 columns by default, [`Options`])
//! wraps: `or`/`and` chains break before each operator, call arguments and
//! lists one per line ([`expr`] says where; [`doc`] lays it out). The width
//! counts code only: a comment at the end of a line never causes a wrap.
//!
//! Invariants, tested over the whole corpus and generated policies:
//! formatting is idempotent and the tree before and after is the same, spans
//! aside. A file with syntax errors is not formatted.

mod doc;
mod expr;

use crate::ast::*;
use crate::lexer::Comment;
use crate::parser::{Parse, parse};
use doc::{Doc, INDENT};
use expr::{POSTFIX, PRIMARY};
use std::borrow::Cow;
use writ_diagnostics::{Diagnostic, FileId};

/// The default line width: clauses longer than this wrap.
pub const DEFAULT_WIDTH: usize = 100;

/// How to format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// The column a line of code should not pass (a string literal or a name
    /// longer than the width still does: they never break).
    pub width: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            width: DEFAULT_WIDTH,
        }
    }
}

/// Formats `text` at the default width, or returns the errors that prevent it.
pub fn format(text: &str) -> Result<String, Vec<Diagnostic>> {
    format_with(text, Options::default())
}

/// Formats `text` with `options`, or returns the errors that prevent it.
pub fn format_with(text: &str, options: Options) -> Result<String, Vec<Diagnostic>> {
    let parsed = parse(FileId(0), text);
    if parsed.has_errors() {
        return Err(parsed
            .diagnostics
            .into_iter()
            .filter(Diagnostic::is_error)
            .collect());
    }
    Ok(format_parsed_with(text, &parsed, options))
}

/// Formats an already parsed file that has no syntax errors, at the default width.
pub fn format_parsed(text: &str, parsed: &Parse) -> String {
    format_parsed_with(text, parsed, Options::default())
}

/// Formats an already parsed file that has no syntax errors.
pub(crate) fn format_parsed_with(text: &str, parsed: &Parse, options: Options) -> String {
    let mut printer = Printer {
        text,
        comments: &parsed.comments,
        next_comment: 0,
        out: String::with_capacity(text.len() + text.len() / 8),
        indent: 0,
        at_block_start: true,
        width: options.width,
    };
    printer.file(&parsed.file);
    printer.out
}

struct Printer<'a> {
    text: &'a str,
    comments: &'a [Comment],
    next_comment: usize,
    out: String,
    indent: usize,
    /// The width lines of code should fit in.
    width: usize,
    /// No line has been printed yet in the current block (no blank line needed).
    at_block_start: bool,
}

impl<'a> Printer<'a> {
    // ------------------------------------------------------------ layout

    /// Prints `doc` at the end of the current line, wrapping at the width;
    /// continuation lines are indented from the current block's level.
    fn emit(&mut self, doc: &Doc<'_>) {
        let line_start = self.out.rfind('\n').map_or(0, |i| i + 1);
        let column = self.out[line_start..].chars().count();
        doc::render(doc, &mut self.out, self.indent, column, self.width);
    }

    fn expr(&mut self, e: &Expr, min: u8) {
        let mut exprs = expr::Exprs::new(self.text, self.comments, self.next_comment);
        let doc = exprs.expr(e, min);
        self.next_comment = exprs.next;
        self.emit(&doc);
    }

    fn newline_indent(&mut self) {
        for _ in 0..self.indent {
            self.out.push_str(INDENT);
        }
    }

    /// Whether the source has a blank line somewhere in `from..to`.
    fn blank_line_between(&self, from: usize, to: usize) -> bool {
        let Some(gap) = self.text.get(from.min(to)..to) else {
            return false;
        };
        let mut newlines = 0;
        for ch in gap.chars() {
            match ch {
                '\n' => {
                    newlines += 1;
                    if newlines >= 2 {
                        return true;
                    }
                }
                c if c.is_whitespace() => {}
                _ => newlines = 0,
            }
        }
        false
    }

    /// Where the previous line-level construct or comment ended in the source.
    fn previous_end(&self, offset: usize) -> usize {
        // The start of the whitespace run before `offset`.
        let before = &self.text[..offset.min(self.text.len())];
        before.trim_end().len()
    }

    /// Prints, each on its own line, the comments that start before source
    /// offset `limit`, keeping one blank line where the author had one.
    fn flush_comments(&mut self, limit: usize, force_blank: bool) {
        while let Some(comment) = self.comments.get(self.next_comment) {
            let start = comment.span.start as usize;
            if start >= limit {
                break;
            }
            self.next_comment += 1;
            let blank = self.blank_line_between(self.previous_end(start), start);
            self.separate(blank || (force_blank && self.out_ends_with_code()));
            self.newline_indent();
            self.out.push_str(&comment.text);
            self.out.push('\n');
            self.at_block_start = false;
        }
    }

    /// Starts a new line for a construct beginning at source `offset`: emits
    /// the comments before it, keeps one blank line if the author had one.
    fn begin_line(&mut self, offset: usize, force_blank: bool) {
        self.flush_comments(offset, force_blank);
        let blank = self.blank_line_between(self.previous_end(offset), offset);
        self.separate(blank || (force_blank && self.out_ends_with_code()));
        self.newline_indent();
        self.at_block_start = false;
    }

    /// Whether the last printed line is code rather than a comment (items are
    /// separated by a blank line from code, but a comment hugs its item).
    fn out_ends_with_code(&self) -> bool {
        let last_line = self
            .out
            .trim_end_matches('\n')
            .rsplit('\n')
            .next()
            .unwrap_or("");
        let line = last_line.trim_start();
        !line.starts_with("//") || line.starts_with("//!")
    }

    fn separate(&mut self, blank: bool) {
        if blank && !self.at_block_start && !self.out.ends_with("\n\n") && !self.out.is_empty() {
            self.out.push('\n');
        }
    }

    /// Ends the line of a construct ending at source `end`, keeping a comment
    /// that followed it on the same source line.
    fn end_line(&mut self, end: usize) {
        if let Some(comment) = self.comments.get(self.next_comment) {
            let start = comment.span.start as usize;
            // Only whitespace between the construct and the comment: it
            // trails this construct (not code written after it on the line).
            let between = self.text.get(end..start).unwrap_or("\n");
            if start >= end && between.chars().all(|c| c.is_whitespace() && c != '\n') {
                self.out.push_str("  ");
                self.out.push_str(&comment.text);
                self.next_comment += 1;
            }
        }
        self.out.push('\n');
    }

    /// Opens a `{` block at the end of the current line.
    fn open_block(&mut self, brace_end: usize) {
        self.out.push_str(" {");
        self.end_line(brace_end);
        self.indent += 1;
        self.at_block_start = true;
    }

    /// Closes a block whose `}` ends at source `end`.
    fn close_block(&mut self, end: usize) {
        // Comments before the closing brace stay inside the block.
        self.flush_comments(end.saturating_sub(1), false);
        self.indent -= 1;
        self.newline_indent();
        self.out.push('}');
        self.end_line(end);
        self.at_block_start = false;
    }

    /// Source offset just past the first `{` at or after `from`.
    fn brace_end(&self, from: usize) -> usize {
        self.text[from.min(self.text.len())..]
            .find('{')
            .map_or(from, |i| from + i + 1)
    }

    // ------------------------------------------------------------ items

    fn file(&mut self, file: &SourceFile) {
        for doc in &file.docs {
            self.out.push_str(&doc_line("//!", doc));
            self.out.push('\n');
        }
        let mut previous: Option<&Item> = None;
        for item in &file.items {
            let start = item_start(self.text, item);
            let blank = match previous {
                None => !file.docs.is_empty(),
                Some(prev) => {
                    !(matches!(prev.kind, ItemKind::Use(_))
                        && matches!(item.kind, ItemKind::Use(_)))
                }
            };
            if !file.docs.is_empty() && previous.is_none() {
                self.at_block_start = false;
            }
            self.begin_line(start, blank);
            self.item(item);
            previous = Some(item);
        }
        // Comments after the last item.
        self.flush_comments(usize::MAX, false);
    }

    fn item(&mut self, item: &Item) {
        for (i, doc) in item.docs.iter().enumerate() {
            if i > 0 {
                self.newline_indent();
            }
            self.out.push_str(&doc_line("///", doc));
            self.out.push('\n');
        }
        if !item.docs.is_empty() {
            // Comments between doc lines and the item would be lost otherwise.
            self.begin_line(item.span.start as usize, false);
        }
        let end = item.span.end as usize;
        match &item.kind {
            ItemKind::Use(u) => {
                self.out.push_str("use ");
                for segment in &u.module.segments {
                    self.out.push_str(&segment.name);
                    self.out.push_str("::");
                }
                match &u.tree {
                    UseTree::Single(name) => self.out.push_str(&name.name),
                    UseTree::Glob(_) => self.out.push('*'),
                    UseTree::Group(names) => {
                        let mut exprs =
                            expr::Exprs::new(self.text, self.comments, self.next_comment);
                        let names = exprs.items(
                            names,
                            end as u32,
                            |n| n.span,
                            |_, n| Doc::text(n.name.clone()),
                        );
                        self.next_comment = exprs.next;
                        self.emit(&expr::delimited("{", names, "}"));
                    }
                }
                self.end_line(end);
            }
            ItemKind::Rule(rule) => {
                self.out.push_str("rule ");
                self.out.push_str(&rule.name.name);
                self.open_block(self.brace_end(rule.name.span.end as usize));
                self.clauses(&rule.clauses);
                self.close_block(end);
            }
            ItemKind::Forbid(forbid) => {
                self.out.push_str("forbid ");
                self.out.push_str(&forbid.name.name);
                let mut header_end = forbid.name.span.end as usize;
                if let Some(message) = &forbid.message {
                    self.out.push(' ');
                    self.out.push_str(&self.string(message));
                    header_end = message.span.end as usize;
                }
                self.open_block(self.brace_end(header_end));
                self.clauses(&forbid.clauses);
                self.close_block(end);
            }
            ItemKind::Approval(def) => {
                self.out.push_str("approval ");
                self.out.push_str(&def.name.name);
                if !def.params.is_empty() {
                    let params: Vec<&str> = def.params.iter().map(|p| p.name.as_str()).collect();
                    self.out.push('(');
                    self.out.push_str(&params.join(", "));
                    self.out.push(')');
                }
                self.approval_block(&def.body);
            }
            ItemKind::Emergency(def) => {
                self.out.push_str("emergency ");
                self.out.push_str(&def.name.name);
                self.open_block(self.brace_end(def.name.span.end as usize));
                for clause in &def.clauses {
                    match clause {
                        EmergencyClause::Approvers(step) => {
                            self.begin_line(step.span.start as usize, false);
                            self.step(step);
                            self.end_line(step.span.end as usize);
                        }
                        EmergencyClause::Followup {
                            reviewers,
                            within,
                            span,
                        } => {
                            self.begin_line(span.start as usize, false);
                            self.out.push_str("followup ");
                            match reviewers {
                                None => self.out.push_str("review"),
                                Some(step) => self.step(step),
                            }
                            self.out.push_str(" within ");
                            self.out.push_str(&within.to_string());
                            self.end_line(span.end as usize);
                        }
                        EmergencyClause::Error(_) => {}
                    }
                }
                self.close_block(end);
            }
            ItemKind::Test(test) => {
                self.out.push_str("test ");
                self.out.push_str(&self.string(&test.name));
                self.open_block(self.brace_end(test.name.span.end as usize));
                for stmt in &test.stmts {
                    self.test_stmt(stmt);
                }
                self.close_block(end);
            }
            ItemKind::Assert(def) => {
                self.out.push_str("assert ");
                self.out.push_str(&def.name.name);
                let mut header_end = def.name.span.end as usize;
                if let Some(message) = &def.message {
                    self.out.push(' ');
                    self.out.push_str(&self.string(message));
                    header_end = message.span.end as usize;
                }
                self.open_block(self.brace_end(header_end));
                for clause in &def.clauses {
                    self.assert_clause(clause);
                }
                self.close_block(end);
            }
            ItemKind::Let(def) => {
                self.out.push_str("let ");
                self.out.push_str(&def.name.name);
                self.out.push_str(" = ");
                self.expr(&def.value, 0);
                self.end_line(end);
            }
            ItemKind::Error => {
                // Unreachable for error-free parses; keep the source verbatim.
                self.out
                    .push_str(self.text.get(item.span.range()).unwrap_or(""));
                self.out.push('\n');
            }
        }
    }

    fn clauses(&mut self, clauses: &[Clause]) {
        for clause in clauses {
            self.begin_line(clause.span.start as usize, false);
            match &clause.kind {
                ClauseKind::For { var, source } => {
                    self.out.push_str("for ");
                    self.out.push_str(&var.name);
                    self.out.push_str(" in ");
                    self.expr(source, 0);
                }
                ClauseKind::When(cond) => {
                    self.out.push_str("when ");
                    self.expr(cond, 0);
                }
                ClauseKind::Unless(path) => {
                    self.out.push_str("unless emergency ");
                    self.out.push_str(&path.to_string());
                }
                ClauseKind::RequireCheck { check, on } => {
                    self.out.push_str("require check ");
                    self.out.push_str(&self.string(check));
                    self.out.push_str(" on ");
                    self.expr(on, 0);
                }
                ClauseKind::RequireApproval(ChainUse::Named { path, args, .. }) => {
                    self.out.push_str("require approval ");
                    self.out.push_str(&path.to_string());
                    if !args.is_empty() {
                        let mut exprs =
                            expr::Exprs::new(self.text, self.comments, self.next_comment);
                        let args =
                            exprs.items(args, clause.span.end, |a| a.span, |b, a| b.expr(a, 0));
                        self.next_comment = exprs.next;
                        self.emit(&expr::delimited("(", args, ")"));
                    }
                }
                ClauseKind::RequireApproval(ChainUse::Inline(body)) => {
                    self.out.push_str("require approval");
                    if body.steps.len() == 1
                        && body.options.is_empty()
                        && !self.has_comment_in(body.span)
                    {
                        self.out.push_str(" { ");
                        self.step(&body.steps[0]);
                        self.out.push_str(" }");
                    } else {
                        self.approval_block(body);
                        continue;
                    }
                }
                ClauseKind::Error => {}
            }
            self.end_line(clause.span.end as usize);
        }
    }

    fn assert_clause(&mut self, clause: &AssertClause) {
        self.begin_line(clause.span.start as usize, false);
        match &clause.kind {
            AssertClauseKind::For { var, source } => {
                self.out.push_str("for ");
                self.out.push_str(&var.name);
                self.out.push_str(" in ");
                self.expr(source, 0);
            }
            AssertClauseKind::By(classes) => {
                self.out.push_str("by ");
                for (i, class) in classes.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.expr(class, POSTFIX);
                }
            }
            AssertClauseKind::When(cond) => {
                self.out.push_str("when ");
                self.expr(cond, 0);
            }
            AssertClauseKind::ExpectDecision { negated, outcome } => {
                self.out.push_str(if *negated {
                    "expect not decision "
                } else {
                    "expect decision "
                });
                self.out.push_str(&outcome.name);
            }
            AssertClauseKind::ExpectApprovals(step) => {
                self.out.push_str("expect requires ");
                self.step(step);
            }
            AssertClauseKind::ExpectCheck { check, on } => {
                self.out.push_str("expect requires check ");
                self.out.push_str(&self.string(check));
                self.out.push_str(" on ");
                self.expr(on, 0);
            }
            AssertClauseKind::Error => {}
        }
        self.end_line(clause.span.end as usize);
    }

    fn string(&self, literal: &StrLit) -> Cow<'a, str> {
        expr::literal(self.text, &literal.value, literal.span)
    }

    fn has_comment_in(&self, span: Span) -> bool {
        self.comments[self.next_comment..]
            .iter()
            .take_while(|c| c.span.start < span.end)
            .any(|c| c.span.start >= span.start)
    }

    /// ` {` steps and options, one per line, `}`.
    fn approval_block(&mut self, body: &ApprovalBody) {
        self.open_block(body.span.start as usize + 1);
        for (i, step) in body.steps.iter().enumerate() {
            self.begin_line(step.span.start as usize, false);
            if i > 0 {
                self.out.push_str("then ");
            }
            self.step(step);
            self.end_line(step.span.end as usize);
        }
        for ChainOption::ExpiresAfter(duration, span) in &body.options {
            self.begin_line(span.start as usize, false);
            self.out.push_str("expires after ");
            self.out.push_str(&duration.to_string());
            self.end_line(span.end as usize);
        }
        self.close_block(body.span.end as usize);
    }

    fn step(&mut self, step: &Step) {
        match step.count.kind {
            CountKind::Exactly(n) => self.out.push_str(&n.to_string()),
            CountKind::All => self.out.push_str("all"),
        }
        self.out.push_str(" of ");
        for (i, source) in step.sources.iter().enumerate() {
            if i > 0 {
                self.out.push_str(", ");
            }
            self.expr(source, POSTFIX);
        }
        for constraint in &step.constraints {
            match constraint {
                Constraint::DistinctFrom(e) => {
                    self.out.push_str(" distinct from ");
                    self.expr(e, POSTFIX);
                }
                Constraint::HumansOnly(_) => self.out.push_str(" humans only"),
            }
        }
    }

    fn test_stmt(&mut self, stmt: &TestStmt) {
        self.begin_line(stmt.span.start as usize, false);
        let not = |negated: bool| if negated { "not " } else { "" };
        match &stmt.kind {
            TestStmtKind::Change(fields) => {
                self.out.push_str("change");
                self.open_block(self.brace_end(stmt.span.start as usize));
                for field in fields {
                    self.begin_line(field.span.start as usize, false);
                    self.out.push_str(&field.name.name);
                    for (i, value) in field.values.iter().enumerate() {
                        self.out.push_str(if i == 0 { " " } else { ", " });
                        self.expr(&value.value, PRIMARY);
                        if let Some(to) = &value.to {
                            self.out.push_str(" -> ");
                            self.expr(to, PRIMARY);
                        }
                    }
                    self.end_line(field.span.end as usize);
                }
                self.close_block(stmt.span.end as usize);
                return;
            }
            TestStmtKind::GivenApproval { chain, by } => {
                self.out.push_str("given approval ");
                self.out.push_str(&chain.to_string());
                self.out.push_str(" by ");
                let by: Vec<Cow<str>> = by.iter().map(|s| self.string(s)).collect();
                self.out.push_str(&by.join(", "));
            }
            TestStmtKind::GivenCheck {
                check,
                node,
                outcome,
            } => {
                self.out.push_str(&format!(
                    "given check {} on {} {}",
                    self.string(check),
                    self.string(node),
                    outcome.name
                ));
            }
            TestStmtKind::ExpectDecision(d) => {
                self.out.push_str("expect decision ");
                self.out.push_str(&d.name);
            }
            TestStmtKind::ExpectApproval { negated, chain } => {
                self.out.push_str(&format!(
                    "expect {}requires approval {chain}",
                    not(*negated)
                ));
            }
            TestStmtKind::ExpectCheck {
                negated,
                check,
                node,
            } => {
                self.out.push_str(&format!(
                    "expect {}requires check {} on {}",
                    not(*negated),
                    self.string(check),
                    self.string(node)
                ));
            }
            TestStmtKind::ExpectFires { negated, rule } => {
                self.out
                    .push_str(&format!("expect {}fires {rule}", not(*negated)));
            }
            TestStmtKind::Error => {}
        }
        self.end_line(stmt.span.end as usize);
    }
}

/// Where an item's text begins: its first doc comment, or its keyword.
fn item_start(text: &str, item: &Item) -> usize {
    if item.docs.is_empty() {
        return item.span.start as usize;
    }
    // Walk back over the doc lines (and blank space) before the keyword.
    let mut start = item.span.start as usize;
    let mut remaining = item.docs.len();
    let bytes = &text[..start];
    let mut cursor = bytes.len();
    while remaining > 0 {
        let Some(pos) = text[..cursor].rfind("///") else {
            break;
        };
        start = pos;
        cursor = pos;
        remaining -= 1;
    }
    start
}

fn doc_line(marker: &str, text: &str) -> String {
    if text.is_empty() {
        marker.to_string()
    } else {
        format!("{marker} {text}")
    }
}

/// A string literal that reads back as `value`.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for ch in value.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

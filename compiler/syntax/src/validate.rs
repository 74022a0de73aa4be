//! Structural checks that the grammar leaves open on purpose (so the parser
//! stays small and recovers well): clause order and multiplicity, counts, and
//! the fields of `test` blocks. Name resolution and types come later, in the
//! analysis crate.

use crate::ast::*;
use writ_diagnostics::{Diagnostic, FileId, Span, codes, did_you_mean};

/// Fields a test's `change { … }` block may set.
pub const CHANGE_FIELDS: &[&str] = &[
    "adds",
    "at",
    "author",
    "deletes",
    "emergency",
    "label",
    "renames",
    "touches",
];

/// Decisions a test may expect.
pub(crate) const DECISIONS: &[&str] = &["allow", "deny", "pending"];

/// Outcomes a test may give a check.
pub(crate) const OUTCOMES: &[&str] = &["failed", "passed"];

pub(crate) fn validate(file: FileId, tree: &SourceFile) -> Vec<Diagnostic> {
    let mut v = Validator {
        file,
        out: Vec::new(),
    };
    for item in &tree.items {
        match &item.kind {
            ItemKind::Rule(rule) => v.rule(rule, item.span),
            ItemKind::Forbid(forbid) => v.forbid(forbid, item.span),
            ItemKind::Approval(def) => v.approval_body(&def.body),
            ItemKind::Emergency(def) => v.emergency(def, item.span),
            ItemKind::Test(test) => v.test(test, item.span),
            ItemKind::Let(def) => v.expr(&def.value),
            ItemKind::Assert(def) => v.assertion(def, item.span),
            ItemKind::Use(_) | ItemKind::Error => {}
        }
    }
    v.out
}

struct Validator {
    file: FileId,
    out: Vec<Diagnostic>,
}

fn clause_keyword(kind: &ClauseKind) -> &'static str {
    match kind {
        ClauseKind::For { .. } => "for",
        ClauseKind::When(_) => "when",
        ClauseKind::Unless(_) => "unless",
        ClauseKind::RequireCheck { .. } => "require check",
        ClauseKind::RequireApproval(_) => "require approval",
        ClauseKind::Error => "",
    }
}

impl Validator {
    /// A diagnostic about this file (not yet reported).
    fn error(
        &self,
        code: writ_diagnostics::Code,
        span: Span,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::new(code, self.file, span, message)
    }

    /// `for` clauses first, then `when`, then the rest; at most one `when`.
    fn clause_order(&mut self, clauses: &[Clause], owner: &str) {
        let mut first_non_for: Option<&Clause> = None;
        let mut when: Option<&Clause> = None;
        for clause in clauses {
            match &clause.kind {
                ClauseKind::For { .. } => {
                    if let Some(earlier) = first_non_for {
                        let keyword = clause_keyword(&earlier.kind);
                        let d = self
                            .error(codes::E0204, clause.span, "`for` after another clause")
                            .with_label("bindings must come first")
                            .with_secondary(
                                self.file,
                                earlier.span,
                                format!("this `{keyword}` comes before it"),
                            )
                            .with_help(format!("move every `for` to the top of the {owner}"));
                        self.out.push(d);
                    }
                }
                ClauseKind::When(_) => {
                    if let Some(first) = when {
                        let d = self
                            .error(
                                codes::E0206,
                                clause.span,
                                format!("a {owner} has at most one `when`"),
                            )
                            .with_label("second `when`")
                            .with_secondary(self.file, first.span, "first `when`")
                            .with_help("combine the conditions with `and`");
                        self.out.push(d);
                    } else {
                        when = Some(clause);
                    }
                    first_non_for.get_or_insert(clause);
                }
                ClauseKind::Error => {}
                ClauseKind::Unless(_)
                | ClauseKind::RequireCheck { .. }
                | ClauseKind::RequireApproval(_) => {
                    first_non_for.get_or_insert(clause);
                }
            }
            self.clause_exprs(clause);
        }
    }

    fn clause_exprs(&mut self, clause: &Clause) {
        match &clause.kind {
            ClauseKind::For { source, .. } => self.expr(source),
            ClauseKind::When(e) => self.expr(e),
            ClauseKind::RequireCheck { on, .. } => self.expr(on),
            ClauseKind::RequireApproval(ChainUse::Inline(body)) => self.approval_body(body),
            ClauseKind::RequireApproval(ChainUse::Named { args, .. }) => {
                args.iter().for_each(|a| self.expr(a))
            }
            ClauseKind::Unless(_) | ClauseKind::Error => {}
        }
    }

    fn rule(&mut self, rule: &Rule, span: Span) {
        if rule.clauses.is_empty() {
            let d = Diagnostic::new(
                codes::W0201,
                self.file,
                rule.name.span,
                format!("rule `{}` is empty", rule.name.name),
            )
            .with_label("fires on every change and requires nothing")
            .with_help(
                "add `for`/`when` clauses to scope it and `require` clauses to impose obligations",
            )
            .with_secondary(self.file, span, "");
            self.out.push(d);
        }
        for clause in &rule.clauses {
            if let ClauseKind::Unless(_) = clause.kind {
                let d = self
                    .error(codes::E0204, clause.span, "`unless emergency` in a rule")
                    .with_label("only a `forbid` can be lifted by an emergency path");
                self.out.push(d);
            }
        }
        self.clause_order(&rule.clauses, "rule");
    }

    fn forbid(&mut self, forbid: &Forbid, span: Span) {
        for clause in &forbid.clauses {
            if clause.kind.is_requirement() {
                let d = self
                    .error(codes::E0204, clause.span, "`require` in a forbid")
                    .with_label("a forbid denies; it imposes no obligations")
                    .with_help("put requirements in a `rule`, or lift the forbid with `unless emergency …`");
                self.out.push(d);
            }
        }
        let has_when = forbid
            .clauses
            .iter()
            .any(|c| matches!(c.kind, ClauseKind::When(_)));
        let has_error = forbid.clauses.iter().any(|c| c.kind == ClauseKind::Error);
        if !has_when && !has_error {
            let d = Diagnostic::new(
                codes::E0205,
                self.file,
                forbid.name.span,
                format!("forbid `{}` has no `when`", forbid.name.name),
            )
            .with_label("it would deny every change")
            .with_secondary(self.file, span, "")
            .with_help("state when it applies: `when change.reaches(…)`");
            self.out.push(d);
        }
        self.clause_order(&forbid.clauses, "forbid");
    }

    fn approval_body(&mut self, body: &ApprovalBody) {
        for step in &body.steps {
            self.step(step);
        }
        let mut seen: Option<Span> = None;
        for ChainOption::ExpiresAfter(duration, span) in &body.options {
            if let Some(first) = seen {
                let d = Diagnostic::new(
                    codes::E0206,
                    self.file,
                    *span,
                    "`expires after` given twice",
                )
                .with_secondary(self.file, first, "first given here")
                .with_help("keep one expiry");
                self.out.push(d);
            }
            if duration.seconds() == 0 {
                let d = self
                    .error(
                        codes::E0207,
                        *span,
                        "approvals that expire at once can never count",
                    )
                    .with_help("give a positive duration, e.g. `expires after 72h`");
                self.out.push(d);
            }
            seen = Some(*span);
        }
    }

    fn step(&mut self, step: &Step) {
        if step.count.kind == CountKind::Exactly(0) {
            let d = Diagnostic::new(
                codes::E0207,
                self.file,
                step.count.span,
                "an approval step needs at least 1 approver",
            )
            .with_label("zero approvals")
            .with_help("a step of 0 approvals imposes nothing; remove the step or use 1");
            self.out.push(d);
        }
        let mut humans: Option<Span> = None;
        for constraint in &step.constraints {
            match constraint {
                Constraint::HumansOnly(span) => {
                    if humans.is_some() {
                        let d = self
                            .error(codes::E0206, *span, "`humans only` given twice")
                            .with_help("remove the repetition");
                        self.out.push(d);
                    }
                    humans = Some(*span);
                }
                Constraint::DistinctFrom(e) => self.expr(e),
            }
        }
        for source in &step.sources {
            self.expr(source);
        }
    }

    fn emergency(&mut self, def: &EmergencyDef, span: Span) {
        let approvers: Vec<&Step> = def
            .clauses
            .iter()
            .filter_map(|c| match c {
                EmergencyClause::Approvers(step) => Some(step),
                _ => None,
            })
            .collect();
        let followups: Vec<Span> = def
            .clauses
            .iter()
            .filter_map(|c| match c {
                EmergencyClause::Followup { span, .. } => Some(*span),
                _ => None,
            })
            .collect();
        let broken = def
            .clauses
            .iter()
            .any(|c| matches!(c, EmergencyClause::Error(_)));
        for clause in &def.clauses {
            match clause {
                EmergencyClause::Approvers(step) => self.step(step),
                EmergencyClause::Followup {
                    reviewers: Some(step),
                    ..
                } => self.step(step),
                _ => {}
            }
        }
        if approvers.is_empty() && !broken {
            let d = Diagnostic::new(
                codes::E0205,
                self.file,
                def.name.span,
                format!("emergency path `{}` names no approvers", def.name.name),
            )
            .with_secondary(self.file, span, "")
            .with_help(
                "say who may break the glass, e.g. `1 of person \"oncall-lead\", person \"cto\"`",
            );
            self.out.push(d);
        }
        for extra in approvers.iter().skip(1) {
            let d = Diagnostic::new(
                codes::E0206,
                self.file,
                extra.span,
                "a second approver step in an emergency path",
            )
            .with_secondary(self.file, approvers[0].span, "first approver step")
            .with_help("list every approver in one step: `1 of person \"a\", person \"b\"`");
            self.out.push(d);
        }
        if followups.is_empty() && !broken {
            let d = Diagnostic::new(
                codes::E0205,
                self.file,
                def.name.span,
                format!("emergency path `{}` has no follow-up review", def.name.name),
            )
            .with_secondary(self.file, span, "")
            .with_help(
                "every break-glass change is reviewed afterwards: add `followup review within 48h`",
            );
            self.out.push(d);
        }
        for extra in followups.iter().skip(1) {
            let d = Diagnostic::new(
                codes::E0206,
                self.file,
                *extra,
                "a second `followup` in an emergency path",
            )
            .with_secondary(self.file, followups[0], "first `followup`")
            .with_help("keep one follow-up review");
            self.out.push(d);
        }
    }

    /// One `for`, then at most one `by`, at most one `when`, then at least
    /// one `expect`.
    fn assertion(&mut self, def: &AssertDef, span: Span) {
        fn keyword(kind: &AssertClauseKind) -> (&'static str, u8) {
            match kind {
                AssertClauseKind::For { .. } => ("for", 0),
                AssertClauseKind::By(_) => ("by", 1),
                AssertClauseKind::When(_) => ("when", 2),
                AssertClauseKind::ExpectDecision { .. }
                | AssertClauseKind::ExpectApprovals(_)
                | AssertClauseKind::ExpectCheck { .. } => ("expect", 3),
                AssertClauseKind::Error => ("", 4),
            }
        }
        let mut seen: [Option<Span>; 3] = [None; 3];
        let mut last: Option<&AssertClause> = None;
        let mut expects = 0;
        let broken = def
            .clauses
            .iter()
            .any(|c| c.kind == AssertClauseKind::Error);
        for clause in &def.clauses {
            let (word, rank) = keyword(&clause.kind);
            if rank == 4 {
                continue;
            }
            if let Some(prev) = last.filter(|p| keyword(&p.kind).1 > rank) {
                let d = self
                    .error(
                        codes::E0204,
                        clause.span,
                        format!("`{word}` after `{}`", keyword(&prev.kind).0),
                    )
                    .with_secondary(self.file, prev.span, "this comes before it")
                    .with_help(
                        "write an assertion's clauses in the order `for`, `by`, `when`, `expect`",
                    );
                self.out.push(d);
            }
            if rank < 3 {
                if let Some(first) = seen[rank as usize] {
                    let d = self
                        .error(
                            codes::E0206,
                            clause.span,
                            format!("an assertion has at most one `{word}`"),
                        )
                        .with_secondary(self.file, first, format!("first `{word}`"))
                        .with_help(match word {
                            "for" => "state one property per assertion",
                            "by" => "list every author class in one `by`",
                            _ => "combine the conditions with `and`",
                        });
                    self.out.push(d);
                } else {
                    seen[rank as usize] = Some(clause.span);
                }
            } else {
                expects += 1;
            }
            last = Some(clause);
            match &clause.kind {
                AssertClauseKind::For { source, .. } => self.expr(source),
                AssertClauseKind::By(classes) => classes.iter().for_each(|e| self.expr(e)),
                AssertClauseKind::When(e) => self.expr(e),
                AssertClauseKind::ExpectDecision { outcome, .. } => {
                    self.one_of_code(codes::E0210, outcome, DECISIONS, "decision")
                }
                AssertClauseKind::ExpectApprovals(step) => self.step(step),
                AssertClauseKind::ExpectCheck { on, .. } => self.expr(on),
                AssertClauseKind::Error => {}
            }
        }
        if broken {
            return;
        }
        if seen[0].is_none() {
            let d = Diagnostic::new(
                codes::E0205,
                self.file,
                def.name.span,
                format!("assertion `{}` has no `for`", def.name.name),
            )
            .with_secondary(self.file, span, "")
            .with_help(
                "say which nodes it is about: `for n in change.touches(service where tier == 0)`",
            );
            self.out.push(d);
        }
        if expects == 0 {
            let d = Diagnostic::new(
                codes::E0205,
                self.file,
                def.name.span,
                format!("assertion `{}` expects nothing", def.name.name),
            )
            .with_secondary(self.file, span, "")
            .with_help("add `expect requires 2 of owners(n)`, `expect not decision allow`, …");
            self.out.push(d);
        }
    }

    fn expr(&mut self, expr: &Expr) {
        match &expr.kind {
            ExprKind::Call(callee, args) => {
                self.expr(callee);
                for arg in args {
                    match arg {
                        Arg::Expr(e) => self.expr(e),
                        Arg::Depth(0, span) => {
                            let d = Diagnostic::new(
                                codes::E0207,
                                self.file,
                                *span,
                                "`depth <= 0` reaches nothing",
                            )
                            .with_label("a depth limit must be at least 1")
                            .with_help("use `change.touches(…)` for the changed nodes themselves");
                            self.out.push(d);
                        }
                        Arg::Depth(..) | Arg::Via(..) => {}
                    }
                }
            }
            ExprKind::Field(base, _) => self.expr(base),
            ExprKind::List(items) => items.iter().for_each(|e| self.expr(e)),
            ExprKind::Range(a, b) | ExprKind::Where(a, b) | ExprKind::Binary(_, a, b) => {
                self.expr(a);
                self.expr(b);
            }
            ExprKind::Not(e) => self.expr(e),
            _ => {}
        }
    }

    fn test(&mut self, test: &TestDef, span: Span) {
        let mut change: Option<Span> = None;
        let mut expects = 0;
        for stmt in &test.stmts {
            match &stmt.kind {
                TestStmtKind::Change(fields) => {
                    if let Some(first) = change {
                        let d = Diagnostic::new(
                            codes::E0206,
                            self.file,
                            stmt.span,
                            "a test has one `change`",
                        )
                        .with_secondary(self.file, first, "first `change`")
                        .with_help("merge the fields into one `change { … }` block");
                        self.out.push(d);
                    }
                    change = Some(stmt.span);
                    for field in fields {
                        self.change_field(field);
                    }
                }
                TestStmtKind::GivenCheck { outcome, .. } => {
                    self.one_of(outcome, OUTCOMES, "check outcome")
                }
                TestStmtKind::ExpectDecision(decision) => {
                    expects += 1;
                    self.one_of(decision, DECISIONS, "decision");
                }
                TestStmtKind::ExpectApproval { .. }
                | TestStmtKind::ExpectCheck { .. }
                | TestStmtKind::ExpectFires { .. } => expects += 1,
                TestStmtKind::GivenApproval { .. } | TestStmtKind::Error => {}
            }
        }
        // A statement that did not parse may have been the `change` or an
        // `expect`: the syntax error is the one to report.
        let broken = test.stmts.iter().any(|s| s.kind == TestStmtKind::Error);
        if change.is_none() && !broken {
            let d = Diagnostic::new(codes::E0205, self.file, test.name.span, "test has no `change`")
                .with_secondary(self.file, span, "")
                .with_help("describe the change under test: `change { touches \"src/lib.rs\" author \"dev1\" }`");
            self.out.push(d);
        }
        if expects == 0 && !broken {
            let d = Diagnostic::new(
                codes::E0205,
                self.file,
                test.name.span,
                "test expects nothing",
            )
            .with_secondary(self.file, span, "")
            .with_help("add `expect decision allow|deny|pending` or `expect fires rule_name`");
            self.out.push(d);
        }
    }

    fn one_of(&mut self, ident: &Ident, allowed: &[&str], what: &str) {
        self.one_of_code(codes::E0208, ident, allowed, what);
    }

    fn one_of_code(
        &mut self,
        code: writ_diagnostics::Code,
        ident: &Ident,
        allowed: &[&str],
        what: &str,
    ) {
        if allowed.contains(&ident.name.as_str()) {
            return;
        }
        let mut d = Diagnostic::new(
            code,
            self.file,
            ident.span,
            format!("unknown {what} `{}`", ident.name),
        )
        .with_label(format!("expected {}", allowed.join(", ")));
        if let Some(best) = did_you_mean(&ident.name, allowed.iter().copied()) {
            d = d.with_replacement(best);
        }
        self.out.push(d);
    }

    fn change_field(&mut self, field: &ChangeField) {
        let name = field.name.name.as_str();
        if !CHANGE_FIELDS.contains(&name) {
            self.one_of(&field.name, CHANGE_FIELDS, "change field");
            return;
        }
        for value in &field.values {
            let wants_string = !matches!(name, "at");
            let ok_type = match &value.value.kind {
                ExprKind::Str(_) => wants_string,
                ExprKind::Date(_) | ExprKind::DateTime(_) => !wants_string,
                _ => false,
            };
            if !ok_type {
                let expected = if wants_string {
                    "a string"
                } else {
                    "a date or date-time"
                };
                let d = Diagnostic::new(
                    codes::E0208,
                    self.file,
                    value.value.span,
                    format!("`{name}` takes {expected}"),
                )
                .with_label(format!("expected {expected}"));
                self.out.push(d);
            }
            match (&value.to, name) {
                (None, "renames") => {
                    let d = Diagnostic::new(
                        codes::E0208,
                        self.file,
                        value.value.span,
                        "a rename needs a new path",
                    )
                    .with_label("missing `-> \"new/path\"`")
                    .with_help("write `renames \"old/path\" -> \"new/path\"`");
                    self.out.push(d);
                }
                (Some(to), other) if other != "renames" => {
                    let d = Diagnostic::new(
                        codes::E0208,
                        self.file,
                        to.span,
                        format!("`->` only applies to `renames`, not `{other}`"),
                    )
                    .with_help("write `renames \"old/path\" -> \"new/path\"`");
                    self.out.push(d);
                }
                (Some(to), _) if !matches!(to.kind, ExprKind::Str(_)) => {
                    let d = Diagnostic::new(
                        codes::E0208,
                        self.file,
                        to.span,
                        "a rename target is a path string",
                    );
                    self.out.push(d);
                }
                _ => {}
            }
        }
        if matches!(name, "author" | "at") && field.values.len() > 1 {
            let d = Diagnostic::new(
                codes::E0208,
                self.file,
                field.span,
                format!("`{name}` takes one value"),
            )
            .with_help(format!("keep a single `{name}`"));
            self.out.push(d);
        }
    }
}

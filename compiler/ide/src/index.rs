//! Every name written in a file, resolved: the base of hover, navigation,
//! rename and semantic tokens.
//!
//! The walk only finds names, literals and declarations; what a name refers
//! to is the checker's decision, read from its per-file result
//! ([`writ_analysis::check::FileAnalysis::resolutions`]), never resolved
//! again here. A name the checker did not resolve is `Unresolved`.

use crate::Ctx;
use writ_analysis::check::{self, Resolution, Resolved};
use writ_analysis::db::SourceFile;
use writ_analysis::items::{self, Def, ItemKind};
use writ_diagnostics::Span;
use writ_graph::Graph;
use writ_syntax::ast::{self, ExprKind};

/// What a name or literal refers to.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Target {
    /// A rule, chain, forbid, emergency path or `let`.
    Item(Def),
    /// A module, by name.
    Module(String),
    /// A `for` variable or chain parameter, by its declaration's span.
    Local {
        /// The variable's name.
        name: String,
        /// Where it is declared (same file).
        decl: Span,
        /// A chain parameter (else a `for` variable).
        param: bool,
    },
    /// A node kind, or `any`.
    Kind(String),
    /// A node field or attribute (`tier`, `tags`, `svc.owners`).
    Field(String),
    /// A field or method of `change`.
    ChangeField(String),
    /// `owners(…)`.
    Builtin(String),
    /// A node id (`node "x"`, a node in a test).
    Node(String),
    /// A team id.
    Team(String),
    /// A person id.
    Person(String),
    /// A check name.
    Check(String),
    /// A tag.
    Tag(String),
    /// An edge kind (`via calls`).
    EdgeKind(String),
    /// `agent` / `human`.
    PrincipalKind(String),
    /// A name that resolves to nothing.
    Unresolved(String),
}

/// One name or literal in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Occurrence {
    /// The bytes of the name (quotes included for strings).
    pub span: Span,
    /// What it refers to.
    pub target: Target,
    /// The occurrence declares its target.
    pub is_def: bool,
}

/// Every occurrence in `file`, in source order.
pub(crate) fn occurrences(ctx: &Ctx<'_>, file: SourceFile) -> Vec<Occurrence> {
    let graph = ctx.graph();
    let resolved = &check::check_file(ctx.db, ctx.workspace, file).resolutions;
    let mut walker = Walker {
        ctx,
        file,
        module: file.module(ctx.db).clone(),
        graph: graph.as_deref(),
        resolved,
        locals: Vec::new(),
        params: Vec::new(),
        out: Vec::new(),
    };
    let parsed = ctx.parse(file);
    for item in &parsed.file.items {
        walker.item(item);
    }
    walker.out.sort_by_key(|o| (o.span.start, o.span.end));
    walker.out
}

/// The occurrence under `offset` (the innermost, preferring one that starts there).
pub(crate) fn occurrence_at(occurrences: &[Occurrence], offset: usize) -> Option<&Occurrence> {
    occurrences
        .iter()
        .filter(|o| o.span.contains(offset))
        .min_by_key(|o| (o.span.len(), o.span.end as usize == offset))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx2 {
    Normal,
    Filter,
}

struct Walker<'a, 'c> {
    ctx: &'a Ctx<'c>,
    file: SourceFile,
    module: String,
    graph: Option<&'a Graph>,
    /// The checker's resolutions, sorted by span.
    resolved: &'a [Resolution],
    locals: Vec<(String, Span)>,
    params: Vec<(String, Span)>,
    out: Vec<Occurrence>,
}

impl Walker<'_, '_> {
    fn push(&mut self, span: Span, target: Target, is_def: bool) {
        self.out.push(Occurrence {
            span,
            target,
            is_def,
        });
    }

    fn item(&mut self, item: &ast::Item) {
        self.locals.clear();
        self.params.clear();
        // An assertion's name is referred to by nothing.
        if let Some(name) = item
            .name()
            .filter(|_| !matches!(item.kind, ast::ItemKind::Assert(_)))
        {
            let kind = items::item_tree(self.ctx.db, self.file)
                .get(&name.name)
                .unwrap_or(ItemKind::Rule);
            let def = Def {
                module: self.module.clone(),
                name: name.name.clone(),
                kind,
            };
            self.push(name.span, Target::Item(def), true);
        }
        match &item.kind {
            ast::ItemKind::Use(u) => self.use_(u),
            ast::ItemKind::Rule(r) => self.clauses(&r.clauses),
            ast::ItemKind::Forbid(f) => self.clauses(&f.clauses),
            ast::ItemKind::Approval(a) => {
                for p in &a.params {
                    self.push(
                        p.span,
                        Target::Local {
                            name: p.name.clone(),
                            decl: p.span,
                            param: true,
                        },
                        true,
                    );
                    self.params.push((p.name.clone(), p.span));
                }
                self.body(&a.body);
            }
            ast::ItemKind::Emergency(e) => {
                for clause in &e.clauses {
                    match clause {
                        ast::EmergencyClause::Approvers(step) => self.step(step),
                        ast::EmergencyClause::Followup { reviewers, .. } => {
                            if let Some(step) = reviewers {
                                self.step(step);
                            }
                        }
                        ast::EmergencyClause::Error(_) => {}
                    }
                }
            }
            ast::ItemKind::Test(t) => {
                for stmt in &t.stmts {
                    self.test_stmt(stmt);
                }
            }
            ast::ItemKind::Let(l) => self.expr(&l.value, Ctx2::Normal),
            ast::ItemKind::Assert(a) => self.assert_clauses(&a.clauses),
            ast::ItemKind::Error => {}
        }
    }

    fn use_(&mut self, u: &ast::Use) {
        let module = items::join(&u.module.segments);
        if let (Some(first), Some(last)) = (u.module.segments.first(), u.module.segments.last()) {
            self.push(
                first.span.cover(last.span),
                Target::Module(module.clone()),
                false,
            );
        }
        let names: Vec<&ast::Ident> = match &u.tree {
            ast::UseTree::Single(name) => vec![name],
            ast::UseTree::Group(names) => names.iter().collect(),
            ast::UseTree::Glob(_) => Vec::new(),
        };
        for name in names {
            let target = self.item_at(name.span, &name.name);
            self.push(name.span, target, false);
        }
    }

    fn path(&mut self, path: &ast::Path) {
        let n = path.segments.len();
        if n > 1 {
            let module = items::join(&path.segments[..n - 1]);
            self.push(
                path.segments[0].span.cover(path.segments[n - 2].span),
                Target::Module(module),
                false,
            );
        }
        let last = path.last();
        let target = self.item_at(last.span, &last.name);
        self.push(last.span, target, false);
    }

    /// A `for var in source` clause (of a rule or an assertion): the
    /// source read, then `var` declared as a local.
    fn bind_for(&mut self, var: &ast::Ident, source: &ast::Expr) {
        self.expr(source, Ctx2::Normal);
        self.push(
            var.span,
            Target::Local {
                name: var.name.clone(),
                decl: var.span,
                param: false,
            },
            true,
        );
        self.locals.push((var.name.clone(), var.span));
    }

    fn clauses(&mut self, clauses: &[ast::Clause]) {
        for clause in clauses {
            match &clause.kind {
                ast::ClauseKind::For { var, source } => self.bind_for(var, source),
                ast::ClauseKind::When(e) => self.expr(e, Ctx2::Normal),
                ast::ClauseKind::Unless(p) => self.path(p),
                ast::ClauseKind::RequireCheck { check, on } => {
                    self.push(check.span, Target::Check(check.value.clone()), false);
                    self.expr(on, Ctx2::Normal);
                }
                ast::ClauseKind::RequireApproval(chain) => match chain {
                    ast::ChainUse::Named { path, args, .. } => {
                        self.path(path);
                        for a in args {
                            self.expr(a, Ctx2::Normal);
                        }
                    }
                    ast::ChainUse::Inline(body) => self.body(body),
                },
                ast::ClauseKind::Error => {}
            }
        }
    }

    fn assert_clauses(&mut self, clauses: &[ast::AssertClause]) {
        for clause in clauses {
            match &clause.kind {
                ast::AssertClauseKind::For { var, source } => self.bind_for(var, source),
                ast::AssertClauseKind::By(classes) => {
                    for c in classes {
                        self.expr(c, Ctx2::Normal);
                    }
                }
                ast::AssertClauseKind::When(e) => self.expr(e, Ctx2::Normal),
                ast::AssertClauseKind::ExpectApprovals(step) => self.step(step),
                ast::AssertClauseKind::ExpectCheck { check, on } => {
                    self.push(check.span, Target::Check(check.value.clone()), false);
                    self.expr(on, Ctx2::Normal);
                }
                ast::AssertClauseKind::ExpectDecision { .. } | ast::AssertClauseKind::Error => {}
            }
        }
    }

    fn body(&mut self, body: &ast::ApprovalBody) {
        for step in &body.steps {
            self.step(step);
        }
    }

    fn step(&mut self, step: &ast::Step) {
        for source in &step.sources {
            self.expr(source, Ctx2::Normal);
        }
        for c in &step.constraints {
            if let ast::Constraint::DistinctFrom(e) = c {
                self.expr(e, Ctx2::Normal);
            }
        }
    }

    fn test_stmt(&mut self, stmt: &ast::TestStmt) {
        match &stmt.kind {
            ast::TestStmtKind::Change(fields) => {
                for field in fields {
                    let person = field.name.name == "author";
                    for v in &field.values {
                        for e in std::iter::once(&v.value).chain(v.to.as_ref()) {
                            if let (true, ExprKind::Str(s)) = (person, &e.kind) {
                                self.push(e.span, Target::Person(s.clone()), false);
                            }
                        }
                    }
                }
            }
            ast::TestStmtKind::GivenApproval { chain, by } => {
                self.path(chain);
                for p in by {
                    self.push(p.span, Target::Person(p.value.clone()), false);
                }
            }
            ast::TestStmtKind::GivenCheck { check, node, .. }
            | ast::TestStmtKind::ExpectCheck { check, node, .. } => {
                self.push(check.span, Target::Check(check.value.clone()), false);
                self.push(node.span, Target::Node(node.value.clone()), false);
            }
            ast::TestStmtKind::ExpectApproval { chain, .. } => self.path(chain),
            ast::TestStmtKind::ExpectFires { rule, .. } => self.path(rule),
            ast::TestStmtKind::ExpectDecision(_) | ast::TestStmtKind::Error => {}
        }
    }

    /// The checker's resolution of the name at `span`.
    fn resolution(&self, span: Span) -> Option<&Resolved> {
        let i = self
            .resolved
            .binary_search_by_key(&(span.start, span.end), |r| (r.span.start, r.span.end))
            .ok()?;
        Some(&self.resolved[i].target)
    }

    /// What the checker resolved the item name at `span` to.
    fn item_at(&self, span: Span, name: &str) -> Target {
        match self.resolution(span) {
            Some(Resolved::Item(def)) => Target::Item(def.clone()),
            _ => Target::Unresolved(name.to_string()),
        }
    }

    /// What the checker resolved the bare name at `span` to; `for`
    /// variables and chain parameters point at their declarations.
    fn name_target(&self, span: Span, name: &str) -> Target {
        let local = |bound: &[(String, Span)], param: bool| {
            bound
                .iter()
                .rev()
                .find(|(n, _)| n == name)
                .map(|(n, decl)| Target::Local {
                    name: n.clone(),
                    decl: *decl,
                    param,
                })
        };
        let target = match self.resolution(span) {
            Some(Resolved::Item(def)) => Some(Target::Item(def.clone())),
            Some(Resolved::Local(_)) => local(&self.locals, false),
            Some(Resolved::Param(_)) => local(&self.params, true),
            Some(Resolved::Field(f)) => Some(Target::Field(f.clone())),
            Some(Resolved::Kind(k)) => Some(Target::Kind(k.clone())),
            Some(Resolved::PrincipalKind(k)) => Some(Target::PrincipalKind(k.clone())),
            None => None,
        };
        target.unwrap_or_else(|| Target::Unresolved(name.to_string()))
    }

    fn expr(&mut self, expr: &ast::Expr, ctx: Ctx2) {
        match &expr.kind {
            ExprKind::Name(ident) => {
                let target = self.name_target(ident.span, &ident.name);
                self.push(ident.span, target, false);
            }
            ExprKind::Entity(kind, id) => {
                let target = match kind {
                    ast::EntityKind::Team => Target::Team(id.value.clone()),
                    ast::EntityKind::Person => Target::Person(id.value.clone()),
                    ast::EntityKind::Node => Target::Node(id.value.clone()),
                };
                self.push(id.span, target, false);
            }
            ExprKind::List(items) => {
                for e in items {
                    self.expr(e, ctx);
                }
            }
            ExprKind::Range(a, b) => {
                self.expr(a, ctx);
                self.expr(b, ctx);
            }
            ExprKind::Field(base, field) => {
                if base.kind == ExprKind::Change {
                    self.push(field.span, Target::ChangeField(field.name.clone()), false);
                } else {
                    self.expr(base, ctx);
                    self.push(field.span, Target::Field(field.name.clone()), false);
                }
            }
            ExprKind::Call(callee, args) => {
                match &callee.kind {
                    ExprKind::Name(n) if n.name == "owners" => {
                        self.push(n.span, Target::Builtin(n.name.clone()), false);
                    }
                    _ => self.expr(callee, ctx),
                }
                for arg in args {
                    match arg {
                        ast::Arg::Expr(e) => self.expr(e, ctx),
                        ast::Arg::Via(kinds, _) => {
                            for k in kinds {
                                self.push(k.span, Target::EdgeKind(k.name.clone()), false);
                            }
                        }
                        ast::Arg::Depth(..) => {}
                    }
                }
            }
            ExprKind::Where(selector, filter) => {
                self.expr(selector, ctx);
                self.expr(filter, Ctx2::Filter);
            }
            ExprKind::Not(e) => self.expr(e, ctx),
            ExprKind::Binary(op, a, b) => {
                self.expr(a, ctx);
                // A string compared with a field names a tag, an owner, a check…
                let field = match &a.kind {
                    ExprKind::Name(n) if ctx == Ctx2::Filter => Some(n.name.as_str()),
                    ExprKind::Field(base, f) if base.kind != ExprKind::Change => {
                        Some(f.name.as_str())
                    }
                    _ => None,
                };
                if let (Some(field), ExprKind::Str(s)) = (field, &b.kind) {
                    let target = match (op, field) {
                        (ast::BinaryOp::Has, "tags") => Some(Target::Tag(s.clone())),
                        (ast::BinaryOp::Has, "checks") => Some(Target::Check(s.clone())),
                        (ast::BinaryOp::Has, "owners") => Some(self.principal(s)),
                        (ast::BinaryOp::Eq | ast::BinaryOp::Ne, "id") => {
                            Some(Target::Node(s.clone()))
                        }
                        (ast::BinaryOp::Eq | ast::BinaryOp::Ne, "kind") => {
                            Some(Target::Kind(s.clone()))
                        }
                        _ => None,
                    };
                    if let Some(target) = target {
                        self.push(b.span, target, false);
                        return;
                    }
                }
                self.expr(b, ctx);
            }
            ExprKind::Change
            | ExprKind::Str(_)
            | ExprKind::Int(_)
            | ExprKind::Bool(_)
            | ExprKind::Duration(_)
            | ExprKind::Date(_)
            | ExprKind::DateTime(_)
            | ExprKind::Error => {}
        }
    }

    fn principal(&self, id: &str) -> Target {
        match self.graph.and_then(|g| g.principal(id)) {
            Some(writ_graph::Principal::Person(_)) => Target::Person(id.to_string()),
            _ => Target::Team(id.to_string()),
        }
    }
}

/// The innermost expression under `offset` that is a node set worth
/// describing, with the `for` variables bound where it is written.
pub(crate) fn selector_at(
    file: &ast::SourceFile,
    offset: usize,
) -> Option<(ast::Expr, Vec<String>)> {
    let item = file.items.iter().find(|i| i.span.contains(offset))?;
    let mut locals = Vec::new();
    let mut found: Option<(ast::Expr, Vec<String>)> = None;
    let clauses: &[ast::Clause] = match &item.kind {
        ast::ItemKind::Rule(r) => &r.clauses,
        ast::ItemKind::Forbid(f) => &f.clauses,
        ast::ItemKind::Let(l) => {
            innermost(&l.value, offset, &locals, &mut found);
            return found;
        }
        _ => return None,
    };
    for clause in clauses {
        let expr = match &clause.kind {
            ast::ClauseKind::For { source, .. } => Some(source),
            ast::ClauseKind::When(e) => Some(e),
            ast::ClauseKind::RequireCheck { on, .. } => Some(on),
            ast::ClauseKind::RequireApproval(_)
            | ast::ClauseKind::Unless(_)
            | ast::ClauseKind::Error => None,
        };
        if let Some(e) = expr
            && e.span.contains(offset)
        {
            innermost(e, offset, &locals, &mut found);
            return found;
        }
        if let ast::ClauseKind::For { var, .. } = &clause.kind {
            locals.push(var.name.clone());
        }
    }
    None
}

fn innermost(
    expr: &ast::Expr,
    offset: usize,
    locals: &[String],
    found: &mut Option<(ast::Expr, Vec<String>)>,
) {
    if !expr.span.contains(offset) {
        return;
    }
    let selector = match &expr.kind {
        ExprKind::Where(..) | ExprKind::Name(_) => true,
        ExprKind::Entity(ast::EntityKind::Node, _) => true,
        ExprKind::Binary(ast::BinaryOp::Or, ..) => true,
        ExprKind::Call(callee, _) => matches!(&callee.kind, ExprKind::Field(base, m)
            if base.kind == ExprKind::Change && matches!(m.name.as_str(), "touches" | "reaches" | "exposes")),
        _ => false,
    };
    if selector {
        *found = Some((expr.clone(), locals.to_vec()));
    }
    match &expr.kind {
        ExprKind::Where(s, _) => innermost(s, offset, locals, found),
        ExprKind::Binary(ast::BinaryOp::Or | ast::BinaryOp::And, a, b) => {
            innermost(a, offset, locals, found);
            innermost(b, offset, locals, found);
        }
        ExprKind::Not(e) => innermost(e, offset, locals, found),
        ExprKind::Call(_, args) => {
            for a in args {
                if let ast::Arg::Expr(e) = a {
                    innermost(e, offset, locals, found);
                }
            }
        }
        _ => {}
    }
}

//! Document and workspace symbols, folding ranges.

use crate::{Analysis, Cancellable, Ctx, Location};
use writ_diagnostics::Span;
use writ_syntax::ast;

/// What a symbol is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SymbolKind {
    /// `rule`
    Rule,
    /// `approval`
    Approval,
    /// `forbid`
    Forbid,
    /// `emergency`
    Emergency,
    /// `let`
    Let,
    /// `test`
    Test,
    /// `assert`
    Assert,
    /// `use`
    Use,
    /// A `for` variable or chain parameter.
    Variable,
}

/// A named thing in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    /// The name (a test's name without quotes; a `use`'s module path).
    pub name: String,
    /// What it is.
    pub kind: SymbolKind,
    /// The file.
    pub path: String,
    /// The whole construct.
    pub span: Span,
    /// The name's bytes.
    pub name_span: Span,
    /// The module it belongs to (for workspace symbols).
    pub container: String,
    /// Nested symbols (variables of a rule, parameters of a chain).
    pub children: Vec<Symbol>,
}

/// What a folding range folds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FoldKind {
    /// An item's body, a block.
    Region,
    /// A run of comment or doc-comment lines.
    Comment,
    /// A run of `use` lines.
    Imports,
}

/// A foldable range.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Fold {
    /// The bytes folded (from the first line to the last).
    pub span: Span,
    /// What it is.
    pub kind: FoldKind,
}

impl Analysis {
    /// The items of a file, in source order.
    pub fn document_symbols(&self, path: &str) -> Cancellable<Vec<Symbol>> {
        self.with(|ctx| match ctx.file(path) {
            Some(file) => symbols(ctx, file),
            None => Vec::new(),
        })
    }

    /// Items of every file whose name contains the query's characters in
    /// order (case-insensitive), best matches first, at most `limit`.
    pub fn workspace_symbols(&self, query: &str, limit: usize) -> Cancellable<Vec<Symbol>> {
        self.with(|ctx| {
            let query = query.to_lowercase();
            let mut found: Vec<(usize, Symbol)> = Vec::new();
            for file in ctx.workspace.files(ctx.db) {
                for sym in symbols(ctx, *file) {
                    if sym.kind == SymbolKind::Use {
                        continue;
                    }
                    if let Some(score) = fuzzy(&query, &sym.name.to_lowercase()) {
                        found.push((
                            score,
                            Symbol {
                                children: Vec::new(),
                                ..sym
                            },
                        ));
                    }
                }
            }
            found.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.name.cmp(&b.1.name)));
            found.into_iter().take(limit).map(|(_, s)| s).collect()
        })
    }

    /// Foldable ranges of a file: items and blocks spanning several lines,
    /// runs of comments, runs of `use`s.
    pub fn folding_ranges(&self, path: &str) -> Cancellable<Vec<Fold>> {
        self.with(|ctx| match ctx.file(path) {
            Some(file) => folds(ctx, file),
            None => Vec::new(),
        })
    }
}

impl Symbol {
    /// Where the symbol is.
    pub fn location(&self) -> Location {
        Location {
            path: self.path.clone(),
            span: self.span,
        }
    }
}

/// A subsequence match: lower is better (earlier, tighter).
fn fuzzy(query: &str, name: &str) -> Option<usize> {
    if query.is_empty() {
        return Some(0);
    }
    if let Some(i) = name.find(query) {
        return Some(i);
    }
    let mut chars = name.char_indices();
    let mut last = 0;
    for q in query.chars() {
        let (i, _) = chars.by_ref().find(|(_, c)| *c == q)?;
        last = i;
    }
    Some(100 + last)
}

fn symbols(ctx: &Ctx<'_>, file: writ_analysis::db::SourceFile) -> Vec<Symbol> {
    let parsed = ctx.parse(file);
    let path = file.path(ctx.db).clone();
    let module = file.module(ctx.db).clone();
    let mut out = Vec::new();
    for item in &parsed.file.items {
        let var = |ident: &ast::Ident| Symbol {
            name: ident.name.clone(),
            kind: SymbolKind::Variable,
            path: path.clone(),
            span: ident.span,
            name_span: ident.span,
            container: module.clone(),
            children: Vec::new(),
        };
        let (kind, name, name_span, children) = match &item.kind {
            ast::ItemKind::Rule(r) => (
                SymbolKind::Rule,
                r.name.name.clone(),
                r.name.span,
                for_vars(&r.clauses).map(var).collect(),
            ),
            ast::ItemKind::Forbid(f) => (
                SymbolKind::Forbid,
                f.name.name.clone(),
                f.name.span,
                for_vars(&f.clauses).map(var).collect(),
            ),
            ast::ItemKind::Approval(a) => (
                SymbolKind::Approval,
                a.name.name.clone(),
                a.name.span,
                a.params.iter().map(var).collect(),
            ),
            ast::ItemKind::Emergency(e) => (
                SymbolKind::Emergency,
                e.name.name.clone(),
                e.name.span,
                Vec::new(),
            ),
            ast::ItemKind::Let(l) => (
                SymbolKind::Let,
                l.name.name.clone(),
                l.name.span,
                Vec::new(),
            ),
            ast::ItemKind::Test(t) => (
                SymbolKind::Test,
                t.name.value.clone(),
                t.name.span,
                Vec::new(),
            ),
            ast::ItemKind::Assert(a) => (
                SymbolKind::Assert,
                a.name.name.clone(),
                a.name.span,
                a.clauses
                    .iter()
                    .filter_map(|c| match &c.kind {
                        ast::AssertClauseKind::For { var, .. } => Some(var),
                        _ => None,
                    })
                    .map(var)
                    .collect(),
            ),
            ast::ItemKind::Use(u) => (
                SymbolKind::Use,
                u.module.to_string(),
                u.module.span,
                Vec::new(),
            ),
            ast::ItemKind::Error => continue,
        };
        if name.is_empty() && kind != SymbolKind::Test {
            continue;
        }
        out.push(Symbol {
            name,
            kind,
            path: path.clone(),
            span: item.span.cover(name_span),
            name_span,
            container: module.clone(),
            children,
        });
    }
    out
}

fn for_vars(clauses: &[ast::Clause]) -> impl Iterator<Item = &ast::Ident> {
    clauses.iter().filter_map(|c| match &c.kind {
        ast::ClauseKind::For { var, .. } => Some(var),
        _ => None,
    })
}

fn folds(ctx: &Ctx<'_>, file: writ_analysis::db::SourceFile) -> Vec<Fold> {
    let text = file.text(ctx.db);
    let parsed = ctx.parse(file);
    let lines = writ_diagnostics::LineIndex::new(text);
    let line_of = |offset: u32| lines.line_of(offset as usize);
    let mut out = Vec::new();
    let push = |span: Span, kind: FoldKind, out: &mut Vec<Fold>| {
        if line_of(span.start) < line_of(span.end) {
            out.push(Fold { span, kind });
        }
    };
    let mut uses: Option<Span> = None;
    for item in &parsed.file.items {
        if let ast::ItemKind::Use(_) = item.kind {
            uses = Some(uses.map_or(item.span, |u| u.cover(item.span)));
            continue;
        }
        if let Some(u) = uses.take() {
            push(u, FoldKind::Imports, &mut out);
        }
        push(item.span, FoldKind::Region, &mut out);
        if let ast::ItemKind::Test(t) = &item.kind {
            for stmt in &t.stmts {
                if let ast::TestStmtKind::Change(_) = stmt.kind {
                    push(stmt.span, FoldKind::Region, &mut out);
                }
            }
        }
        if let ast::ItemKind::Rule(ast::Rule { clauses, .. })
        | ast::ItemKind::Forbid(ast::Forbid { clauses, .. }) = &item.kind
        {
            for c in clauses {
                if let ast::ClauseKind::RequireApproval(ast::ChainUse::Inline(body)) = &c.kind {
                    push(body.span, FoldKind::Region, &mut out);
                }
            }
        }
    }
    if let Some(u) = uses.take() {
        push(u, FoldKind::Imports, &mut out);
    }
    // Runs of comment lines (plain, doc and module doc).
    let mut run: Option<Span> = None;
    let mut last_line = usize::MAX;
    let mut offset = 0usize;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let line_no = line_of(offset as u32);
        if trimmed.starts_with("//") {
            let start = offset + (line.len() - trimmed.len());
            let end = offset + line.trim_end().len();
            let span = Span::new(start, end);
            run = match run {
                Some(r) if last_line + 1 == line_no => Some(r.cover(span)),
                Some(r) => {
                    push(r, FoldKind::Comment, &mut out);
                    Some(span)
                }
                None => Some(span),
            };
            last_line = line_no;
        }
        offset += line.len();
    }
    if let Some(r) = run {
        push(r, FoldKind::Comment, &mut out);
    }
    out.sort();
    out
}

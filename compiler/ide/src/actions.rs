//! Diagnostics, code actions ("did you mean" fixes) and code lenses.

use crate::index::{Target, occurrences};
use crate::{Analysis, Cancellable, Ctx, TextEdit, why};
use std::collections::{BTreeMap, HashMap};
use writ_analysis::check::selector_nodes;
use writ_analysis::db::SourceFile;
use writ_analysis::workspace::workspace_diagnostics;
use writ_diagnostics::plural;
use writ_diagnostics::{Diagnostic, FileId, Severity, Span};
use writ_syntax::ast;

/// A diagnostic in editor terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileDiagnostic {
    /// Stable code, e.g. `E0401`.
    pub code: String,
    /// Error, warning or note.
    pub severity: Severity,
    /// The message, with its notes and help on following lines.
    pub message: String,
    /// Where.
    pub span: Span,
    /// Other places that explain it.
    pub related: Vec<Related>,
    /// Machine-applicable fixes: `(title, edit)` in this file.
    pub fixes: Vec<(String, TextEdit)>,
}

/// A secondary place of a diagnostic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    /// The file.
    pub path: String,
    /// The bytes.
    pub span: Span,
    /// What it has to do with the problem.
    pub message: String,
}

/// A fix offered at a place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeAction {
    /// What it does ("replace with `security_signoff`").
    pub title: String,
    /// The edits, by file.
    pub edits: BTreeMap<String, Vec<TextEdit>>,
    /// The diagnostic it fixes.
    pub diagnostic: FileDiagnostic,
    /// The preferred fix of its diagnostic (the first suggestion).
    pub preferred: bool,
}

/// A line of information shown above a construct.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeLens {
    /// The construct (a rule's name).
    pub span: Span,
    /// The text shown.
    pub title: String,
}

impl Analysis {
    /// Every diagnostic of the workspace by file path (syntax, names, types,
    /// the graph, workspace-wide checks, and with a graph the assertions
    /// `writ prove` finds violated, with their counterexamples). Files
    /// without diagnostics are left out; standard-library files are
    /// included only if they have some.
    pub fn diagnostics(&self) -> Cancellable<BTreeMap<String, Vec<FileDiagnostic>>> {
        self.with(|ctx| {
            let paths = paths(ctx);
            let mut out: BTreeMap<String, Vec<FileDiagnostic>> = BTreeMap::new();
            let proved = crate::assertions::assertion_diagnostics(ctx.db, ctx.workspace);
            for d in workspace_diagnostics(ctx.db, ctx.workspace)
                .iter()
                .chain(proved)
            {
                let Some(path) = paths.get(&d.primary.file) else {
                    continue;
                };
                out.entry(path.clone())
                    .or_default()
                    .push(convert(d, &paths));
            }
            out
        })
    }

    /// The "did you mean" fixes of the diagnostics of `path` that overlap `span`.
    pub fn code_actions(&self, path: &str, span: Span) -> Cancellable<Vec<CodeAction>> {
        self.with(|ctx| {
            let Some(file) = ctx.file(path) else {
                return Vec::new();
            };
            let paths = paths(ctx);
            let id = file.file_id(ctx.db);
            let mut out = Vec::new();
            for d in workspace_diagnostics(ctx.db, ctx.workspace) {
                let p = d.primary.span;
                if d.primary.file != id || p.end < span.start || p.start > span.end {
                    continue;
                }
                let converted = convert(d, &paths);
                for (i, s) in d.suggestions.iter().enumerate() {
                    let Some(target) = paths.get(&s.file) else {
                        continue;
                    };
                    let mut edits = BTreeMap::new();
                    edits.insert(
                        target.clone(),
                        vec![TextEdit {
                            span: s.span,
                            text: s.replacement.clone(),
                        }],
                    );
                    out.push(CodeAction {
                        title: s.title.clone(),
                        edits,
                        diagnostic: converted.clone(),
                        preferred: i == 0,
                    });
                }
            }
            out
        })
    }

    /// A lens above each rule and forbid: how many nodes it applies to (with a
    /// graph) and how many policy tests name it.
    pub fn code_lenses(&self, path: &str) -> Cancellable<Vec<CodeLens>> {
        self.with(|ctx| match ctx.file(path) {
            Some(file) => lenses(ctx, file),
            None => Vec::new(),
        })
    }
}

fn paths(ctx: &Ctx<'_>) -> HashMap<FileId, String> {
    let mut paths: HashMap<FileId, String> = ctx
        .workspace
        .files(ctx.db)
        .iter()
        .map(|f| (f.file_id(ctx.db), f.path(ctx.db).clone()))
        .collect();
    if let Some(g) = ctx.workspace.graph(ctx.db) {
        paths.insert(g.file_id(ctx.db), g.path(ctx.db).clone());
    }
    paths
}

fn convert(d: &Diagnostic, paths: &HashMap<FileId, String>) -> FileDiagnostic {
    let mut message = d.message.clone();
    for note in &d.notes {
        message.push_str(&format!("\nnote: {note}"));
    }
    if let Some(help) = &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    FileDiagnostic {
        code: d.code.id().to_string(),
        severity: d.severity,
        message,
        span: d.primary.span,
        related: d
            .secondary
            .iter()
            .filter_map(|l| {
                Some(Related {
                    path: paths.get(&l.file)?.clone(),
                    span: l.span,
                    message: l.message.clone(),
                })
            })
            .collect(),
        fixes: d
            .suggestions
            .iter()
            .filter(|s| s.file == d.primary.file)
            .map(|s| {
                (
                    s.title.clone(),
                    TextEdit {
                        span: s.span,
                        text: s.replacement.clone(),
                    },
                )
            })
            .collect(),
    }
}

/// For each rule or forbid id that some test expects to fire (or not), how
/// many of those tests pass and fail, running the policy's tests exactly as
/// `writ test` does. Empty when the workspace does not compile. Cached by
/// salsa until a policy file or the graph changes.
#[salsa::tracked(returns(ref))]
fn test_outcomes(
    db: &dyn writ_analysis::db::Db,
    workspace: writ_analysis::db::Workspace,
) -> std::collections::BTreeMap<String, (usize, usize)> {
    let mut out = std::collections::BTreeMap::new();
    let Ok(plan) = writ_analysis::compile_plan(db, workspace) else {
        return out;
    };
    let Ok(prepared) = writ_runtime::Prepared::new(plan) else {
        return out;
    };
    for test in writ_analysis::compile_tests(db, workspace) {
        let passed = writ_runtime::testing::run_test(&prepared, &test)
            .failures
            .is_empty();
        let mut named: Vec<&str> = Vec::new();
        for e in &test.expectations {
            if let writ_plan::tests::ExpectationKind::Fires(id) = &e.kind
                && !named.contains(&id.as_str())
            {
                named.push(id);
            }
        }
        for id in named {
            let entry = out.entry(id.to_string()).or_insert((0, 0));
            if passed {
                entry.0 += 1;
            } else {
                entry.1 += 1;
            }
        }
    }
    out
}

fn lenses(ctx: &Ctx<'_>, file: SourceFile) -> Vec<CodeLens> {
    let parsed = ctx.parse(file);
    let module = file.module(ctx.db).clone();
    let has_graph = ctx.graph().is_some();
    // Tests naming each item of this module (`expect [not] fires x`).
    let mut tests: HashMap<String, usize> = HashMap::new();
    for f in ctx.workspace.files(ctx.db) {
        if !f.text(ctx.db).contains("fires") {
            continue;
        }
        let p = ctx.parse(*f);
        let occs = occurrences(ctx, *f);
        for item in &p.file.items {
            let ast::ItemKind::Test(t) = &item.kind else {
                continue;
            };
            let mut named: Vec<String> = Vec::new();
            for stmt in &t.stmts {
                if let ast::TestStmtKind::ExpectFires { rule, .. } = &stmt.kind
                    && let Some(o) = occs.iter().find(|o| o.span == rule.last().span)
                    && let Target::Item(def) = &o.target
                    && def.module == module
                    && !named.contains(&def.name)
                {
                    named.push(def.name.clone());
                }
            }
            for n in named {
                *tests.entry(n).or_default() += 1;
            }
        }
    }
    let mut out = Vec::new();
    for item in &parsed.file.items {
        let (name, clauses) = match &item.kind {
            ast::ItemKind::Rule(r) => (&r.name, &r.clauses),
            ast::ItemKind::Forbid(f) => (&f.name, &f.clauses),
            _ => continue,
        };
        if has_graph {
            let mut locals: Vec<String> = Vec::new();
            let mut sizes: Vec<(usize, bool)> = Vec::new();
            let mut known = true;
            for c in clauses {
                if let ast::ClauseKind::For { var, source } = &c.kind {
                    match selector_nodes(ctx.db, ctx.workspace, file, source, &locals) {
                        Some(n) => sizes.push((n.nodes.len(), n.dynamic)),
                        None => known = false,
                    }
                    locals.push(var.name.clone());
                }
            }
            let title = if !known {
                None
            } else if sizes.is_empty() {
                Some("applies to every change".to_string())
            } else {
                let dynamic = sizes.iter().any(|(_, d)| *d);
                let total = sizes.iter().map(|(n, _)| n).product::<usize>();
                let what = if sizes.len() == 1 {
                    plural(total, "node")
                } else {
                    plural(total, "node combination")
                };
                Some(if dynamic {
                    format!("applies to up to {what}, depending on the change")
                } else {
                    format!("applies to {what}")
                })
            };
            if let Some(title) = title {
                out.push(CodeLens {
                    span: name.span,
                    title,
                });
            }
            // Which files can make it fire (rules every change concerns have no such lens).
            if let Some(graph) = ctx.graph()
                && let Some(title) = why::rule_lens(&graph, &why::rule_sources(ctx, file, clauses))
            {
                out.push(CodeLens {
                    span: name.span,
                    title,
                });
            }
        }
        let n = tests.get(&name.name).copied().unwrap_or(0);
        let id = format!("{module}::{}", name.name);
        let title = match test_outcomes(ctx.db, ctx.workspace).get(&id) {
            Some(&(passed, 0)) => format!("tests: {passed} pass"),
            Some(&(passed, failed)) => format!("tests: {passed} pass, {failed} fail"),
            // The policy does not compile (or has no graph): count only.
            None => format!("tests: {n}"),
        };
        out.push(CodeLens {
            span: name.span,
            title,
        });
    }
    out
}

//! Checking one file: names, types and the graph, and lowering its items to
//! plan IR in the same pass (one walk, so what is checked is what is compiled).
//!
//! Without a graph, everything that does not need it is checked and nothing
//! is lowered. With a graph, every node id, kind, tag, attribute, team,
//! person, check and edge kind is verified ("did you mean …?"), selectors are
//! resolved to node sets, and the file's rules, forbids, chains, emergency
//! paths and tests come out as plan IR.

use crate::db::{Db, GraphFacts, SourceFile, Workspace, graph, graph_facts, parse};
use crate::items::{self, Def, ItemKind, item_tree, module_map, scope};
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use writ_diagnostics::{Code, Diagnostic, FileId, Span, codes, did_you_mean};
use writ_graph::Graph;
use writ_graph::model::AttrValue;
use writ_plan::ir;
use writ_plan::tests as pt;
use writ_syntax::ast::{self, ExprKind};

/// The result of checking one file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileAnalysis {
    /// Every diagnostic for the file (syntax included), sorted.
    pub diagnostics: Vec<Diagnostic>,
    /// The file's items as plan IR (only with a graph and without errors).
    pub lowered: Option<LoweredFile>,
}

/// One file's items as plan IR. `NodeSet::Static(i)` indexes `sets`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoweredFile {
    /// File-local static node sets.
    pub sets: Vec<Vec<u32>>,
    /// Rules.
    pub rules: Vec<ir::Rule>,
    /// Forbids.
    pub forbids: Vec<ir::Forbid>,
    /// Chains, named and inline.
    pub chains: Vec<ir::Chain>,
    /// Emergency paths.
    pub emergencies: Vec<ir::Emergency>,
    /// Policy tests.
    pub tests: Vec<pt::TestCase>,
}

/// Checks (and, with a graph, lowers) one file.
#[salsa::tracked(returns(ref))]
pub fn check_file(db: &dyn Db, workspace: Workspace, file: SourceFile) -> FileAnalysis {
    let graph = graph(db, workspace);
    let facts = graph_facts(db, workspace);
    let source_index = workspace
        .files(db)
        .iter()
        .position(|f| *f == file)
        .unwrap_or(0) as u32;
    let mut checker = Checker {
        db,
        workspace,
        file,
        file_id: file.file_id(db),
        module: file.module(db).clone(),
        source_index,
        graph: graph.as_deref(),
        facts: facts.as_deref(),
        diagnostics: parse(db, file).diagnostics.clone(),
        all_nodes: None,
        filter_cache: BTreeMap::new(),
        kind_cache: BTreeMap::new(),
        out: LoweredFile::default(),
        set_index: BTreeMap::new(),
        set_signatures: BTreeMap::new(),
        locals: Vec::new(),
        params: Vec::new(),
        let_stack: Vec::new(),
        foreign: 0,
        used_names: BTreeSet::new(),
        inline_chains: 0,
        current_item: String::new(),
    };
    checker.check();
    let mut diagnostics = checker.diagnostics;
    writ_diagnostics::sort(&mut diagnostics);
    diagnostics.dedup();
    let lowered =
        (graph.is_some() && !diagnostics.iter().any(Diagnostic::is_error)).then_some(checker.out);
    FileAnalysis {
        diagnostics,
        lowered,
    }
}

/// Byte offsets of the starts of a file's lines (for line/column of origins).
#[salsa::tracked(returns(ref))]
pub fn line_starts(db: &dyn Db, file: SourceFile) -> Vec<usize> {
    let text = file.text(db);
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

/// The type of an expression.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Ty {
    Bool,
    Int,
    Str,
    Duration,
    Time,
    /// A set of nodes.
    Nodes,
    /// One node.
    Node,
    Person,
    Team,
    /// A set of strings (tags, labels, files, owners, checks).
    StrSet,
    List(Box<Ty>),
    Range(Box<Ty>),
    /// `agent` / `human`, right of `is`.
    PrincipalKind,
    /// Already reported; accept anything.
    Error,
}

impl Ty {
    fn describe(&self) -> String {
        match self {
            Ty::Bool => "a condition (bool)".into(),
            Ty::Int => "an integer".into(),
            Ty::Str => "a string".into(),
            Ty::Duration => "a duration".into(),
            Ty::Time => "a date or time".into(),
            Ty::Nodes => "a set of nodes".into(),
            Ty::Node => "a node".into(),
            Ty::Person => "a person".into(),
            Ty::Team => "a team".into(),
            Ty::StrSet => "a set of strings".into(),
            Ty::List(t) => format!("a list of {}", t.describe()),
            Ty::Range(t) => format!("a range of {}", t.describe()),
            Ty::PrincipalKind => "`agent` or `human`".into(),
            Ty::Error => "anything".into(),
        }
    }
}

/// A checked expression: its type and its IR.
#[derive(Clone, Debug)]
struct Val {
    ty: Ty,
    expr: ir::Expr,
}

impl Val {
    fn new(ty: Ty, expr: ir::Expr) -> Val {
        Val { ty, expr }
    }
    fn error() -> Val {
        Val::new(Ty::Error, ir::Expr::Bool(false))
    }
}

/// The type of a chain parameter, inferred from its use in the chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ParamTy {
    Node,
    Principal,
    Unused,
}

/// What an expression is evaluated against.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    /// A rule, forbid or `let`.
    Normal,
    /// Inside `where`: bare names are the node's fields.
    Filter,
}

/// Marks the node under test inside a `where` filter.
const FILTER_VAR: u32 = u32::MAX;

struct Checker<'a> {
    db: &'a dyn Db,
    workspace: Workspace,
    file: SourceFile,
    file_id: FileId,
    module: String,
    source_index: u32,
    graph: Option<&'a Graph>,
    facts: Option<&'a GraphFacts>,
    diagnostics: Vec<Diagnostic>,
    /// The interned set of every node.
    all_nodes: Option<u32>,
    /// `where` results by (input set, filter).
    filter_cache: BTreeMap<(u32, String), u32>,
    /// Interned sets of node kinds.
    kind_cache: BTreeMap<String, u32>,
    out: LoweredFile,
    set_index: BTreeMap<Vec<u32>, u32>,
    /// [`signature`] of interned sets, computed once per set.
    set_signatures: BTreeMap<u32, u64>,
    /// `for` variables of the current rule or forbid.
    locals: Vec<String>,
    /// Parameters of the current chain, with inferred types.
    params: Vec<(String, ParamTy)>,
    /// `let`s being expanded (cycle detection).
    let_stack: Vec<String>,
    /// >0 while expanding a `let` of another file (its diagnostics belong there).
    foreign: u32,
    used_names: BTreeSet<String>,
    inline_chains: u32,
    current_item: String,
}

impl<'a> Checker<'a> {
    // ------------------------------------------------------------ reporting

    fn report(&mut self, diagnostic: Diagnostic) {
        if self.foreign == 0 {
            self.diagnostics.push(diagnostic);
        }
    }

    fn error(&mut self, code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, self.file_id, span, message)
    }

    fn unknown(&mut self, code: Code, span: Span, what: &str, name: &str, candidates: Vec<String>) {
        let mut d = self.error(code, span, format!("unknown {what} `{name}`"));
        match did_you_mean(name, candidates.iter().map(String::as_str)) {
            Some(best) => {
                let best = best.to_string();
                d = d
                    .with_label(format!("no {what} has this name"))
                    .with_replacement_text(span, &best);
            }
            None => {
                d = d.with_label(format!("no {what} has this name"));
                if !candidates.is_empty() && candidates.len() <= 12 {
                    d = d.with_note(format!("known: {}", candidates.join(", ")));
                }
            }
        }
        self.report(d);
    }

    fn origin(&self, span: Span) -> ir::Origin {
        let text = self.file.text(self.db);
        let offset = text.floor_char_boundary_compat((span.start as usize).min(text.len()));
        let starts = line_starts(self.db, self.file);
        let line = starts.partition_point(|&s| s <= offset).max(1);
        let line_start = starts[line - 1];
        let column = text[line_start..offset].chars().count() as u32 + 1;
        ir::Origin {
            source: self.source_index,
            span: [span.start, span.end],
            line: line as u32,
            column,
        }
    }

    fn intern(&mut self, mut set: Vec<u32>) -> u32 {
        set.sort_unstable();
        set.dedup();
        if let Some(&i) = self.set_index.get(&set) {
            return i;
        }
        let i = self.out.sets.len() as u32;
        self.out.sets.push(set.clone());
        self.set_index.insert(set, i);
        i
    }

    fn set_contents(&self, i: u32) -> &[u32] {
        &self.out.sets[i as usize]
    }

    // ------------------------------------------------------------ items

    fn check(&mut self) {
        let parsed = parse(self.db, self.file);
        self.check_definitions(&parsed.file);
        self.check_imports(&parsed.file);
        for item in &parsed.file.items {
            let doc = item.docs.join("\n");
            match &item.kind {
                ast::ItemKind::Rule(rule) => self.rule(rule, item.span, doc),
                ast::ItemKind::Forbid(forbid) => self.forbid(forbid, item.span, doc),
                ast::ItemKind::Approval(def) => self.approval(def, item.span, doc),
                ast::ItemKind::Emergency(def) => self.emergency(def, item.span, doc),
                ast::ItemKind::Let(def) => {
                    self.current_item = def.name.name.clone();
                    self.let_stack
                        .push(format!("{}::{}", self.module, def.name.name));
                    self.expr(&def.value, Context::Normal);
                    self.let_stack.pop();
                }
                // The standard library's own tests are written against its
                // bundled test graph (stdlib-policies/testdata); they run when
                // the library's files are tested as a policy folder, never as
                // part of a user's policy.
                ast::ItemKind::Test(_) if crate::lower::is_std(&self.module) => {}
                ast::ItemKind::Test(test) => self.test(test, item.span),
                ast::ItemKind::Use(_) | ast::ItemKind::Error => {}
            }
        }
        self.unused_imports(&parsed.file);
    }

    fn check_definitions(&mut self, file: &ast::SourceFile) {
        let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
        for item in &file.items {
            let Some(name) = item.name() else { continue };
            if let Some(first) = seen.get(name.name.as_str()) {
                let d = self
                    .error(
                        codes::E0302,
                        name.span,
                        format!("`{}` is defined twice in this module", name.name),
                    )
                    .with_label("second definition")
                    .with_secondary(self.file_id, *first, "first defined here")
                    .with_help("rename one of them");
                self.report(d);
            } else {
                seen.insert(&name.name, name.span);
            }
        }
    }

    fn check_imports(&mut self, file: &ast::SourceFile) {
        let modules = module_map(self.db, self.workspace);
        let local: BTreeSet<String> = item_tree(self.db, self.file)
            .items
            .iter()
            .map(|(n, _)| n.clone())
            .collect();
        let mut imported: BTreeMap<String, (String, Span)> = BTreeMap::new();
        for item in &file.items {
            let ast::ItemKind::Use(u) = &item.kind else {
                continue;
            };
            let module = items::join(&u.module.segments);
            let Some(target) = modules.get(&module) else {
                let candidates: Vec<String> = modules.keys().cloned().collect();
                self.unknown(codes::E0303, u.module.span, "module", &module, candidates);
                continue;
            };
            let tree = item_tree(self.db, *target);
            let names: Vec<&ast::Ident> = match &u.tree {
                ast::UseTree::Single(name) => vec![name],
                ast::UseTree::Group(names) => names.iter().collect(),
                ast::UseTree::Glob(_) => Vec::new(),
            };
            for name in names {
                if tree.get(&name.name).is_none() {
                    let candidates: Vec<String> =
                        tree.items.iter().map(|(n, _)| n.clone()).collect();
                    let mut d = self
                        .error(
                            codes::E0304,
                            name.span,
                            format!("module `{module}` has no item `{}`", name.name),
                        )
                        .with_label("not declared there");
                    if let Some(best) =
                        did_you_mean(&name.name, candidates.iter().map(String::as_str))
                    {
                        let best = best.to_string();
                        d = d.with_replacement_text(name.span, &best);
                    }
                    self.report(d);
                    continue;
                }
                if local.contains(&name.name) {
                    let d = self
                        .error(
                            codes::E0308,
                            name.span,
                            format!("`{}` is already defined in this module", name.name),
                        )
                        .with_label("imported here")
                        .with_help(format!(
                            "rename the local `{}` or refer to the import by its path",
                            name.name
                        ));
                    self.report(d);
                } else if let Some((other, first)) = imported.get(&name.name) {
                    if *other != module {
                        let d = self
                            .error(
                                codes::E0308,
                                name.span,
                                format!("`{}` is imported twice", name.name),
                            )
                            .with_label(format!("from `{module}`"))
                            .with_secondary(
                                self.file_id,
                                *first,
                                format!("already imported from `{other}`"),
                            )
                            .with_help("import one of them and refer to the other by its path");
                        self.report(d);
                    }
                } else {
                    imported.insert(name.name.clone(), (module.clone(), name.span));
                }
            }
        }
    }

    fn unused_imports(&mut self, file: &ast::SourceFile) {
        for item in &file.items {
            let ast::ItemKind::Use(u) = &item.kind else {
                continue;
            };
            let names: Vec<&ast::Ident> = match &u.tree {
                ast::UseTree::Single(name) => vec![name],
                ast::UseTree::Group(names) => names.iter().collect(),
                ast::UseTree::Glob(_) => vec![],
            };
            for name in names {
                let resolves = scope(self.db, self.workspace, self.file)
                    .names
                    .contains_key(&name.name);
                if resolves && !self.used_names.contains(&name.name) {
                    let d = self
                        .error(
                            codes::W0301,
                            name.span,
                            format!("`{}` is imported but never used", name.name),
                        )
                        .with_label("unused")
                        .with_help("remove it from the `use`");
                    self.report(d);
                }
            }
        }
    }

    fn resolve_path(&mut self, path: &ast::Path, expected: &str) -> Option<Def> {
        if path.segments.len() == 1 {
            self.used_names.insert(path.segments[0].name.clone());
        }
        match items::resolve(self.db, self.workspace, self.file, path) {
            Some(def) => Some(def),
            None => {
                // Suggest only items of the expected kinds.
                let candidates: Vec<String> = scope(self.db, self.workspace, self.file)
                    .names
                    .iter()
                    .filter(|(_, def)| {
                        expected.contains(def.kind.describe().trim_start_matches("`let` "))
                    })
                    .map(|(name, _)| name.clone())
                    .collect();
                self.unknown(
                    codes::E0301,
                    path.span,
                    expected,
                    &path.to_string(),
                    candidates,
                );
                None
            }
        }
    }

    fn expect_kind(&mut self, def: &Def, span: Span, wanted: &str, ok: bool) -> bool {
        if !ok {
            let d = self
                .error(
                    codes::E0306,
                    span,
                    format!("`{}` is a {}, not {wanted}", def.name, def.kind.describe()),
                )
                .with_label(format!("expected {wanted}"));
            self.report(d);
        }
        ok
    }

    fn bindings(&mut self, clauses: &[ast::Clause]) -> Vec<ir::Binding> {
        self.locals.clear();
        let mut bindings = Vec::new();
        for clause in clauses {
            if let ast::ClauseKind::For { var, source } = &clause.kind {
                let set = self.node_set(source);
                if self.locals.contains(&var.name) {
                    let d = self
                        .error(
                            codes::E0302,
                            var.span,
                            format!("variable `{}` is bound twice", var.name),
                        )
                        .with_help("use another name");
                    self.report(d);
                }
                self.locals.push(var.name.clone());
                bindings.push(ir::Binding {
                    var: var.name.clone(),
                    set,
                    origin: self.origin(clause.span),
                });
            }
        }
        bindings
    }

    /// Warns when a binding can never produce an instance on this graph.
    fn never_fires(&mut self, name: &ast::Ident, what: &str, bindings: &[ir::Binding]) {
        if self.graph.is_none() {
            return;
        }
        for binding in bindings {
            if self.statically_empty(&binding.set) {
                let d = self
                    .error(
                        codes::W0402,
                        name.span,
                        format!("{what} `{}` can never fire on this graph", name.name),
                    )
                    .with_label(format!("`{}` ranges over no node", binding.var))
                    .with_help("check the selector against the graph, or remove the item");
                self.report(d);
                return;
            }
        }
    }

    fn statically_empty(&self, set: &ir::NodeSet) -> bool {
        match set {
            ir::NodeSet::Static(i)
            | ir::NodeSet::Touches { filter: i }
            | ir::NodeSet::Reach { filter: i, .. } => self.set_contents(*i).is_empty(),
            // An empty union stands for a selector that already has an error.
            ir::NodeSet::Union(sets) => {
                !sets.is_empty() && sets.iter().all(|s| self.statically_empty(s))
            }
            ir::NodeSet::Var(_) => false,
        }
    }

    fn rule(&mut self, rule: &ast::Rule, span: Span, doc: String) {
        self.current_item = rule.name.name.clone();
        self.inline_chains = 0;
        let bindings = self.bindings(&rule.clauses);
        let when = self.when_clause(&rule.clauses);
        let mut checks = Vec::new();
        let mut approvals = Vec::new();
        for clause in &rule.clauses {
            match &clause.kind {
                ast::ClauseKind::RequireCheck { check, on } => {
                    let on_set = self.node_set(on);
                    self.check_name(check);
                    checks.push(ir::CheckRequirement {
                        check: check.value.clone(),
                        on: on_set,
                        origin: self.origin(clause.span),
                    });
                }
                ast::ClauseKind::RequireApproval(chain) => {
                    if let Some(req) = self.chain_use(chain, clause.span) {
                        approvals.push(req);
                    }
                }
                _ => {}
            }
        }
        self.never_fires(&rule.name, "rule", &bindings);
        self.out.rules.push(ir::Rule {
            id: format!("{}::{}", self.module, rule.name.name),
            doc,
            origin: self.origin(span),
            bindings,
            when,
            checks,
            approvals,
        });
        self.locals.clear();
    }

    /// The (first) `when` clause, checked as a condition.
    fn when_clause(&mut self, clauses: &[ast::Clause]) -> Option<ir::Condition> {
        let clause = clauses
            .iter()
            .find(|c| matches!(c.kind, ast::ClauseKind::When(_)))?;
        let ast::ClauseKind::When(cond) = &clause.kind else {
            return None;
        };
        let expr = self.condition(cond);
        Some(ir::Condition {
            expr,
            origin: self.origin(clause.span),
        })
    }

    fn check_name(&mut self, check: &ast::StrLit) {
        let Some(facts) = self.facts else { return };
        let names = &facts.checks;
        if !names.contains(check.value.as_str()) {
            let candidates = names.iter().cloned().collect();
            self.unknown_quoted(codes::E0407, check, "check", candidates);
        }
    }

    fn forbid(&mut self, forbid: &ast::Forbid, span: Span, doc: String) {
        self.current_item = forbid.name.name.clone();
        let bindings = self.bindings(&forbid.clauses);
        let when = self.when_clause(&forbid.clauses);
        let mut unless = Vec::new();
        for clause in &forbid.clauses {
            if let ast::ClauseKind::Unless(path) = &clause.kind
                && let Some(def) = self.resolve_path(path, "emergency path")
                && self.expect_kind(
                    &def,
                    path.span,
                    "an emergency path",
                    def.kind == ItemKind::Emergency,
                )
            {
                unless.push(def.id());
            }
        }
        if unless.is_empty()
            && !forbid
                .clauses
                .iter()
                .any(|c| matches!(c.kind, ast::ClauseKind::Unless(_)))
        {
            let d = self
                .error(
                    codes::W0405,
                    forbid.name.span,
                    format!("no emergency path can lift forbid `{}`", forbid.name.name),
                )
                .with_label("it denies even in an emergency")
                .with_help("add `unless emergency <path>` if a break-glass path should lift it");
            self.report(d);
        }
        self.never_fires(&forbid.name, "forbid", &bindings);
        let when = when.unwrap_or(ir::Condition {
            expr: ir::Expr::Bool(true),
            origin: self.origin(span),
        });
        self.out.forbids.push(ir::Forbid {
            id: format!("{}::{}", self.module, forbid.name.name),
            doc,
            message: forbid
                .message
                .as_ref()
                .map(|m| m.value.clone())
                .unwrap_or_default(),
            origin: self.origin(span),
            bindings,
            when,
            unless,
        });
        self.locals.clear();
    }

    // ------------------------------------------------------------ approval chains

    fn approval(&mut self, def: &ast::ApprovalDef, span: Span, doc: String) {
        self.current_item = def.name.name.clone();
        self.locals.clear();
        self.params = def
            .params
            .iter()
            .map(|p| (p.name.clone(), ParamTy::Unused))
            .collect();
        let steps: Vec<ir::ApprovalStep> =
            def.body.steps.iter().map(|s| self.step(s, false)).collect();
        let expires_after = expiry(&def.body);
        let params = self.params.iter().map(|(n, _)| n.clone()).collect();
        self.params.clear();
        self.out.chains.push(ir::Chain {
            id: format!("{}::{}", self.module, def.name.name),
            doc,
            origin: self.origin(span),
            params,
            steps,
            expires_after,
        });
    }

    /// A step; in an emergency path (`fixed`) sources cannot depend on parameters.
    fn step(&mut self, step: &ast::Step, fixed: bool) -> ir::ApprovalStep {
        let mut sources = Vec::new();
        for source in &step.sources {
            if let Some(s) = self.approvers(source, fixed) {
                sources.push(s);
            }
        }
        let mut distinct_from_author = false;
        let mut humans_only = false;
        for constraint in &step.constraints {
            match constraint {
                ast::Constraint::HumansOnly(_) => humans_only = true,
                ast::Constraint::DistinctFrom(e) => {
                    let is_author = matches!(&e.kind, ExprKind::Field(base, f) if base.kind == ExprKind::Change && f.name == "author");
                    if is_author {
                        distinct_from_author = true;
                    } else {
                        let d = self
                            .error(codes::E0409, e.span, "`distinct from` takes `change.author`")
                            .with_label("expected `change.author`")
                            .with_note("a person never counts twice in a chain; the author and agents never count at all");
                        self.report(d);
                    }
                }
            }
        }
        let count = match step.count.kind {
            ast::CountKind::Exactly(n) => Some(n.min(u64::from(u32::MAX)) as u32),
            ast::CountKind::All => None,
        };
        self.satisfiable(step, count, &sources);
        ir::ApprovalStep {
            count,
            sources,
            distinct_from_author,
            humans_only,
            origin: self.origin(step.span),
        }
    }

    /// Warns when the fixed sources of a step hold fewer humans than it needs.
    fn satisfiable(&mut self, step: &ast::Step, count: Option<u32>, sources: &[ir::Approvers]) {
        let Some(graph) = self.graph else { return };
        let Some(count) = count else { return };
        let mut humans: BTreeSet<&str> = BTreeSet::new();
        for source in sources {
            match source {
                ir::Approvers::Team(t) => {
                    if let Some(team) = graph.team(t) {
                        for m in &team.members {
                            if graph
                                .person(m)
                                .is_some_and(|p| p.kind == writ_graph::PrincipalKind::Human)
                            {
                                humans.insert(m);
                            }
                        }
                    }
                }
                ir::Approvers::Person(p) => {
                    if graph
                        .person(p)
                        .is_some_and(|p| p.kind == writ_graph::PrincipalKind::Human)
                    {
                        humans.insert(p);
                    }
                }
                ir::Approvers::OwnersOfNode(n) => {
                    let node = &graph.nodes()[*n as usize];
                    for p in graph.owner_people(&node.owners) {
                        if graph
                            .person(p)
                            .is_some_and(|p| p.kind == writ_graph::PrincipalKind::Human)
                        {
                            humans.insert(p);
                        }
                    }
                }
                // Depends on the rule instance or the change.
                _ => return,
            }
        }
        if (humans.len() as u64) < u64::from(count) {
            let d = self
                .error(
                    codes::W0404,
                    step.span,
                    format!(
                        "this step needs {count} approvers but its sources hold {} human{}",
                        humans.len(),
                        if humans.len() == 1 { "" } else { "s" }
                    ),
                )
                .with_label("no one can satisfy it")
                .with_note("agents never approve, and the author never approves their own change")
                .with_help("lower the count or add people to the sources");
            self.report(d);
        }
    }

    fn approvers(&mut self, source: &ast::Expr, fixed: bool) -> Option<ir::Approvers> {
        match &source.kind {
            ExprKind::Entity(ast::EntityKind::Team, id) => {
                self.team_exists(id);
                Some(ir::Approvers::Team(id.value.clone()))
            }
            ExprKind::Entity(ast::EntityKind::Person, id) => {
                self.person_exists(id);
                Some(ir::Approvers::Person(id.value.clone()))
            }
            ExprKind::Call(callee, args) if matches!(&callee.kind, ExprKind::Name(n) if n.name == "owners") =>
            {
                let [ast::Arg::Expr(arg)] = args.as_slice() else {
                    let d = self
                        .error(codes::E0411, source.span, "`owners` takes one node")
                        .with_help("write `owners(svc)` or `owners(node \"id\")`");
                    self.report(d);
                    return None;
                };
                match &arg.kind {
                    ExprKind::Name(n) if !fixed && self.param(&n.name).is_some() => {
                        let i = self.param(&n.name)?;
                        self.set_param(i, ParamTy::Node, arg.span);
                        Some(ir::Approvers::OwnersOfParam(i))
                    }
                    ExprKind::Entity(ast::EntityKind::Node, id) => {
                        let idx = self.node_exists(id)?;
                        Some(ir::Approvers::OwnersOfNode(idx))
                    }
                    _ => {
                        let d = self
                            .error(codes::E0409, arg.span, "`owners` takes a chain parameter or `node \"id\"`")
                            .with_help("declare a parameter (`approval review(n) { 1 of owners(n) }`) and pass the node from the rule");
                        self.report(d);
                        None
                    }
                }
            }
            ExprKind::Name(n) if !fixed && self.param(&n.name).is_some() => {
                let i = self.param(&n.name)?;
                self.set_param(i, ParamTy::Principal, source.span);
                Some(ir::Approvers::Param(i))
            }
            ExprKind::Name(n) => {
                // A `let` bound to a team or person.
                let path = ast::Path {
                    segments: vec![n.clone()],
                    span: n.span,
                };
                let def = self.resolve_path(&path, "team, person or parameter")?;
                if !self.expect_kind(
                    &def,
                    n.span,
                    "a `let` naming a team or person",
                    def.kind == ItemKind::Let,
                ) {
                    return None;
                }
                let value = self.let_value(&def, n.span)?;
                match value.expr {
                    ir::Expr::Team(t) => Some(ir::Approvers::Team(t)),
                    ir::Expr::Person(p) => Some(ir::Approvers::Person(p)),
                    _ => {
                        let d = self
                            .error(
                                codes::E0409,
                                n.span,
                                format!(
                                    "approvers must be teams or people, `{}` is {}",
                                    n.name,
                                    value.ty.describe()
                                ),
                            )
                            .with_label("not a team or person");
                        self.report(d);
                        None
                    }
                }
            }
            _ => {
                let d = self
                    .error(codes::E0409, source.span, "approvers are `team \"id\"`, `person \"id\"`, `owners(node)` or a chain parameter")
                    .with_label("not a source of approvers");
                self.report(d);
                None
            }
        }
    }

    fn param(&self, name: &str) -> Option<u32> {
        self.params
            .iter()
            .position(|(n, _)| n == name)
            .map(|i| i as u32)
    }

    fn set_param(&mut self, i: u32, ty: ParamTy, span: Span) {
        let slot = &mut self.params[i as usize].1;
        if *slot == ParamTy::Unused {
            *slot = ty;
        } else if *slot != ty {
            let d = self
                .error(
                    codes::E0409,
                    span,
                    "a parameter is used both as a node and as a team or person",
                )
                .with_help("use two parameters");
            self.report(d);
        }
    }

    fn emergency(&mut self, def: &ast::EmergencyDef, span: Span, doc: String) {
        self.current_item = def.name.name.clone();
        self.locals.clear();
        self.params.clear();
        let mut approvers = None;
        let mut followup = None;
        let mut within = 0;
        for clause in &def.clauses {
            match clause {
                ast::EmergencyClause::Approvers(step) => {
                    let s = self.step(step, true);
                    approvers.get_or_insert(s);
                }
                ast::EmergencyClause::Followup {
                    reviewers,
                    within: w,
                    span,
                } => {
                    within = w.seconds();
                    let step = match reviewers {
                        Some(step) => self.step(step, true),
                        None => ir::ApprovalStep {
                            count: Some(1),
                            sources: vec![ir::Approvers::OwnersOfTouched],
                            distinct_from_author: true,
                            humans_only: true,
                            origin: self.origin(*span),
                        },
                    };
                    followup.get_or_insert(step);
                }
                ast::EmergencyClause::Error(_) => {}
            }
        }
        if let (Some(approvers), Some(followup)) = (approvers, followup) {
            self.out.emergencies.push(ir::Emergency {
                id: format!("{}::{}", self.module, def.name.name),
                doc,
                origin: self.origin(span),
                approvers,
                followup,
                followup_within: within,
            });
        }
    }

    /// `require approval …` in a rule.
    fn chain_use(
        &mut self,
        chain: &ast::ChainUse,
        clause_span: Span,
    ) -> Option<ir::ApprovalRequirement> {
        match chain {
            ast::ChainUse::Named { path, args, span } => {
                let def = self.resolve_path(path, "approval chain")?;
                let params = match def.kind {
                    ItemKind::Approval { params } => params,
                    _ => {
                        self.expect_kind(&def, path.span, "an approval chain", false);
                        return None;
                    }
                };
                if args.len() != params as usize {
                    let d = self
                        .error(
                            codes::E0307,
                            *span,
                            format!(
                                "`{}` takes {params} argument{}, {} given",
                                def.name,
                                if params == 1 { "" } else { "s" },
                                args.len()
                            ),
                        )
                        .with_label("wrong number of arguments");
                    self.report(d);
                    return None;
                }
                let param_types = self.chain_param_types(&def);
                let mut lowered = Vec::new();
                for (i, arg) in args.iter().enumerate() {
                    let wanted = param_types.get(i).copied().unwrap_or(ParamTy::Unused);
                    lowered.push(self.chain_arg(arg, wanted)?);
                }
                Some(ir::ApprovalRequirement {
                    chain: def.id(),
                    args: lowered,
                    origin: self.origin(clause_span),
                })
            }
            ast::ChainUse::Inline(body) => {
                self.inline_chains += 1;
                let id = format!(
                    "{}::{}#{}",
                    self.module, self.current_item, self.inline_chains
                );
                // Rule variables used in the chain become its parameters.
                self.params = self
                    .locals
                    .iter()
                    .map(|l| (l.clone(), ParamTy::Unused))
                    .collect();
                let saved_locals = std::mem::take(&mut self.locals);
                let steps: Vec<ir::ApprovalStep> =
                    body.steps.iter().map(|s| self.step(s, false)).collect();
                self.locals = saved_locals;
                let params = std::mem::take(&mut self.params);
                let args = params
                    .iter()
                    .enumerate()
                    .map(|(i, (_, ty))| match ty {
                        ParamTy::Node => ir::ChainArg::Node(ir::NodeSet::Var(i as u32)),
                        _ => ir::ChainArg::Node(ir::NodeSet::Var(i as u32)),
                    })
                    .collect();
                self.out.chains.push(ir::Chain {
                    id: id.clone(),
                    doc: String::new(),
                    origin: self.origin(body.span),
                    params: params.iter().map(|(n, _)| n.clone()).collect(),
                    steps,
                    expires_after: expiry(body),
                });
                Some(ir::ApprovalRequirement {
                    chain: id,
                    args,
                    origin: self.origin(clause_span),
                })
            }
        }
    }

    /// The parameter types of a named chain, read from its definition.
    fn chain_param_types(&self, def: &Def) -> Vec<ParamTy> {
        let Some(target) = module_map(self.db, self.workspace).get(&def.module) else {
            return Vec::new();
        };
        for item in &parse(self.db, *target).file.items {
            if let ast::ItemKind::Approval(a) = &item.kind
                && a.name.name == def.name
            {
                return a
                    .params
                    .iter()
                    .map(|p| param_use(&a.body, &p.name))
                    .collect();
            }
        }
        Vec::new()
    }

    fn chain_arg(&mut self, arg: &ast::Expr, wanted: ParamTy) -> Option<ir::ChainArg> {
        let val = self.expr(arg, Context::Normal);
        match (wanted, &val.ty, val.expr) {
            (ParamTy::Node | ParamTy::Unused, Ty::Node, ir::Expr::Nodes(set)) => {
                Some(ir::ChainArg::Node(set))
            }
            (ParamTy::Principal | ParamTy::Unused, Ty::Team, ir::Expr::Team(t)) => {
                Some(ir::ChainArg::Team(t))
            }
            (ParamTy::Principal | ParamTy::Unused, Ty::Person, ir::Expr::Person(p)) => {
                Some(ir::ChainArg::Person(p))
            }
            (_, Ty::Error, _) => None,
            (wanted, ty, _) => {
                let expected = match wanted {
                    ParamTy::Node => "a node (a `for` variable or `node \"id\"`)",
                    _ => "a team or person",
                };
                let d = self
                    .error(
                        codes::E0409,
                        arg.span,
                        format!("expected {expected}, found {}", ty.describe()),
                    )
                    .with_label("wrong kind of argument");
                self.report(d);
                None
            }
        }
    }

    // ------------------------------------------------------------ tests

    fn test(&mut self, test: &ast::TestDef, span: Span) {
        let mut change = pt::TestChange::default();
        let mut approvals = Vec::new();
        let mut checks = Vec::new();
        let mut expectations = Vec::new();
        for stmt in &test.stmts {
            let origin = self.origin(stmt.span);
            match &stmt.kind {
                ast::TestStmtKind::Change(fields) => self.test_change(fields, &mut change),
                ast::TestStmtKind::GivenApproval { chain, by } => {
                    if let Some(def) = self.resolve_path(chain, "approval chain or emergency path")
                    {
                        let ok =
                            matches!(def.kind, ItemKind::Approval { .. } | ItemKind::Emergency);
                        if self.expect_kind(
                            &def,
                            chain.span,
                            "an approval chain or emergency path",
                            ok,
                        ) {
                            for person in by {
                                self.person_exists(person);
                            }
                            approvals.push(pt::GivenApproval {
                                chain: def.id(),
                                by: by.iter().map(|p| p.value.clone()).collect(),
                                origin,
                            });
                        }
                    }
                }
                ast::TestStmtKind::GivenCheck {
                    check,
                    node,
                    outcome,
                } => {
                    self.check_name(check);
                    self.node_exists(node);
                    checks.push(pt::GivenCheck {
                        check: check.value.clone(),
                        node: node.value.clone(),
                        passed: outcome.name == "passed",
                        origin,
                    });
                }
                ast::TestStmtKind::ExpectDecision(d) => expectations.push(pt::Expectation {
                    kind: pt::ExpectationKind::Decision(d.name.clone()),
                    negated: false,
                    origin,
                }),
                ast::TestStmtKind::ExpectApproval { negated, chain } => {
                    if let Some(def) = self.resolve_path(chain, "approval chain") {
                        let ok = matches!(def.kind, ItemKind::Approval { .. });
                        if self.expect_kind(&def, chain.span, "an approval chain", ok) {
                            expectations.push(pt::Expectation {
                                kind: pt::ExpectationKind::RequiresApproval(def.id()),
                                negated: *negated,
                                origin,
                            });
                        }
                    }
                }
                ast::TestStmtKind::ExpectCheck {
                    negated,
                    check,
                    node,
                } => {
                    self.check_name(check);
                    self.node_exists(node);
                    expectations.push(pt::Expectation {
                        kind: pt::ExpectationKind::RequiresCheck {
                            check: check.value.clone(),
                            node: node.value.clone(),
                        },
                        negated: *negated,
                        origin,
                    });
                }
                ast::TestStmtKind::ExpectFires { negated, rule } => {
                    if let Some(def) = self.resolve_path(rule, "rule or forbid") {
                        let ok = matches!(def.kind, ItemKind::Rule | ItemKind::Forbid);
                        if self.expect_kind(&def, rule.span, "a rule or forbid", ok) {
                            expectations.push(pt::Expectation {
                                kind: pt::ExpectationKind::Fires(def.id()),
                                negated: *negated,
                                origin,
                            });
                        }
                    }
                }
                ast::TestStmtKind::Error => {}
            }
        }
        self.out.tests.push(pt::TestCase {
            name: test.name.value.clone(),
            module: self.module.clone(),
            origin: self.origin(span),
            change,
            approvals,
            checks,
            expectations,
        });
    }

    fn test_change(&mut self, fields: &[ast::ChangeField], change: &mut pt::TestChange) {
        for field in fields {
            let strings: Vec<(String, Option<String>)> = field
                .values
                .iter()
                .filter_map(|v| match (&v.value.kind, v.to.as_ref().map(|t| &t.kind)) {
                    (ExprKind::Str(s), None) => Some((s.clone(), None)),
                    (ExprKind::Str(s), Some(ExprKind::Str(t))) => {
                        Some((s.clone(), Some(t.clone())))
                    }
                    _ => None,
                })
                .collect();
            match field.name.name.as_str() {
                "touches" | "adds" | "deletes" => {
                    let status = match field.name.name.as_str() {
                        "touches" => "modified",
                        "adds" => "added",
                        _ => "deleted",
                    };
                    for (path, _) in strings {
                        change.files.push(pt::TestFile {
                            path,
                            status: status.into(),
                            old_path: None,
                        });
                    }
                }
                "renames" => {
                    for (old, new) in strings {
                        if let Some(new) = new {
                            change.files.push(pt::TestFile {
                                path: new,
                                status: "renamed".into(),
                                old_path: Some(old),
                            });
                        }
                    }
                }
                "author" => {
                    if let Some(v) = field.values.first()
                        && let ExprKind::Str(s) = &v.value.kind
                    {
                        self.person_exists(&ast::StrLit {
                            value: s.clone(),
                            span: v.value.span,
                        });
                        change.author = Some(s.clone());
                    }
                }
                "label" => change.labels.extend(strings.into_iter().map(|(s, _)| s)),
                "emergency" => change.emergency = true,
                "at" => {
                    if let Some(v) = field.values.first() {
                        change.time = match &v.value.kind {
                            ExprKind::Date(d) => Some(d.days_since_epoch() * 86_400),
                            ExprKind::DateTime(dt) => Some(dt.unix_seconds),
                            _ => None,
                        };
                    }
                }
                _ => {}
            }
        }
    }

    // ------------------------------------------------------------ graph lookups

    fn node_exists(&mut self, id: &ast::StrLit) -> Option<u32> {
        let graph = self.graph?;
        match graph.node_index(&id.value) {
            Some(idx) => Some(idx.0),
            None => {
                let d = {
                    let mut d = self
                        .error(
                            codes::E0401,
                            id.span,
                            format!("unknown node `{}`", id.value),
                        )
                        .with_label("the graph has no node with this id");
                    if let Some(best) = did_you_mean(
                        &id.value,
                        graph
                            .nodes()
                            .iter()
                            .map(|n| n.id.value.as_str())
                            .take(100_000),
                    ) {
                        let best = format!("\"{best}\"");
                        d = d.with_replacement_text(id.span, &best);
                    }
                    d
                };
                self.report(d);
                None
            }
        }
    }

    fn team_exists(&mut self, id: &ast::StrLit) {
        let Some(graph) = self.graph else { return };
        if graph.team(&id.value).is_none() {
            let candidates = graph.teams().iter().map(|t| t.id.value.clone()).collect();
            self.unknown_quoted(codes::E0405, id, "team", candidates);
        }
    }

    fn person_exists(&mut self, id: &ast::StrLit) {
        let Some(graph) = self.graph else { return };
        if graph.person(&id.value).is_none() {
            let candidates = graph.people().iter().map(|p| p.id.value.clone()).collect();
            self.unknown_quoted(codes::E0406, id, "person", candidates);
        }
    }

    fn unknown_quoted(
        &mut self,
        code: Code,
        id: &ast::StrLit,
        what: &str,
        candidates: Vec<String>,
    ) {
        let mut d = self
            .error(code, id.span, format!("unknown {what} `{}`", id.value))
            .with_label(format!("the graph has no {what} with this id"));
        if let Some(best) = did_you_mean(&id.value, candidates.iter().map(String::as_str)) {
            let best = format!("\"{best}\"");
            d = d.with_replacement_text(id.span, &best);
        }
        self.report(d);
    }

    // ------------------------------------------------------------ expressions

    /// A condition: a bool, or a node set meaning "is not empty".
    fn condition(&mut self, expr: &ast::Expr) -> ir::Expr {
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
    fn node_set(&mut self, expr: &ast::Expr) -> ir::NodeSet {
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

    fn mismatch(&mut self, span: Span, expected: &str, found: &Ty) {
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

    /// Every node of the graph.
    fn all_nodes(&mut self) -> u32 {
        if let Some(i) = self.all_nodes {
            return i;
        }
        let n = self.graph.map_or(0, |g| g.nodes().len() as u32);
        let i = self.intern((0..n).collect());
        self.all_nodes = Some(i);
        i
    }

    fn expr(&mut self, expr: &ast::Expr, ctx: Context) -> Val {
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

    fn name(&mut self, name: &ast::Ident, ctx: Context) -> Val {
        let n = name.name.as_str();
        if ctx == Context::Filter {
            if let Some(field) = node_field(n) {
                return Val::new(
                    field_type(&field),
                    ir::Expr::NodeField {
                        var: FILTER_VAR,
                        field,
                    },
                );
            }
            if self.facts.is_none_or(|f| f.attributes.contains_key(n)) && self.let_def(n).is_none()
            {
                return Val::new(
                    self.attr_type(n),
                    ir::Expr::NodeField {
                        var: FILTER_VAR,
                        field: ir::NodeField::Attr(n.to_string()),
                    },
                );
            }
        }
        if let Some(i) = self.locals.iter().position(|l| l == n) {
            return Val::new(Ty::Node, ir::Expr::Nodes(ir::NodeSet::Var(i as u32)));
        }
        if matches!(n, "agent" | "human" | "known" | "unknown") {
            return Val::new(Ty::PrincipalKind, ir::Expr::Str(n.to_string()));
        }
        if let Some(def) = self.let_def(n) {
            self.used_names.insert(n.to_string());
            if let Some(v) = self.let_value(&def, name.span) {
                return v;
            }
            return Val::error();
        }
        if let Some(def) = scope(self.db, self.workspace, self.file)
            .names
            .get(n)
            .cloned()
        {
            self.used_names.insert(n.to_string());
            let d = self
                .error(
                    codes::E0306,
                    name.span,
                    format!("`{n}` is a {}, not a value", def.kind.describe()),
                )
                .with_label("not usable in an expression");
            self.report(d);
            return Val::error();
        }
        // A node kind.
        if n == "any" {
            let all = self.all_nodes();
            return Val::new(Ty::Nodes, ir::Expr::Nodes(ir::NodeSet::Static(all)));
        }
        match self.graph {
            Some(graph) => {
                if let Some(&set) = self.kind_cache.get(n) {
                    Val::new(Ty::Nodes, ir::Expr::Nodes(ir::NodeSet::Static(set)))
                } else if let Some(members) = self.facts.and_then(|f| f.kinds.get(n)) {
                    let set = self.intern(members.clone());
                    self.kind_cache.insert(n.to_string(), set);
                    Val::new(Ty::Nodes, ir::Expr::Nodes(ir::NodeSet::Static(set)))
                } else {
                    let mut candidates: Vec<String> = graph.node_kinds().to_vec();
                    candidates.extend(self.locals.iter().cloned());
                    candidates.extend(
                        scope(self.db, self.workspace, self.file)
                            .names
                            .keys()
                            .cloned(),
                    );
                    if ctx == Context::Filter {
                        candidates
                            .extend(self.facts.iter().flat_map(|f| f.attributes.keys().cloned()));
                    }
                    // Name the code after what the author most likely meant.
                    let best =
                        did_you_mean(n, candidates.iter().map(String::as_str)).map(str::to_string);
                    let meant_kind = best
                        .as_ref()
                        .is_some_and(|b| graph.node_kinds().contains(b));
                    let (code, what) = match ctx {
                        Context::Filter if !meant_kind => {
                            (codes::E0404, "field, attribute or name")
                        }
                        _ if meant_kind => (codes::E0402, "node kind"),
                        _ => (codes::E0301, "name"),
                    };
                    self.unknown(code, name.span, what, n, candidates);
                    Val::error()
                }
            }
            None => {
                // Without a graph kinds cannot be checked; the set is unknown.
                let empty = self.intern(Vec::new());
                Val::new(Ty::Nodes, ir::Expr::Nodes(ir::NodeSet::Static(empty)))
            }
        }
    }

    fn attr_type(&self, name: &str) -> Ty {
        match self.facts.and_then(|f| f.attributes.get(name)) {
            Some(AttrValue::Bool(_)) => Ty::Bool,
            Some(AttrValue::Int(_)) => Ty::Int,
            Some(AttrValue::Str(_)) => Ty::Str,
            None => Ty::Error,
        }
    }

    fn let_def(&self, name: &str) -> Option<Def> {
        scope(self.db, self.workspace, self.file)
            .names
            .get(name)
            .filter(|d| d.kind == ItemKind::Let)
            .cloned()
    }

    /// Expands a `let`, checking it in its own module.
    fn let_value(&mut self, def: &Def, use_span: Span) -> Option<Val> {
        let id = def.id();
        if self.let_stack.contains(&id) {
            let cycle = self
                .let_stack
                .iter()
                .skip_while(|l| **l != id)
                .cloned()
                .collect::<Vec<_>>()
                .join(" → ");
            let d = self
                .error(
                    codes::E0305,
                    use_span,
                    format!("`{}` refers to itself", def.name),
                )
                .with_label("cycle")
                .with_note(format!("{cycle} → {id}"));
            self.report(d);
            return None;
        }
        let target = *module_map(self.db, self.workspace).get(&def.module)?;
        let parsed = parse(self.db, target);
        let value = parsed.file.items.iter().find_map(|item| match &item.kind {
            ast::ItemKind::Let(l) if l.name.name == def.name => Some(l.value.clone()),
            _ => None,
        })?;
        let foreign = target != self.file;
        let saved_file = self.file;
        let saved_locals = std::mem::take(&mut self.locals);
        if foreign {
            self.foreign += 1;
            self.file = target;
        }
        self.let_stack.push(id);
        let v = self.expr(&value, Context::Normal);
        self.let_stack.pop();
        if foreign {
            self.foreign -= 1;
            self.file = saved_file;
        }
        self.locals = saved_locals;
        Some(v)
    }

    fn field(&mut self, base: &ast::Expr, field: &ast::Ident, ctx: Context) -> Val {
        if base.kind == ExprKind::Change {
            if ctx == Context::Filter {
                self.dynamic_filter(base.span.cover(field.span));
                return Val::error();
            }
            let (ty, f) = match field.name.as_str() {
                "author" => (Ty::Person, ir::ChangeField::Author),
                "labels" => (Ty::StrSet, ir::ChangeField::Labels),
                "emergency" => (Ty::Bool, ir::ChangeField::Emergency),
                "time" => (Ty::Time, ir::ChangeField::Time),
                "files" => (Ty::StrSet, ir::ChangeField::Files),
                "has_unowned" => (Ty::Bool, ir::ChangeField::HasUnowned),
                other => {
                    let candidates = CHANGE_MEMBERS.iter().map(|s| s.to_string()).collect();
                    self.unknown(codes::E0410, field.span, "change field", other, candidates);
                    return Val::error();
                }
            };
            return Val::new(ty, ir::Expr::Change(f));
        }
        if let ExprKind::Name(name) = &base.kind
            && name.name == DECISION
            && !self.locals.iter().any(|l| l == DECISION)
            && self.let_def(DECISION).is_none()
        {
            if ctx == Context::Filter {
                self.dynamic_filter(base.span.cover(field.span));
                return Val::error();
            }
            if field.name == "time" {
                return Val::new(Ty::Time, ir::Expr::DecisionTime);
            }
            let candidates = vec!["time".to_string()];
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
                    candidates.extend(NODE_FIELDS.iter().map(|s| s.to_string()));
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

    fn dynamic_filter(&mut self, span: Span) {
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

    fn call(
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
                .with_help(format!("methods: {}", CHANGE_METHODS.join(", ")));
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
                    CHANGE_METHODS.join(", ")
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
                let candidates = CHANGE_MEMBERS.iter().map(|s| s.to_string()).collect();
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

    fn reach_call(&mut self, whole: &ast::Expr, method: &str, args: &[ast::Arg]) -> Val {
        let mut filter = None;
        let mut via: Vec<String> = Vec::new();
        let mut depth = None;
        for arg in args {
            match arg {
                ast::Arg::Expr(e) => {
                    if filter.is_some() {
                        let d = self
                            .error(
                                codes::E0411,
                                e.span,
                                format!("`{method}` takes one selector"),
                            )
                            .with_help("combine selectors with `or`");
                        self.report(d);
                        continue;
                    }
                    let v = self.expr(e, Context::Normal);
                    match (v.ty, v.expr) {
                        (Ty::Nodes | Ty::Node, ir::Expr::Nodes(ir::NodeSet::Static(s))) => {
                            filter = Some(s)
                        }
                        (Ty::Error, _) => return Val::error(),
                        (Ty::Nodes | Ty::Node, _) => {
                            let d = self
                                .error(
                                    codes::E0411,
                                    e.span,
                                    "the selector must be fixed by the graph",
                                )
                                .with_label("this depends on the change or a variable")
                                .with_help("use a kind, `any`, `node \"id\"` or `S where …`");
                            self.report(d);
                            return Val::error();
                        }
                        (ty, _) => {
                            self.mismatch(e.span, "a selector (a set of nodes)", &ty);
                            return Val::error();
                        }
                    }
                }
                ast::Arg::Via(kinds, _) => {
                    if method == "touches" {
                        let d = self
                            .error(codes::E0411, arg_span(arg), "`touches` follows no edges")
                            .with_help("use `reaches` or `exposes`");
                        self.report(d);
                    }
                    for kind in kinds {
                        if let Some(graph) = self.graph
                            && graph.edge_kind(&kind.name).is_none()
                        {
                            let candidates = graph.edge_kinds().to_vec();
                            self.unknown(
                                codes::E0408,
                                kind.span,
                                "edge kind",
                                &kind.name,
                                candidates,
                            );
                        }
                        via.push(kind.name.clone());
                    }
                }
                ast::Arg::Depth(n, _) => {
                    if method == "touches" {
                        let d = self
                            .error(codes::E0411, arg_span(arg), "`touches` follows no edges")
                            .with_help("use `reaches` or `exposes`");
                        self.report(d);
                    }
                    depth = Some((*n).min(u64::from(u32::MAX)) as u32);
                }
            }
        }
        let filter = match filter {
            Some(f) => f,
            None if method == "touches" => self.all_nodes(),
            None => {
                let d = self
                    .error(
                        codes::E0411,
                        whole.span,
                        format!("`{method}` needs a selector"),
                    )
                    .with_help(format!(
                        "e.g. `change.{method}(service)` or `change.{method}(any)`"
                    ));
                self.report(d);
                return Val::error();
            }
        };
        via.sort();
        via.dedup();
        let set = match method {
            "touches" => ir::NodeSet::Touches { filter },
            _ => ir::NodeSet::Reach {
                filter,
                via,
                depth,
                direction: if method == "reaches" {
                    ir::Direction::Reverse
                } else {
                    ir::Direction::Forward
                },
            },
        };
        Val::new(Ty::Nodes, ir::Expr::Nodes(set))
    }

    fn where_(&mut self, selector: &ast::Expr, filter: &ast::Expr, ctx: Context) -> Val {
        let s = self.expr(selector, ctx);
        let set = match (&s.ty, &s.expr) {
            (Ty::Nodes | Ty::Node, ir::Expr::Nodes(ir::NodeSet::Static(set))) => *set,
            (Ty::Error, _) => {
                self.expr(filter, Context::Filter);
                return Val::error();
            }
            (ty, _) => {
                self.mismatch(
                    selector.span,
                    "a selector fixed by the graph (a kind, `any`, `node \"id\"`)",
                    ty,
                );
                return Val::error();
            }
        };
        let reported = self.diagnostics.len();
        let f = self.expr(filter, Context::Filter);
        let filter_had_errors = self.diagnostics[reported..]
            .iter()
            .any(Diagnostic::is_error);
        if f.ty == Ty::Error || filter_had_errors {
            return Val::error();
        }
        if !matches!(f.ty, Ty::Bool | Ty::Error) {
            self.mismatch(filter.span, "a condition on the node", &f.ty);
            return Val::error();
        }
        let Some(graph) = self.graph else {
            let empty = self.intern(Vec::new());
            return Val::new(Ty::Nodes, ir::Expr::Nodes(ir::NodeSet::Static(empty)));
        };
        let filter_text = serde_json::to_string(&f.expr).unwrap_or_default();
        let cache_key = (set, filter_text.clone());
        if let Some(&cached) = self.filter_cache.get(&cache_key) {
            return Val::new(Ty::Nodes, ir::Expr::Nodes(ir::NodeSet::Static(cached)));
        }
        let sig = match self.set_signatures.get(&set) {
            Some(&sig) => sig,
            None => {
                let sig = signature(self.set_contents(set));
                self.set_signatures.insert(set, sig);
                sig
            }
        };
        let shared_key = (sig, filter_text);
        let shared = self.facts.and_then(|facts| {
            facts
                .filters
                .lock()
                .ok()
                .and_then(|c| c.get(&shared_key).cloned())
        });
        if let Some(members) = shared {
            let set = self.intern((*members).clone());
            self.filter_cache.insert(cache_key, set);
            return Val::new(Ty::Nodes, ir::Expr::Nodes(ir::NodeSet::Static(set)));
        }
        let members: Vec<u32> = self
            .set_contents(set)
            .iter()
            .copied()
            .filter(|&n| eval_filter(graph, n, &f.expr) == Some(StaticVal::Bool(true)))
            .collect();
        if members.is_empty() && f.ty != Ty::Error && !filter_had_errors {
            let d = self
                .error(
                    codes::W0401,
                    selector.span.cover(filter.span),
                    "this selector matches no node of the graph",
                )
                .with_label("matches nothing")
                .with_help("check the filter's values against the graph (`writ graph stats`)");
            self.report(d);
        }
        if let Some(facts) = self.facts
            && let Ok(mut shared) = facts.filters.lock()
        {
            shared.insert(shared_key, Arc::new(members.clone()));
        }
        let set = self.intern(members);
        self.filter_cache.insert(cache_key, set);
        Val::new(Ty::Nodes, ir::Expr::Nodes(ir::NodeSet::Static(set)))
    }

    fn binary(
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

    /// `tags has "x"` with a tag no node carries is almost certainly a typo.
    fn tag_exists(&mut self, set: &ast::Expr, tag_expr: &ast::Expr, tag: &str) {
        let Some(facts) = self.facts else { return };
        let is_tags = match &set.kind {
            ExprKind::Name(n) => n.name == "tags",
            ExprKind::Field(_, f) => f.name == "tags",
            _ => false,
        };
        if is_tags && !facts.tags.contains(tag) {
            let candidates = facts.tags.iter().cloned().collect();
            let lit = ast::StrLit {
                value: tag.to_string(),
                span: tag_expr.span,
            };
            self.unknown_quoted(codes::E0403, &lit, "tag", candidates);
        }
    }

    fn report_op(&mut self, span: Span, op: ast::BinaryOp, l: &Ty, r: &Ty) {
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

/// A fast content signature of a node set (SipHash with fixed keys: the
/// same on every run), for the shared filter cache.
fn signature(set: &[u32]) -> u64 {
    #[allow(deprecated)]
    let mut hasher = std::hash::SipHasher::new();
    set.hash(&mut hasher);
    hasher.finish()
}

trait FloorBoundary {
    fn floor_char_boundary_compat(&self, offset: usize) -> usize;
}

impl FloorBoundary for str {
    fn floor_char_boundary_compat(&self, mut offset: usize) -> usize {
        while offset > 0 && !self.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }
}

trait WithReplacementAt {
    fn with_replacement_text(self, span: Span, text: &str) -> Diagnostic;
}

impl WithReplacementAt for Diagnostic {
    fn with_replacement_text(mut self, span: Span, text: &str) -> Diagnostic {
        self.primary.span = span;
        self.with_replacement(text)
    }
}

fn arg_span(arg: &ast::Arg) -> Span {
    match arg {
        ast::Arg::Expr(e) => e.span,
        ast::Arg::Via(_, s) | ast::Arg::Depth(_, s) => *s,
    }
}

fn expiry(body: &ast::ApprovalBody) -> Option<u64> {
    body.options
        .iter()
        .map(|ast::ChainOption::ExpiresAfter(d, _)| d.seconds())
        .next()
}

/// How a chain body uses a parameter.
fn param_use(body: &ast::ApprovalBody, name: &str) -> ParamTy {
    for step in &body.steps {
        for source in &step.sources {
            match &source.kind {
                ExprKind::Name(n) if n.name == name => return ParamTy::Principal,
                ExprKind::Call(_, args)
                    if args.iter().any(|a| {
                        matches!(a, ast::Arg::Expr(ast::Expr { kind: ExprKind::Name(n), .. }) if n.name == name)
                    }) =>
                {
                    return ParamTy::Node;
                }
                _ => {}
            }
        }
    }
    ParamTy::Unused
}

const NODE_FIELDS: &[&str] = &["checks", "id", "kind", "owners", "tags"];
/// The built-in root of `decision.time` (a name, not a keyword: a `let` or a
/// variable called `decision` shadows it).
const DECISION: &str = "decision";

const CHANGE_MEMBERS: &[&str] = &[
    "author",
    "emergency",
    "exposes",
    "files",
    "has_unowned",
    "labels",
    "only_paths",
    "reaches",
    "time",
    "touches",
    "touches_path",
];
const CHANGE_METHODS: &[&str] = &[
    "touches",
    "reaches",
    "exposes",
    "touches_path",
    "only_paths",
];

fn node_field(name: &str) -> Option<ir::NodeField> {
    Some(match name {
        "id" => ir::NodeField::Id,
        "kind" => ir::NodeField::Kind,
        "tags" => ir::NodeField::Tags,
        "owners" => ir::NodeField::Owners,
        "checks" => ir::NodeField::Checks,
        _ => return None,
    })
}

fn field_type(field: &ir::NodeField) -> Ty {
    match field {
        ir::NodeField::Id | ir::NodeField::Kind => Ty::Str,
        ir::NodeField::Tags | ir::NodeField::Owners | ir::NodeField::Checks => Ty::StrSet,
        ir::NodeField::Attr(_) => Ty::Error,
    }
}

/// A value computed at compile time for a selector filter.
#[derive(Clone, Debug, PartialEq, Eq)]
enum StaticVal {
    Bool(bool),
    Int(i64),
    Str(String),
    Set(BTreeSet<String>),
    List(Vec<StaticVal>),
    Range(Box<StaticVal>, Box<StaticVal>),
}

/// Evaluates a `where` filter on node `n`; `None` when a value is missing
/// (an attribute the node does not have), which the filter treats as false.
fn eval_filter(graph: &Graph, n: u32, expr: &ir::Expr) -> Option<StaticVal> {
    let node = &graph.nodes()[n as usize];
    Some(match expr {
        ir::Expr::Bool(b) => StaticVal::Bool(*b),
        ir::Expr::Int(i) | ir::Expr::Time(i) => StaticVal::Int(*i),
        ir::Expr::Duration(d) => StaticVal::Int(*d as i64),
        ir::Expr::Str(s) | ir::Expr::Team(s) | ir::Expr::Person(s) => StaticVal::Str(s.clone()),
        ir::Expr::List(items) => StaticVal::List(
            items
                .iter()
                .map(|i| eval_filter(graph, n, i))
                .collect::<Option<_>>()?,
        ),
        ir::Expr::Range(a, b) => StaticVal::Range(
            Box::new(eval_filter(graph, n, a)?),
            Box::new(eval_filter(graph, n, b)?),
        ),
        ir::Expr::NodeField { field, .. } => match field {
            ir::NodeField::Id => StaticVal::Str(node.id.value.clone()),
            ir::NodeField::Kind => StaticVal::Str(node.kind.value.clone()),
            ir::NodeField::Tags => {
                StaticVal::Set(node.tags.iter().map(|t| t.value.clone()).collect())
            }
            ir::NodeField::Owners => {
                StaticVal::Set(node.owners.iter().map(|t| t.value.clone()).collect())
            }
            ir::NodeField::Checks => {
                StaticVal::Set(node.checks.iter().map(|c| c.name.value.clone()).collect())
            }
            ir::NodeField::Attr(a) => match &node.attributes.get(a)?.value {
                AttrValue::Bool(b) => StaticVal::Bool(*b),
                AttrValue::Int(i) => StaticVal::Int(*i),
                AttrValue::Str(s) => StaticVal::Str(s.clone()),
            },
        },
        ir::Expr::Not(e) => {
            StaticVal::Bool(eval_filter(graph, n, e) != Some(StaticVal::Bool(true)))
        }
        ir::Expr::And(items) => StaticVal::Bool(
            items
                .iter()
                .all(|i| eval_filter(graph, n, i) == Some(StaticVal::Bool(true))),
        ),
        ir::Expr::Or(items) => StaticVal::Bool(
            items
                .iter()
                .any(|i| eval_filter(graph, n, i) == Some(StaticVal::Bool(true))),
        ),
        ir::Expr::Compare(ir::CompareOp::Has, a, b)
            if matches!(
                &**a,
                ir::Expr::NodeField {
                    field: ir::NodeField::Tags | ir::NodeField::Owners | ir::NodeField::Checks,
                    ..
                }
            ) =>
        {
            // Fast path: no set is built for `tags has "x"`.
            let ir::Expr::NodeField { field, .. } = &**a else {
                return None;
            };
            let StaticVal::Str(x) = eval_filter(graph, n, b)? else {
                return Some(StaticVal::Bool(false));
            };
            StaticVal::Bool(match field {
                ir::NodeField::Tags => node.tags.iter().any(|t| t.value == x),
                ir::NodeField::Owners => node.owners.iter().any(|t| t.value == x),
                _ => node.checks.iter().any(|c| c.name.value == x),
            })
        }
        ir::Expr::Compare(op, a, b) => {
            let (a, b) = (eval_filter(graph, n, a)?, eval_filter(graph, n, b)?);
            StaticVal::Bool(match op {
                ir::CompareOp::Eq => a == b,
                ir::CompareOp::Ne => a != b,
                ir::CompareOp::Lt | ir::CompareOp::Le | ir::CompareOp::Gt | ir::CompareOp::Ge => {
                    let (StaticVal::Int(x), StaticVal::Int(y)) = (&a, &b) else {
                        return None;
                    };
                    match op {
                        ir::CompareOp::Lt => x < y,
                        ir::CompareOp::Le => x <= y,
                        ir::CompareOp::Gt => x > y,
                        _ => x >= y,
                    }
                }
                ir::CompareOp::Has => match (&a, &b) {
                    (StaticVal::Set(s), StaticVal::Str(x)) => s.contains(x),
                    (StaticVal::List(l), x) => l.contains(x),
                    _ => false,
                },
                ir::CompareOp::In => match (&a, &b) {
                    (x, StaticVal::List(l)) => l.contains(x),
                    (StaticVal::Str(x), StaticVal::Set(s)) => s.contains(x),
                    (StaticVal::Int(x), StaticVal::Range(lo, hi)) => match (&**lo, &**hi) {
                        (StaticVal::Int(lo), StaticVal::Int(hi)) => lo <= x && x <= hi,
                        _ => false,
                    },
                    _ => false,
                },
                ir::CompareOp::Is => false,
            })
        }
        ir::Expr::Nodes(_)
        | ir::Expr::Change(_)
        | ir::Expr::DecisionTime
        | ir::Expr::AnyPath(_)
        | ir::Expr::AllPaths(_) => {
            return None;
        }
    })
}

/// What a selector stands for in the graph, for editors (hover, code lens).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelectorNodes {
    /// Indices into the graph's nodes, sorted. For a selector that depends on
    /// the change, the nodes it can ever yield (its filter set).
    pub nodes: Vec<u32>,
    /// The set depends on the change (`change.touches`, `change.reaches`,
    /// `change.exposes`).
    pub dynamic: bool,
}

/// Evaluates `expr`, written in `file` where the `for` variables `locals` are
/// bound, as a selector against the workspace's graph. `None` without a
/// graph, when the expression is not a node set, or when it names a bound
/// variable (a single node known only per rule instance). Reports nothing.
pub fn selector_nodes(
    db: &dyn Db,
    workspace: Workspace,
    file: SourceFile,
    expr: &ast::Expr,
    locals: &[String],
) -> Option<SelectorNodes> {
    let graph = graph(db, workspace)?;
    let facts = graph_facts(db, workspace);
    let mut checker = Checker {
        db,
        workspace,
        file,
        file_id: file.file_id(db),
        module: file.module(db).clone(),
        source_index: 0,
        graph: Some(&graph),
        facts: facts.as_deref(),
        diagnostics: Vec::new(),
        all_nodes: None,
        filter_cache: BTreeMap::new(),
        kind_cache: BTreeMap::new(),
        out: LoweredFile::default(),
        set_index: BTreeMap::new(),
        set_signatures: BTreeMap::new(),
        locals: locals.to_vec(),
        params: Vec::new(),
        let_stack: Vec::new(),
        // Everything this evaluation would report belongs to `check_file`.
        foreign: 1,
        used_names: BTreeSet::new(),
        inline_chains: 0,
        current_item: String::new(),
    };
    let val = checker.expr(expr, Context::Normal);
    let ir::Expr::Nodes(set) = val.expr else {
        return None;
    };
    if !matches!(val.ty, Ty::Nodes | Ty::Node) {
        return None;
    }
    fn collect(set: &ir::NodeSet, sets: &[Vec<u32>], out: &mut BTreeSet<u32>) -> Option<bool> {
        Some(match set {
            ir::NodeSet::Static(i) => {
                out.extend(sets.get(*i as usize)?);
                false
            }
            ir::NodeSet::Touches { filter } | ir::NodeSet::Reach { filter, .. } => {
                out.extend(sets.get(*filter as usize)?);
                true
            }
            ir::NodeSet::Var(_) => return None,
            ir::NodeSet::Union(parts) => {
                let mut dynamic = false;
                for part in parts {
                    dynamic |= collect(part, sets, out)?;
                }
                dynamic
            }
        })
    }
    let mut nodes = BTreeSet::new();
    let dynamic = collect(&set, &checker.out.sets, &mut nodes)?;
    Some(SelectorNodes {
        nodes: nodes.into_iter().collect(),
        dynamic,
    })
}

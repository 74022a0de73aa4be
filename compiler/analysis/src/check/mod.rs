//! Checking one file: names, types and the graph, and lowering its items to
//! plan IR in the same pass (one walk, so what is checked is what is compiled).
//!
//! Without a graph, everything that does not need it is checked and nothing
//! is lowered. With a graph, every node id, kind, tag, attribute, team,
//! person, check and edge kind is verified ("did you mean …?"), selectors are
//! resolved to node sets, and the file's rules, forbids, chains, emergency
//! paths and tests come out as plan IR. Every name it resolves is recorded
//! in the file's result ([`FileAnalysis::resolutions`]), which is what the
//! IDE's navigation, hover, rename and references read.
//!
//! One file per concern: `resolve` (names, `use`, `let`), `rules` (rules,
//! forbids, emergency paths), `chains` (approval chains), `selectors`
//! (node sets, `where`, reach), `exprs` (expressions, operators, types),
//! `policy_tests` (policy `test` blocks), `graph_refs` (graph references,
//! did-you-mean) and [`builtins`] (the table of built-in names). This module
//! holds the `Checker` (its one constructor), the types shared by the
//! others, reporting and set interning, and the entry points: [`check_file`]
//! and [`selector_nodes`] (a selector's nodes, for editors). The other
//! modules import from this one (and `exprs`/`resolve` from `builtins`),
//! never the other way round: it reaches them only through `Checker`'s
//! methods.

mod assertions;
pub mod builtins;
mod chains;
mod exprs;
mod graph_refs;
mod policy_tests;
mod resolve;
mod rules;
mod satisfy;
mod selectors;

use crate::db::{Db, GraphFacts, SourceFile, Workspace, graph, graph_facts, parse};
use crate::items::Def;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use writ_diagnostics::{Code, Diagnostic, FileId, Span};
use writ_graph::Graph;
use writ_plan::ir;
use writ_plan::tests as pt;
use writ_syntax::ast;

/// The result of checking one file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileAnalysis {
    /// Every diagnostic for the file (syntax included), sorted.
    pub diagnostics: Vec<Diagnostic>,
    /// The file's items as plan IR (only with a graph and without errors).
    pub lowered: Option<LoweredFile>,
    /// Every name the checker resolved, sorted by span: what editors read
    /// for navigation, hover, rename and references (one resolution, the
    /// checker's). Spans live here, never in the span-free queries.
    pub resolutions: Vec<Resolution>,
}

/// One name in a file and what the checker resolved it to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolution {
    /// The bytes of the name (the last segment of a path).
    pub span: Span,
    /// What the name refers to.
    pub target: Resolved,
}

/// What a name resolves to, as the checker decided it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolved {
    /// A rule, chain, forbid, emergency path or `let`, of this module or
    /// another (imported, `std` included).
    Item(Def),
    /// A `for` variable of the enclosing rule or forbid, by name.
    Local(String),
    /// A parameter of the enclosing approval chain, by name.
    Param(String),
    /// A node field or attribute, inside `where`.
    Field(String),
    /// A node kind, or `any`.
    Kind(String),
    /// `agent` / `human`.
    PrincipalKind(String),
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
    /// Ids of the inline chains among `chains`.
    pub inline_chains: BTreeSet<String>,
    /// Emergency paths.
    pub emergencies: Vec<ir::Emergency>,
    /// Policy tests.
    pub tests: Vec<pt::TestCase>,
    /// Assertions.
    pub assertions: Vec<ir::Assertion>,
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
    let mut checker = Checker::new(
        db,
        workspace,
        file,
        source_index,
        graph.as_deref(),
        facts.as_deref(),
        parse(db, file).diagnostics.clone(),
    );
    checker.check();
    let resolutions = std::mem::take(&mut checker.resolutions)
        .into_iter()
        .map(|((start, end), target)| Resolution {
            span: Span::new(start as usize, end as usize),
            target,
        })
        .collect();
    let mut diagnostics = checker.diagnostics;
    writ_diagnostics::sort(&mut diagnostics);
    diagnostics.dedup();
    let lowered =
        (graph.is_some() && !diagnostics.iter().any(Diagnostic::is_error)).then_some(checker.out);
    FileAnalysis {
        diagnostics,
        lowered,
        resolutions,
    }
}

/// A file's line index (for the line/column of origins).
#[salsa::tracked(returns(ref))]
pub fn line_index(db: &dyn Db, file: SourceFile) -> writ_diagnostics::LineIndex {
    writ_diagnostics::LineIndex::new(file.text(db))
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
    let mut checker = Checker::new(
        db,
        workspace,
        file,
        0,
        Some(&graph),
        facts.as_deref(),
        Vec::new(),
    );
    checker.locals = locals.to_vec();
    // Everything this evaluation would report belongs to `check_file`.
    checker.foreign = 1;
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
    filter_cache: HashMap<(u32, ir::Expr), u32>,
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
    /// Names resolved in this file, by span (the first resolution wins: a
    /// `let` expanded again at a use resolves the same way).
    resolutions: BTreeMap<(u32, u32), Resolved>,
}

impl<'a> Checker<'a> {
    /// The checker of `file` (its origins numbered `source_index`), starting
    /// from `diagnostics`, with no `for` variable bound: the one constructor.
    fn new(
        db: &'a dyn Db,
        workspace: Workspace,
        file: SourceFile,
        source_index: u32,
        graph: Option<&'a Graph>,
        facts: Option<&'a GraphFacts>,
        diagnostics: Vec<Diagnostic>,
    ) -> Checker<'a> {
        Checker {
            db,
            workspace,
            file,
            file_id: file.file_id(db),
            module: file.module(db).clone(),
            source_index,
            graph,
            facts,
            diagnostics,
            all_nodes: None,
            filter_cache: HashMap::new(),
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
            resolutions: BTreeMap::new(),
        }
    }

    fn report(&mut self, diagnostic: Diagnostic) {
        if self.foreign == 0 {
            self.diagnostics.push(diagnostic);
        }
    }

    /// Records what the name at `span` resolves to (nothing while
    /// expanding another file's `let`: its spans are not this file's).
    fn resolved(&mut self, span: Span, target: Resolved) {
        if self.foreign == 0 {
            self.resolutions
                .entry((span.start, span.end))
                .or_insert(target);
        }
    }

    fn error(&mut self, code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, self.file_id, span, message)
    }

    fn origin(&self, span: Span) -> ir::Origin {
        let text = self.file.text(self.db);
        let at = line_index(self.db, self.file).line_col(text, span.start as usize);
        ir::Origin {
            source: self.source_index,
            span: [span.start, span.end],
            line: at.line,
            column: at.column,
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
                ast::ItemKind::Test(test) if crate::stdlib::is_std(&self.module) => {
                    self.test_names(test);
                }
                ast::ItemKind::Test(test) => self.test(test, item.span),
                ast::ItemKind::Assert(def) => self.assertion(def, item.span, doc),
                ast::ItemKind::Use(_) | ast::ItemKind::Error => {}
            }
        }
        self.unused_imports(&parsed.file);
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

//! The salsa database: inputs and the cheap structural queries.
//!
//! Inputs are the policy files (path, module name, text) and the graph file.
//! Every other fact is a tracked query, so after an edit only what depends on
//! the edited input is recomputed. Queries that summarise a file (its item
//! tree, its scope) carry no spans, so editing inside a rule body leaves them
//! equal and salsa stops the re-computation there ("backdating").

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use writ_diagnostics::{Diagnostic, FileId, SharedText};
use writ_graph::model::AttrValue;
use writ_syntax::Parse;

/// The database trait every query takes.
#[salsa::db]
pub trait Db: salsa::Database {}

/// The concrete database used by the CLI and the language server.
#[salsa::db]
#[derive(Clone)]
pub struct Database {
    storage: salsa::Storage<Self>,
}

impl Default for Database {
    fn default() -> Self {
        Database {
            storage: salsa::Storage::new(None),
        }
    }
}

impl Database {
    /// A database that records every query execution (for incrementality tests).
    pub fn with_execution_log() -> (Database, Arc<Mutex<Vec<String>>>) {
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = log.clone();
        let db = Database {
            storage: salsa::Storage::new(Some(Box::new(move |event: salsa::Event| {
                if let salsa::EventKind::WillExecute { database_key } = event.kind
                    && let Ok(mut log) = sink.lock()
                {
                    log.push(format!("{database_key:?}"));
                }
            }))),
        };
        (db, log)
    }
}

#[salsa::db]
impl salsa::Database for Database {}

#[salsa::db]
impl Db for Database {}

/// One policy file.
#[salsa::input(debug)]
pub struct SourceFile {
    /// Where diagnostics for this file point.
    #[returns(copy)]
    pub file_id: FileId,
    /// The path shown to users (relative to the policy root, or `<std>/…`).
    #[returns(ref)]
    pub path: String,
    /// The module name, e.g. `teams::payments` or `std::approvals`.
    #[returns(ref)]
    pub module: String,
    /// The file's text.
    #[returns(ref)]
    pub text: String,
}

/// The system graph file.
#[salsa::input(debug)]
pub struct GraphFile {
    /// Where diagnostics for the graph point.
    #[returns(copy)]
    pub file_id: FileId,
    /// The path shown to users.
    #[returns(ref)]
    pub path: String,
    /// The file's text, shared with the host's source map (one copy of a
    /// graph of tens of megabytes, not two).
    #[returns(ref)]
    pub text: SharedText,
}

/// The set of files analysed together.
#[salsa::input(debug)]
pub struct Workspace {
    /// Every policy file, standard library included, sorted by module.
    #[returns(ref)]
    pub files: Vec<SourceFile>,
    /// The graph, if one was given.
    #[returns(copy)]
    pub graph: Option<GraphFile>,
}

/// Parses a file (never fails).
#[salsa::tracked(returns(ref))]
pub fn parse(db: &dyn Db, file: SourceFile) -> Parse {
    writ_syntax::parse(file.file_id(db), file.text(db))
}

/// Shared `where` results: (input-set signature, filter) → matching nodes.
pub(crate) type FilterCache = HashMap<(u64, writ_plan::ir::Expr), Arc<Vec<u32>>>;

/// Facts about a graph that checking asks for again and again, computed once.
#[derive(Debug, Default)]
pub(crate) struct GraphFacts {
    /// Every tag some node carries.
    pub tags: BTreeSet<String>,
    /// Every attribute name, with the type of its first value.
    pub attributes: BTreeMap<String, AttrValue>,
    /// Every check name some node defines.
    pub checks: BTreeSet<String>,
    /// The nodes of each kind (indices, ascending).
    pub kinds: BTreeMap<String, Vec<u32>>,
    /// Results of `where` filters, shared by every file checked against this
    /// graph: (input-set signature, filter) → matching nodes. A pure function
    /// of the graph, so sharing it cannot change any result.
    pub filters: Mutex<FilterCache>,
}

impl GraphFacts {
    fn of(graph: &writ_graph::Graph) -> GraphFacts {
        let mut facts = GraphFacts::default();
        for kind in graph.node_kinds() {
            facts.kinds.insert(kind.clone(), Vec::new());
        }
        for (i, node) in graph.nodes().iter().enumerate() {
            for tag in &node.tags {
                if !facts.tags.contains(tag.value.as_str()) {
                    facts.tags.insert(tag.value.to_string());
                }
            }
            for (name, value) in &node.attributes {
                if !facts.attributes.contains_key(name) {
                    facts.attributes.insert(name.clone(), value.value.clone());
                }
            }
            for check in &node.checks {
                if !facts.checks.contains(check.name.value.as_str()) {
                    facts.checks.insert(check.name.value.to_string());
                }
            }
            facts
                .kinds
                .entry(node.kind.value.to_string())
                .or_default()
                .push(i as u32);
        }
        facts
    }
}

/// A loaded graph, compared by identity (a new text is a new graph).
#[derive(Clone, Debug)]
pub(crate) struct LoadedGraph {
    /// The graph, if it loaded without errors.
    pub graph: Option<Arc<writ_graph::Graph>>,
    /// Facts about it, for checking.
    pub facts: Option<Arc<GraphFacts>>,
    /// Problems with the graph file.
    pub diagnostics: Vec<Diagnostic>,
}

impl PartialEq for LoadedGraph {
    fn eq(&self, other: &Self) -> bool {
        let same_graph = match (&self.graph, &other.graph) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        same_graph && self.diagnostics == other.diagnostics
    }
}

impl Eq for LoadedGraph {}

/// Loads and validates the graph file.
#[salsa::tracked(returns(ref))]
pub fn load_graph(db: &dyn Db, file: GraphFile) -> LoadedGraph {
    let (graph, diagnostics) = writ_graph::Graph::parse_file(file.file_id(db), file.text(db));
    let has_errors = diagnostics.iter().any(Diagnostic::is_error);
    let graph = graph.filter(|_| !has_errors).map(Arc::new);
    let facts = graph.as_deref().map(|g| Arc::new(GraphFacts::of(g)));
    LoadedGraph {
        graph,
        facts,
        diagnostics,
    }
}

/// Facts about the workspace's graph, if one was given and it loaded.
pub(crate) fn graph_facts(db: &dyn Db, workspace: Workspace) -> Option<Arc<GraphFacts>> {
    workspace
        .graph(db)
        .and_then(|g| load_graph(db, g).facts.clone())
}

/// The workspace's graph, if one was given and it loaded.
pub fn graph(db: &dyn Db, workspace: Workspace) -> Option<Arc<writ_graph::Graph>> {
    workspace
        .graph(db)
        .and_then(|g| load_graph(db, g).graph.clone())
}

//! The validated, indexed system graph: the [`Graph`] type, its read-only
//! accessors (nodes, teams, people, edges, kinds, reach, touched files) and
//! loading (`load`, `parse`, `from_document`). Validation of a document into
//! a graph — every E05xx/W05xx check and the building of the indices — is
//! in `graph/validate.rs`.

mod validate;

use crate::index::{Direction, EdgeKind, EdgeMask, Index, NodeIdx, Reach, ReachQuery};
use crate::load::read_document;
use crate::model::*;
use crate::paths::{ClaimTarget, PathIndex, PathIndexBuilder, Touched, compile_glob};
use base64::Engine;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use validate::Validator;
use writ_diagnostics::{Diagnostic, FileId, SourceMap, Span, codes, did_you_mean};

mod cached;
mod table;
mod view;

pub use table::{AttrRef, TableStrs};
pub use view::{NodeView, Strs};

/// A node of the graph (the declaration as validated).
pub type Node = NodeDecl;
/// A team of the graph.
pub type Team = TeamDecl;
/// A person or agent of the graph.
pub type Person = PersonDecl;

/// One edge, resolved to node indices.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Edge {
    /// The node that depends on / calls / deploys … `to`.
    pub from: NodeIdx,
    /// The edge kind.
    pub kind: EdgeKind,
    /// The node depended on.
    pub to: NodeIdx,
    /// Where the edge's target is written.
    pub span: Span,
}

/// What a principal id names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Principal {
    /// A team (index into [`Graph::teams`]).
    Team(usize),
    /// A person or agent (index into [`Graph::people`]).
    Person(usize),
}

/// A validated system graph with its indices.
///
/// Its nodes are in one of two forms: the loader's owned declarations
/// (`doc.nodes`), or — for a graph read back from the runtime's
/// prepared-plan cache — a node table read in place (`graph/table.rs`).
/// A decision reads nodes through [`Graph::view`], which both forms serve
/// without building anything; [`Graph::nodes`], [`Graph::node`] and
/// [`Graph::document`] of a cached graph build declarations from the
/// table once, on first use, holding what the table holds (ids, kinds,
/// tags, owners, attributes, check names; edges from the reach index,
/// sorted; no descriptions, path claims, check commands or spans).
#[derive(Clone, Debug)]
pub struct Graph {
    file: Option<FileId>,
    /// Everything but the nodes of a cached graph (whose `nodes` is empty).
    doc: Document,
    nodes: Nodes,
    /// The node table of a graph loaded to be cached
    /// ([`Graph::parse_file_with_node_table`]), built beside its
    /// validation; [`Graph::write_cached`] writes it.
    node_table: Option<Box<table::NodeTable>>,
    principal_ix: HashMap<String, Principal>,
    alias_ix: HashMap<String, Principal>,
    email_ix: HashMap<String, usize>,
    node_kinds: Vec<String>,
    edge_kinds: Vec<String>,
    /// Empty for a cached graph (see [`Graph::edges`]).
    edges: Vec<Edge>,
    index: Index,
    paths: PathIndex,
}

/// Where a graph's nodes are.
#[derive(Clone, Debug)]
enum Nodes {
    /// In `doc.nodes`.
    Owned,
    /// In a node table (a graph read back from the cache).
    Table(Box<TableNodes>),
}

/// A cached graph's node table, and the declarations and edges built from
/// it for the callers that ask for them.
#[derive(Clone, Debug)]
struct TableNodes {
    table: table::NodeTable,
    document: std::sync::OnceLock<Document>,
    edges: std::sync::OnceLock<Vec<Edge>>,
}

/// Whether `id` is a valid node, team or person id: 1 to 256 characters
/// from `A-Z a-z 0-9 . _ - : / @ # + ~`, starting with a letter, digit or `@`.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 256
        && id.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '@')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-:/@#+~".contains(c))
}

/// Whether `name` is a valid kind, check or layer name: `[a-z][a-z0-9_-]*`.
pub fn is_valid_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// Decodes `ed25519:<base64>` into a valid, non-weak ed25519 public key.
pub fn parse_public_key(text: &str) -> Result<ed25519_dalek::VerifyingKey, String> {
    let Some(b64) = text.strip_prefix("ed25519:") else {
        return Err("a key is written `ed25519:` followed by the base64 of its 32 bytes".into());
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|e| format!("invalid base64: {e}"))?;
    let bytes: [u8; 32] = bytes.try_into().map_err(|b: Vec<u8>| {
        format!(
            "an ed25519 public key has 32 bytes, this one has {}",
            b.len()
        )
    })?;
    let key = ed25519_dalek::VerifyingKey::from_bytes(&bytes)
        .map_err(|_| "not a point on the ed25519 curve".to_string())?;
    if key.is_weak() {
        return Err("a weak (small-order) key, which anyone can forge signatures for".into());
    }
    Ok(key)
}
/// At most this many "did you mean" searches per load (each scans all ids).
const SUGGESTION_BUDGET: usize = 64;

impl Graph {
    /// Reads, parses and validates the graph file at `path`, adding it to `map`.
    /// Returns the graph when there is no error (warnings may remain), and
    /// every diagnostic, sorted.
    pub fn load(map: &mut SourceMap, path: &Path) -> (Option<Graph>, Vec<Diagnostic>) {
        let name = path.display().to_string();
        match writ_diagnostics::limits::read(path, writ_diagnostics::limits::Input::Graph) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => Graph::parse(map, name, text),
                Err(e) => {
                    let at = e.utf8_error().valid_up_to();
                    let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
                    let file = map.add(name, text);
                    let d = Diagnostic::new(
                        codes::E0502,
                        file,
                        Span::new(at, at + 1),
                        "the graph file is not valid UTF-8",
                    )
                    .with_label("invalid byte sequence");
                    (None, vec![d])
                }
            },
            Err(e) => {
                let file = map.add(name, String::new());
                let mut d = Diagnostic::new(
                    e.code().unwrap_or(codes::E0502),
                    file,
                    Span::empty(0),
                    format!("cannot read the graph file: {e}"),
                );
                if let Some(help) = e.help() {
                    d = d.with_help(help);
                }
                (None, vec![d])
            }
        }
    }

    /// Parses and validates graph text, adding it to `map` as `name`.
    pub fn parse(
        map: &mut SourceMap,
        name: impl Into<String>,
        text: impl Into<String>,
    ) -> (Option<Graph>, Vec<Diagnostic>) {
        let text = text.into();
        let file = map.add(name, text);
        Graph::parse_file(file, map.get(file).text())
    }

    /// Parses and validates `text`, which is the content of `file`.
    pub fn parse_file(file: FileId, text: &str) -> (Option<Graph>, Vec<Diagnostic>) {
        Graph::parse_file_as(file, text, false)
    }

    /// [`Graph::parse_file`], for a graph whose prepared-plan cache is to
    /// be written ([`Graph::write_cached`]): its node table is also built,
    /// on the validator's second thread while the edges are checked, so
    /// that writing the cache no longer builds it after the graph is
    /// loaded. The same graph, diagnostics and cache bytes.
    pub fn parse_file_with_node_table(
        file: FileId,
        text: &str,
    ) -> (Option<Graph>, Vec<Diagnostic>) {
        Graph::parse_file_as(file, text, true)
    }

    fn parse_file_as(
        file: FileId,
        text: &str,
        node_table: bool,
    ) -> (Option<Graph>, Vec<Diagnostic>) {
        let (doc, mut diags) = read_document(file, text);
        let Some(doc) = doc else {
            writ_diagnostics::sort(&mut diags);
            return (None, diags);
        };
        let (graph, more) = Graph::from_document_as(Some(file), doc, node_table);
        diags.extend(more);
        writ_diagnostics::sort(&mut diags);
        if diags.iter().any(Diagnostic::is_error) {
            return (None, diags);
        }
        (graph, diags)
    }

    /// Validates a document built in memory (spans point nowhere; `file`
    /// is `None`). Used by importers and tests.
    pub fn from_document(file: Option<FileId>, doc: Document) -> (Option<Graph>, Vec<Diagnostic>) {
        Graph::from_document_as(file, doc, false)
    }

    fn from_document_as(
        file: Option<FileId>,
        doc: Document,
        node_table: bool,
    ) -> (Option<Graph>, Vec<Diagnostic>) {
        let mut v = Validator {
            file: file.unwrap_or_default(),
            diags: Vec::new(),
            suggestions: SUGGESTION_BUDGET,
        };
        let graph = v.run(file, doc, node_table);
        let mut diags = v.diags;
        writ_diagnostics::sort(&mut diags);
        if diags.iter().any(Diagnostic::is_error) {
            return (None, diags);
        }
        (graph, diags)
    }

    /// The graph file, if the graph was read from one.
    pub fn file(&self) -> Option<FileId> {
        self.file
    }

    /// The validated document (nodes, teams and people sorted by id). For
    /// a cached graph, built from its node table on first use (see
    /// [`Graph`]).
    pub fn document(&self) -> &Document {
        match &self.nodes {
            Nodes::Owned => &self.doc,
            Nodes::Table(t) => t.document.get_or_init(|| {
                let mut doc = self.doc.clone();
                doc.nodes = (0..t.table.len())
                    .map(|n| {
                        let mut edges: Vec<EdgeDecl> = self
                            .index
                            .neighbours(NodeIdx(n as u32), Direction::Forward)
                            .map(|(to, kind)| EdgeDecl {
                                kind: Spanned::from(self.edge_kind_name(kind)),
                                to: Spanned::from(t.table.id(to.index())),
                            })
                            .collect();
                        edges.sort();
                        t.table.decl(n, edges)
                    })
                    .collect();
                doc
            }),
        }
    }

    /// Every node, sorted by id; a node's position is its [`NodeIdx`]. A
    /// decision reads nodes with [`Graph::view`] instead, which never
    /// builds declarations for a cached graph.
    pub fn nodes(&self) -> &[Node] {
        &self.document().nodes
    }

    /// The node at `idx` (see [`Graph::nodes`]).
    ///
    /// # Panics
    /// If `idx` is not an index of this graph.
    pub fn node(&self, idx: NodeIdx) -> &Node {
        &self.nodes()[idx.index()]
    }

    /// The number of nodes.
    pub fn node_count(&self) -> usize {
        match &self.nodes {
            Nodes::Owned => self.doc.nodes.len(),
            Nodes::Table(t) => t.table.len(),
        }
    }

    /// Node `idx` read in place; `None` if `idx` is not an index of this
    /// graph.
    pub fn view(&self, idx: NodeIdx) -> Option<NodeView<'_>> {
        NodeView::new(self, idx)
    }

    /// The id of node `idx` (`"?"` if `idx` is not an index of this graph).
    pub fn node_id(&self, idx: NodeIdx) -> &str {
        self.view(idx).map_or("?", |v| v.id())
    }

    /// The node indices in the order the graph file lists the nodes (the
    /// order a plan numbers them in). A graph parsed with its node table
    /// ([`Graph::parse_file_with_node_table`]) reads it from the table,
    /// which ordered the nodes the same way as it was built.
    pub fn file_order(&self) -> Vec<NodeIdx> {
        match &self.nodes {
            Nodes::Owned => {
                if let Some(t) = self
                    .node_table
                    .as_ref()
                    .filter(|t| t.len() == self.doc.nodes.len())
                {
                    return t.file_order().iter().map(|&n| NodeIdx(n)).collect();
                }
                let mut order: Vec<NodeIdx> =
                    (0..self.doc.nodes.len() as u32).map(NodeIdx).collect();
                order.sort_by_key(|n| self.doc.nodes[n.index()].span.start);
                order
            }
            Nodes::Table(t) => t.table.file_order().iter().map(|&n| NodeIdx(n)).collect(),
        }
    }

    /// The index of the node with id `id`.
    pub fn node_index(&self, id: &str) -> Option<NodeIdx> {
        let (mut lo, mut hi) = (0, self.node_count());
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.node_id(NodeIdx(mid as u32)).cmp(id) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(NodeIdx(mid as u32)),
            }
        }
        None
    }

    /// The node with id `id` (see [`Graph::nodes`]).
    pub fn node_by_id(&self, id: &str) -> Option<&Node> {
        self.node_index(id).map(|i| self.node(i))
    }

    /// Every team, sorted by id.
    pub fn teams(&self) -> &[Team] {
        &self.doc.teams
    }

    /// Every person and agent, sorted by id.
    pub fn people(&self) -> &[Person] {
        &self.doc.people
    }

    /// What a principal id names.
    pub fn principal(&self, id: &str) -> Option<Principal> {
        self.principal_ix.get(id).copied()
    }

    /// The team with id `id`.
    pub fn team(&self, id: &str) -> Option<&Team> {
        match self.principal(id)? {
            Principal::Team(i) => Some(&self.doc.teams[i]),
            Principal::Person(_) => None,
        }
    }

    /// The person with id `id`.
    pub fn person(&self, id: &str) -> Option<&Person> {
        match self.principal(id)? {
            Principal::Person(i) => Some(&self.doc.people[i]),
            Principal::Team(_) => None,
        }
    }

    /// Resolves a name from another source — an id, or an alias such as a
    /// forge handle (`@alice`) or a CODEOWNERS team (`@org/payments`) that the
    /// graph file declares — to a team or person (see [`crate::identity`]).
    /// For importers and for resolving git identities; a change's `id` and an
    /// approval's `person` are matched exactly, never through an alias.
    pub(crate) fn resolve_principal(&self, name: &str) -> Option<Principal> {
        self.principal(name).or_else(|| {
            self.alias_ix
                .get(&crate::identity::alias_key(name))
                .copied()
        })
    }

    /// The person a name from another source resolves to (see
    /// [`Graph::resolve_principal`]).
    pub(crate) fn resolve_person(&self, name: &str) -> Option<&Person> {
        match self.resolve_principal(name)? {
            Principal::Person(i) => Some(&self.doc.people[i]),
            Principal::Team(_) => None,
        }
    }

    /// The person with this email address (case-insensitive).
    pub fn person_by_email(&self, email: &str) -> Option<&Person> {
        self.email_ix
            .get(&email.to_lowercase())
            .map(|&i| &self.doc.people[i])
    }

    /// The people an owner list stands for (teams expanded), sorted ids.
    pub fn owner_people(&self, owners: &[Spanned<Name>]) -> BTreeSet<&str> {
        self.owner_people_of(owners.iter().map(|o| o.value.as_str()))
    }

    /// The people the owners `owners` (team or person ids) stand for
    /// (teams expanded), sorted ids.
    pub fn owner_people_of<'a>(&self, owners: impl IntoIterator<Item = &'a str>) -> BTreeSet<&str> {
        let mut out = BTreeSet::new();
        for o in owners {
            match self.principal(o) {
                Some(Principal::Person(i)) => {
                    out.insert(self.doc.people[i].id.value.as_str());
                }
                Some(Principal::Team(i)) => {
                    for m in &self.doc.teams[i].members {
                        out.insert(m.value.as_str());
                    }
                }
                None => {}
            }
        }
        out
    }

    /// Every known node kind (built-in and declared), sorted.
    pub fn node_kinds(&self) -> &[String] {
        &self.node_kinds
    }

    /// Every known edge kind (built-in and declared), sorted; a kind's
    /// position is its [`EdgeKind`] id.
    pub fn edge_kinds(&self) -> &[String] {
        &self.edge_kinds
    }

    /// The id of edge kind `name`.
    pub fn edge_kind(&self, name: &str) -> Option<EdgeKind> {
        self.edge_kinds
            .binary_search_by(|k| k.as_str().cmp(name))
            .ok()
            .map(|i| EdgeKind(i as u8))
    }

    /// The name of an edge kind id (`"?"` if out of range).
    pub fn edge_kind_name(&self, kind: EdgeKind) -> &str {
        self.edge_kinds
            .get(kind.0 as usize)
            .map_or("?", String::as_str)
    }

    /// A mask of the named edge kinds; `Err` names the first unknown kind.
    pub fn edge_mask<'a>(
        &self,
        names: impl IntoIterator<Item = &'a str>,
    ) -> Result<EdgeMask, &'a str> {
        let mut mask = EdgeMask::NONE;
        for n in names {
            mask = mask.with(self.edge_kind(n).ok_or(n)?);
        }
        Ok(mask)
    }

    /// Every view of a node, in index order.
    fn views(&self) -> impl Iterator<Item = NodeView<'_>> {
        (0..self.node_count() as u32).filter_map(|n| self.view(NodeIdx(n)))
    }

    /// Every tag used by some node, sorted.
    pub fn tags(&self) -> BTreeSet<&str> {
        self.views().flat_map(|n| n.tags()).collect()
    }

    /// Every attribute name used by some node, sorted.
    pub fn attribute_names(&self) -> BTreeSet<&str> {
        self.views()
            .flat_map(|n| n.attributes().map(|(k, _)| k))
            .collect()
    }

    /// Every check name defined by some node, sorted.
    pub fn check_names(&self) -> BTreeSet<&str> {
        self.views().flat_map(|n| n.check_names()).collect()
    }

    /// Every edge, sorted by (from, kind, to). For a cached graph, built
    /// from the reach index on first use, with empty spans.
    pub fn edges(&self) -> &[Edge] {
        match &self.nodes {
            Nodes::Owned => &self.edges,
            Nodes::Table(t) => t.edges.get_or_init(|| {
                let mut edges: Vec<Edge> = (0..t.table.len() as u32)
                    .flat_map(|n| {
                        self.index.neighbours(NodeIdx(n), Direction::Forward).map(
                            move |(to, kind)| Edge {
                                from: NodeIdx(n),
                                kind,
                                to,
                                span: Span::default(),
                            },
                        )
                    })
                    .collect();
                edges.sort();
                edges
            }),
        }
    }

    /// The reachability index.
    pub fn index(&self) -> &Index {
        &self.index
    }

    /// The compiled path claims.
    pub fn paths(&self) -> &PathIndex {
        &self.paths
    }

    /// What a set of changed paths touches.
    pub fn touched<'a>(&self, paths: impl IntoIterator<Item = &'a str>) -> Touched {
        self.paths.touched(paths)
    }

    /// Reach from `from` (see [`Index::reach`]).
    pub fn reach(
        &self,
        from: &[NodeIdx],
        edge_kinds: EdgeMask,
        max_depth: Option<u32>,
        direction: Direction,
    ) -> Reach {
        self.index.reach(&ReachQuery {
            from,
            edge_kinds,
            max_depth,
            direction,
        })
    }

    /// Dependency cycles: the strongly connected components with more than
    /// one node (petgraph's Tarjan), each sorted by id, sorted.
    pub fn cycles(&self) -> Vec<Vec<NodeIdx>> {
        let pg = self.to_petgraph();
        let mut cycles: Vec<Vec<NodeIdx>> = petgraph::algo::tarjan_scc(&pg)
            .into_iter()
            .filter(|c| c.len() > 1)
            .map(|c| {
                let mut ids: Vec<NodeIdx> = c.iter().map(|&i| pg[i]).collect();
                ids.sort();
                ids
            })
            .collect();
        cycles.sort();
        cycles
    }

    /// The graph as a petgraph `DiGraph` (node weights are [`NodeIdx`], which
    /// equal petgraph's node indices; edge weights are kinds), for algorithms
    /// such as strongly connected components.
    pub(crate) fn to_petgraph(&self) -> petgraph::graph::DiGraph<NodeIdx, EdgeKind, u32> {
        let edges = self.edges();
        let mut g = petgraph::graph::DiGraph::with_capacity(self.node_count(), edges.len());
        for i in 0..self.node_count() {
            g.add_node(NodeIdx(i as u32));
        }
        for e in edges {
            g.add_edge(
                petgraph::graph::NodeIndex::new(e.from.index()),
                petgraph::graph::NodeIndex::new(e.to.index()),
                e.kind,
            );
        }
        g
    }
}

/// Counts per kind, for `writ graph stats`.
pub fn count_by<'a>(items: impl Iterator<Item = &'a str>) -> BTreeMap<&'a str, usize> {
    let mut m = BTreeMap::new();
    for i in items {
        *m.entry(i).or_insert(0) += 1;
    }
    m
}

//! The validated, indexed system graph.

use crate::index::{Direction, EdgeKind, EdgeMask, Index, NodeIdx, Reach, ReachQuery};
use crate::load::read_document;
use crate::model::*;
use crate::paths::{ClaimTarget, PathIndex, PathIndexBuilder, Touched, compile_glob};
use base64::Engine;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use writ_diagnostics::{Diagnostic, FileId, SourceMap, Span, codes, did_you_mean};

mod cached;

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
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Graph {
    file: Option<FileId>,
    doc: Document,
    #[serde(skip)] // rebuilt by `check_cached`
    principal_ix: HashMap<String, Principal>,
    #[serde(skip)]
    email_ix: HashMap<String, usize>,
    node_kinds: Vec<String>,
    edge_kinds: Vec<String>,
    edges: Vec<Edge>,
    index: Index,
    paths: PathIndex,
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

/// Lists up to this long are searched for repeats directly, not hashed.
const SMALL: usize = 16;

/// The last item of `before` that `same` accepts: what a map from key to
/// latest span, filled in list order, holds when the next repeat comes.
fn previous<T>(before: &[T], same: impl Fn(&T) -> bool) -> Option<&T> {
    before.iter().rev().find(|x| same(x))
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
        let (doc, mut diags) = read_document(file, text);
        let Some(doc) = doc else {
            writ_diagnostics::sort(&mut diags);
            return (None, diags);
        };
        let (graph, more) = Graph::from_document(Some(file), doc);
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
        let mut v = Validator {
            file: file.unwrap_or_default(),
            diags: Vec::new(),
            suggestions: SUGGESTION_BUDGET,
        };
        let graph = v.run(file, doc);
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

    /// The validated document (nodes, teams and people sorted by id).
    pub fn document(&self) -> &Document {
        &self.doc
    }

    /// Every node, sorted by id; a node's position is its [`NodeIdx`].
    pub fn nodes(&self) -> &[Node] {
        &self.doc.nodes
    }

    /// The node at `idx`.
    ///
    /// # Panics
    /// If `idx` is not an index of this graph.
    pub fn node(&self, idx: NodeIdx) -> &Node {
        &self.doc.nodes[idx.index()]
    }

    /// The index of the node with id `id`.
    pub fn node_index(&self, id: &str) -> Option<NodeIdx> {
        self.doc
            .nodes
            .binary_search_by(|n| n.id.value.as_str().cmp(id))
            .ok()
            .map(|i| NodeIdx(i as u32))
    }

    /// The node with id `id`.
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

    /// The person with this email address (case-insensitive).
    pub fn person_by_email(&self, email: &str) -> Option<&Person> {
        self.email_ix
            .get(&email.to_lowercase())
            .map(|&i| &self.doc.people[i])
    }

    /// The people an owner list stands for (teams expanded), sorted ids.
    pub fn owner_people(&self, owners: &[Spanned<String>]) -> BTreeSet<&str> {
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

    /// Every tag used by some node, sorted.
    pub fn tags(&self) -> BTreeSet<&str> {
        self.doc
            .nodes
            .iter()
            .flat_map(|n| n.tags.iter().map(|t| t.value.as_str()))
            .collect()
    }

    /// Every attribute name used by some node, sorted.
    pub fn attribute_names(&self) -> BTreeSet<&str> {
        self.doc
            .nodes
            .iter()
            .flat_map(|n| n.attributes.keys().map(String::as_str))
            .collect()
    }

    /// Every check name defined by some node, sorted.
    pub fn check_names(&self) -> BTreeSet<&str> {
        self.doc
            .nodes
            .iter()
            .flat_map(|n| n.checks.iter().map(|c| c.name.value.as_str()))
            .collect()
    }

    /// Every edge, sorted by (from, kind, to).
    pub fn edges(&self) -> &[Edge] {
        &self.edges
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
    pub fn to_petgraph(&self) -> petgraph::graph::DiGraph<NodeIdx, EdgeKind, u32> {
        let mut g = petgraph::graph::DiGraph::with_capacity(self.doc.nodes.len(), self.edges.len());
        for i in 0..self.doc.nodes.len() {
            g.add_node(NodeIdx(i as u32));
        }
        for e in &self.edges {
            g.add_edge(
                petgraph::graph::NodeIndex::new(e.from.index()),
                petgraph::graph::NodeIndex::new(e.to.index()),
                e.kind,
            );
        }
        g
    }
}

struct Validator {
    file: FileId,
    diags: Vec<Diagnostic>,
    suggestions: usize,
}

impl Validator {
    fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn err(&self, code: writ_diagnostics::Code, span: Span, msg: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, self.file, span, msg)
    }

    fn suggest<'a>(
        &mut self,
        d: Diagnostic,
        name: &str,
        candidates: impl IntoIterator<Item = &'a str>,
        quoted: bool,
    ) -> Diagnostic {
        if self.suggestions == 0 {
            return d;
        }
        self.suggestions -= 1;
        match did_you_mean(name, candidates) {
            Some(s) if quoted => {
                let mut d = d.with_replacement(model_quote(s));
                d.help = Some(format!("did you mean `{s}`?"));
                d
            }
            Some(s) => d.with_replacement(s),
            None => d,
        }
    }

    /// E0511 for a node or edge kind (`what`) that `known` (sorted) lacks,
    /// with a "did you mean" or the list to declare it in.
    fn unknown_kind(&mut self, kind: &Spanned<String>, what: &str, known: &[String]) {
        let d = self
            .err(
                codes::E0511,
                kind.span,
                format!("unknown {what} kind `{}`", kind.value),
            )
            .with_label(format!("neither built in nor declared in `{what}_kinds`"));
        let d = self.suggest(d, &kind.value, known.iter().map(String::as_str), true);
        let d = if d.help.is_none() {
            d.with_help(format!(
                "add \"{}\" to the top-level `{what}_kinds` list",
                kind.value
            ))
        } else {
            d
        };
        self.push(d);
    }

    fn check_id(&mut self, id: &Spanned<String>, what: &str) -> bool {
        if is_valid_id(id) {
            return true;
        }
        let d = self
            .err(codes::E0512, id.span, format!("invalid {what} id `{}`", id.value))
            .with_label("not a valid id")
            .with_help("ids are 1-256 characters from A-Z a-z 0-9 . _ - : / @ # + ~, starting with a letter, a digit or @");
        self.push(d);
        false
    }

    fn check_dups(&mut self, list: &[Spanned<String>], what: &str) {
        let mut repeated = |item: &Spanned<String>, first: Span| {
            let d = self
                .err(
                    codes::W0501,
                    item.span,
                    format!("`{}` is listed twice in {what}", item.value),
                )
                .with_label("repeated")
                .with_secondary(self.file, first, "first listed here");
            self.push(d);
        };
        if list.len() <= SMALL {
            for (j, item) in list.iter().enumerate() {
                if let Some(first) = previous(&list[..j], |x| x.value == item.value) {
                    repeated(item, first.span);
                }
            }
            return;
        }
        let mut seen: HashMap<&str, Span> = HashMap::with_capacity(list.len());
        for item in list {
            if let Some(first) = seen.insert(item.value.as_str(), item.span) {
                repeated(item, first);
            }
        }
    }

    fn check_glob(&mut self, p: &PathDecl) -> Option<globset::Glob> {
        let g = &p.glob;
        if let Some(stripped) = g
            .value
            .strip_prefix('/')
            .or_else(|| g.value.strip_prefix("./"))
        {
            let d = self
                .err(codes::E0509, g.span, format!("path glob `{}` is not relative to the repository root", g.value))
                .with_label("starts with `/` or `./`")
                .with_help("globs are matched against repository-relative paths such as `services/api/main.rs`")
                .with_replacement(model_quote(stripped));
            self.push(d);
            return None;
        }
        if let Some(bad) = ["..", "\\\\"]
            .iter()
            .find(|b| g.value.split('/').any(|seg| seg == **b))
        {
            let d = self.err(
                codes::E0509,
                g.span,
                format!("path glob `{}` contains `{bad}`", g.value),
            );
            self.push(d);
            return None;
        }
        if !p.layer.is_empty() && !is_valid_layer(&p.layer) {
            let d = self
                .err(
                    codes::E0503,
                    g.span,
                    format!("invalid layer name `{}`", p.layer),
                )
                .with_help("layer names are letters, digits and `._-:/@ ` characters");
            self.push(d);
        }
        if let Some((code, why)) = crate::paths::glob_limit(&g.value) {
            let d = self
                .err(code, g.span, format!("invalid path glob: {why}"))
                .with_label("past the limit")
                .with_help("write the alternatives as separate, shorter globs in `paths`");
            self.push(d);
            return None;
        }
        match compile_glob(&g.value) {
            Ok(glob) => Some(glob),
            Err(e) => {
                let d = self
                    .err(
                        codes::E0509,
                        g.span,
                        format!("invalid path glob `{}`: {e}", g.value),
                    )
                    .with_label("does not compile");
                self.push(d);
                None
            }
        }
    }

    /// Checks the path claims of every node (repeats, then each glob) and
    /// compiles their globs, in node order. Runs on its own thread, with its
    /// own diagnostics, while the rest of the nodes are checked.
    fn node_paths<'d>(&mut self, nodes: &'d [Node]) -> Vec<(globset::Glob, i64, &'d str, NodeIdx)> {
        let mut claims = Vec::with_capacity(nodes.len());
        for (i, n) in nodes.iter().enumerate() {
            let idx = NodeIdx(i as u32);
            let mut seen_paths: HashMap<(&str, i64, &str), Span> = HashMap::new();
            for (j, p) in n.paths.iter().enumerate() {
                let repeat = if n.paths.len() <= SMALL {
                    previous(&n.paths[..j], |q| {
                        q.glob.value == p.glob.value
                            && q.priority == p.priority
                            && q.layer == p.layer
                    })
                    .map(|q| q.glob.span)
                } else {
                    seen_paths.insert(
                        (p.glob.value.as_str(), p.priority, p.layer.as_str()),
                        p.glob.span,
                    )
                };
                if let Some(first) = repeat {
                    let d = self
                        .err(
                            codes::W0501,
                            p.glob.span,
                            format!("path `{}` is listed twice", p.glob.value),
                        )
                        .with_secondary(self.file, first, "first listed here");
                    self.push(d);
                    continue;
                }
                if let Some(glob) = self.check_glob(p) {
                    claims.push((glob, p.priority, p.layer.as_str(), idx));
                }
            }
        }
        claims
    }

    fn kinds(&mut self, builtin: &[&str], declared: &[Spanned<String>], what: &str) -> Vec<String> {
        let mut all: BTreeSet<String> = builtin.iter().map(|s| s.to_string()).collect();
        for k in declared {
            if !is_valid_name(k) {
                let d = self
                    .err(codes::E0503, k.span, format!("invalid {what} name `{}`", k.value))
                    .with_help("kind names are lowercase letters, digits, `_` and `-`, starting with a letter");
                self.push(d);
                continue;
            }
            if !all.insert(k.value.clone()) {
                let d = self.err(
                    codes::W0501,
                    k.span,
                    format!("{what} `{}` is built in or declared twice", k.value),
                );
                self.push(d);
            }
        }
        all.into_iter().collect()
    }

    fn run(&mut self, file: Option<FileId>, mut doc: Document) -> Option<Graph> {
        let node_kinds = self.kinds(BUILTIN_NODE_KINDS, &doc.node_kinds, "node kind");
        let edge_kinds = self.kinds(BUILTIN_EDGE_KINDS, &doc.edge_kinds, "edge kind");
        if edge_kinds.len() > 64 {
            let span = doc.edge_kinds.first().map_or(Span::default(), |k| k.span);
            let d = self.err(
                codes::E0516,
                span,
                format!(
                    "{} edge kinds are known; at most 64 are supported",
                    edge_kinds.len()
                ),
            );
            self.push(d);
            return None;
        }

        // ---- principals: teams and people share one id space ----
        let mut principal_ix: HashMap<String, Principal> = HashMap::new();
        let mut principal_span: HashMap<String, Span> = HashMap::new();
        let mut keep_teams = Vec::with_capacity(doc.teams.len());
        for t in std::mem::take(&mut doc.teams) {
            if !self.check_id(&t.id, "team")
                || !self.unique(&mut principal_span, &t.id, "team or person")
            {
                continue;
            }
            keep_teams.push(t);
        }
        let mut keep_people = Vec::with_capacity(doc.people.len());
        for p in std::mem::take(&mut doc.people) {
            if !self.check_id(&p.id, "person")
                || !self.unique(&mut principal_span, &p.id, "team or person")
            {
                continue;
            }
            keep_people.push(p);
        }
        doc.teams = keep_teams;
        doc.people = keep_people;
        doc.teams.sort_by(|a, b| a.id.value.cmp(&b.id.value));
        doc.people.sort_by(|a, b| a.id.value.cmp(&b.id.value));
        for (i, t) in doc.teams.iter().enumerate() {
            principal_ix.insert(t.id.value.clone(), Principal::Team(i));
        }
        for (i, p) in doc.people.iter().enumerate() {
            principal_ix.insert(p.id.value.clone(), Principal::Person(i));
        }
        let person_ids: Vec<&str> = doc.people.iter().map(|p| p.id.value.as_str()).collect();
        let principal_ids: Vec<String> = {
            let mut v: Vec<String> = principal_ix.keys().cloned().collect();
            v.sort();
            v
        };

        // ---- people: emails and keys ----
        let mut email_ix: HashMap<String, usize> = HashMap::new();
        let mut email_span: HashMap<String, Span> = HashMap::new();
        for (i, p) in doc.people.iter().enumerate() {
            self.check_dups(&p.emails, "a person's emails");
            for e in &p.emails {
                let lower = e.value.to_lowercase();
                let well_formed = lower
                    .split_once('@')
                    .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty())
                    && !lower.chars().any(char::is_whitespace);
                if !well_formed {
                    let d = self.err(
                        codes::E0503,
                        e.span,
                        format!("`{}` is not an email address", e.value),
                    );
                    self.push(d);
                    continue;
                }
                match email_ix.get(&lower) {
                    Some(&other) if other != i => {
                        let first = email_span.get(&lower).copied().unwrap_or_default();
                        let d = self
                            .err(codes::E0517, e.span, format!("email `{}` belongs to two people: `{}` and `{}`", e.value, doc.people[other].id.value, p.id.value))
                            .with_label("second owner of this address")
                            .with_secondary(self.file, first, "first given here")
                            .with_note("commit authors are resolved to people by email, so each address must name one person");
                        self.push(d);
                    }
                    Some(_) => {}
                    None => {
                        email_ix.insert(lower.clone(), i);
                        email_span.insert(lower, e.span);
                    }
                }
            }
            self.check_dups(&p.keys, "a person's keys");
            for k in &p.keys {
                if let Err(why) = parse_public_key(k) {
                    let d = self
                        .err(
                            codes::E0510,
                            k.span,
                            format!("invalid public key for `{}`: {why}", p.id.value),
                        )
                        .with_label("not a usable ed25519 public key");
                    self.push(d);
                }
            }
        }
        for t in &doc.teams {
            self.check_dups(&t.members, "a team's members");
            for m in &t.members {
                if !matches!(
                    principal_ix.get(m.value.as_str()),
                    Some(Principal::Person(_))
                ) {
                    let msg = if principal_ix.contains_key(m.value.as_str()) {
                        format!(
                            "team member `{}` is a team; members must be people",
                            m.value
                        )
                    } else {
                        format!("team member `{}` is not a person of the graph", m.value)
                    };
                    let d = self
                        .err(codes::E0508, m.span, msg)
                        .with_label("unknown person");
                    let d = self.suggest(d, &m.value, person_ids.iter().copied(), true);
                    self.push(d);
                }
            }
        }

        // ---- nodes ----
        let mut keep = Vec::with_capacity(doc.nodes.len());
        for n in std::mem::take(&mut doc.nodes) {
            if self.check_id(&n.id, "node") {
                keep.push(n);
            }
        }
        // Sorted by id, stably: of nodes sharing an id the first written
        // comes first, is kept, and the others are reported against it.
        keep.sort_by(|a, b| a.id.value.cmp(&b.id.value));
        let mut nodes: Vec<Node> = Vec::with_capacity(keep.len());
        for n in keep {
            let first = nodes
                .last()
                .filter(|f| f.id.value == n.id.value)
                .map(|f| f.id.span);
            if let Some(first) = first {
                let d = self
                    .err(
                        codes::E0506,
                        n.id.span,
                        format!("duplicate node id `{}`", n.id.value),
                    )
                    .with_label("defined again here")
                    .with_secondary(self.file, first, "first defined here");
                self.push(d);
                continue;
            }
            nodes.push(n);
        }
        doc.nodes = nodes;
        let mut node_map: rustc_hash::FxHashMap<&str, u32> = Default::default();
        node_map.reserve(doc.nodes.len());
        for (i, n) in doc.nodes.iter().enumerate() {
            node_map.insert(n.id.value.as_str(), i as u32);
        }
        let node_ix = |id: &str| node_map.get(id).copied();
        let node_ids: Vec<&str> = doc.nodes.iter().map(|n| n.id.value.as_str()).collect();

        let mut path_builder = PathIndexBuilder::new();
        let mut edges: Vec<Edge> = Vec::new();
        let this_file = self.file;
        let nodes = &doc.nodes;
        let (node_claims, path_diags) = std::thread::scope(|scope| {
            let paths = scope.spawn(move || {
                let mut v = Validator {
                    file: this_file,
                    diags: Vec::new(),
                    suggestions: 0,
                };
                let claims = v.node_paths(nodes);
                (claims, v.diags)
            });
            for (i, n) in doc.nodes.iter().enumerate() {
                let idx = NodeIdx(i as u32);
                if node_kinds.binary_search(&n.kind.value).is_err() {
                    self.unknown_kind(&n.kind, "node", &node_kinds);
                }
                self.check_dups(&n.tags, "a node's tags");
                self.check_dups(&n.owners, "a node's owners");
                for o in &n.owners {
                    if !principal_ix.contains_key(o.value.as_str()) {
                        let d = self
                            .err(
                                codes::E0508,
                                o.span,
                                format!(
                                    "owner `{}` of node `{}` is neither a team nor a person",
                                    o.value, n.id.value
                                ),
                            )
                            .with_label("unknown owner");
                        let d = self.suggest(
                            d,
                            &o.value,
                            principal_ids.iter().map(String::as_str),
                            true,
                        );
                        self.push(d);
                    }
                }
                for c in &n.checks {
                    if !is_valid_id(&c.name) {
                        let d = self.err(
                            codes::E0515,
                            c.name.span,
                            format!("invalid check name `{}`", c.name.value),
                        );
                        self.push(d);
                    }
                }
                let mut seen_edges: HashMap<(&str, &str), Span> = HashMap::new();
                for (j, e) in n.edges.iter().enumerate() {
                    let kind = match edge_kinds.binary_search(&e.kind.value) {
                        Ok(k) => Some(EdgeKind(k as u8)),
                        Err(_) => {
                            self.unknown_kind(&e.kind, "edge", &edge_kinds);
                            None
                        }
                    };
                    let repeat = if n.edges.len() <= SMALL {
                        previous(&n.edges[..j], |x| {
                            x.to.value == e.to.value && x.kind.value == e.kind.value
                        })
                        .map(|x| x.to.span)
                    } else {
                        seen_edges.insert((e.kind.value.as_str(), e.to.value.as_str()), e.to.span)
                    };
                    if let Some(first) = repeat {
                        let d = self
                            .err(
                                codes::W0501,
                                e.to.span,
                                format!(
                                    "edge `{}` -{}-> `{}` is listed twice",
                                    n.id.value, e.kind.value, e.to.value
                                ),
                            )
                            .with_secondary(self.file, first, "first listed here");
                        self.push(d);
                        continue;
                    }
                    let Some(to) = node_ix(e.to.value.as_str()) else {
                        let d = self
                            .err(
                                codes::E0507,
                                e.to.span,
                                format!(
                                    "edge from `{}` to unknown node `{}`",
                                    n.id.value, e.to.value
                                ),
                            )
                            .with_label("no node has this id");
                        let d = self.suggest(d, &e.to.value, node_ids.iter().copied(), true);
                        self.push(d);
                        continue;
                    };
                    if to as usize == i {
                        let d = self
                            .err(
                                codes::W0502,
                                e.to.span,
                                format!("node `{}` has an edge to itself", n.id.value),
                            )
                            .with_label("self edge");
                        self.push(d);
                    }
                    if let Some(kind) = kind {
                        edges.push(Edge {
                            from: idx,
                            kind,
                            to: NodeIdx(to),
                            span: e.to.span,
                        });
                    }
                }
            }
            paths
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        });
        self.diags.extend(path_diags);
        for (glob, priority, layer, idx) in node_claims {
            path_builder.add(glob, priority, layer, ClaimTarget::Node(idx));
        }
        for p in &doc.unowned_paths {
            if let Some(glob) = self.check_glob(p) {
                path_builder.add(glob, p.priority, &p.layer, ClaimTarget::Unowned);
            }
        }
        let mut globals = Vec::new();
        for (gi, g) in doc.global_files.iter().enumerate() {
            let mut set: BTreeSet<NodeIdx> = BTreeSet::new();
            for id in &g.nodes {
                match node_ix(id.value.as_str()) {
                    Some(i) => {
                        set.insert(NodeIdx(i));
                    }
                    None => {
                        let d = self
                            .err(
                                codes::E0507,
                                id.span,
                                format!("global files touch unknown node `{}`", id.value),
                            )
                            .with_label("no node has this id");
                        let d = self.suggest(d, &id.value, node_ids.iter().copied(), true);
                        self.push(d);
                    }
                }
            }
            for k in &g.kinds {
                if node_kinds.binary_search(&k.value).is_err() {
                    let d = self.err(
                        codes::E0511,
                        k.span,
                        format!("unknown node kind `{}`", k.value),
                    );
                    let d = self.suggest(d, &k.value, node_kinds.iter().map(String::as_str), true);
                    self.push(d);
                }
            }
            let kinds: BTreeSet<&str> = g.kinds.iter().map(|k| k.value.as_str()).collect();
            let tags: BTreeSet<&str> = g.tags.iter().map(|k| k.value.as_str()).collect();
            if !kinds.is_empty() || !tags.is_empty() {
                for (i, n) in doc.nodes.iter().enumerate() {
                    if kinds.contains(n.kind.value.as_str())
                        || n.tags.iter().any(|t| tags.contains(t.value.as_str()))
                    {
                        set.insert(NodeIdx(i as u32));
                    }
                }
            }
            if g.nodes.is_empty() && g.kinds.is_empty() && g.tags.is_empty() {
                let d = self
                    .err(codes::E0505, Span::new(g.span.start as usize, g.span.start as usize + 1), "a global-files rule selects no nodes")
                    .with_help("give `nodes`, `kinds` or `tags`; to make files unowned use `unowned_paths`");
                self.push(d);
            }
            for p in &g.paths {
                if let Some(glob) = self.check_glob(p) {
                    path_builder.add(glob, p.priority, &p.layer, ClaimTarget::Global(gi as u32));
                }
            }
            globals.push(set.into_iter().collect());
        }
        if self.diags.iter().any(Diagnostic::is_error) {
            return None;
        }
        // The glob set compiles on a second thread while the edges are indexed.
        let node_count = doc.nodes.len();
        let (built, index) = std::thread::scope(|scope| {
            let built = scope.spawn(move || path_builder.build(globals));
            edges.sort();
            let triples: Vec<(NodeIdx, NodeIdx, EdgeKind)> =
                edges.iter().map(|e| (e.from, e.to, e.kind)).collect();
            let index = Index::build(node_count, &triples);
            let built = built
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (built, index)
        });
        let paths = match built {
            Ok(p) => p,
            Err(e) => {
                let d = self.err(
                    codes::E0509,
                    Span::default(),
                    format!("the path globs do not compile together: {e}"),
                );
                self.push(d);
                return None;
            }
        };
        Some(Graph {
            file,
            doc,
            principal_ix,
            email_ix,
            node_kinds,
            edge_kinds,
            edges,
            index,
            paths,
        })
    }

    fn unique(
        &mut self,
        seen: &mut HashMap<String, Span>,
        id: &Spanned<String>,
        what: &str,
    ) -> bool {
        if let Some(&first) = seen.get(id.value.as_str()) {
            let d = self
                .err(
                    codes::E0506,
                    id.span,
                    format!("duplicate {what} id `{}`", id.value),
                )
                .with_label("defined again here")
                .with_secondary(self.file, first, "first defined here");
            self.push(d);
            return false;
        }
        seen.insert(id.value.clone(), id.span);
        true
    }
}

fn is_valid_layer(layer: &str) -> bool {
    layer.len() <= 256
        && layer
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-:/@ []".contains(c))
}

fn model_quote(s: &str) -> String {
    crate::model::json_str(s)
}

/// Counts per kind, for `writ graph stats`.
pub fn count_by<'a>(items: impl Iterator<Item = &'a str>) -> BTreeMap<&'a str, usize> {
    let mut m = BTreeMap::new();
    for i in items {
        *m.entry(i).or_insert(0) += 1;
    }
    m
}

//! The data model of a graph file, as written and read.
//!
//! A [`Document`] is what a graph file says, with the span of every piece in
//! the file (spans are empty for documents built in memory, e.g. by an
//! importer). It is not yet validated: [`crate::Graph`] is the validated,
//! indexed form. Importers build documents, [`Document::merge`] combines them
//! deterministically, and [`Document::to_json`] writes the native format.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use writ_diagnostics::Span;

mod attributes;
mod name;
pub use attributes::Attributes;
pub(crate) use name::Interner;
pub use name::Name;

/// The graph format version this build reads and writes.
pub(crate) const FORMAT_VERSION: u32 = 1;

/// Node kinds every graph knows without declaring them.
pub(crate) const BUILTIN_NODE_KINDS: &[&str] = &[
    "api",
    "component",
    "datastore",
    "library",
    "pipeline",
    "resource",
    "service",
    "system",
];

/// Edge kinds every graph knows without declaring them. An edge `a -> b`
/// always means "a depends on b in this way", so a change to `b` reaches `a`.
pub(crate) const BUILTIN_EDGE_KINDS: &[&str] = &[
    "calls",
    "consumes_api",
    "depends_on",
    "deploys",
    "dev_depends_on",
    "has_part",
    "provided_by",
    "reads",
    "writes",
];

/// A value with the span of its text in the graph file.
#[derive(
    Clone,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it is written (empty when built in memory).
    pub span: Span,
}

impl<T> Spanned<T> {
    /// A value with a span.
    pub fn new(value: T, span: Span) -> Spanned<T> {
        Spanned { value, span }
    }

    /// A value built in memory, with an empty span.
    pub fn bare(value: T) -> Spanned<T> {
        Spanned {
            value,
            span: Span::default(),
        }
    }
}

impl<T> std::ops::Deref for Spanned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl From<&str> for Spanned<String> {
    fn from(s: &str) -> Self {
        Spanned::bare(s.to_string())
    }
}

impl From<&str> for Spanned<Name> {
    fn from(s: &str) -> Self {
        Spanned::bare(Name::from(s))
    }
}

/// Whether a principal is a person or an automated agent.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
pub enum PrincipalKind {
    /// A human being.
    #[default]
    Human,
    /// An automated agent (AI or bot): may propose, never approve.
    Agent,
}

impl PrincipalKind {
    /// `"human"` or `"agent"`.
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::Human => "human",
            PrincipalKind::Agent => "agent",
        }
    }
}

/// A scalar attribute value.
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum AttrValue {
    /// `true` / `false`.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// Text.
    Str(String),
}

impl AttrValue {
    fn to_json(&self) -> String {
        match self {
            AttrValue::Bool(b) => b.to_string(),
            AttrValue::Int(i) => i.to_string(),
            AttrValue::Str(s) => json_str(s),
        }
    }
}

/// A path glob claiming repository files for a node (or for nobody).
///
/// See `docs/graph.md`: for each `layer` independently, the matching claims
/// with the highest `priority` win; a file touches the union of the winners
/// over all layers.
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct PathDecl {
    /// The glob, relative to the repository root (`*` stops at `/`, `**` crosses it).
    pub glob: Spanned<String>,
    /// Higher wins within a layer. Default 0.
    pub priority: i64,
    /// Claims compete only within their layer. Default `""`.
    pub layer: String,
}

impl PathDecl {
    /// A claim with default priority and layer.
    pub fn new(glob: impl Into<String>) -> PathDecl {
        PathDecl {
            glob: Spanned::bare(glob.into()),
            priority: 0,
            layer: String::new(),
        }
    }

    /// A claim with an explicit priority and layer.
    pub(crate) fn ranked(
        glob: impl Into<String>,
        priority: i64,
        layer: impl Into<String>,
    ) -> PathDecl {
        PathDecl {
            glob: Spanned::bare(glob.into()),
            priority,
            layer: layer.into(),
        }
    }

    fn to_json(&self) -> String {
        if self.priority == 0 && self.layer.is_empty() {
            json_str(&self.glob)
        } else {
            let mut s = format!("{{\"glob\": {}", json_str(&self.glob));
            if self.priority != 0 {
                let _ = write!(s, ", \"priority\": {}", self.priority);
            }
            if !self.layer.is_empty() {
                let _ = write!(s, ", \"layer\": {}", json_str(&self.layer));
            }
            s.push('}');
            s
        }
    }
}

/// A named check of a node: the command that runs it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CheckDecl {
    /// The check's name, e.g. `integration`.
    pub name: Spanned<Name>,
    /// The argv (no shell): program first.
    pub run: Vec<Name>,
    /// Time limit in seconds, if any.
    pub timeout_secs: Option<u64>,
    /// Whether the check needs the network (`"network": true`); without it
    /// `writ run` gives the check only its own loopback.
    pub network: bool,
    /// Extra redaction patterns (regular expressions) for this check's
    /// output, on top of the built-in ones (`"redact": ["acct-[0-9]{6}"]`).
    pub redact: Vec<String>,
    /// Span of the check's entry.
    pub span: Span,
}

/// One outgoing edge written on its source node.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct EdgeDecl {
    /// The edge kind, e.g. `calls`.
    pub kind: Spanned<Name>,
    /// The target node id.
    pub to: Spanned<Name>,
}

/// A node of the system graph.
#[derive(Clone, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct NodeDecl {
    /// Unique id.
    pub id: Spanned<Name>,
    /// Kind: `service`, `library`, … or a declared kind.
    pub kind: Spanned<Name>,
    /// Free text for humans.
    pub description: Option<String>,
    /// Tags, e.g. `phi`.
    pub tags: Vec<Spanned<Name>>,
    /// Named scalar attributes, e.g. `tier = 0`.
    pub attributes: Attributes,
    /// Team or person ids.
    pub owners: Vec<Spanned<Name>>,
    /// Path claims.
    pub paths: Vec<PathDecl>,
    /// Named checks.
    pub checks: Vec<CheckDecl>,
    /// Outgoing edges.
    pub edges: Vec<EdgeDecl>,
    /// Span of the node's whole entry in the file.
    pub span: Span,
}

/// A team: a named set of people.
#[derive(Clone, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct TeamDecl {
    /// Unique principal id.
    pub id: Spanned<String>,
    /// Free text.
    pub description: Option<String>,
    /// Person ids.
    pub members: Vec<Spanned<String>>,
    /// Other names of this team in other sources (`@org/payments` in
    /// CODEOWNERS, `group:payments` in Backstage); see [`crate::identity`].
    /// Only the graph file declares them, never a change.
    pub aliases: Vec<Spanned<String>>,
    /// Span of the entry.
    pub span: Span,
}

/// A person or agent.
#[derive(Clone, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct PersonDecl {
    /// Unique principal id.
    pub id: Spanned<String>,
    /// Display name.
    pub name: Option<String>,
    /// Email addresses (matched case-insensitively against commit authors).
    pub emails: Vec<Spanned<String>>,
    /// Human or agent.
    pub kind: PrincipalKind,
    /// Public keys, `ed25519:<base64 of 32 bytes>`.
    pub keys: Vec<Spanned<String>>,
    /// Other names of this person: forge handles (`@alice`), Backstage refs
    /// (`user:alice`), ids other importers gave them; see
    /// [`crate::identity`]. Only the graph file declares them, never a change.
    pub aliases: Vec<Spanned<String>>,
    /// Span of the entry.
    pub span: Span,
}

/// Files that touch a chosen set of nodes (lockfiles, root configuration).
#[derive(Clone, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct GlobalFilesDecl {
    /// The files.
    pub paths: Vec<PathDecl>,
    /// Nodes touched, by id.
    pub nodes: Vec<Spanned<String>>,
    /// Every node of these kinds is touched.
    pub kinds: Vec<Spanned<String>>,
    /// Every node with one of these tags is touched.
    pub tags: Vec<Spanned<String>>,
    /// Span of the entry.
    pub span: Span,
}

/// The content of one graph file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Document {
    /// Format version (1).
    pub version: u32,
    /// Node kinds declared beyond the built-in ones.
    pub node_kinds: Vec<Spanned<String>>,
    /// Edge kinds declared beyond the built-in ones.
    pub edge_kinds: Vec<Spanned<String>>,
    /// Nodes.
    pub nodes: Vec<NodeDecl>,
    /// Teams.
    pub teams: Vec<TeamDecl>,
    /// People and agents.
    pub people: Vec<PersonDecl>,
    /// Claims that make files unowned (CODEOWNERS entries without owners).
    pub unowned_paths: Vec<PathDecl>,
    /// Global files.
    pub global_files: Vec<GlobalFilesDecl>,
}

impl Default for Document {
    fn default() -> Self {
        Document {
            version: FORMAT_VERSION,
            node_kinds: Vec::new(),
            edge_kinds: Vec::new(),
            nodes: Vec::new(),
            teams: Vec::new(),
            people: Vec::new(),
            unowned_paths: Vec::new(),
            global_files: Vec::new(),
        }
    }
}

pub(crate) fn merge_list<T: Ord + Clone>(into: &mut Vec<T>, from: &[T]) {
    into.extend(from.iter().cloned());
    into.sort();
    into.dedup();
}

pub(crate) fn merge_names<T: Ord + Clone>(into: &mut Vec<Spanned<T>>, from: &[Spanned<T>]) {
    into.extend(from.iter().cloned());
    into.sort_by(|a, b| a.value.cmp(&b.value));
    into.dedup_by(|a, b| a.value == b.value);
}

impl Document {
    /// Sorts every list into its canonical order (nodes, teams and people by
    /// id; tags, owners, edges and paths by value).
    pub fn normalize(&mut self) {
        self.node_kinds.sort_by(|a, b| a.value.cmp(&b.value));
        self.node_kinds.dedup_by(|a, b| a.value == b.value);
        self.edge_kinds.sort_by(|a, b| a.value.cmp(&b.value));
        self.edge_kinds.dedup_by(|a, b| a.value == b.value);
        self.nodes.sort_by(|a, b| a.id.value.cmp(&b.id.value));
        for n in &mut self.nodes {
            merge_names(&mut n.tags, &[]);
            merge_names(&mut n.owners, &[]);
            merge_list(&mut n.paths, &[]);
            merge_list(&mut n.edges, &[]);
            n.checks.sort_by(|a, b| a.name.value.cmp(&b.name.value));
        }
        self.teams.sort_by(|a, b| a.id.value.cmp(&b.id.value));
        for t in &mut self.teams {
            merge_names(&mut t.members, &[]);
            merge_names(&mut t.aliases, &[]);
        }
        self.people.sort_by(|a, b| a.id.value.cmp(&b.id.value));
        for p in &mut self.people {
            for e in &mut p.emails {
                e.value = e.value.to_lowercase();
            }
            merge_names(&mut p.emails, &[]);
            merge_names(&mut p.keys, &[]);
            merge_names(&mut p.aliases, &[]);
        }
        merge_list(&mut self.unowned_paths, &[]);
        for g in &mut self.global_files {
            merge_list(&mut g.paths, &[]);
            merge_names(&mut g.nodes, &[]);
            merge_names(&mut g.kinds, &[]);
            merge_names(&mut g.tags, &[]);
        }
        self.global_files.sort_by(|a, b| {
            let key = |g: &GlobalFilesDecl| {
                g.paths
                    .iter()
                    .map(|p| p.glob.value.clone())
                    .collect::<Vec<_>>()
            };
            key(a).cmp(&key(b))
        });
    }

    /// Writes the document in the native format: JSON, two-space indented,
    /// fields in a fixed order, lists as they are (call [`Document::normalize`]
    /// first for canonical output).
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(256 + self.nodes.len() * 256);
        out.push_str("{\n  \"$schema\": \"https://writ.dev/schemas/graph-v1.json\",\n");
        let _ = write!(out, "  \"version\": {}", self.version);
        if !self.node_kinds.is_empty() {
            let _ = write!(out, ",\n  \"node_kinds\": {}", names(&self.node_kinds));
        }
        if !self.edge_kinds.is_empty() {
            let _ = write!(out, ",\n  \"edge_kinds\": {}", names(&self.edge_kinds));
        }
        if !self.teams.is_empty() {
            out.push_str(",\n  \"teams\": [");
            for (i, t) in self.teams.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                let mut f = Fields::new(&mut out, 4);
                f.raw("id", &json_str(&t.id));
                if let Some(d) = &t.description {
                    f.raw("description", &json_str(d));
                }
                f.raw("members", &names(&t.members));
                if !t.aliases.is_empty() {
                    f.raw("aliases", &names(&t.aliases));
                }
                f.finish();
            }
            out.push_str("\n  ]");
        }
        if !self.people.is_empty() {
            out.push_str(",\n  \"people\": [");
            for (i, p) in self.people.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                let mut f = Fields::new(&mut out, 4);
                f.raw("id", &json_str(&p.id));
                if let Some(n) = &p.name {
                    f.raw("name", &json_str(n));
                }
                f.raw("kind", &json_str(p.kind.as_str()));
                if !p.emails.is_empty() {
                    f.raw("emails", &names(&p.emails));
                }
                if !p.keys.is_empty() {
                    f.raw("keys", &names(&p.keys));
                }
                if !p.aliases.is_empty() {
                    f.raw("aliases", &names(&p.aliases));
                }
                f.finish();
            }
            out.push_str("\n  ]");
        }
        out.push_str(",\n  \"nodes\": [");
        for (i, n) in self.nodes.iter().enumerate() {
            out.push_str(if i == 0 { "\n" } else { ",\n" });
            write_node(&mut out, n);
        }
        out.push_str(if self.nodes.is_empty() { "]" } else { "\n  ]" });
        if !self.unowned_paths.is_empty() {
            let items: Vec<String> = self.unowned_paths.iter().map(PathDecl::to_json).collect();
            let _ = write!(out, ",\n  \"unowned_paths\": [{}]", items.join(", "));
        }
        if !self.global_files.is_empty() {
            out.push_str(",\n  \"global_files\": [");
            for (i, g) in self.global_files.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                let mut f = Fields::new(&mut out, 4);
                let items: Vec<String> = g.paths.iter().map(PathDecl::to_json).collect();
                f.raw("paths", &format!("[{}]", items.join(", ")));
                if !g.nodes.is_empty() {
                    f.raw("nodes", &names(&g.nodes));
                }
                if !g.kinds.is_empty() {
                    f.raw("kinds", &names(&g.kinds));
                }
                if !g.tags.is_empty() {
                    f.raw("tags", &names(&g.tags));
                }
                f.finish();
            }
            out.push_str("\n  ]");
        }
        out.push_str("\n}\n");
        out
    }
}

fn write_node(out: &mut String, n: &NodeDecl) {
    let mut f = Fields::new(out, 4);
    f.raw("id", &json_str(&n.id));
    f.raw("kind", &json_str(&n.kind));
    if let Some(d) = &n.description {
        f.raw("description", &json_str(d));
    }
    if !n.tags.is_empty() {
        f.raw("tags", &names(&n.tags));
    }
    if !n.attributes.is_empty() {
        let items: Vec<String> = n
            .attributes
            .iter()
            .map(|(k, v)| format!("{}: {}", json_str(k), v.value.to_json()))
            .collect();
        f.raw("attributes", &format!("{{{}}}", items.join(", ")));
    }
    if !n.owners.is_empty() {
        f.raw("owners", &names(&n.owners));
    }
    if !n.paths.is_empty() {
        let items: Vec<String> = n.paths.iter().map(PathDecl::to_json).collect();
        f.raw("paths", &format!("[{}]", items.join(", ")));
    }
    if !n.checks.is_empty() {
        let items: Vec<String> = n
            .checks
            .iter()
            .map(|c| {
                let run: Vec<String> = c.run.iter().map(|a| json_str(a)).collect();
                let mut s = format!("{}: {{\"run\": [{}]", json_str(&c.name), run.join(", "));
                if let Some(t) = c.timeout_secs {
                    let _ = write!(s, ", \"timeout\": {}", json_str(&format_duration(t)));
                }
                if c.network {
                    s.push_str(", \"network\": true");
                }
                if !c.redact.is_empty() {
                    let items: Vec<String> = c.redact.iter().map(|a| json_str(a)).collect();
                    let _ = write!(s, ", \"redact\": [{}]", items.join(", "));
                }
                s.push('}');
                s
            })
            .collect();
        f.raw("checks", &format!("{{{}}}", items.join(", ")));
    }
    if !n.edges.is_empty() {
        let mut by_kind: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for e in &n.edges {
            by_kind.entry(&e.kind).or_default().insert(&e.to);
        }
        let items: Vec<String> = by_kind
            .iter()
            .map(|(k, targets)| {
                let t: Vec<String> = targets.iter().map(|t| json_str(t)).collect();
                format!("{}: [{}]", json_str(k), t.join(", "))
            })
            .collect();
        f.raw("edges", &format!("{{{}}}", items.join(", ")));
    }
    f.finish();
}

/// Writes `{ "k": v, ... }` one field a line at a given indentation.
struct Fields<'a> {
    out: &'a mut String,
    indent: usize,
    first: bool,
}

impl<'a> Fields<'a> {
    fn new(out: &'a mut String, indent: usize) -> Fields<'a> {
        for _ in 0..indent {
            out.push(' ');
        }
        out.push('{');
        Fields {
            out,
            indent,
            first: true,
        }
    }

    fn raw(&mut self, key: &str, value: &str) {
        self.out.push_str(if self.first { "\n" } else { ",\n" });
        self.first = false;
        for _ in 0..self.indent + 2 {
            self.out.push(' ');
        }
        let _ = write!(self.out, "{}: {}", json_str(key), value);
    }

    fn finish(self) {
        self.out.push('\n');
        for _ in 0..self.indent {
            self.out.push(' ');
        }
        self.out.push('}');
    }
}

/// A JSON string literal.
pub(crate) fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

fn names<T: std::ops::Deref<Target = str>>(list: &[Spanned<T>]) -> String {
    let items: Vec<String> = list.iter().map(|s| json_str(s)).collect();
    format!("[{}]", items.join(", "))
}

/// Formats seconds as `1h30m`, `10m`, `45s` (`0s` for zero).
pub fn format_duration(secs: u64) -> String {
    if secs == 0 {
        return "0s".into();
    }
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let mut out = String::new();
    if h > 0 {
        let _ = write!(out, "{h}h");
    }
    if m > 0 {
        let _ = write!(out, "{m}m");
    }
    if s > 0 {
        let _ = write!(out, "{s}s");
    }
    out
}

/// Parses `1h30m`, `10m`, `45s` (units in that order, each at most once).
pub fn parse_duration(text: &str) -> Option<u64> {
    if text.is_empty() {
        return None;
    }
    let mut total: u64 = 0;
    let mut rest = text;
    let mut last_unit = 0;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 12 {
            return None;
        }
        let n: u64 = rest[..digits].parse().ok()?;
        let (mult, rank) = match rest.as_bytes().get(digits) {
            Some(b'h') => (3600, 1),
            Some(b'm') => (60, 2),
            Some(b's') => (1, 3),
            _ => return None,
        };
        if rank <= last_unit {
            return None;
        }
        last_unit = rank;
        total = total.checked_add(n.checked_mul(mult)?)?;
        rest = &rest[digits + 1..];
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_round_trip() {
        for (text, secs) in [
            ("10m", 600),
            ("1h30m", 5400),
            ("45s", 45),
            ("2h", 7200),
            ("1h1m1s", 3661),
        ] {
            assert_eq!(parse_duration(text), Some(secs), "{text}");
            assert_eq!(format_duration(secs), text);
        }
        for bad in [
            "",
            "10",
            "m",
            "1m1h",
            "1m1m",
            "-1s",
            "1.5h",
            "99999999999999h",
        ] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }
}

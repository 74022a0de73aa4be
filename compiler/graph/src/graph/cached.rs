//! A graph in the runtime's prepared-plan cache. [`Graph::write_cached`]
//! appends its bytes: first what a decision reads beyond the nodes and
//! the path claims (the document's teams, people, declared kinds, unowned
//! paths and global files; the known kinds), encoded with postcard, then
//! the reach index's flat arrays, the node table (`graph/table.rs`) and
//! the path index's tables (`paths/cached.rs`), all three read back as
//! they are. [`Graph::read_cached`] reads them back, validates the tables,
//! rebuilds the lookup tables that are not stored (so the cache bytes do
//! not depend on hash order) and checks that every index the graph holds
//! is within its own sizes, so that a graph read back can never make a
//! query index out of bounds or read another node's strings.

use super::table::NodeTable;
use super::{Graph, Nodes, Principal, TableNodes};
use crate::flat::{Buffer, Reader, Sink, put_bytes, put_words};
use crate::index::Index;
use crate::model::{Document, GlobalFilesDecl, PathDecl, PersonDecl, Spanned, TeamDecl};
use crate::paths::PathIndex;
use std::sync::Arc;
use writ_diagnostics::FileId;

/// What the cache holds of a graph besides its node table (written).
#[derive(serde::Serialize)]
struct PartsRef<'a> {
    file: Option<FileId>,
    version: u32,
    declared_node_kinds: &'a [Spanned<String>],
    declared_edge_kinds: &'a [Spanned<String>],
    teams: &'a [TeamDecl],
    people: &'a [PersonDecl],
    unowned_paths: &'a [PathDecl],
    global_files: &'a [GlobalFilesDecl],
    node_kinds: &'a [String],
    edge_kinds: &'a [String],
}

/// What the cache holds of a graph besides its node table (read back).
#[derive(serde::Deserialize)]
struct Parts {
    file: Option<FileId>,
    version: u32,
    declared_node_kinds: Vec<Spanned<String>>,
    declared_edge_kinds: Vec<Spanned<String>>,
    teams: Vec<TeamDecl>,
    people: Vec<PersonDecl>,
    unowned_paths: Vec<PathDecl>,
    global_files: Vec<GlobalFilesDecl>,
    node_kinds: Vec<String>,
    edge_kinds: Vec<String>,
}

impl Graph {
    /// Appends the graph's cache bytes to `out` (read back by
    /// [`Graph::read_cached`]): a vector, or any [`Sink`] (the same bytes).
    pub fn write_cached(&self, out: &mut dyn Sink) -> Result<(), String> {
        let parts = PartsRef {
            file: self.file,
            version: self.doc.version,
            declared_node_kinds: &self.doc.node_kinds,
            declared_edge_kinds: &self.doc.edge_kinds,
            teams: &self.doc.teams,
            people: &self.doc.people,
            unowned_paths: &self.doc.unowned_paths,
            global_files: &self.doc.global_files,
            node_kinds: &self.node_kinds,
            edge_kinds: &self.edge_kinds,
        };
        let encoded = postcard::to_allocvec(&parts).map_err(|e| e.to_string())?;
        put_bytes(out, &encoded);
        // The reach index as its flat arrays, read back without decoding.
        for (offsets, targets, kinds) in self.index.arrays() {
            put_words(out, offsets);
            put_words(out, targets);
            put_bytes(out, kinds);
        }
        match &self.node_table {
            // Built beside validation (`Graph::parse_file_with_node_table`).
            Some(table) => table.write(out),
            None => NodeTable::build(self).write(out),
        }
        self.paths.write(out);
        Ok(())
    }

    /// Reads back a graph that [`Graph::write_cached`] wrote into `bytes`
    /// (from their start): a copy of them in a [`Buffer`], read by
    /// [`Graph::read_cached_in`].
    pub fn read_cached(bytes: &[u8]) -> Result<Graph, String> {
        Graph::read_cached_in(&Arc::new(Buffer::copy_of(bytes)), 0)
    }

    /// Reads back a graph that [`Graph::write_cached`] wrote, from byte
    /// `at` of `buf` (whose start is the start of the vector it was
    /// written into), its tables in place: the node table, the reach
    /// index's arrays and the path index's tables are validated ranges of
    /// `buf`, which the graph keeps. `Err` says what does not fit. Any
    /// bytes are refused or read without a panic, and a graph read back
    /// never indexes out of its own bounds.
    pub fn read_cached_in(buf: &Arc<Buffer>, at: usize) -> Result<Graph, String> {
        let mut r = Reader::new(buf, at);
        let parts: Parts = postcard::from_bytes(r.bytes()?).map_err(|e| e.to_string())?;
        let mut csr = || -> Result<_, String> { Ok((r.words()?, r.words()?, r.shared_bytes()?)) };
        let arrays = [csr()?, csr()?];
        let table = NodeTable::read(&mut r)?;
        let index = Index::from_arrays(table.len() as u32, arrays);
        let paths = PathIndex::read(&mut r, table.len())?;
        if !r.is_empty() {
            return Err("bytes after the path index".into());
        }
        let mut graph = Graph {
            file: parts.file,
            doc: Document {
                version: parts.version,
                node_kinds: parts.declared_node_kinds,
                edge_kinds: parts.declared_edge_kinds,
                nodes: Vec::new(),
                teams: parts.teams,
                people: parts.people,
                unowned_paths: parts.unowned_paths,
                global_files: parts.global_files,
            },
            nodes: Nodes::Table(Box::new(TableNodes {
                table,
                document: Default::default(),
                edges: Default::default(),
            })),
            node_table: None,
            principal_ix: Default::default(),
            alias_ix: Default::default(),
            email_ix: Default::default(),
            node_kinds: parts.node_kinds,
            edge_kinds: parts.edge_kinds,
            edges: Vec::new(),
            index,
            paths,
        };
        graph.check_cached()?;
        Ok(graph)
    }

    /// Rebuilds the tables a cached graph does not store and checks its
    /// reach index against its own sizes (the node table and the path
    /// index were checked as they were read).
    fn check_cached(&mut self) -> Result<(), String> {
        let nodes = self.node_count();
        let kinds = self.edge_kinds.len();
        if kinds > 64 {
            return Err(format!("{kinds} edge kinds, over 64"));
        }
        if self.index.node_count() != nodes {
            return Err("the reach index and the node list differ in size".into());
        }
        self.index.check(kinds)?;
        self.principal_ix.clear();
        for (i, t) in self.doc.teams.iter().enumerate() {
            self.principal_ix
                .insert(t.id.value.clone(), Principal::Team(i));
        }
        for (i, p) in self.doc.people.iter().enumerate() {
            self.principal_ix
                .insert(p.id.value.clone(), Principal::Person(i));
        }
        // The graph was valid when cached, so no alias collides (E0518).
        self.alias_ix.clear();
        let declared = (self.doc.teams.iter().enumerate())
            .map(|(i, t)| (Principal::Team(i), &t.aliases))
            .chain(
                (self.doc.people.iter().enumerate())
                    .map(|(i, p)| (Principal::Person(i), &p.aliases)),
            );
        for (who, aliases) in declared {
            for a in aliases {
                self.alias_ix
                    .entry(crate::identity::alias_key(&a.value))
                    .or_insert(who);
            }
        }
        self.email_ix.clear();
        for (i, p) in self.doc.people.iter().enumerate() {
            for e in &p.emails {
                self.email_ix.entry(e.value.to_lowercase()).or_insert(i);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use writ_diagnostics::FileId;

    /// A graph read back from its cached bytes resolves every id, alias and
    /// email as the graph it was cached from (the tables are rebuilt).
    #[test]
    fn a_cached_graph_resolves_ids_aliases_and_emails_as_the_original() {
        let text = include_str!("../../tests/corpus/good/aliases.json");
        let (graph, diags) = Graph::parse_file(FileId(0), text);
        let graph = graph.unwrap_or_else(|| panic!("{diags:?}"));
        let mut bytes = Vec::new();
        graph.write_cached(&mut bytes).unwrap();
        let cached = Graph::read_cached(&bytes).unwrap();
        for name in [
            "payments",
            "org/payments",
            "@org/payments",
            "group:payments-team",
            "alice",
            "@alice-gh",
            "bob",
            "@nobody",
        ] {
            assert_eq!(
                cached.resolve_principal(name),
                graph.resolve_principal(name),
                "{name}"
            );
        }
        assert!(cached.resolve_principal("@alice-gh").is_some());
        assert_eq!(
            cached
                .person_by_email("alice@example.com")
                .map(|p| &p.id.value),
            graph
                .person_by_email("alice@example.com")
                .map(|p| &p.id.value)
        );
    }
}

#[cfg(test)]
mod round_trip {
    use super::*;
    use crate::generate::{GenerateOptions, Shape};
    use crate::index::NodeIdx;
    use crate::model::CheckDecl;
    use writ_diagnostics::FileId;

    /// The graphs read back here: every good corpus file and a generated one.
    fn graphs() -> Vec<(String, Graph)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/good");
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        paths.sort();
        assert!(paths.len() >= 4, "the corpus is found");
        let mut out: Vec<(String, Graph)> = paths
            .iter()
            .map(|p| {
                let text = std::fs::read_to_string(p).unwrap();
                let (graph, diags) = Graph::parse_file(FileId(0), &text);
                let graph = graph.unwrap_or_else(|| panic!("{}: {diags:?}", p.display()));
                (p.display().to_string(), graph)
            })
            .collect();
        let text = crate::generate::generate_shape(
            GenerateOptions {
                services: 300,
                edges: 1200,
                seed: 3,
            },
            Shape::Layered,
        )
        .to_json();
        let (graph, diags) = Graph::parse_file(FileId(0), &text);
        out.push((
            "generated".into(),
            graph.unwrap_or_else(|| panic!("{diags:?}")),
        ));
        out
    }

    /// Every node of a graph read back reads as the original's through
    /// its view (id, kind, tags, owners, checks, every attribute, lookups
    /// by id), in the same file order, and its declarations hold the same
    /// ids, kinds, tags, owners, attributes, check names and edges.
    #[test]
    fn a_cached_graph_reads_every_node_as_the_original() {
        for (name, graph) in graphs() {
            let mut bytes = Vec::new();
            graph.write_cached(&mut bytes).unwrap();
            let cached = Graph::read_cached(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(cached.node_count(), graph.node_count(), "{name}");
            assert_eq!(cached.file_order(), graph.file_order(), "{name}");
            for i in 0..graph.node_count() as u32 {
                let (a, b) = (
                    graph.view(NodeIdx(i)).unwrap(),
                    cached.view(NodeIdx(i)).unwrap(),
                );
                assert_eq!(a.id(), b.id(), "{name}");
                assert_eq!(a.kind(), b.kind(), "{name}");
                assert_eq!(a.tags().collect::<Vec<_>>(), b.tags().collect::<Vec<_>>());
                assert_eq!(
                    a.owners().collect::<Vec<_>>(),
                    b.owners().collect::<Vec<_>>()
                );
                assert_eq!(
                    a.check_names().collect::<Vec<_>>(),
                    b.check_names().collect::<Vec<_>>()
                );
                let attrs: Vec<_> = a.attributes().collect();
                assert_eq!(attrs, b.attributes().collect::<Vec<_>>(), "{name}");
                for (k, v) in &attrs {
                    assert_eq!(b.attribute(k), Some(*v), "{name}: {k}");
                }
                assert_eq!(b.attribute("no-such-attribute"), None);
                assert_eq!(cached.node_index(a.id()), Some(NodeIdx(i)), "{name}");
            }
            assert_eq!(cached.node_index("no-such-node"), None);
            assert_eq!(
                cached
                    .view(NodeIdx(graph.node_count() as u32))
                    .map(|v| v.id()),
                None
            );
            assert_eq!(cached.edges().len(), graph.edges().len(), "{name}");
            for (a, b) in graph.edges().iter().zip(cached.edges()) {
                assert_eq!((a.from, a.kind, a.to), (b.from, b.kind, b.to), "{name}");
            }
            // Declarations built from the table: what it holds, the rest empty.
            for (a, b) in graph.nodes().iter().zip(cached.nodes()) {
                let mut expected = a.clone();
                expected.description = None;
                expected.paths.clear();
                expected.span = Default::default();
                for s in [&mut expected.id, &mut expected.kind]
                    .into_iter()
                    .chain(&mut expected.tags)
                    .chain(&mut expected.owners)
                {
                    s.span = Default::default();
                }
                for v in expected.attributes.values_mut() {
                    v.span = Default::default();
                }
                for c in &mut expected.checks {
                    *c = CheckDecl {
                        name: Spanned::from(c.name.value.as_str()),
                        run: Vec::new(),
                        timeout_secs: None,
                        network: false,
                        redact: Vec::new(),
                        span: Default::default(),
                    };
                }
                for e in &mut expected.edges {
                    e.kind.span = Default::default();
                    e.to.span = Default::default();
                }
                // From the reach index: sorted, not in the file's order.
                expected.edges.sort();
                assert_eq!(b, &expected, "{name}");
            }
            // The path index reads back claim for claim, and touches what
            // the original touches.
            let claims: Vec<_> = graph.paths().claims().collect();
            assert_eq!(cached.paths().claims().collect::<Vec<_>>(), claims);
            let mut paths: Vec<String> = claims
                .iter()
                .flat_map(|c| {
                    let dir = c.glob.trim_end_matches('*');
                    [
                        c.glob.to_owned(),
                        format!("{dir}src/a.rs"),
                        format!("{dir}x"),
                    ]
                })
                .collect();
            paths.extend(["README.md", "docs/a.md", "nowhere"].map(String::from));
            assert_eq!(
                cached.touched(paths.iter().map(String::as_str)),
                graph.touched(paths.iter().map(String::as_str)),
                "{name}"
            );
            // Writing a graph read back gives the same bytes.
            let mut again = Vec::new();
            cached.write_cached(&mut again).unwrap();
            assert!(again == bytes, "{name}: the same bytes");
        }
    }
}

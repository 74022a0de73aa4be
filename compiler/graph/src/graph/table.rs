//! The node table: a graph's nodes in the flat form the runtime's
//! prepared-plan cache stores and a decision reads in place. Every string
//! (ids, kinds, tags, owners, check names, attribute names and texts) is
//! interned once in one UTF-8 area; a node is a handful of `u32` indices
//! into it, its lists ranges of flat `u32` arrays. Reading a table back
//! validates it once — the area's UTF-8 in one pass, every string's end on
//! a character boundary, every index and range within its array, the ids
//! strictly sorted and the file order a permutation — so that no accessor
//! can index out of bounds or read another node's strings, and no
//! per-string work (allocation, UTF-8 check) is left for a decision.
//!
//! What the table does not hold (descriptions, path claims — the path
//! index has them — check commands, spans) a decision never reads.

use super::Graph;
use crate::flat::{Reader, Sink, Strings, Words, put_words};
use crate::model::{AttrValue, Attributes, CheckDecl, NodeDecl, Spanned};

/// An attribute value as a node view reads it (borrowed from either form).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttrRef<'a> {
    /// `true` / `false`.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// Text.
    Str(&'a str),
}

impl<'a> AttrRef<'a> {
    /// The borrowed form of an owned attribute value.
    pub fn of(v: &'a AttrValue) -> AttrRef<'a> {
        match v {
            AttrValue::Bool(b) => AttrRef::Bool(*b),
            AttrValue::Int(i) => AttrRef::Int(*i),
            AttrValue::Str(s) => AttrRef::Str(s),
        }
    }

    /// The owned value.
    pub fn to_owned_value(self) -> AttrValue {
        match self {
            AttrRef::Bool(b) => AttrValue::Bool(b),
            AttrRef::Int(i) => AttrValue::Int(i),
            AttrRef::Str(s) => AttrValue::Str(s.to_owned()),
        }
    }
}

/// Attribute value tags in the table (`attrs` holds four words per
/// attribute: name, tag, and the value's low and high words; a text's low
/// word is its string index).
const ATTR_BOOL: u32 = 0;
const ATTR_INT: u32 = 1;
const ATTR_STR: u32 = 2;

/// The strings of one of a table's lists, in order.
#[derive(Clone, Debug)]
pub struct TableStrs<'a> {
    strings: &'a Strings,
    refs: std::slice::Iter<'a, u32>,
}

impl<'a> Iterator for TableStrs<'a> {
    type Item = &'a str;
    fn next(&mut self) -> Option<&'a str> {
        self.refs.next().map(|&i| self.strings.get(i))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.refs.size_hint()
    }
}

/// A graph's nodes in flat form (see the module documentation).
#[derive(Clone, Debug, Default)]
pub(crate) struct NodeTable {
    strings: Strings,
    /// Per node (index order): its id's and kind's string.
    ids: Words,
    kinds: Words,
    /// Per node, its range (`starts[n]..starts[n + 1]`) of each list.
    tag_starts: Words,
    tags: Words,
    owner_starts: Words,
    owners: Words,
    check_starts: Words,
    checks: Words,
    /// Ranges in attributes (four words each), sorted by name.
    attr_starts: Words,
    attrs: Words,
    /// The node indices in the order the graph file lists the nodes.
    file_order: Words,
}

fn range(starts: &[u32], n: usize) -> std::ops::Range<usize> {
    let at = |i: usize| starts.get(i).map_or(0, |&s| s as usize);
    at(n)..at(n + 1).max(at(n))
}

impl NodeTable {
    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }

    pub(crate) fn id(&self, n: usize) -> &str {
        self.strings
            .get(self.ids.get(n).copied().unwrap_or(u32::MAX))
    }

    pub(crate) fn kind(&self, n: usize) -> &str {
        self.strings
            .get(self.kinds.get(n).copied().unwrap_or(u32::MAX))
    }

    fn strs<'a>(&'a self, list: &'a [u32], starts: &[u32], n: usize) -> TableStrs<'a> {
        TableStrs {
            strings: &self.strings,
            refs: list.get(range(starts, n)).unwrap_or(&[]).iter(),
        }
    }

    pub(crate) fn tags(&self, n: usize) -> TableStrs<'_> {
        self.strs(&self.tags, &self.tag_starts, n)
    }

    pub(crate) fn owners(&self, n: usize) -> TableStrs<'_> {
        self.strs(&self.owners, &self.owner_starts, n)
    }

    pub(crate) fn checks(&self, n: usize) -> TableStrs<'_> {
        self.strs(&self.checks, &self.check_starts, n)
    }

    /// Node `n`'s attributes, sorted by name.
    pub(crate) fn attributes(&self, n: usize) -> impl Iterator<Item = (&str, AttrRef<'_>)> {
        let r = range(&self.attr_starts, n);
        self.attrs
            .get(r.start * 4..r.end * 4)
            .unwrap_or(&[])
            .chunks_exact(4)
            .map(|a| (self.strings.get(a[0]), self.attr_value(a)))
    }

    fn attr_value(&self, a: &[u32]) -> AttrRef<'_> {
        let wide = (u64::from(a[3]) << 32 | u64::from(a[2])) as i64;
        match a[1] {
            ATTR_BOOL => AttrRef::Bool(a[2] != 0),
            ATTR_INT => AttrRef::Int(wide),
            _ => AttrRef::Str(self.strings.get(a[2])),
        }
    }

    /// Node `n`'s attribute `name` (binary search: they are sorted).
    pub(crate) fn attribute(&self, n: usize, name: &str) -> Option<AttrRef<'_>> {
        let r = range(&self.attr_starts, n);
        let attrs = self.attrs.get(r.start * 4..r.end * 4)?;
        let count = attrs.len() / 4;
        let (mut lo, mut hi) = (0, count);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let a = &attrs[mid * 4..mid * 4 + 4];
            match self.strings.get(a[0]).cmp(name) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(self.attr_value(a)),
            }
        }
        None
    }

    pub(crate) fn file_order(&self) -> &[u32] {
        &self.file_order
    }

    /// Node `n` as a declaration: what the table holds, the rest empty
    /// (no description, path claims, check commands or spans); its edges
    /// are given by the caller (from the reach index).
    pub(crate) fn decl(&self, n: usize, edges: Vec<crate::model::EdgeDecl>) -> NodeDecl {
        let names = |it: TableStrs<'_>| it.map(Spanned::from).collect();
        NodeDecl {
            id: Spanned::from(self.id(n)),
            kind: Spanned::from(self.kind(n)),
            description: None,
            tags: names(self.tags(n)),
            attributes: self
                .attributes(n)
                .map(|(k, v)| (k.to_owned(), Spanned::bare(v.to_owned_value())))
                .collect::<Attributes>(),
            owners: names(self.owners(n)),
            paths: Vec::new(),
            checks: self
                .checks(n)
                .map(|c| CheckDecl {
                    name: Spanned::from(c),
                    run: Vec::new(),
                    timeout_secs: None,
                    network: false,
                    redact: Vec::new(),
                    span: Default::default(),
                })
                .collect(),
            edges,
            span: Default::default(),
        }
    }

    /// The table of `graph`'s nodes. A graph loaded from JSON is read
    /// from its declarations ([`NodeTable::of_decls`]); a graph read back
    /// from a table through its views. Both give the same bytes.
    pub(crate) fn build(graph: &Graph) -> NodeTable {
        if let super::Nodes::Owned = &graph.nodes {
            return NodeTable::of_decls(&graph.doc.nodes);
        }
        let mut t = TableBuilder::new(Ids::Graph(graph), graph.node_count());
        for v in graph.views() {
            t.node(
                v.index().index(),
                v.id(),
                v.kind(),
                v.tags(),
                v.owners(),
                v.check_names(),
                v.attributes(),
            );
        }
        t.file_order = graph.file_order().iter().map(|n| n.0).collect();
        t.finish()
    }

    /// The table of a graph's validated nodes (sorted by id, no id twice),
    /// read from their declarations directly (no node view, no boxed
    /// attribute iterator per node): what the validator builds beside
    /// its other checks for a graph to be cached, or what
    /// [`NodeTable::build`] builds for a graph loaded from JSON.
    pub(crate) fn of_decls(nodes: &[NodeDecl]) -> NodeTable {
        let mut t = TableBuilder::new(Ids::Decls(nodes), nodes.len());
        for (i, d) in nodes.iter().enumerate() {
            t.node(
                i,
                &d.id.value,
                &d.kind.value,
                d.tags.iter().map(|s| s.value.as_str()),
                d.owners.iter().map(|s| s.value.as_str()),
                d.checks.iter().map(|c| c.name.value.as_str()),
                d.attributes
                    .iter()
                    .map(|(k, v)| (k.as_str(), AttrRef::of(&v.value))),
            );
        }
        // Ordered by where each node is written, as `Graph::file_order`
        // orders them (ties, which a parsed file never has, by index): one
        // pass over the nodes, then a sort of pairs, not of indices looking
        // their nodes up.
        let mut order: Vec<(u32, u32)> = (nodes.iter().enumerate())
            .map(|(i, d)| (d.span.start, i as u32))
            .collect();
        order.sort_unstable();
        t.file_order = order.into_iter().map(|(_, i)| i).collect();
        t.finish()
    }

    /// Appends the table's bytes to `out` (read back by [`NodeTable::read`]).
    pub(crate) fn write(&self, out: &mut dyn Sink) {
        self.strings.write(out);
        for words in [
            &self.ids,
            &self.kinds,
            &self.tag_starts,
            &self.tags,
            &self.owner_starts,
            &self.owners,
            &self.check_starts,
            &self.checks,
            &self.attr_starts,
            &self.attrs,
            &self.file_order,
        ] {
            put_words(out, words);
        }
    }

    /// Reads a table written by [`NodeTable::write`] and validates it (see
    /// the module documentation); `Err` says what does not fit.
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<NodeTable, String> {
        let strings = Strings::read(r).map_err(|e| format!("the node table has {e}"))?;
        let t = NodeTable {
            strings,
            ids: r.words()?,
            kinds: r.words()?,
            tag_starts: r.words()?,
            tags: r.words()?,
            owner_starts: r.words()?,
            owners: r.words()?,
            check_starts: r.words()?,
            checks: r.words()?,
            attr_starts: r.words()?,
            attrs: r.words()?,
            file_order: r.words()?,
        };
        t.check()
            .map_err(|what| format!("the node table's {what} do not fit"))?;
        Ok(t)
    }

    /// Every invariant the accessors rely on; `Err` names the part.
    fn check(&self) -> Result<(), &'static str> {
        let n = self.ids.len();
        let strings = self.strings.len();
        let known = |list: &[u32]| list.iter().all(|&i| (i as usize) < strings);
        if self.kinds.len() != n || !known(&self.ids) || !known(&self.kinds) {
            return Err("ids and kinds");
        }
        let lists = [
            (&self.tag_starts, self.tags.len(), &self.tags),
            (&self.owner_starts, self.owners.len(), &self.owners),
            (&self.check_starts, self.checks.len(), &self.checks),
        ];
        for (starts, len, list) in lists {
            if !ranges_fit(starts, n, len) || !known(list) {
                return Err("lists");
            }
        }
        if !self.attrs.len().is_multiple_of(4)
            || !ranges_fit(&self.attr_starts, n, self.attrs.len() / 4)
        {
            return Err("attributes");
        }
        for a in self.attrs.chunks_exact(4) {
            let fits = (a[0] as usize) < strings
                && match a[1] {
                    ATTR_BOOL => a[2] <= 1 && a[3] == 0,
                    ATTR_INT => true,
                    ATTR_STR => (a[2] as usize) < strings && a[3] == 0,
                    _ => false,
                };
            if !fits {
                return Err("attributes");
            }
        }
        for i in 0..n {
            let r = range(&self.attr_starts, i);
            let names = self.attrs[r.start * 4..r.end * 4].chunks_exact(4);
            let mut previous: Option<&[u8]> = None;
            for a in names {
                let name = self.strings.get_bytes(a[0]);
                if previous.is_some_and(|p| p >= name) {
                    return Err("attributes");
                }
                previous = Some(name);
            }
        }
        // Strictly sorted ids: node lookups by binary search are right,
        // and no two nodes share an id's string.
        let id = |i: usize| self.strings.get_bytes(self.ids[i]);
        if (1..n).any(|i| id(i - 1) >= id(i)) {
            return Err("ids");
        }
        if self.file_order.len() != n {
            return Err("file order");
        }
        let mut seen = vec![false; n];
        for &i in self.file_order.iter() {
            match seen.get_mut(i as usize) {
                Some(s) if !*s => *s = true,
                _ => return Err("file order"),
            }
        }
        Ok(())
    }
}

/// Whether `starts` has one range per node, from 0 to `len`, never going back.
fn ranges_fit(starts: &[u32], nodes: usize, len: usize) -> bool {
    starts.len() == nodes + 1
        && starts.first() == Some(&0)
        && starts.last().map(|&s| s as usize) == Some(len)
        && starts.windows(2).all(|w| w[0] <= w[1])
}

/// The lists of a node table on their way: one node at a time, in index
/// order ([`NodeTable::build`]).
struct TableBuilder<'a> {
    b: Builder<'a>,
    kinds: Vec<u32>,
    tags: Vec<u32>,
    owners: Vec<u32>,
    checks: Vec<u32>,
    attrs: Vec<u32>,
    tag_starts: Vec<u32>,
    owner_starts: Vec<u32>,
    check_starts: Vec<u32>,
    attr_starts: Vec<u32>,
    file_order: Vec<u32>,
}

impl<'a> TableBuilder<'a> {
    fn new(ids: Ids<'a>, n: usize) -> TableBuilder<'a> {
        let starts = || {
            let mut v = Vec::with_capacity(n + 1);
            v.push(0);
            v
        };
        TableBuilder {
            b: Builder::new(ids, n),
            kinds: Vec::with_capacity(n),
            tags: Vec::new(),
            owners: Vec::with_capacity(n),
            checks: Vec::with_capacity(n),
            attrs: Vec::new(),
            tag_starts: starts(),
            owner_starts: starts(),
            check_starts: starts(),
            attr_starts: starts(),
            file_order: Vec::new(),
        }
    }

    /// Adds node `i` (the next in index order).
    #[allow(clippy::too_many_arguments)]
    fn node(
        &mut self,
        i: usize,
        id: &'a str,
        kind: &'a str,
        tags: impl Iterator<Item = &'a str>,
        owners: impl Iterator<Item = &'a str>,
        checks: impl Iterator<Item = &'a str>,
        attributes: impl Iterator<Item = (&'a str, AttrRef<'a>)>,
    ) {
        let b = &mut self.b;
        b.id(id);
        self.kinds.push(b.intern_in(i, slot::KIND, kind));
        for s in tags {
            self.tags.push(b.intern_in(i, slot::TAG, s));
        }
        self.tag_starts.push(self.tags.len() as u32);
        for s in owners {
            self.owners.push(b.intern_in(i, slot::OWNER, s));
        }
        self.owner_starts.push(self.owners.len() as u32);
        for s in checks {
            self.checks.push(b.intern_in(i, slot::CHECK, s));
        }
        self.check_starts.push(self.checks.len() as u32);
        for (name, value) in attributes {
            let name = b.intern_in(i, slot::ATTR_NAME, name);
            let (tag, lo, hi) = match value {
                AttrRef::Bool(x) => (ATTR_BOOL, u32::from(x), 0),
                AttrRef::Int(x) => (ATTR_INT, x as u64 as u32, (x as u64 >> 32) as u32),
                AttrRef::Str(s) => (ATTR_STR, b.intern_in(i, slot::ATTR_STR, s), 0),
            };
            self.attrs.extend([name, tag, lo, hi]);
        }
        self.attr_starts.push((self.attrs.len() / 4) as u32);
    }

    fn finish(self) -> NodeTable {
        NodeTable {
            strings: self.b.strings,
            ids: self.b.ids.into(),
            kinds: self.kinds.into(),
            tag_starts: self.tag_starts.into(),
            tags: self.tags.into(),
            owner_starts: self.owner_starts.into(),
            owners: self.owners.into(),
            check_starts: self.check_starts.into(),
            checks: self.checks.into(),
            attr_starts: self.attr_starts.into(),
            attrs: self.attrs.into(),
            file_order: self.file_order.into(),
        }
    }
}

/// Interns strings in the order first seen (deterministic: the map is
/// only looked up, never iterated): the index of a string is that of its
/// first use, nodes taken in index order, and in each node its id, kind,
/// tags, owners, check names, attribute names and texts.
///
/// The ids (one string per node, all different: the graph refuses a
/// second node of the same id, and a table read back refuses ids that are
/// not strictly sorted) are not put in the map — 100,000 insertions into
/// a table too large for the cache were most of what building the table
/// cost. The map holds the other strings (at 100,000 services, about a
/// thousand: kinds, tags, owners, check and attribute names, attribute
/// texts), which are few. An id is looked up in it (an owner, say, of an
/// earlier node with the same text); a string of another kind that is not
/// in it is looked up among the ids of the nodes already taken (by binary
/// search: the ids are sorted), so that the index is still that of the
/// text's first use. The map borrows the graph's own strings (no copy of
/// each) and hashes with FxHash: the strings are the graph's, not an
/// adversary's keys.
///
/// Each kind of string (kind, tag, owner, check, attribute name, attribute
/// value) also remembers the last string it interned: a node's kind is
/// most often the very string of the node before — the same allocation
/// (the graph shares one per distinct name), found without hashing or
/// comparing it, or the same text (attribute names are strings of their
/// own per node), found by comparing a few bytes. The same text has the
/// same index, the one the map would give: the table's bytes do not change
/// (`cargo test -p writ-graph --lib table_build`).
struct Builder<'a> {
    nodes: Ids<'a>,
    strings: Strings,
    /// Per node taken so far, its id's string.
    ids: Vec<u32>,
    index: rustc_hash::FxHashMap<&'a str, u32>,
    last: [Option<(&'a str, u32)>; SLOTS],
}
/// Where a table's nodes are looked up by id (they are sorted by id).
#[derive(Clone, Copy)]
enum Ids<'a> {
    /// Validated declarations.
    Decls(&'a [NodeDecl]),
    /// A graph (read back from a table).
    Graph(&'a Graph),
}

impl Ids<'_> {
    /// The index of the node whose id is `id`.
    fn index_of(self, id: &str) -> Option<usize> {
        match self {
            Ids::Decls(nodes) => nodes.binary_search_by(|n| n.id.value.as_str().cmp(id)).ok(),
            Ids::Graph(graph) => graph.node_index(id).map(|n| n.index()),
        }
    }
}

/// How many kinds of string [`Builder::intern_in`] remembers one of.
const SLOTS: usize = 6;

/// The kinds of string [`Builder::intern_in`] remembers the last one of
/// (each below [`SLOTS`]).
mod slot {
    pub(super) const KIND: usize = 0;
    pub(super) const TAG: usize = 1;
    pub(super) const OWNER: usize = 2;
    pub(super) const CHECK: usize = 3;
    pub(super) const ATTR_NAME: usize = 4;
    pub(super) const ATTR_STR: usize = 5;
}

impl<'a> Builder<'a> {
    fn new(nodes: Ids<'a>, count: usize) -> Builder<'a> {
        Builder {
            nodes,
            strings: Strings::default(),
            ids: Vec::with_capacity(count),
            index: rustc_hash::FxHashMap::with_capacity_and_hasher(1024, Default::default()),
            last: [None; SLOTS],
        }
    }

    /// Interns the id of the next node: another kind of string of the
    /// same text interned before, or a string of its own.
    fn id(&mut self, s: &'a str) {
        let i = match self.index.get(s) {
            Some(&i) => i,
            None => self.strings.push(s),
        };
        self.ids.push(i);
    }

    /// Interns `s`, a string of kind `slot` of node `node` (whose id is
    /// interned already).
    fn intern_in(&mut self, node: usize, slot: usize, s: &'a str) -> u32 {
        if let Some((last, i)) = self.last[slot]
            && (std::ptr::eq(last, s) || last == s)
        {
            return i;
        }
        let i = self.intern(node, s);
        self.last[slot] = Some((s, i));
        i
    }

    fn intern(&mut self, node: usize, s: &'a str) -> u32 {
        // `get` then `insert`: the entry API measured slower here (its
        // `rustc_entry` reserves room on every call).
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        // The id of a node taken already (this one included)?
        let i = match self.nodes.index_of(s) {
            Some(n) if n <= node => self.ids[n],
            _ => self.strings.push(s),
        };
        self.index.insert(s, i);
        i
    }
}

#[cfg(test)]
mod table_build {
    use super::*;
    use crate::generate::{GenerateOptions, Shape};
    use crate::index::NodeIdx;
    use writ_diagnostics::FileId;

    /// The table as the builder before the ids were kept out of the map
    /// made it: every string of every node, in order, through one map of
    /// owned strings (the bytes the cache had).
    fn reference(graph: &Graph) -> NodeTable {
        let mut strings = Strings::default();
        let mut index = std::collections::HashMap::<String, u32>::new();
        let mut intern = |s: &str| *index.entry(s.to_owned()).or_insert_with(|| strings.push(s));
        let mut t = NodeTable::default();
        let (mut ids, mut kinds, mut tags, mut owners, mut checks, mut attrs) =
            (vec![], vec![], vec![], vec![], vec![], vec![]);
        let (mut ts, mut os, mut cs, mut as_) = (vec![0], vec![0], vec![0], vec![0]);
        for v in graph.views() {
            ids.push(intern(v.id()));
            kinds.push(intern(v.kind()));
            tags.extend(v.tags().map(&mut intern));
            ts.push(tags.len() as u32);
            owners.extend(v.owners().map(&mut intern));
            os.push(owners.len() as u32);
            checks.extend(v.check_names().map(&mut intern));
            cs.push(checks.len() as u32);
            for (name, value) in v.attributes() {
                let name = intern(name);
                let (tag, lo, hi) = match value {
                    AttrRef::Bool(x) => (ATTR_BOOL, u32::from(x), 0),
                    AttrRef::Int(x) => (ATTR_INT, x as u64 as u32, (x as u64 >> 32) as u32),
                    AttrRef::Str(s) => (ATTR_STR, intern(s), 0),
                };
                attrs.extend([name, tag, lo, hi]);
            }
            as_.push((attrs.len() / 4) as u32);
        }
        t.strings = strings;
        (t.ids, t.kinds, t.tags, t.owners, t.checks, t.attrs) = (
            ids.into(),
            kinds.into(),
            tags.into(),
            owners.into(),
            checks.into(),
            attrs.into(),
        );
        (t.tag_starts, t.owner_starts, t.check_starts, t.attr_starts) =
            (ts.into(), os.into(), cs.into(), as_.into());
        t.file_order = graph
            .file_order()
            .iter()
            .map(|n| n.0)
            .collect::<Vec<_>>()
            .into();
        t
    }

    fn bytes(t: &NodeTable) -> Vec<u8> {
        let mut out = Vec::new();
        t.write(&mut out);
        out
    }

    /// Ids that are also owners, tags, kinds and attribute texts — of the
    /// same node, of a node before and of a node after — and strings of
    /// one kind reused as another: each text must get the index of its
    /// first use, whichever kind of string that was.
    const CROSSED: &str = r#"{
      "version": 1,
      "node_kinds": ["queue"],
      "teams": [{"id": "a", "members": []}, {"id": "zz", "members": []}, {"id": "tier", "members": []}],
      "nodes": [
        {"id": "zz", "kind": "queue", "owners": ["zz"], "tags": ["b"], "attributes": {"tier": "a", "x": 3}},
        {"id": "a", "kind": "service", "owners": ["tier", "a"], "tags": ["queue", "zz"], "attributes": {"b": "service", "tier": "zz", "y": true}},
        {"id": "b", "kind": "service", "tags": ["b", "tier"], "attributes": {"tier": "b"}, "checks": {"b": {"run": ["x"]}}},
        {"id": "service", "kind": "library", "owners": ["a"], "attributes": {"queue": "tier"}},
        {"id": "tier", "kind": "queue", "owners": ["tier"], "tags": ["service"], "checks": {"tier": {"run": ["x"]}, "zz": {"run": ["y"]}}},
        {"id": "queue", "kind": "queue", "tags": ["a"]}
      ]
    }"#;

    /// The graph texts of these tests: the crossed one, the good corpus
    /// files, generated graphs of both shapes.
    fn texts() -> Vec<(String, String)> {
        let mut out = vec![("crossed".to_string(), CROSSED.to_string())];
        for (name, text) in [
            ("full", include_str!("../../tests/corpus/good/full.json")),
            (
                "aliases",
                include_str!("../../tests/corpus/good/aliases.json"),
            ),
            (
                "minimal",
                include_str!("../../tests/corpus/good/minimal.json"),
            ),
        ] {
            out.push((name.to_string(), text.to_string()));
        }
        for shape in [Shape::Domains, Shape::Layered] {
            let text = crate::generate::generate_shape(
                GenerateOptions {
                    services: 400,
                    edges: 1500,
                    seed: 11,
                },
                shape,
            )
            .to_json();
            out.push((format!("generated {shape:?}"), text));
        }
        out
    }

    fn graphs() -> Vec<(String, Graph)> {
        (texts().into_iter())
            .map(|(name, text)| {
                let (graph, diags) = Graph::parse_file(FileId(0), &text);
                let graph = graph.unwrap_or_else(|| panic!("{name}: {diags:?}"));
                (name, graph)
            })
            .collect()
    }

    /// The table built from a graph's declarations, and from the node
    /// table of that graph read back, writes the bytes the reference
    /// builder writes (so the cache's bytes did not change).
    #[test]
    fn the_table_is_the_reference_table() {
        for (name, graph) in graphs() {
            let want = bytes(&reference(&graph));
            assert_eq!(bytes(&NodeTable::build(&graph)), want, "{name}");
            let mut cached = Vec::new();
            graph.write_cached(&mut cached).unwrap();
            let back = Graph::read_cached(&cached).unwrap();
            assert!(
                matches!(back.nodes, super::super::Nodes::Table(_)),
                "{name}"
            );
            assert_eq!(bytes(&NodeTable::build(&back)), want, "{name} read back");
        }
    }

    /// A graph parsed with its node table built beside validation writes
    /// the same cache bytes as one parsed without (whose table is built
    /// when written), gives the same file order (read from its table), and
    /// keeps the table only when asked.
    #[test]
    fn the_table_built_beside_validation_is_the_same() {
        let mut reordered = 0;
        for (name, text) in texts() {
            let (plain, _) = Graph::parse_file(FileId(0), &text);
            let (with, diags) = Graph::parse_file_with_node_table(FileId(0), &text);
            let (plain, with) = (plain.unwrap(), with.unwrap_or_else(|| panic!("{diags:?}")));
            assert!(
                plain.node_table.is_none() && with.node_table.is_some(),
                "{name}"
            );
            let (mut a, mut b) = (Vec::new(), Vec::new());
            plain.write_cached(&mut a).unwrap();
            with.write_cached(&mut b).unwrap();
            assert_eq!(a, b, "{name}");
            // The file order read from the table is the one sorted from
            // the nodes' places.
            assert_eq!(with.file_order(), plain.file_order(), "{name}");
            let by_index: Vec<_> = (0..plain.node_count() as u32).map(NodeIdx).collect();
            reordered += usize::from(plain.file_order() != by_index);
            assert_eq!(
                bytes(with.node_table.as_ref().unwrap()),
                bytes(&reference(&plain)),
                "{name}"
            );
        }
        assert!(reordered >= 2, "graphs not listed in index order");
        // A graph that does not validate has no table to keep.
        let (bad, _) = Graph::parse_file_with_node_table(
            FileId(0),
            r#"{"version": 1, "nodes": [{"id": "a", "kind": "nope"}]}"#,
        );
        assert!(bad.is_none());
    }

    /// In the crossed graph, texts used as ids and as other strings share
    /// one string: the table has as many strings as distinct texts.
    #[test]
    fn a_text_used_as_an_id_and_as_another_string_is_one_string() {
        let (_, graph) = graphs().remove(0);
        let t = NodeTable::build(&graph);
        let mut texts: Vec<&str> = (0..t.strings.len() as u32)
            .map(|i| t.strings.get(i))
            .collect();
        let count = texts.len();
        texts.sort_unstable();
        texts.dedup();
        assert_eq!(texts.len(), count, "a text interned twice");
        // Every text the nodes use, of whatever kind, is one string.
        let mut used = std::collections::BTreeSet::new();
        for v in graph.views() {
            used.extend([v.id(), v.kind()]);
            used.extend(v.tags().chain(v.owners()).chain(v.check_names()));
            for (name, value) in v.attributes() {
                used.insert(name);
                if let AttrRef::Str(s) = value {
                    used.insert(s);
                }
            }
        }
        assert_eq!(texts, used.into_iter().collect::<Vec<_>>());
        // The crossed texts: ids that are also kinds, tags, owners,
        // check names, attribute names or texts.
        for text in ["a", "b", "zz", "tier", "queue", "service"] {
            assert!(graph.node_index(text).is_some(), "{text}");
        }
    }
}

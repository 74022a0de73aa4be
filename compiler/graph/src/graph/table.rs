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

    /// The table of `graph`'s nodes.
    pub(crate) fn build(graph: &Graph) -> NodeTable {
        // Every id is a string of its own: room for them and the few
        // shared strings (kinds, owners, tags) from the start.
        let mut b = Builder {
            strings: Strings::default(),
            index: rustc_hash::FxHashMap::with_capacity_and_hasher(
                graph.node_count() + 1024,
                Default::default(),
            ),
            // No string is at address 0: nothing matches until set.
            last: [(0, 0, 0); SLOTS],
        };
        let (mut ids, mut kinds) = (Vec::new(), Vec::new());
        let (mut tags, mut owners, mut checks, mut attrs) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut tag_starts, mut owner_starts, mut check_starts, mut attr_starts) =
            (vec![0], vec![0], vec![0], vec![0]);
        for v in graph.views() {
            ids.push(b.intern(v.id()));
            kinds.push(b.intern_in(slot::KIND, v.kind()));
            for s in v.tags() {
                tags.push(b.intern_in(slot::TAG, s));
            }
            tag_starts.push(tags.len() as u32);
            for s in v.owners() {
                owners.push(b.intern_in(slot::OWNER, s));
            }
            owner_starts.push(owners.len() as u32);
            for s in v.check_names() {
                checks.push(b.intern_in(slot::CHECK, s));
            }
            check_starts.push(checks.len() as u32);
            for (name, value) in v.attributes() {
                let name = b.intern_in(slot::ATTR_NAME, name);
                let (tag, lo, hi) = match value {
                    AttrRef::Bool(x) => (ATTR_BOOL, u32::from(x), 0),
                    AttrRef::Int(x) => (ATTR_INT, x as u64 as u32, (x as u64 >> 32) as u32),
                    AttrRef::Str(s) => (ATTR_STR, b.intern_in(slot::ATTR_STR, s), 0),
                };
                attrs.extend([name, tag, lo, hi]);
            }
            attr_starts.push((attrs.len() / 4) as u32);
        }
        let file_order: Vec<u32> = graph.file_order().iter().map(|n| n.0).collect();
        NodeTable {
            strings: b.strings,
            ids: ids.into(),
            kinds: kinds.into(),
            tag_starts: tag_starts.into(),
            tags: tags.into(),
            owner_starts: owner_starts.into(),
            owners: owners.into(),
            check_starts: check_starts.into(),
            checks: checks.into(),
            attr_starts: attr_starts.into(),
            attrs: attrs.into(),
            file_order: file_order.into(),
        }
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

/// Interns strings in the order first seen (deterministic: the map is
/// only looked up, never iterated). The map borrows the graph's own
/// strings (no copy of each) and hashes with FxHash: building the table
/// is most of what writing a cache file costs (docs/measured/plan.md § Cache
/// layout 6), and the strings are the graph's, not an adversary's keys.
///
/// Each kind of string (kind, tag, owner, check, attribute name, attribute
/// value) also remembers the last string it interned by its address: the
/// graph shares one allocation per distinct name, so a node's kind is
/// most often the very string of the node before, found without hashing
/// or comparing it. The same address and length are the same bytes (both
/// are borrowed from the graph for `'a`), so the index is the one the map
/// would give: the table's bytes do not change.
struct Builder<'a> {
    strings: Strings,
    index: rustc_hash::FxHashMap<&'a str, u32>,
    last: [(usize, usize, u32); SLOTS],
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
    fn intern(&mut self, s: &'a str) -> u32 {
        // `get` then `insert`: the entry API measured slower here (its
        // `rustc_entry` reserves room on every call).
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.strings.push(s);
        self.index.insert(s, i);
        i
    }

    /// [`Builder::intern`], first against the last string of `slot`.
    fn intern_in(&mut self, slot: usize, s: &'a str) -> u32 {
        let (at, len, i) = self.last[slot];
        if at == s.as_ptr() as usize && len == s.len() {
            return i;
        }
        let i = self.intern(s);
        self.last[slot] = (s.as_ptr() as usize, s.len(), i);
        i
    }
}

//! The names of a proof tree by position ([`Name`] into a [`NameTable`]):
//! node ids, edge kinds, check names and binding variables, which a proof
//! cites once or more per reached service. Each distinct text is held once
//! in [`Proof::names`](super::Proof::names), one buffer for all; the
//! records that cite it hold a plain `u32`, so writing and dropping them
//! costs no reference count.
//! The JSON never shows the table: the tree writes each name as its text
//! (`wire.rs`), and reading interns the texts again ([`Interner`]).
//! Re-exported by `proof`.

use std::collections::HashMap;

/// A name of the proof tree: a position in its proof's [`NameTable`]
/// ([`Proof::name`](super::Proof::name) gives the text). Two names are
/// equal when they are the same position of the same table; names of two
/// proofs are compared through their texts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Name(pub u32);

/// The texts a proof tree names by position, each distinct text once,
/// laid end to end in one buffer (so the table is two allocations, and
/// filling or dropping it counts no references). The evaluator fills it
/// in the order its (deterministic) walk first cites each name; reading a
/// proof, in the order the JSON first writes each. Two tables are equal
/// when they hold the same texts in the same order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NameTable {
    /// The texts, end to end.
    buf: String,
    /// Where each text ends in `buf` (it starts where the previous ends).
    ends: Vec<u32>,
}

impl NameTable {
    /// An empty table.
    pub const fn new() -> NameTable {
        NameTable {
            buf: String::new(),
            ends: Vec::new(),
        }
    }

    /// Makes room for `names` more texts of `bytes` bytes in all.
    pub fn reserve(&mut self, names: usize, bytes: usize) {
        self.ends.reserve(names);
        self.buf.reserve(bytes);
    }

    /// The text of `n`; `?` for a position outside the table.
    pub fn get(&self, n: Name) -> &str {
        let i = n.0 as usize;
        let Some(&end) = self.ends.get(i) else {
            return "?";
        };
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.buf.get(start as usize..end as usize).unwrap_or("?")
    }

    /// Appends `text` and names it. The table does not look for an equal
    /// text already in it: its filler names each distinct text once.
    pub fn push(&mut self, text: &str) -> Name {
        let n = Name(self.ends.len() as u32);
        self.buf.push_str(text);
        self.ends.push(self.buf.len() as u32);
        n
    }

    /// How many texts it holds.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The texts, in position order.
    pub fn texts(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.ends.len()).map(|i| self.get(Name(i as u32)))
    }
}

/// Fills a [`NameTable`] by text, each distinct text once, in the order
/// first asked for: for reading a proof, and for callers that build one
/// by hand. (The evaluator names by graph position instead.)
#[derive(Debug, Default)]
pub struct Interner {
    table: NameTable,
    at: HashMap<String, Name>,
}

impl Interner {
    /// An empty interner.
    pub fn new() -> Interner {
        Interner::default()
    }

    /// The name of `text`, added to the table the first time.
    pub fn name(&mut self, text: &str) -> Name {
        if let Some(&n) = self.at.get(text) {
            return n;
        }
        let n = self.table.push(text);
        self.at.insert(text.to_owned(), n);
        n
    }

    /// The table filled.
    pub fn finish(self) -> NameTable {
        self.table
    }
}

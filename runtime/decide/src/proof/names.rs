//! The names of a proof tree by position ([`Name`] into a [`NameTable`]):
//! node ids, edge kinds, check names and binding variables, which a proof
//! cites once or more per reached service. Each distinct text is held once
//! in [`Proof::names`](super::Proof::names); the records that cite it hold
//! a plain `u32`, so writing and dropping them costs no reference count.
//! The JSON never shows the table: the tree writes each name as its text
//! (`wire.rs`), and reading interns the texts again ([`Interner`]).
//! Re-exported by `proof`.

use super::Text;
use std::collections::HashMap;

/// A name of the proof tree: a position in its proof's [`NameTable`]
/// ([`Proof::name`](super::Proof::name) gives the text). Two names are
/// equal when they are the same position of the same table; names of two
/// proofs are compared through their texts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Name(pub u32);

/// The texts a proof tree names by position, each distinct text once. The
/// evaluator fills it in the order its (deterministic) walk first cites
/// each name; reading a proof, in the order the JSON first writes each.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NameTable {
    texts: Vec<Text>,
}

impl NameTable {
    /// An empty table.
    pub const fn new() -> NameTable {
        NameTable { texts: Vec::new() }
    }

    /// The text of `n`; `?` for a position outside the table.
    pub fn get(&self, n: Name) -> &str {
        self.texts.get(n.0 as usize).map_or("?", |t| t)
    }

    /// The shared text of `n`; `None` for a position outside the table.
    pub fn text(&self, n: Name) -> Option<&Text> {
        self.texts.get(n.0 as usize)
    }

    /// Appends `text` and names it. The table does not look for an equal
    /// text already in it: its filler names each distinct text once.
    pub fn push(&mut self, text: Text) -> Name {
        let n = Name(self.texts.len() as u32);
        self.texts.push(text);
        n
    }

    /// How many texts it holds.
    pub fn len(&self) -> usize {
        self.texts.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }

    /// The texts, in position order.
    pub fn texts(&self) -> &[Text] {
        &self.texts
    }
}

/// Fills a [`NameTable`] by text, each distinct text once, in the order
/// first asked for: for reading a proof, and for callers that build one
/// by hand. (The evaluator names by graph position instead.)
#[derive(Debug, Default)]
pub struct Interner {
    table: NameTable,
    at: HashMap<Text, Name>,
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
        let t = Text::from(text);
        let n = self.table.push(t.clone());
        self.at.insert(t, n);
        n
    }

    /// The name of the shared `text`, added to the table (sharing it) the
    /// first time.
    pub fn name_text(&mut self, text: &Text) -> Name {
        if let Some(&n) = self.at.get(text) {
            return n;
        }
        let n = self.table.push(text.clone());
        self.at.insert(text.clone(), n);
        n
    }

    /// The table filled.
    pub fn finish(self) -> NameTable {
        self.table
    }
}

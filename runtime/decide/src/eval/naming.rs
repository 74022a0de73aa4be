//! Naming the proof tree's texts by position while it is written: the
//! [`NameTable`] of the proof being written and, per key (a graph node, a
//! label — an edge kind, a check or a binding variable, `Names::labels`,
//! one per distinct text and one with the node whose id it is — or `?`),
//! the position its text holds in it (`state::NameSlots`, kept in the
//! scratch space so a decision does not size a vector to the graph). Each
//! distinct text enters the table once, its bytes copied into the table's
//! one buffer (no reference count); every record that cites it holds a
//! plain [`Name`]. The table's order is the order the (deterministic)
//! walk that writes the proof first names each text.

use super::state::Eval;
use crate::prepare::Prepared;
use crate::proof::{Name, NameTable};
use writ_graph::NodeIdx;

impl<'a> Eval<'a, '_> {
    /// Starts the names of a new proof: the table empty, every slot clear
    /// (whatever a proof written before left, the direct JSON included).
    pub(super) fn begin_names(&mut self) {
        let len = self.p.graph.node_count() + self.p.names.labels.len() + 1;
        self.clear_slots();
        let slots = &mut self.scratch.names;
        slots.table = NameTable::new();
        if slots.pos.len() != len {
            slots.pos = vec![0; len];
        }
    }

    /// Makes room in the table for about `names` more names (node ids
    /// of about 16 bytes), so a large proof's table is not copied over
    /// and over as it grows.
    pub(super) fn reserve_names(&mut self, names: usize) {
        self.scratch.names.table.reserve(names, 16 * names);
    }

    /// The names so far, copied (the forbids' proofs carry them).
    pub(super) fn names_so_far(&self) -> NameTable {
        self.scratch.names.table.clone()
    }

    /// The table of the proof written, and the slots cleared for the next.
    pub(super) fn take_names(&mut self) -> NameTable {
        self.clear_slots();
        std::mem::take(&mut self.scratch.names.table)
    }

    /// Clears the slots the proof written named (only those: the slots
    /// are as many as the graph's nodes).
    fn clear_slots(&mut self) {
        let slots = &mut self.scratch.names;
        for &k in &slots.named {
            if let Some(x) = slots.pos.get_mut(k as usize) {
                *x = 0;
            }
        }
        slots.named.clear();
    }

    /// The name of `key`, its text (`text`) entering the table the first
    /// time. A key outside the slots (a plan and scratch space that do not
    /// match) is named afresh each time: never a panic.
    #[inline]
    fn name_key(&mut self, key: usize, text: impl FnOnce(&'a Prepared) -> &'a str) -> Name {
        let slots = &mut self.scratch.names;
        match slots.pos.get_mut(key) {
            Some(&mut at) if at != 0 => Name(at - 1),
            Some(at) => {
                let n = slots.table.push(text(self.p));
                *at = n.0 + 1;
                slots.named.push(key as u32);
                n
            }
            None => slots.table.push(text(self.p)),
        }
    }

    /// `?`, for an index outside what it indexes (the last key).
    fn unknown_name(&mut self) -> Name {
        let key = self.p.graph.node_count() + self.p.names.labels.len();
        self.name_key(key, |_| "?")
    }

    /// The id of node `n`.
    #[inline]
    pub(super) fn node_name(&mut self, n: NodeIdx) -> Name {
        if n.index() >= self.p.graph.node_count() {
            return self.unknown_name();
        }
        self.name_key(n.index(), |p| p.names.node_str(&p.graph, n))
    }

    /// Label `l` (an index into `Names::labels`); `?` for `None` or an
    /// index past them. A label that is also a node's id is that node's
    /// name.
    pub(super) fn label_name(&mut self, l: Option<u32>) -> Name {
        let names = &self.p.names;
        let Some(l) = l.filter(|&l| (l as usize) < names.labels.len()) else {
            return self.unknown_name();
        };
        match names.label_nodes.get(l as usize) {
            Some(&n) if n != u32::MAX => self.node_name(NodeIdx(n)),
            _ => {
                let key = self.p.graph.node_count() + l as usize;
                self.name_key(key, |p| &p.names.labels[l as usize])
            }
        }
    }

    /// Edge kind `k` (an index into the graph's edge kinds).
    pub(super) fn edge_kind_name(&mut self, k: u32) -> Name {
        let l = self.p.names.edge_kind_labels.get(k as usize).copied();
        self.label_name(l)
    }

    /// Check `c` (an index into `Prepared::checks`).
    pub(super) fn check_name(&mut self, c: u32) -> Name {
        let l = self.p.names.check_labels.get(c as usize).copied();
        self.label_name(l)
    }
}

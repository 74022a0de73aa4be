//! [`NodeView`]: one node as a decision reads it — id, kind, tags, owners,
//! check names, attributes — borrowed in place from either form of a
//! graph's nodes (the loader's owned declarations, or the node table read
//! back from the prepared-plan cache). The runtime reads nodes only
//! through views, so a cached graph never builds a declaration.

use super::table::{AttrRef, TableStrs};
use super::{Graph, NodeIdx, Nodes};
use crate::model::{CheckDecl, Name, NodeDecl, Spanned};

/// One node of a graph, read in place (see the module documentation).
#[derive(Clone, Copy, Debug)]
pub struct NodeView<'a> {
    graph: &'a Graph,
    n: usize,
}

/// The strings of one of a node's lists (tags, owners, check names), in
/// the order the graph holds them.
#[derive(Clone, Debug)]
pub enum Strs<'a> {
    /// From owned declarations.
    Names(std::slice::Iter<'a, Spanned<Name>>),
    /// Check names from owned declarations.
    Checks(std::slice::Iter<'a, CheckDecl>),
    /// From the node table.
    Table(TableStrs<'a>),
}

impl<'a> Iterator for Strs<'a> {
    type Item = &'a str;
    fn next(&mut self) -> Option<&'a str> {
        match self {
            Strs::Names(it) => it.next().map(|s| s.value.as_str()),
            Strs::Checks(it) => it.next().map(|c| c.name.value.as_str()),
            Strs::Table(it) => it.next(),
        }
    }
}

impl<'a> NodeView<'a> {
    /// The view of node `idx` of `graph`, if it has one.
    pub(super) fn new(graph: &'a Graph, idx: NodeIdx) -> Option<NodeView<'a>> {
        (idx.index() < graph.node_count()).then_some(NodeView {
            graph,
            n: idx.index(),
        })
    }

    fn decl(&self) -> Option<&'a NodeDecl> {
        match &self.graph.nodes {
            Nodes::Owned => self.graph.doc.nodes.get(self.n),
            Nodes::Table(_) => None,
        }
    }

    /// The node's index.
    pub fn index(&self) -> NodeIdx {
        NodeIdx(self.n as u32)
    }

    /// Its id.
    pub fn id(&self) -> &'a str {
        match &self.graph.nodes {
            Nodes::Owned => self.decl().map_or("", |d| d.id.value.as_str()),
            Nodes::Table(t) => t.table.id(self.n),
        }
    }

    /// Its kind.
    pub fn kind(&self) -> &'a str {
        match &self.graph.nodes {
            Nodes::Owned => self.decl().map_or("", |d| d.kind.value.as_str()),
            Nodes::Table(t) => t.table.kind(self.n),
        }
    }

    /// Its tags.
    pub fn tags(&self) -> Strs<'a> {
        match &self.graph.nodes {
            Nodes::Owned => Strs::Names(self.decl().map_or(&[][..], |d| &d.tags).iter()),
            Nodes::Table(t) => Strs::Table(t.table.tags(self.n)),
        }
    }

    /// Its owners (team or person ids).
    pub fn owners(&self) -> Strs<'a> {
        match &self.graph.nodes {
            Nodes::Owned => Strs::Names(self.decl().map_or(&[][..], |d| &d.owners).iter()),
            Nodes::Table(t) => Strs::Table(t.table.owners(self.n)),
        }
    }

    /// The names of its checks.
    pub fn check_names(&self) -> Strs<'a> {
        match &self.graph.nodes {
            Nodes::Owned => Strs::Checks(self.decl().map_or(&[][..], |d| &d.checks).iter()),
            Nodes::Table(t) => Strs::Table(t.table.checks(self.n)),
        }
    }

    /// Whether it defines the check `name`.
    pub fn has_check(&self, name: &str) -> bool {
        self.check_names().any(|c| c == name)
    }

    /// Its attribute `name`.
    pub fn attribute(&self, name: &str) -> Option<AttrRef<'a>> {
        match &self.graph.nodes {
            Nodes::Owned => self
                .decl()?
                .attributes
                .get(name)
                .map(|v| AttrRef::of(&v.value)),
            Nodes::Table(t) => t.table.attribute(self.n, name),
        }
    }

    /// Its attributes, sorted by name.
    pub fn attributes(&self) -> Box<dyn Iterator<Item = (&'a str, AttrRef<'a>)> + 'a> {
        match &self.graph.nodes {
            Nodes::Owned => Box::new(
                self.decl()
                    .into_iter()
                    .flat_map(|d| d.attributes.iter())
                    .map(|(k, v)| (k.as_str(), AttrRef::of(&v.value))),
            ),
            Nodes::Table(t) => Box::new(t.table.attributes(self.n)),
        }
    }
}

//! Rendering the graph (or what a change reaches) as Graphviz DOT or Mermaid.

use crate::graph::Graph;
use crate::index::{Direction, NodeIdx, Reach};
use std::collections::BTreeSet;
use std::fmt::Write;

/// Output language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Graphviz DOT.
    Dot,
    /// Mermaid flowchart.
    Mermaid,
}

/// Restricts a rendering to what a change reaches.
#[derive(Clone, Copy, Debug)]
pub struct Focus<'a> {
    /// The reach result; its start nodes are drawn as touched.
    pub reach: &'a Reach,
    /// The direction the reach followed (to draw witness edges the right way).
    pub direction: Direction,
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Renders the whole graph, or only the reached nodes with the witness
/// edges (each reached node's shortest path) highlighted.
pub fn render(graph: &Graph, format: Format, focus: Option<Focus<'_>>) -> String {
    let nodes: Vec<NodeIdx> = match focus {
        Some(f) => f.reach.nodes(),
        None => (0..graph.nodes().len() as u32).map(NodeIdx).collect(),
    };
    let included = |n: NodeIdx| focus.is_none_or(|f| f.reach.contains(n));
    let touched = |n: NodeIdx| focus.is_some_and(|f| f.reach.get(n).is_some_and(|e| e.depth == 0));
    // witness edges as (from, kind, to) in graph orientation
    let mut witness = BTreeSet::new();
    if let Some(f) = focus {
        for e in f.reach.entries() {
            if let (Some(p), Some(kind)) = (e.parent, e.via) {
                let parent = f.reach.entries()[p as usize].node;
                let (from, to) = match f.direction {
                    Direction::Reverse => (e.node, parent),
                    Direction::Forward => (parent, e.node),
                };
                witness.insert((from, kind, to));
            }
        }
    }
    let edges: Vec<_> = graph
        .edges()
        .iter()
        .filter(|e| included(e.from) && included(e.to))
        .collect();
    let mut out = String::new();
    match format {
        Format::Dot => {
            out.push_str(
                "digraph writ {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n",
            );
            for &n in &nodes {
                let node = graph.node(n);
                let label = format!("{}\\n({})", node.id.value, node.kind.value);
                let style = if touched(n) {
                    ", style=filled, fillcolor=\"#ffd966\""
                } else {
                    ""
                };
                let _ = writeln!(
                    out,
                    "  {} [label={}{style}];",
                    quote(&node.id),
                    quote(&label).replace("\\\\n", "\\n")
                );
            }
            for e in &edges {
                let hl = if witness.contains(&(e.from, e.kind, e.to)) {
                    ", color=\"#cc0000\", penwidth=2.5"
                } else {
                    ""
                };
                let _ = writeln!(
                    out,
                    "  {} -> {} [label={}{hl}];",
                    quote(&graph.node(e.from).id),
                    quote(&graph.node(e.to).id),
                    quote(graph.edge_kind_name(e.kind))
                );
            }
            out.push_str("}\n");
        }
        Format::Mermaid => {
            out.push_str("flowchart LR\n");
            for &n in &nodes {
                let node = graph.node(n);
                let label =
                    format!("{} ({})", node.id.value, node.kind.value).replace('"', "#quot;");
                let _ = writeln!(out, "  n{}[\"{label}\"]", n.0);
            }
            let mut highlighted = Vec::new();
            for (i, e) in edges.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "  n{} -->|{}| n{}",
                    e.from.0,
                    graph.edge_kind_name(e.kind),
                    e.to.0
                );
                if witness.contains(&(e.from, e.kind, e.to)) {
                    highlighted.push(i.to_string());
                }
            }
            let touched_nodes: Vec<String> = nodes
                .iter()
                .filter(|n| touched(**n))
                .map(|n| format!("n{}", n.0))
                .collect();
            if !touched_nodes.is_empty() {
                out.push_str("  classDef touched fill:#ffd966,stroke:#7f6000\n");
                let _ = writeln!(out, "  class {} touched", touched_nodes.join(","));
            }
            if !highlighted.is_empty() {
                let _ = writeln!(
                    out,
                    "  linkStyle {} stroke:#cc0000,stroke-width:3px",
                    highlighted.join(",")
                );
            }
        }
    }
    out
}

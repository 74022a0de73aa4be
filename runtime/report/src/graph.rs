//! The graph neighbourhood of a change, drawn as SVG: the changed files,
//! the nodes they touch, and every witness path a rule or forbid instance
//! was bound by (proof v2 witness trees, docs/proof.md), laid out by
//! [`crate::layout`]. Touched nodes, bound nodes and witness edges carry
//! classes (and words in their titles) so they read without colour.

use crate::html::Html;
use crate::layout::{self, NodeBox};
use std::collections::BTreeMap;
use writ_runtime::Proof;
use writ_runtime::proof::{Witness, WitnessDirection};

/// At most this many nodes are drawn; paths beyond are listed, not drawn.
pub const MAX_NODES: usize = 40;
/// At most this many changed files are drawn as nodes.
const MAX_FILES: usize = 6;
/// Characters of a label shown (the full id is in the node's title).
const LABEL_CHARS: usize = 32;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    File,
    Node,
}

/// One witness path of the section: the binding it explains, its steps.
#[derive(Clone, Debug)]
pub struct PathRef {
    /// `w1`, `w2`, … within the section.
    pub id: String,
    /// `rule(var=node)` / `forbid(var=node)` and the variable.
    pub label: String,
    /// The path in one line (`writ explain`'s notation).
    pub line: String,
    /// Whether it is drawn (false past [`MAX_NODES`]).
    pub drawn: bool,
}

/// The neighbourhood of a proof's change, ready to draw.
#[derive(Debug, Default)]
struct Hood {
    nodes: BTreeMap<(Kind, String), usize>,
    list: Vec<(Kind, String)>,
    /// (from, to, via, arrow points forward, path ids)
    edges: BTreeMap<(usize, usize), (String, bool, Vec<String>)>,
}

impl Hood {
    fn node(&mut self, kind: Kind, id: &str) -> usize {
        let next = self.list.len();
        *self.nodes.entry((kind, id.to_string())).or_insert_with(|| {
            self.list.push((kind, id.to_string()));
            next
        })
    }

    fn would_add(&self, steps: &[(&str, Option<&str>)], file: &str) -> usize {
        let file_new = !self.nodes.contains_key(&(Kind::File, file.to_string())) as usize;
        file_new
            + steps
                .iter()
                .filter(|(n, _)| !self.nodes.contains_key(&(Kind::Node, n.to_string())))
                .count()
    }

    fn edge(&mut self, a: usize, b: usize, via: &str, forward: bool, path: Option<&str>) {
        let e = self
            .edges
            .entry((a, b))
            .or_insert_with(|| (via.to_string(), forward, Vec::new()));
        if let Some(p) = path
            && !e.2.iter().any(|q| q == p)
        {
            e.2.push(p.to_string());
        }
    }
}

/// Every binding with a witness in the proof: (label, witness), in the
/// proof's order (rules, then forbids).
fn bindings(proof: &Proof) -> Vec<(String, Witness)> {
    let mut out = Vec::new();
    let instances = (proof.rules.iter())
        .flat_map(|r| {
            r.instances
                .iter()
                .map(|i| (r.instance_id(&proof.names, i), i))
        })
        .chain((proof.forbids.iter()).flat_map(|f| {
            f.instances
                .iter()
                .map(|i| (f.instance_id(&proof.names, i), i))
        }));
    for (id, inst) in instances {
        for b in &inst.bindings {
            if let Some(w) = b.witness {
                out.push((
                    format!("{id} — {} = {}", proof.name(b.var), proof.name(b.node)),
                    w,
                ));
            }
        }
    }
    out
}

/// Draws the neighbourhood of `proof`'s change into `out` as an inline
/// SVG with an accessible title; returns the witness paths (drawn or
/// not), for the section to list. `prefix` makes element ids unique in the
/// page.
pub fn draw(out: &mut Html, proof: &Proof, prefix: &str) -> Vec<PathRef> {
    let mut hood = Hood::default();
    let mut paths = Vec::new();
    // Files and the nodes they touch.
    let owned: Vec<_> = proof.files.iter().filter(|f| !f.nodes.is_empty()).collect();
    for f in owned.iter().take(MAX_FILES) {
        let fi = hood.node(Kind::File, &f.path);
        for n in &f.nodes {
            let ni = hood.node(Kind::Node, n);
            hood.edge(fi, ni, "touches", true, None);
        }
    }
    for &t in &proof.touched {
        hood.node(Kind::Node, proof.name(t));
    }
    // Witness paths.
    for (k, (label, w)) in bindings(proof).into_iter().enumerate() {
        let id = format!("{prefix}-w{}", k + 1);
        let Some(path) = proof.witness_path(&w) else {
            paths.push(PathRef {
                id,
                label,
                line: format!(
                    "(witness {}/{} is not in the proof's trees)",
                    w.tree, w.node
                ),
                drawn: false,
            });
            continue;
        };
        let line = writ_runtime::explain::witness_line(&path);
        let fits = hood.list.len() + hood.would_add(&path.steps, path.file) <= MAX_NODES;
        if fits {
            let forward = path.direction == WitnessDirection::Forward;
            let mut prev = hood.node(Kind::File, path.file);
            let mut first = true;
            for (node, via) in &path.steps {
                let ni = hood.node(Kind::Node, node);
                if first {
                    hood.edge(prev, ni, "touches", true, Some(&id));
                    first = false;
                } else {
                    hood.edge(prev, ni, via.unwrap_or("?"), forward, Some(&id));
                }
                prev = ni;
            }
        }
        paths.push(PathRef {
            id,
            label,
            line,
            drawn: fits,
        });
    }
    let touched: std::collections::BTreeSet<&str> =
        proof.touched.iter().map(|&t| proof.name(t)).collect();
    let bound: std::collections::BTreeSet<String> = proof
        .rules
        .iter()
        .flat_map(|r| &r.instances)
        .chain(proof.forbids.iter().flat_map(|f| &f.instances))
        .flat_map(|i| i.bindings.iter().map(|b| proof.name(b.node).to_string()))
        .collect();

    let labels: Vec<String> = hood.list.iter().map(|(_, id)| label(id)).collect();
    let boxes: Vec<NodeBox> = labels
        .iter()
        .map(|l| NodeBox {
            width: 16.0 + 7.2 * l.chars().count() as f64,
        })
        .collect();
    let edge_list: Vec<(usize, usize)> = hood.edges.keys().copied().collect();
    let lay = layout::layout(&boxes, &edge_list);

    let title_id = format!("{prefix}-graph-title");
    out.raw("<figure class=\"graph\"><svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\"")
        .attr("aria-labelledby", &title_id)
        .attr(
            "viewBox",
            &format!("0 0 {:.0} {:.0}", lay.width, lay.height),
        )
        .attr("width", &format!("{:.0}", lay.width))
        .attr("height", &format!("{:.0}", lay.height))
        .raw("><title")
        .attr("id", &title_id)
        .raw(">");
    out.text(&format!(
        "Graph neighbourhood of change {}: {} nodes, {} witness paths",
        proof.change.id,
        hood.list.len(),
        paths.iter().filter(|p| p.drawn).count()
    ));
    out.raw("</title><defs><marker")
        .attr("id", &format!("{prefix}-arrow"))
        .raw(" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerUnits=\"userSpaceOnUse\" markerWidth=\"10\" markerHeight=\"10\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" class=\"arrowhead\"/></marker></defs>");
    let marker = format!("url(#{prefix}-arrow)");
    for (((_, _), (via, forward, pids)), pts) in hood.edges.iter().zip(&lay.edges) {
        if pts.len() < 2 {
            continue;
        }
        let class = if pids.is_empty() {
            "edge"
        } else {
            "edge witness"
        };
        out.raw("<g").attr("class", class);
        if !pids.is_empty() {
            out.attr("data-paths", &pids.join(" "));
        }
        out.raw("><title>");
        out.text(via);
        if !pids.is_empty() {
            out.text(" (witness path)");
        }
        out.raw("</title><path").attr("d", &curve(pts));
        if *forward {
            out.attr("marker-end", &marker);
        } else {
            out.attr("marker-start", &marker);
        }
        out.raw("/>");
        if via != "touches" {
            let (mx, my) = midpoint(pts);
            out.raw("<text class=\"via\"")
                .attr("x", &format!("{mx:.1}"))
                .attr("y", &format!("{:.1}", my - 4.0))
                .raw(" text-anchor=\"middle\">")
                .text(via)
                .raw("</text>");
        }
        out.raw("</g>");
    }
    for (i, ((kind, id), p)) in hood.list.iter().zip(&lay.nodes).enumerate() {
        let mut class = String::from(match kind {
            Kind::File => "node file",
            Kind::Node => "node",
        });
        let mut role = Vec::new();
        if *kind == Kind::Node && touched.contains(id.as_str()) {
            class.push_str(" touched");
            role.push("touched");
        }
        if *kind == Kind::Node && bound.contains(id) {
            class.push_str(" bound");
            role.push("bound by a rule");
        }
        out.raw("<g").attr("class", &class).attr("data-node", id);
        out.raw("><title>");
        out.text(&match kind {
            Kind::File => format!("changed file {id}"),
            Kind::Node if role.is_empty() => format!("node {id}"),
            Kind::Node => format!("node {id} ({})", role.join(", ")),
        });
        out.raw("</title><rect")
            .attr("x", &format!("{:.1}", p.x))
            .attr("y", &format!("{:.1}", p.y))
            .attr("width", &format!("{:.1}", p.width))
            .attr("height", &format!("{:.0}", layout::NODE_HEIGHT))
            .raw(" rx=\"6\"/><text")
            .attr("x", &format!("{:.1}", p.x + p.width / 2.0))
            .attr(
                "y",
                &format!("{:.1}", p.y + layout::NODE_HEIGHT / 2.0 + 4.5),
            )
            .raw(" text-anchor=\"middle\">")
            .text(&labels[i])
            .raw("</text></g>");
    }
    out.raw("</svg><figcaption>Boxes with a thick border are touched by the change (changed files in dashed boxes, nodes bound by a rule in bold); thick edges are witness paths; arrows point along the graph's edges.</figcaption></figure>");
    paths
}

fn label(id: &str) -> String {
    if id.chars().count() <= LABEL_CHARS {
        id.to_string()
    } else {
        let tail: String = id
            .chars()
            .rev()
            .take(LABEL_CHARS - 1)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("…{tail}")
    }
}

/// A smooth path through `pts` with horizontal tangents at each point.
fn curve(pts: &[(f64, f64)]) -> String {
    let mut d = format!("M{:.1},{:.1}", pts[0].0, pts[0].1);
    for w in pts.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        let dx = (x1 - x0) / 2.0;
        d.push_str(&format!(
            " C{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}",
            x0 + dx,
            y0,
            x1 - dx,
            y1,
            x1,
            y1
        ));
    }
    d
}

fn midpoint(pts: &[(f64, f64)]) -> (f64, f64) {
    let i = (pts.len() - 1) / 2;
    (
        (pts[i].0 + pts[i + 1].0) / 2.0,
        (pts[i].1 + pts[i + 1].1) / 2.0,
    )
}

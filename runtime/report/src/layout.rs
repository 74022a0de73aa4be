//! Layered graph layout (Sugiyama, Tamassia and Toda, 1981), fitted to the
//! small neighbourhoods a decision cites (tens of nodes): no hand-placed
//! coordinates anywhere.
//!
//! 1. **Cycles**: a depth-first search from each node in index order;
//!    an edge back to a node on the stack is laid out reversed (the
//!    drawing still points the arrow the original way).
//! 2. **Layers**: longest path from the sources (Kahn's order, ties by
//!    index), so every edge goes at least one layer to the right.
//! 3. **Dummies**: an edge spanning `k` layers gets `k - 1` dummy nodes,
//!    so edges bend around nodes instead of crossing them.
//! 4. **Order**: within each layer, [`SWEEPS`] alternating down and up
//!    sweeps sort nodes by the barycentre of their neighbours in the
//!    previous layer (ties by the current position: stable and
//!    deterministic); the ordering with the fewest crossings is kept.
//! 5. **Coordinates**: layers left to right, each as wide as its widest
//!    label; nodes top to bottom in their order, each layer centred on the
//!    tallest; then [`ALIGN_PASSES`] passes move each node towards the
//!    mean height of its neighbours where the order and spacing allow
//!    (fewer bends).
//!
//! Everything is a function of the input's order, so the same graph gives
//! the same picture, byte for byte.

/// Down-and-up sweeps of the barycentre ordering.
pub const SWEEPS: usize = 12;
/// Passes that straighten edges after the first placement.
pub const ALIGN_PASSES: usize = 4;
/// Height of a node box.
pub const NODE_HEIGHT: f64 = 30.0;
/// Vertical space between two nodes of a layer.
const ROW_GAP: f64 = 16.0;
/// Horizontal space between two layers (where edges run and labels sit).
const LAYER_GAP: f64 = 76.0;
/// Margin around the drawing.
pub const MARGIN: f64 = 12.0;

/// A node to place: its box width (dummies are placed by the algorithm).
#[derive(Clone, Copy, Debug)]
pub struct NodeBox {
    /// Width of the box.
    pub width: f64,
}

/// A placed node: the top-left corner and the size of its box.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Placed {
    /// Left.
    pub x: f64,
    /// Top.
    pub y: f64,
    /// Width.
    pub width: f64,
    /// Layer (0 = leftmost).
    pub layer: usize,
}

/// The layout: node boxes, and each edge as a polyline from its source's
/// right side through its dummies to its target's left side (reversed edges
/// too: the points run from the edge's `from` to its `to`).
#[derive(Clone, Debug)]
pub struct Layout {
    /// One per input node, in input order.
    pub nodes: Vec<Placed>,
    /// One per input edge, in input order.
    pub edges: Vec<Vec<(f64, f64)>>,
    /// Width of the drawing.
    pub width: f64,
    /// Height of the drawing.
    pub height: f64,
}

/// Lays out `nodes` with directed `edges` (`from`, `to` indices into
/// `nodes`; self-loops are ignored).
pub fn layout(nodes: &[NodeBox], edges: &[(usize, usize)]) -> Layout {
    let n = nodes.len();
    let reversed = back_edges(n, edges);
    // Oriented edges, left to right.
    let oriented: Vec<Option<(usize, usize)>> = edges
        .iter()
        .zip(&reversed)
        .map(|(&(a, b), &rev)| {
            if a == b || a >= n || b >= n {
                None
            } else if rev {
                Some((b, a))
            } else {
                Some((a, b))
            }
        })
        .collect();
    let layer = longest_path_layers(n, &oriented);

    // Dummies: vertices n.. ; chains per edge.
    let mut vlayer = layer.clone();
    let mut chains: Vec<Vec<usize>> = Vec::with_capacity(edges.len());
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
    for e in &oriented {
        let Some((a, b)) = *e else {
            chains.push(Vec::new());
            continue;
        };
        let mut chain = vec![a];
        let mut prev = a;
        for l in layer[a] + 1..layer[b] {
            let d = vlayer.len();
            vlayer.push(l);
            succ.push(Vec::new());
            succ[prev].push(d);
            chain.push(d);
            prev = d;
        }
        succ[prev].push(b);
        chain.push(b);
        chains.push(chain);
    }
    let total = vlayer.len();
    let mut pred: Vec<Vec<usize>> = vec![Vec::new(); total];
    for (u, ss) in succ.iter().enumerate() {
        for &v in ss {
            pred[v].push(u);
        }
    }
    let layers_n = vlayer.iter().copied().max().map_or(0, |m| m + 1);
    let mut order: Vec<Vec<usize>> = vec![Vec::new(); layers_n];
    for v in dfs_order(total, &succ) {
        order[vlayer[v]].push(v);
    }
    let order = minimise_crossings(order, &succ, &pred, total);

    // Coordinates.
    let width_of = |v: usize| if v < n { nodes[v].width } else { 0.0 };
    let mut layer_x = Vec::with_capacity(layers_n);
    let mut layer_w = Vec::with_capacity(layers_n);
    let mut x = MARGIN;
    for vs in &order {
        let w = vs.iter().map(|&v| width_of(v)).fold(0.0, f64::max);
        layer_x.push(x);
        layer_w.push(w);
        x += w + LAYER_GAP;
    }
    let row = NODE_HEIGHT + ROW_GAP;
    let tallest = order.iter().map(Vec::len).max().unwrap_or(0) as f64;
    let mut y = vec![0.0; total];
    for vs in &order {
        let offset = (tallest - vs.len() as f64) * row / 2.0;
        for (i, &v) in vs.iter().enumerate() {
            y[v] = MARGIN + offset + i as f64 * row;
        }
    }
    for _ in 0..ALIGN_PASSES {
        for vs in &order {
            for (i, &v) in vs.iter().enumerate() {
                let ns: Vec<f64> = pred[v].iter().chain(&succ[v]).map(|&u| y[u]).collect();
                if ns.is_empty() {
                    continue;
                }
                let want = ns.iter().sum::<f64>() / ns.len() as f64;
                let lo = if i > 0 { y[vs[i - 1]] + row } else { MARGIN };
                let hi = vs.get(i + 1).map_or(f64::INFINITY, |&w| y[w] - row);
                if lo <= hi {
                    y[v] = want.clamp(lo, hi);
                }
            }
        }
    }
    // Shift so the top is at the margin.
    let top = y.iter().copied().fold(f64::INFINITY, f64::min);
    if top.is_finite() {
        for v in &mut y {
            *v += MARGIN - top;
        }
    }
    let placed: Vec<Placed> = (0..n)
        .map(|v| Placed {
            // centred in its layer's column
            x: layer_x[vlayer[v]] + (layer_w[vlayer[v]] - nodes[v].width) / 2.0,
            y: y[v],
            width: nodes[v].width,
            layer: vlayer[v],
        })
        .collect();
    let mid = NODE_HEIGHT / 2.0;
    let edge_points: Vec<Vec<(f64, f64)>> = chains
        .iter()
        .zip(&reversed)
        .map(|(chain, &rev)| {
            if chain.is_empty() {
                return Vec::new();
            }
            let last = chain.len() - 1;
            let mut pts: Vec<(f64, f64)> = chain
                .iter()
                .enumerate()
                .map(|(i, &v)| {
                    let l = vlayer[v];
                    let cx = layer_x[l] + layer_w[l] / 2.0;
                    if i == 0 {
                        (cx + width_of(v) / 2.0, y[v] + mid)
                    } else if i == last {
                        (cx - width_of(v) / 2.0, y[v] + mid)
                    } else {
                        (cx, y[v] + mid)
                    }
                })
                .collect();
            if rev {
                pts.reverse();
            }
            pts
        })
        .collect();
    let width = (x - LAYER_GAP + MARGIN).max(2.0 * MARGIN);
    let height = y.iter().copied().fold(0.0, f64::max) + NODE_HEIGHT + MARGIN;
    Layout {
        nodes: placed,
        edges: edge_points,
        width,
        height: if total == 0 { 2.0 * MARGIN } else { height },
    }
}

/// Which edges a depth-first search finds going back to a node on its stack.
fn back_edges(n: usize, edges: &[(usize, usize)]) -> Vec<bool> {
    let mut out_edges: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
    for (i, &(a, b)) in edges.iter().enumerate() {
        if a < n && b < n && a != b {
            out_edges[a].push((b, i));
        }
    }
    // 0 unvisited, 1 on the stack, 2 done
    let mut state = vec![0u8; n];
    let mut back = vec![false; edges.len()];
    for start in 0..n {
        if state[start] != 0 {
            continue;
        }
        let mut stack = vec![(start, 0usize)];
        state[start] = 1;
        while let Some(&mut (v, ref mut next)) = stack.last_mut() {
            if let Some(&(w, e)) = out_edges[v].get(*next) {
                *next += 1;
                match state[w] {
                    0 => {
                        state[w] = 1;
                        stack.push((w, 0));
                    }
                    1 => back[e] = true,
                    _ => {}
                }
            } else {
                state[v] = 2;
                stack.pop();
            }
        }
    }
    back
}

/// The longest path layering of an acyclic graph.
fn longest_path_layers(n: usize, edges: &[Option<(usize, usize)>]) -> Vec<usize> {
    let mut indeg = vec![0usize; n];
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b) in edges.iter().flatten() {
        out[a].push(b);
        indeg[b] += 1;
    }
    let mut layer = vec![0usize; n];
    let mut ready: std::collections::BTreeSet<usize> = (0..n).filter(|&v| indeg[v] == 0).collect();
    while let Some(v) = ready.pop_first() {
        for &w in &out[v] {
            layer[w] = layer[w].max(layer[v] + 1);
            indeg[w] -= 1;
            if indeg[w] == 0 {
                ready.insert(w);
            }
        }
    }
    layer
}

/// Vertices in depth-first order from each source (then any left), so
/// paths start out together.
fn dfs_order(total: usize, succ: &[Vec<usize>]) -> Vec<usize> {
    let mut seen = vec![false; total];
    let mut out = Vec::with_capacity(total);
    for start in 0..total {
        if seen[start] {
            continue;
        }
        let mut stack = vec![start];
        while let Some(v) = stack.pop() {
            if std::mem::replace(&mut seen[v], true) {
                continue;
            }
            out.push(v);
            for &w in succ[v].iter().rev() {
                if !seen[w] {
                    stack.push(w);
                }
            }
        }
    }
    out
}

fn positions(order: &[Vec<usize>], total: usize) -> Vec<usize> {
    let mut pos = vec![0; total];
    for vs in order {
        for (i, &v) in vs.iter().enumerate() {
            pos[v] = i;
        }
    }
    pos
}

/// Edge crossings between adjacent layers.
fn crossings(order: &[Vec<usize>], succ: &[Vec<usize>], total: usize) -> usize {
    let pos = positions(order, total);
    let mut count = 0;
    for vs in order {
        let mut pairs: Vec<(usize, usize)> = Vec::new();
        for &v in vs {
            for &w in &succ[v] {
                pairs.push((pos[v], pos[w]));
            }
        }
        for (i, a) in pairs.iter().enumerate() {
            for b in &pairs[i + 1..] {
                if (a.0 < b.0 && a.1 > b.1) || (a.0 > b.0 && a.1 < b.1) {
                    count += 1;
                }
            }
        }
    }
    count
}

fn minimise_crossings(
    mut order: Vec<Vec<usize>>,
    succ: &[Vec<usize>],
    pred: &[Vec<usize>],
    total: usize,
) -> Vec<Vec<usize>> {
    let mut best = order.clone();
    let mut best_count = crossings(&order, succ, total);
    for sweep in 0..SWEEPS {
        let down = sweep % 2 == 0;
        let layers: Vec<usize> = if down {
            (1..order.len()).collect()
        } else {
            (0..order.len().saturating_sub(1)).rev().collect()
        };
        for l in layers {
            let pos = positions(&order, total);
            let mut keyed: Vec<(f64, usize, usize)> = order[l]
                .iter()
                .map(|&v| {
                    let ns = if down { &pred[v] } else { &succ[v] };
                    let key = if ns.is_empty() {
                        pos[v] as f64
                    } else {
                        ns.iter().map(|&u| pos[u] as f64).sum::<f64>() / ns.len() as f64
                    };
                    (key, pos[v], v)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            order[l] = keyed.into_iter().map(|(_, _, v)| v).collect();
        }
        let c = crossings(&order, succ, total);
        if c < best_count {
            best_count = c;
            best = order.clone();
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boxes(n: usize) -> Vec<NodeBox> {
        vec![NodeBox { width: 40.0 }; n]
    }

    #[test]
    fn edges_go_left_to_right_and_long_edges_bend_through_dummies() {
        // 0 → 1 → 2 and 0 → 2: the long edge gets a dummy in layer 1.
        let l = layout(&boxes(3), &[(0, 1), (1, 2), (0, 2)]);
        assert_eq!(
            l.nodes.iter().map(|p| p.layer).collect::<Vec<_>>(),
            [0, 1, 2]
        );
        assert!(l.nodes[0].x < l.nodes[1].x && l.nodes[1].x < l.nodes[2].x);
        assert_eq!(l.edges[0].len(), 2);
        assert_eq!(l.edges[2].len(), 3, "one dummy point: {:?}", l.edges[2]);
    }

    #[test]
    fn a_cycle_is_laid_out_with_one_edge_reversed() {
        let l = layout(&boxes(3), &[(0, 1), (1, 2), (2, 0)]);
        // the back edge's points still run from its `from` (2) to its `to` (0)
        let back = &l.edges[2];
        assert!(back.first().unwrap().0 > back.last().unwrap().0, "{back:?}");
    }

    #[test]
    fn crossings_are_removed_where_an_order_without_them_exists() {
        // two parallel chains given interleaved: a0→b1, a1→b0
        let edges = [(0, 3), (1, 2)];
        let l = layout(&boxes(4), &edges);
        let order = |v: usize| l.nodes[v].y;
        assert_eq!(order(0) < order(1), order(3) < order(2));
    }

    #[test]
    fn nodes_of_a_layer_never_overlap_and_layout_is_deterministic() {
        let edges: Vec<(usize, usize)> = (1..9).map(|i| (0, i)).chain([(3, 9), (5, 9)]).collect();
        let a = layout(&boxes(10), &edges);
        let b = layout(&boxes(10), &edges);
        assert_eq!(a.nodes, b.nodes);
        let mut ys: Vec<f64> = a
            .nodes
            .iter()
            .filter(|p| p.layer == 1)
            .map(|p| p.y)
            .collect();
        ys.sort_by(f64::total_cmp);
        for w in ys.windows(2) {
            assert!(w[1] - w[0] >= NODE_HEIGHT, "{ys:?}");
        }
    }
}

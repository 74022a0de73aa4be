//! The compact reachability index: CSR adjacency over `u32` node indices in
//! both directions, edge kinds as small integers, and breadth-first reach
//! with edge-kind masks, depth limits and shortest witness paths.

use crate::flat::{Bytes, Words};
use std::cell::OnceCell;

/// Index of a node in a [`crate::Graph`] (nodes are sorted by id).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct NodeIdx(pub u32);

impl NodeIdx {
    /// The index as a `usize`.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// An edge kind as a small integer (see [`crate::Graph::edge_kind_name`]).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct EdgeKind(pub u8);

/// A set of edge kinds (at most 64 kinds per graph).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EdgeMask(pub u64);

impl EdgeMask {
    /// Every edge kind.
    pub const ALL: EdgeMask = EdgeMask(u64::MAX);
    /// No edge kind: reach stays at the start nodes.
    pub const NONE: EdgeMask = EdgeMask(0);

    /// A mask holding only `kind`.
    pub fn of(kind: EdgeKind) -> EdgeMask {
        EdgeMask(1u64 << (kind.0 & 63))
    }

    /// This mask plus `kind`.
    pub fn with(self, kind: EdgeKind) -> EdgeMask {
        EdgeMask(self.0 | EdgeMask::of(kind).0)
    }

    /// Whether `kind` is in the mask.
    pub fn contains(self, kind: EdgeKind) -> bool {
        self.0 & EdgeMask::of(kind).0 != 0
    }
}

/// Which way to follow edges.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From an edge's target to its source: who depends on, calls, deploys,
    /// reads or writes what changed (the blast radius).
    Reverse,
    /// From an edge's source to its target: what the changed code can itself
    /// call, read or write (exposure).
    Forward,
}

/// Adjacency in compressed sparse row form: the neighbours of node `n` are
/// `targets[offsets[n]..offsets[n + 1]]`, sorted by (target, kind).
/// Read back from the prepared-plan cache, the arrays are ranges of its
/// buffer, read in place (`flat.rs`).
#[derive(Clone, Debug, Default)]
struct Csr {
    offsets: Words,
    targets: Words,
    kinds: Bytes,
}

impl Csr {
    /// The rows of `edges` (`(from, to, kind)`, in any order; every `from`
    /// below `nodes`), each row sorted by `(to, kind)`: the order a sort of
    /// the whole list gives, reached by placing each edge in its row (one
    /// pass to count, one to place) and sorting only within rows — a few
    /// entries each instead of half a million.
    fn build(nodes: usize, edges: impl Iterator<Item = (u32, u32, u8)> + Clone) -> Csr {
        let mut offsets = vec![0u32; nodes + 1];
        for (from, _, _) in edges.clone() {
            offsets[from as usize + 1] += 1;
        }
        for i in 0..nodes {
            offsets[i + 1] += offsets[i];
        }
        let mut next: Vec<u32> = offsets[..nodes].to_vec();
        let mut rows: Vec<(u32, u8)> = vec![(0, 0); offsets[nodes] as usize];
        for (from, to, kind) in edges {
            let at = &mut next[from as usize];
            rows[*at as usize] = (to, kind);
            *at += 1;
        }
        for w in offsets.windows(2) {
            rows[w[0] as usize..w[1] as usize].sort_unstable();
        }
        Csr {
            offsets: offsets.into(),
            targets: rows.iter().map(|e| e.0).collect::<Vec<u32>>().into(),
            kinds: rows.iter().map(|e| e.1).collect::<Vec<u8>>().into(),
        }
    }

    /// Whether the offsets, targets and kinds fit `nodes` nodes and `kinds` kinds.
    fn check(&self, nodes: usize, kinds: usize) -> Result<(), String> {
        // Over slices taken once, without an early exit per element (a
        // warm run checks a million words here): the offsets never go
        // back, and the largest target and kind are within their sizes.
        let (offsets, targets, kinds_of): (&[u32], &[u32], &[u8]) =
            (&self.offsets, &self.targets, &self.kinds);
        let goes_back = offsets
            .iter()
            .zip(offsets.iter().skip(1))
            .fold(false, |back, (a, b)| back | (a > b));
        let fits = offsets.len() == nodes + 1
            && offsets.first() == Some(&0)
            && !goes_back
            && offsets.last().map(|&n| n as usize) == Some(targets.len())
            && kinds_of.len() == targets.len()
            && targets
                .iter()
                .copied()
                .max()
                .is_none_or(|t| (t as usize) < nodes)
            && kinds_of
                .iter()
                .copied()
                .max()
                .is_none_or(|k| (k as usize) < kinds);
        if fits {
            Ok(())
        } else {
            Err("the reach index does not fit its nodes".into())
        }
    }

    #[inline]
    fn range(&self, node: u32) -> std::ops::Range<usize> {
        self.offsets[node as usize] as usize..self.offsets[node as usize + 1] as usize
    }
}

/// Both directions of the graph's edges, ready for reach queries.
#[derive(Clone, Debug, Default)]
pub struct Index {
    nodes: u32,
    forward: Csr,
    reverse: Csr,
}

/// What to reach from where.
#[derive(Clone, Copy, Debug)]
pub struct ReachQuery<'a> {
    /// Start nodes (reached at depth 0).
    pub from: &'a [NodeIdx],
    /// Only edges of these kinds are followed.
    pub edge_kinds: EdgeMask,
    /// Stop after this many edges (`None`: no limit).
    pub max_depth: Option<u32>,
    /// Which way edges are followed.
    pub direction: Direction,
}

/// One reached node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reached {
    /// The node.
    pub node: NodeIdx,
    /// Number of edges on its shortest path from a start node.
    pub depth: u32,
    /// The entry (in [`Reach::entries`]) it was reached from; `None` for start nodes.
    pub parent: Option<u32>,
    /// The kind of the edge it was reached over; `None` for start nodes.
    pub via: Option<EdgeKind>,
}

/// One step of a witness path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    /// The node at this step.
    pub node: NodeIdx,
    /// The edge kind used to arrive here (`None` on the first step).
    pub via: Option<EdgeKind>,
}

/// The result of a reach query: every reached node in breadth-first order,
/// each with a parent pointer for its shortest witness path.
#[derive(Clone, Debug, Default)]
pub struct Reach {
    entries: Vec<Reached>,
    by_node: OnceCell<Vec<(u32, u32)>>,
}

impl Reach {
    /// Reached nodes in breadth-first order (start nodes first, sorted).
    pub fn entries(&self) -> &[Reached] {
        &self.entries
    }

    /// Number of reached nodes, start nodes included.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing was reached (no start nodes).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn lookup(&self) -> &[(u32, u32)] {
        self.by_node.get_or_init(|| {
            let mut v: Vec<(u32, u32)> = self
                .entries
                .iter()
                .enumerate()
                .map(|(i, e)| (e.node.0, i as u32))
                .collect();
            v.sort_unstable();
            v
        })
    }

    /// The entries' buffer, for [`Index::reach_into`] to reuse.
    pub fn into_entries(self) -> Vec<Reached> {
        self.entries
    }

    /// Reached nodes sorted by index.
    pub fn nodes(&self) -> Vec<NodeIdx> {
        self.lookup().iter().map(|&(n, _)| NodeIdx(n)).collect()
    }

    /// The entry for `node`, if it was reached.
    pub fn get(&self, node: NodeIdx) -> Option<&Reached> {
        let l = self.lookup();
        l.binary_search_by_key(&node.0, |&(n, _)| n)
            .ok()
            .map(|i| &self.entries[l[i].1 as usize])
    }

    /// Whether `node` was reached.
    pub fn contains(&self, node: NodeIdx) -> bool {
        self.get(node).is_some()
    }

    /// The shortest path from a start node to `node`, start first.
    pub fn witness(&self, node: NodeIdx) -> Option<Vec<Step>> {
        let mut entry = *self.get(node)?;
        let mut path = vec![Step {
            node: entry.node,
            via: entry.via,
        }];
        while let Some(p) = entry.parent {
            entry = self.entries[p as usize];
            path.push(Step {
                node: entry.node,
                via: entry.via,
            });
        }
        path.reverse();
        Some(path)
    }
}

/// Reusable visited-marks for repeated queries on one index: a bitset of
/// the graph's nodes (an eighth of a byte per node, so it stays in cache),
/// whose marks each query clears again after itself.
#[derive(Clone, Debug, Default)]
pub struct ReachScratch {
    visited: Vec<u64>,
}

impl ReachScratch {
    /// Scratch space for an index with `nodes` nodes.
    pub fn new(nodes: usize) -> ReachScratch {
        ReachScratch {
            visited: vec![0; nodes.div_ceil(64)],
        }
    }

    /// The cleared bitset, sized for `nodes`.
    fn bits(&mut self, nodes: usize) -> &mut [u64] {
        if self.visited.len() != nodes.div_ceil(64) {
            self.visited = vec![0; nodes.div_ceil(64)];
        }
        &mut self.visited
    }
}

impl Index {
    /// Builds the index of `nodes` nodes from `(from, to, kind)` edges.
    pub fn build(nodes: usize, edges: &[(NodeIdx, NodeIdx, EdgeKind)]) -> Index {
        Index {
            nodes: nodes as u32,
            forward: Csr::build(nodes, edges.iter().map(|e| (e.0.0, e.1.0, e.2.0))),
            reverse: Csr::build(nodes, edges.iter().map(|e| (e.1.0, e.0.0, e.2.0))),
        }
    }

    /// Both directions' arrays (offsets, targets, kinds), forward first:
    /// what the prepared-plan cache stores of the index.
    pub(crate) fn arrays(&self) -> [(&[u32], &[u32], &[u8]); 2] {
        [&self.forward, &self.reverse].map(|c| (&c.offsets[..], &c.targets[..], &c.kinds[..]))
    }

    /// The index of `nodes` nodes with these arrays (see [`Index::arrays`]),
    /// unchecked: the caller checks it with [`Index::check`].
    pub(crate) fn from_arrays(nodes: u32, [forward, reverse]: [(Words, Words, Bytes); 2]) -> Index {
        let csr = |(offsets, targets, kinds)| Csr {
            offsets,
            targets,
            kinds,
        };
        Index {
            nodes,
            forward: csr(forward),
            reverse: csr(reverse),
        }
    }

    /// Checks that both directions fit the index's node count and `kinds`
    /// edge kinds (for an index read back from a cache).
    pub fn check(&self, kinds: usize) -> Result<(), String> {
        self.forward.check(self.node_count(), kinds)?;
        self.reverse.check(self.node_count(), kinds)?;
        if self.forward.targets.len() != self.reverse.targets.len() {
            return Err("the reach index's two directions differ".into());
        }
        Ok(())
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.nodes as usize
    }

    /// Number of edges.
    pub fn edge_count(&self) -> usize {
        self.forward.targets.len()
    }

    fn csr(&self, direction: Direction) -> &Csr {
        match direction {
            Direction::Forward => &self.forward,
            Direction::Reverse => &self.reverse,
        }
    }

    /// The neighbours of `node` in `direction`, with the edge kind, sorted.
    pub fn neighbours(
        &self,
        node: NodeIdx,
        direction: Direction,
    ) -> impl Iterator<Item = (NodeIdx, EdgeKind)> + '_ {
        let csr = self.csr(direction);
        let range = if node.0 < self.nodes {
            csr.range(node.0)
        } else {
            0..0
        };
        range.map(move |i| (NodeIdx(csr.targets[i]), EdgeKind(csr.kinds[i])))
    }

    /// Out-degree (`Forward`) or in-degree (`Reverse`) of `node`.
    pub fn degree(&self, node: NodeIdx, direction: Direction) -> usize {
        if node.0 >= self.nodes {
            return 0;
        }
        self.csr(direction).range(node.0).len()
    }

    /// Breadth-first reach; allocates fresh scratch space.
    pub fn reach(&self, query: &ReachQuery<'_>) -> Reach {
        let mut scratch = ReachScratch::new(self.node_count());
        self.reach_with(&mut scratch, query)
    }

    /// Breadth-first reach reusing `scratch`. Start nodes out of range are ignored.
    pub fn reach_with(&self, scratch: &mut ReachScratch, query: &ReachQuery<'_>) -> Reach {
        self.reach_into(scratch, query, Vec::new())
    }

    /// [`Index::reach_with`] writing the entries into `buffer` (cleared
    /// first): hand back a buffer from [`Reach::into_entries`] to reach
    /// again without allocating or faulting in fresh memory.
    pub fn reach_into(
        &self,
        scratch: &mut ReachScratch,
        query: &ReachQuery<'_>,
        buffer: Vec<Reached>,
    ) -> Reach {
        let visited = scratch.bits(self.node_count());
        let mut starts: Vec<NodeIdx> = query
            .from
            .iter()
            .copied()
            .filter(|n| n.0 < self.nodes)
            .collect();
        starts.sort_unstable();
        starts.dedup();
        let mut entries = buffer;
        entries.clear();
        entries.reserve(starts.len() * 4);
        for &n in &starts {
            visited[n.index() / 64] |= 1u64 << (n.index() % 64);
            entries.push(Reached {
                node: n,
                depth: 0,
                parent: None,
                via: None,
            });
        }
        let csr = self.csr(query.direction);
        let mask = query.edge_kinds.0;
        let max_depth = query.max_depth.unwrap_or(u32::MAX);
        let mut head = 0;
        while head < entries.len() {
            let current = entries[head];
            if current.depth < max_depth {
                let range = csr.range(current.node.0);
                let kinds = &csr.kinds[range.clone()];
                // Most edges lead to a node already visited: test that
                // first, and read the edge's kind only for the others.
                for (&t, &kind) in csr.targets[range].iter().zip(kinds) {
                    let (word, bit) = (t as usize / 64, 1u64 << (t % 64));
                    let marks = visited[word];
                    if marks & bit != 0 || mask & (1u64 << (kind & 63)) == 0 {
                        continue;
                    }
                    visited[word] = marks | bit;
                    entries.push(Reached {
                        node: NodeIdx(t),
                        depth: current.depth + 1,
                        parent: Some(head as u32),
                        via: Some(EdgeKind(kind)),
                    });
                }
            }
            head += 1;
        }
        if entries.len() >= visited.len() {
            visited.fill(0);
        } else {
            for e in &entries {
                visited[e.node.index() / 64] = 0;
            }
        }
        Reach {
            entries,
            by_node: OnceCell::new(),
        }
    }

    /// A plain breadth-first search over the same adjacency (no kind filter,
    /// no depth limit, no parents): the yardstick the benchmarks compare
    /// [`Index::reach`] against. Returns the number of nodes visited.
    pub fn plain_bfs(&self, from: &[NodeIdx], direction: Direction) -> usize {
        let csr = self.csr(direction);
        let mut visited = vec![false; self.node_count()];
        let mut queue = std::collections::VecDeque::new();
        for &n in from {
            if n.0 < self.nodes && !visited[n.index()] {
                visited[n.index()] = true;
                queue.push_back(n.0);
            }
        }
        let mut count = 0;
        while let Some(n) = queue.pop_front() {
            count += 1;
            for i in csr.range(n) {
                let t = csr.targets[i] as usize;
                if !visited[t] {
                    visited[t] = true;
                    queue.push_back(t as u32);
                }
            }
        }
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(i: u32) -> NodeIdx {
        NodeIdx(i)
    }

    /// 0 <-calls- 1 <-depends- 2 <-calls- 3 ; 0 <-depends- 3 ; 4 isolated
    fn sample() -> Index {
        let calls = EdgeKind(0);
        let dep = EdgeKind(1);
        Index::build(
            5,
            &[
                (n(1), n(0), calls),
                (n(2), n(1), dep),
                (n(3), n(2), calls),
                (n(3), n(0), dep),
            ],
        )
    }

    #[test]
    fn reverse_reach_finds_dependents_with_shortest_witness() {
        let idx = sample();
        let q = ReachQuery {
            from: &[n(0)],
            edge_kinds: EdgeMask::ALL,
            max_depth: None,
            direction: Direction::Reverse,
        };
        let r = idx.reach(&q);
        assert_eq!(r.nodes(), vec![n(0), n(1), n(2), n(3)]);
        // 3 is reached directly from 0 (depth 1), not via 1 and 2.
        let w = r.witness(n(3)).unwrap();
        assert_eq!(
            w,
            vec![
                Step {
                    node: n(0),
                    via: None
                },
                Step {
                    node: n(3),
                    via: Some(EdgeKind(1))
                }
            ]
        );
        assert_eq!(r.get(n(2)).unwrap().depth, 2);
        assert!(!r.contains(n(4)));
        assert_eq!(idx.plain_bfs(&[n(0)], Direction::Reverse), 4);
    }

    #[test]
    fn masks_and_depth_limit_reach() {
        let idx = sample();
        let only_calls = ReachQuery {
            from: &[n(0)],
            edge_kinds: EdgeMask::of(EdgeKind(0)),
            max_depth: None,
            direction: Direction::Reverse,
        };
        assert_eq!(idx.reach(&only_calls).nodes(), vec![n(0), n(1)]);
        let shallow = ReachQuery {
            max_depth: Some(1),
            edge_kinds: EdgeMask::ALL,
            ..only_calls
        };
        assert_eq!(idx.reach(&shallow).nodes(), vec![n(0), n(1), n(3)]);
        let forward = ReachQuery {
            from: &[n(3)],
            direction: Direction::Forward,
            ..shallow
        };
        assert_eq!(idx.reach(&forward).nodes(), vec![n(0), n(2), n(3)]);
    }

    #[test]
    fn scratch_is_reusable_and_out_of_range_starts_are_ignored() {
        let idx = sample();
        let mut scratch = ReachScratch::new(idx.node_count());
        for _ in 0..3 {
            let q = ReachQuery {
                from: &[n(2), n(99), n(2)],
                edge_kinds: EdgeMask::ALL,
                max_depth: None,
                direction: Direction::Reverse,
            };
            assert_eq!(idx.reach_with(&mut scratch, &q).nodes(), vec![n(2), n(3)]);
        }
    }
}

#[cfg(test)]
mod check_tests {
    use super::*;

    /// Three nodes, edges 0→1 (kind 0) and 1→2 (kind 1), both directions.
    fn arrays() -> [(Vec<u32>, Vec<u32>, Vec<u8>); 2] {
        [
            (vec![0, 1, 2, 2], vec![1, 2], vec![0, 1]),
            (vec![0, 0, 1, 2], vec![0, 1], vec![0, 1]),
        ]
    }

    fn index(a: [(Vec<u32>, Vec<u32>, Vec<u8>); 2]) -> Index {
        Index::from_arrays(3, a.map(|(o, t, k)| (o.into(), t.into(), k.into())))
    }

    /// The checks a cached reach index passes (over slices, without an
    /// early exit per word) refuse every array that does not fit: a
    /// target or a kind out of bounds (first, last or only word), offsets
    /// that go back, end off the targets or are one too few; and accept
    /// the index as built, and one without edges.
    #[test]
    fn a_reach_index_that_does_not_fit_is_refused() {
        assert_eq!(index(arrays()).check(2), Ok(()));
        let empty = || (vec![0, 0, 0, 0], vec![], vec![]);
        assert_eq!(index([empty(), empty()]).check(0), Ok(()));
        type Forge = fn(&mut (Vec<u32>, Vec<u32>, Vec<u8>));
        let forgeries: [(&str, Forge); 8] = [
            ("first target out of bounds", |a| a.1[0] = 3),
            ("last target out of bounds", |a| a.1[1] = u32::MAX),
            ("first kind out of bounds", |a| a.2[0] = 2),
            ("last kind out of bounds", |a| a.2[1] = 255),
            ("offsets going back", |a| a.0[1] = a.0[2] + 1),
            ("offsets ending off the targets", |a| a.0[3] = 1),
            ("one offset too few", |a| {
                a.0.pop();
            }),
            ("a first offset not zero", |a| a.0[0] = 1),
        ];
        for (what, forge) in forgeries {
            for direction in 0..2 {
                let mut a = arrays();
                forge(&mut a[direction]);
                assert!(index(a).check(2).is_err(), "{what} ({direction}) accepted");
            }
        }
        // Kinds within the declared number only.
        assert!(index(arrays()).check(1).is_err(), "kind 1 of 1 accepted");
    }
}

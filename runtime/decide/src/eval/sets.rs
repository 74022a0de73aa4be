//! Node sets and reach: evaluating a compiled node set (`CNodes`) for the
//! current change — static sets, bound variables, the touched nodes, reach
//! queries (each distinct query computed once, with parent pointers) and
//! unions — with the filtered sets cached per query; membership tests; and
//! the witness of a node's membership (the touched file, its globs and the
//! path of edges from a touched node), which the proof records.

use super::state::{Eval, IndexTree, InputError, Nodes, TreeNode};
use crate::prepare::CNodes;
use crate::proof::{Text, Witness, WitnessDirection, WitnessNode, WitnessRoot, WitnessTree};
use writ_graph::paths::ClaimTarget;
use writ_graph::{Direction, NodeIdx, Reach, ReachQuery};

impl<'a> Eval<'a, '_> {
    pub(super) fn ensure_reach(&mut self, q: u32) {
        let qi = q as usize;
        if self.reaches[qi].is_some() {
            return;
        }
        let def = self.p.queries[qi];
        let buffer = self.scratch.reach_buffers.pop().unwrap_or_default();
        let reach = self.p.graph.index().reach_into(
            &mut self.scratch.reach,
            &ReachQuery {
                from: &self.touched.nodes,
                edge_kinds: def.mask,
                max_depth: def.depth,
                direction: def.direction,
            },
            buffer,
        );
        let n = self.p.graph.node_count();
        if self.scratch.pos.len() <= qi {
            self.scratch.pos.resize_with(qi + 1, Vec::new);
        }
        let pos = &mut self.scratch.pos[qi];
        if pos.len() != n {
            *pos = vec![u32::MAX; n];
        }
        for (i, e) in reach.entries().iter().enumerate() {
            pos[e.node.index()] = i as u32;
        }
        self.reaches[qi] = Some(reach);
    }

    /// The entry index of `n` in reach `q` (which must be computed).
    pub(super) fn in_reach(&self, q: u32, n: NodeIdx) -> Option<usize> {
        let reach = self.reaches[q as usize].as_ref()?;
        let i = *self.scratch.pos.get(q as usize)?.get(n.index())? as usize;
        (reach.entries().get(i)?.node == n).then_some(i)
    }

    pub(super) fn is_touched(&self, n: NodeIdx) -> bool {
        self.touched.nodes.binary_search(&n).is_ok()
    }

    pub(super) fn nodes(&mut self, s: &CNodes, vars: &[NodeIdx]) -> Nodes {
        match s {
            CNodes::Static(i) => Nodes::Shared(self.p.sets[*i as usize].nodes.clone()),
            CNodes::Var(v) => match vars.get(*v as usize) {
                Some(&n) => Nodes::One(n),
                None => {
                    self.errors
                        .push(InputError::Unbound(writ_plan::eval::EvalError::Unbound(*v)));
                    Nodes::Owned(Vec::new())
                }
            },
            CNodes::Touches(_) if self.touched.nodes.is_empty() => Nodes::Owned(Vec::new()),
            CNodes::Touches(f) => {
                let slot = *f as usize;
                if let Some(Some(r)) = self.scratch.filtered.get(slot) {
                    return r.clone();
                }
                let set = &self.p.sets[*f as usize];
                let v: Vec<NodeIdx> = self
                    .touched
                    .nodes
                    .iter()
                    .copied()
                    .filter(|&n| set.contains(n))
                    .collect();
                self.remember(slot, v)
            }
            CNodes::Reach { filter, query } => {
                let slot = (1 + *query as usize) * self.p.sets.len() + *filter as usize;
                if let Some(Some(r)) = self.scratch.filtered.get(slot) {
                    return r.clone();
                }
                self.ensure_reach(*query);
                let set = &self.p.sets[*filter as usize];
                let reach_len = self.reaches[*query as usize].as_ref().map_or(0, Reach::len);
                let v: Vec<NodeIdx> = if set.nodes.len() <= reach_len {
                    set.nodes
                        .iter()
                        .copied()
                        .filter(|&n| self.in_reach(*query, n).is_some())
                        .collect()
                } else if reach_len < set.words().len() / 4 {
                    // A small reach: its members in the filter, sorted.
                    let reach = self.reaches[*query as usize]
                        .as_ref()
                        .map_or(&[][..], |r| r.entries());
                    let mut v: Vec<NodeIdx> = reach
                        .iter()
                        .map(|e| e.node)
                        .filter(|&n| set.contains(n))
                        .collect();
                    v.sort_unstable();
                    v
                } else {
                    // A large reach marked in a bitset, intersected with
                    // the filter's word by word: the nodes come out sorted
                    // without sorting them.
                    let reach = self.reaches[*query as usize]
                        .as_ref()
                        .map_or(&[][..], |r| r.entries());
                    let words = set.words();
                    let marks = &mut self.scratch.marks;
                    if marks.len() != words.len() {
                        *marks = vec![0; words.len()];
                    }
                    for e in reach {
                        if let Some(w) = marks.get_mut(e.node.index() / 64) {
                            *w |= 1u64 << (e.node.index() % 64);
                        }
                    }
                    let mut v = Vec::with_capacity(reach_len);
                    for (i, (m, &f)) in marks.iter_mut().zip(words).enumerate() {
                        let mut x = *m & f;
                        *m = 0;
                        while x != 0 {
                            v.push(NodeIdx((i * 64) as u32 + x.trailing_zeros()));
                            x &= x - 1;
                        }
                    }
                    v
                };
                self.remember(slot, v)
            }
            CNodes::Union(parts) => {
                let mut v = Vec::new();
                for p in parts {
                    v.extend_from_slice(self.nodes(p, vars).as_slice());
                }
                v.sort_unstable();
                v.dedup();
                Nodes::Owned(v)
            }
        }
    }

    /// Whether `s` (a first binding, which depends on no variable) can
    /// hold a node, decided without building it: `false` only for a set
    /// of touched nodes none of which is in its filter, or a reach from
    /// nothing touched.
    pub(super) fn may_hold_any(&self, s: &CNodes) -> bool {
        match s {
            CNodes::Touches(f) => {
                let set = &self.p.sets[*f as usize];
                self.touched.nodes.iter().any(|&n| set.contains(n))
            }
            CNodes::Reach { .. } => !self.touched.nodes.is_empty(),
            CNodes::Static(_) | CNodes::Var(_) | CNodes::Union(_) => true,
        }
    }

    /// Caches a filtered set in `slot` (an empty one without allocating).
    pub(super) fn remember(&mut self, slot: usize, v: Vec<NodeIdx>) -> Nodes {
        let r = if v.is_empty() {
            Nodes::Owned(Vec::new())
        } else {
            Nodes::Shared(v.into())
        };
        if let Some(x) = self.scratch.filtered.get_mut(slot) {
            *x = Some(r.clone());
            self.filled.push(slot as u32);
        }
        r
    }

    /// Whether `s` holds some node (without building the set when it is
    /// not already known).
    pub(super) fn non_empty(&mut self, s: &CNodes, vars: &[NodeIdx]) -> bool {
        match s {
            CNodes::Reach { filter, query } => {
                let slot = (1 + *query as usize) * self.p.sets.len() + *filter as usize;
                if let Some(Some(r)) = self.scratch.filtered.get(slot) {
                    return !r.as_slice().is_empty();
                }
                self.ensure_reach(*query);
                let set = &self.p.sets[*filter as usize];
                let Some(reach) = self.reaches[*query as usize].as_ref() else {
                    return false;
                };
                if set.nodes.len() <= reach.len() {
                    set.nodes
                        .iter()
                        .any(|&n| self.in_reach(*query, n).is_some())
                } else {
                    reach.entries().iter().any(|e| set.contains(e.node))
                }
            }
            CNodes::Touches(f) => {
                let set = &self.p.sets[*f as usize];
                self.touched.nodes.iter().any(|&n| set.contains(n))
            }
            CNodes::Static(_) | CNodes::Var(_) | CNodes::Union(_) => {
                !self.nodes(s, vars).as_slice().is_empty()
            }
        }
    }

    pub(super) fn contains(&mut self, s: &CNodes, n: NodeIdx, vars: &[NodeIdx]) -> bool {
        match s {
            CNodes::Static(i) => self.p.sets[*i as usize].contains(n),
            CNodes::Var(v) => vars.get(*v as usize) == Some(&n),
            CNodes::Touches(f) => self.p.sets[*f as usize].contains(n) && self.is_touched(n),
            CNodes::Reach { filter, query } => {
                self.ensure_reach(*query);
                self.p.sets[*filter as usize].contains(n) && self.in_reach(*query, n).is_some()
            }
            CNodes::Union(parts) => parts.iter().any(|p| self.contains(p, n, vars)),
        }
    }

    /// The globs by which file `fi` (of `touched.files`) touches `n`, sorted.
    pub(super) fn globs_for(&mut self, fi: usize, n: NodeIdx) -> Vec<Text> {
        if let Some(g) = self.globs.get(&(fi as u32, n)) {
            return g.clone();
        }
        let g = self.compute_globs(fi, n);
        self.globs.insert((fi as u32, n), g.clone());
        g
    }

    pub(super) fn compute_globs(&self, fi: usize, n: NodeIdx) -> Vec<Text> {
        self.glob_strs(fi, n).into_iter().map(Text::from).collect()
    }

    /// The globs by which file `fi` touches `n`, sorted, distinct.
    pub(super) fn glob_strs(&self, fi: usize, n: NodeIdx) -> Vec<&'a str> {
        let p = self.p;
        let paths = p.graph.paths();
        let mut out: Vec<&str> = self.touched.files[fi]
            .claims
            .iter()
            .filter_map(|&c| paths.claim(c))
            .filter(|c| match c.target {
                ClaimTarget::Node(x) => x == n,
                ClaimTarget::Global(g) => paths.global_nodes(g).contains(&n),
                ClaimTarget::Unowned => false,
            })
            .map(|c| c.glob)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The shared path of touched file `fi`.
    pub(super) fn file_text(&mut self, fi: usize) -> Text {
        if self.files.len() != self.touched.files.len() {
            self.files = self
                .touched
                .files
                .iter()
                .map(|f| Text::from(f.path.as_str()))
                .collect();
        }
        self.files[fi].clone()
    }

    /// The index (in `touched.files`) of the first file that touches `n`.
    pub(super) fn file_index(&self, n: NodeIdx) -> Option<usize> {
        let file = self.touched.file_for(n)?;
        self.touched
            .files
            .binary_search_by(|f| f.path.as_str().cmp(file))
            .ok()
    }

    /// The witness of `n`'s membership in `s`: where its path ends in the
    /// proof's witness trees (the path is added to its tree if needed).
    pub(super) fn witness(&mut self, s: &CNodes, n: NodeIdx, vars: &[NodeIdx]) -> Option<Witness> {
        match s {
            CNodes::Static(_) | CNodes::Var(_) => None,
            CNodes::Touches(_) => {
                let fi = self.file_index(n)?;
                let t = self.tree_for(0, WitnessDirection::Touches);
                let pos = self.scratch.tree_pos[t as usize][n.index()];
                if pos != u32::MAX {
                    return Some(Witness { tree: t, node: pos });
                }
                Some(Witness {
                    tree: t,
                    node: self.push_tree_node(t, Self::root_node(fi, n)),
                })
            }
            CNodes::Reach { query, .. } => {
                self.ensure_reach(*query);
                let i = self.in_reach(*query, n)?;
                let direction = match self.p.queries[*query as usize].direction {
                    Direction::Reverse => WitnessDirection::Reverse,
                    Direction::Forward => WitnessDirection::Forward,
                };
                let t = self.tree_for(1 + *query as usize, direction);
                let node = self.tree_path(t, *query, i)?;
                Some(Witness { tree: t, node })
            }
            CNodes::Union(parts) => {
                for p in parts {
                    if self.contains(p, n, vars) {
                        return self.witness(p, n, vars);
                    }
                }
                None
            }
        }
    }

    /// The tree of source `slot` (0: `change.touches`, `1 + q`: reach
    /// query `q`), made empty on first use.
    fn tree_for(&mut self, slot: usize, direction: WitnessDirection) -> u32 {
        let trees = &mut self.trees;
        if trees.of.len() <= slot {
            trees.of.resize(slot + 1, u32::MAX);
        }
        if trees.of[slot] != u32::MAX {
            return trees.of[slot];
        }
        let t = trees.trees.len();
        trees.trees.push(IndexTree {
            direction,
            nodes: Vec::new(),
        });
        trees.of[slot] = t as u32;
        let n = self.p.graph.node_count();
        if self.scratch.tree_pos.len() <= t {
            self.scratch.tree_pos.resize_with(t + 1, Vec::new);
        }
        let pos = &mut self.scratch.tree_pos[t];
        if pos.len() != n {
            *pos = vec![u32::MAX; n];
        }
        t as u32
    }

    /// A root of a witness tree: touched node `n` with the file `fi` that
    /// touches it.
    fn root_node(fi: usize, n: NodeIdx) -> TreeNode {
        TreeNode {
            node: n,
            parent: u32::MAX,
            via: u32::MAX,
            file: fi as u32,
        }
    }

    fn push_tree_node(&mut self, t: u32, node: TreeNode) -> u32 {
        let tree = &mut self.trees.trees[t as usize];
        let at = tree.nodes.len() as u32;
        self.scratch.tree_pos[t as usize][node.node.index()] = at;
        tree.nodes.push(node);
        at
    }

    /// The position in tree `t` of reach `q`'s entry `i`, adding it and
    /// those of its ancestors not in the tree yet; `None` when its path
    /// does not start at a touched file's node.
    fn tree_path(&mut self, t: u32, q: u32, i: usize) -> Option<u32> {
        let entries = self.reaches[q as usize].as_ref()?.entries();
        let pos = &self.scratch.tree_pos[t as usize];
        let chain = &mut self.scratch.chain;
        chain.clear();
        // Walk up to the first ancestor already in the tree, or the start.
        let mut parent = None;
        let mut cur = i;
        loop {
            let e = entries.get(cur)?;
            let at = pos[e.node.index()];
            if at != u32::MAX {
                parent = Some(at);
                break;
            }
            chain.push(cur);
            if chain.len() > entries.len() {
                return None;
            }
            match e.parent {
                Some(p) => cur = p as usize,
                None => break,
            }
        }
        let Some(&top) = chain.last() else {
            return parent; // the node itself is in the tree
        };
        let mut chain = std::mem::take(&mut self.scratch.chain);
        let mut root = match parent {
            Some(_) => None,
            None => {
                let start = entries[top].node;
                let Some(fi) = self.file_index(start) else {
                    self.scratch.chain = chain;
                    return None;
                };
                Some(Self::root_node(fi, start))
            }
        };
        for &c in chain.iter().rev() {
            let Some(e) = self.reaches[q as usize]
                .as_ref()
                .and_then(|r| r.entries().get(c).copied())
            else {
                break;
            };
            let node = match root.take() {
                Some(r) => r,
                None => TreeNode {
                    node: e.node,
                    parent: parent.unwrap_or(u32::MAX),
                    via: e.via.map_or(u32::MAX, |k| u32::from(k.0)),
                    file: u32::MAX,
                },
            };
            parent = Some(self.push_tree_node(t, node));
        }
        chain.clear();
        self.scratch.chain = chain;
        parent
    }

    /// The witness trees in index form, and the scratch positions cleared
    /// for the next proof.
    pub(super) fn take_index_trees(&mut self) -> Vec<IndexTree> {
        let trees = std::mem::take(&mut self.trees);
        for (t, tree) in trees.trees.iter().enumerate() {
            if let Some(pos) = self.scratch.tree_pos.get_mut(t) {
                for n in &tree.nodes {
                    if let Some(x) = pos.get_mut(n.node.index()) {
                        *x = u32::MAX;
                    }
                }
            }
        }
        trees.trees
    }

    /// The witness trees written as the proof's [`WitnessTree`]s, and the
    /// scratch positions cleared for the next proof.
    pub(super) fn take_trees(&mut self) -> Vec<WitnessTree> {
        let trees = self.take_index_trees();
        trees
            .into_iter()
            .map(|tree| WitnessTree {
                direction: tree.direction,
                nodes: tree
                    .nodes
                    .iter()
                    .map(|t| {
                        let root = t.parent == u32::MAX && t.file != u32::MAX;
                        WitnessNode {
                            node: self.node_name(t.node),
                            parent: (t.parent != u32::MAX).then_some(t.parent),
                            via: (t.via != u32::MAX).then(|| self.edge_kind_name(t.via)),
                            root: root.then(|| {
                                Box::new(WitnessRoot {
                                    file: Some(self.file_text(t.file as usize)),
                                    globs: self.globs_for(t.file as usize, t.node),
                                })
                            }),
                        }
                    })
                    .collect(),
            })
            .collect()
    }
}

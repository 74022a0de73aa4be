//! The index from graph nodes to the rules that can bind them
//! ([`RuleIndex`]), built once when a plan is prepared, and the rules a
//! change's touched nodes make worth looking at ([`RuleIndex::candidates`]).
//!
//! A rule fires only when its first `for` binding holds some node. Whether
//! it can is known from what that binding ranges over:
//!
//! - `change.touches(filter)`: only when a touched node is in the filter.
//!   Such rules are filed under each node of their filter (smallest
//!   filters first, within a budget of entries proportional to the graph),
//!   so a decision finds them from its touched nodes alone; a rule whose
//!   filter does not fit the budget is looked at whenever something is
//!   touched, and its filter tested then (`Eval::may_hold_any`).
//! - `change.reaches(…)`: only when something is touched (the reach starts
//!   from the touched nodes; its filtered set is then computed once per set
//!   of files and decides).
//! - anything else (no binding, a static set, a union): always.
//!
//! A rule that is not a candidate is one whose first binding holds no node:
//! it did not fire, and the proof says "no node for" its first variable,
//! exactly what looking at it would have said (the property tests and every
//! scenario hold the two to the same proof bytes).

use writ_graph::NodeIdx;

/// How many index entries per graph node the `change.touches` filters may
/// take together (past it, a rule's filter is tested per decision instead).
pub(crate) const ENTRIES_PER_NODE: usize = 4;

/// What a rule's first `for` binding ranges over, as far as the index
/// cares (`prepare` says it for each rule).
#[derive(Clone, Copy, Debug)]
pub(crate) enum FirstBinding<'a> {
    /// `change.touches(filter)`, with the filter's nodes (sorted).
    Touches(&'a [NodeIdx]),
    /// `change.reaches(…)`.
    Reach,
    /// No binding, a static set, a union: anything.
    Other,
}

/// Rules by what their first binding can hold (see the module comment).
#[derive(Debug, Default)]
pub(crate) struct RuleIndex {
    /// Rules looked at on every decision, sorted.
    always: Vec<u32>,
    /// Rules looked at whenever some node is touched, sorted: those whose
    /// first binding is a reach, or a `change.touches` whose filter is not
    /// filed by node.
    touched_any: Vec<u32>,
    /// Per node `n`, the rules filed under it are
    /// `by_node[starts[n]..starts[n + 1]]`, sorted (`change.touches`
    /// rules whose filter holds `n`).
    starts: Vec<u32>,
    by_node: Vec<u32>,
}

impl RuleIndex {
    /// The index of the rules whose first bindings are `firsts` (in plan
    /// order) over a graph of `nodes` nodes, with at most `per_node`
    /// entries per node filed by node; `None` files nothing and looks at
    /// every rule on every decision (what the tests compare the index
    /// against).
    pub(crate) fn new(
        firsts: &[FirstBinding<'_>],
        nodes: usize,
        per_node: Option<usize>,
    ) -> RuleIndex {
        let Some(per_node) = per_node else {
            return RuleIndex {
                always: (0..firsts.len() as u32).collect(),
                touched_any: Vec::new(),
                starts: vec![0; nodes + 1],
                by_node: Vec::new(),
            };
        };
        let mut always = Vec::new();
        let mut touched_any = Vec::new();
        // (filter size, rule) of the `change.touches` rules, to be filed.
        let mut touches: Vec<(usize, u32)> = Vec::new();
        for (ri, first) in firsts.iter().enumerate() {
            let ri = ri as u32;
            match first {
                FirstBinding::Touches(filter) => touches.push((filter.len(), ri)),
                FirstBinding::Reach => touched_any.push(ri),
                FirstBinding::Other => always.push(ri),
            }
        }
        // Smallest filters first, within the budget; ties by rule, so the
        // choice is the same on every run.
        touches.sort_unstable();
        let budget = per_node.saturating_mul(nodes.max(1));
        let mut used = 0usize;
        let mut count = vec![0u32; nodes + 1];
        let mut filed: Vec<u32> = Vec::new();
        let filter = |ri: u32| match firsts.get(ri as usize) {
            Some(FirstBinding::Touches(f)) => *f,
            _ => &[],
        };
        for &(size, ri) in &touches {
            if used.saturating_add(size) > budget {
                touched_any.push(ri);
                continue;
            }
            used += size;
            filed.push(ri);
            for n in filter(ri) {
                if let Some(c) = count.get_mut(n.index() + 1) {
                    *c += 1;
                }
            }
        }
        for i in 0..nodes {
            count[i + 1] += count[i];
        }
        let starts = count;
        let mut fill = starts.clone();
        let mut by_node = vec![0u32; used];
        // Filed in rule order, so each node's list comes out sorted.
        filed.sort_unstable();
        for &ri in &filed {
            for n in filter(ri) {
                if let Some(at) = fill.get_mut(n.index()) {
                    if let Some(x) = by_node.get_mut(*at as usize) {
                        *x = ri;
                    }
                    *at += 1;
                }
            }
        }
        touched_any.sort_unstable();
        RuleIndex {
            always,
            touched_any,
            starts,
            by_node,
        }
    }

    /// The rules worth looking at for a change that touches `touched`
    /// (sorted, distinct), into `out` (cleared first): sorted and distinct.
    /// Every rule left out has a first binding that holds no node.
    pub(crate) fn candidates(&self, touched: &[NodeIdx], out: &mut Vec<u32>) {
        out.clear();
        out.extend_from_slice(&self.always);
        if !touched.is_empty() {
            out.extend_from_slice(&self.touched_any);
            for n in touched {
                let (Some(&a), Some(&b)) =
                    (self.starts.get(n.index()), self.starts.get(n.index() + 1))
                else {
                    continue;
                };
                out.extend_from_slice(self.by_node.get(a as usize..b as usize).unwrap_or(&[]));
            }
        }
        out.sort_unstable();
        out.dedup();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(i: u32) -> NodeIdx {
        NodeIdx(i)
    }

    /// Rules 0 and 2 touch small filters, rule 1 a reach, rule 3 a large
    /// filter, rule 4 anything.
    fn firsts<'a>(
        small: &'a [NodeIdx],
        other: &'a [NodeIdx],
        large: &'a [NodeIdx],
    ) -> Vec<FirstBinding<'a>> {
        vec![
            FirstBinding::Touches(small),
            FirstBinding::Reach,
            FirstBinding::Touches(other),
            FirstBinding::Touches(large),
            FirstBinding::Other,
        ]
    }

    fn candidates(index: &RuleIndex, touched: &[NodeIdx]) -> Vec<u32> {
        let mut out = vec![99];
        index.candidates(touched, &mut out);
        out
    }

    #[test]
    fn a_change_looks_at_the_rules_its_touched_nodes_can_bind() {
        let (small, other) = ([n(1)], [n(2), n(3)]);
        let large: Vec<NodeIdx> = (0..4).map(n).collect();
        let index = RuleIndex::new(&firsts(&small, &other, &large), 4, Some(2));
        // Budget 8 entries: 1 + 2 + 4 filed.
        assert_eq!(index.by_node.len(), 7);
        assert_eq!(candidates(&index, &[]), [4]);
        assert_eq!(candidates(&index, &[n(0)]), [1, 3, 4]);
        assert_eq!(candidates(&index, &[n(1)]), [0, 1, 3, 4]);
        assert_eq!(candidates(&index, &[n(1), n(3)]), [0, 1, 2, 3, 4]);
        // A node outside the graph files nothing (and does not panic).
        assert_eq!(candidates(&index, &[n(9)]), [1, 4]);
    }

    #[test]
    fn a_filter_past_the_budget_is_looked_at_whenever_something_is_touched() {
        let (small, other) = ([n(1)], [n(2), n(3)]);
        let large: Vec<NodeIdx> = (0..4).map(n).collect();
        // Budget 4 entries: the two small filters fit (3), the large does not.
        let index = RuleIndex::new(&firsts(&small, &other, &large), 4, Some(1));
        assert_eq!(index.touched_any, [1, 3]);
        assert_eq!(candidates(&index, &[n(0)]), [1, 3, 4]);
        assert_eq!(candidates(&index, &[n(2)]), [1, 2, 3, 4]);
        assert_eq!(candidates(&index, &[]), [4]);
        // Nothing filed: every rule on every decision.
        let all = RuleIndex::new(&firsts(&small, &other, &large), 4, None);
        assert_eq!(candidates(&all, &[]), [0, 1, 2, 3, 4]);
    }
}

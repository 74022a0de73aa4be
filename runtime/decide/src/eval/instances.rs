//! Rule and forbid instances: every combination of nodes for an item's
//! `for` bindings (each binding evaluated with the earlier ones bound), flat
//! with one stride per instance, capped at [`MAX_INSTANCES`]; which binding
//! had no node when there is none.

use super::state::{Eval, InputError, MAX_INSTANCES};
use crate::prepare::{CItem, CNodes};
use writ_graph::NodeIdx;

impl Eval<'_, '_> {
    /// Every binding of `item`'s variables, flat (stride = number of bindings).
    /// `Err(i)`: binding `i` had no node (for the first combination tried).
    pub(super) fn instances(
        &mut self,
        item: &CItem,
        out: &mut Vec<NodeIdx>,
    ) -> Result<usize, usize> {
        fn rec(
            ev: &mut Eval<'_, '_>,
            b: &[CNodes],
            cur: &mut Vec<NodeIdx>,
            out: &mut Vec<NodeIdx>,
            count: &mut usize,
            empty: &mut Option<usize>,
        ) {
            let d = cur.len();
            if d == b.len() {
                out.extend_from_slice(cur);
                *count += 1;
                return;
            }
            let nodes = ev.nodes(&b[d], cur);
            if nodes.as_slice().is_empty() {
                empty.get_or_insert(d);
            }
            for &n in nodes.as_slice() {
                if *count >= MAX_INSTANCES {
                    return;
                }
                cur.push(n);
                rec(ev, b, cur, out, count, empty);
                cur.pop();
            }
        }
        // One binding (the commonest rule): its nodes are the instances,
        // copied at once rather than one recursion each; the same cap.
        if let [only] = item.bindings.as_slice() {
            let nodes = self.nodes(only, &[]);
            let nodes = nodes.as_slice();
            if nodes.is_empty() {
                return Err(0);
            }
            let count = nodes.len().min(MAX_INSTANCES);
            out.extend_from_slice(&nodes[..count]);
            if count >= MAX_INSTANCES {
                self.errors.push(InputError::TooManyInstances);
            }
            return Ok(count);
        }
        let mut cur = std::mem::take(&mut self.cur);
        cur.clear();
        let mut count = 0;
        let mut empty = None;
        rec(self, &item.bindings, &mut cur, out, &mut count, &mut empty);
        self.cur = cur;
        if count == 0 {
            return Err(empty.unwrap_or(0));
        }
        if count >= MAX_INSTANCES {
            self.errors.push(InputError::TooManyInstances);
        }
        Ok(count)
    }
}

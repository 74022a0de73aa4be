//! The orders of the ids a proof lists, computed from integer keys, and
//! the approval obligations' ids escaped once per proof: rule instances
//! (`rule(x=a, …)`: only their order since `writ.proof/v4`, which names
//! an instance by position; the proof tree and the JSON both take it
//! from here) and obligations (`check "c" on n`, `approval chain(…)`,
//! written in `reasons` and in `obligations`). The orders are the ids'
//! text orders; they come from node indices (nodes are sorted by id) and
//! check ranks whenever that is provably the same order, and from the
//! texts otherwise.

use super::settle::{ObKey, Settled};
use super::state::Eval;
use crate::json_writer::escape_into;
use crate::proof::InstanceRef;
use std::ops::Range;

/// Escaped strings written one after the other into one buffer: string
/// `i` is `buf[ends[i - 1]..ends[i]]`.
#[derive(Default)]
pub(super) struct Escaped {
    buf: String,
    ends: Vec<usize>,
}

impl Escaped {
    fn with_capacity(n: usize, bytes: usize) -> Escaped {
        Escaped {
            buf: String::with_capacity(n * bytes),
            ends: Vec::with_capacity(n),
        }
    }

    /// The `i`th string.
    pub(super) fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.buf[start..self.ends[i]]
    }

    fn end(&mut self) {
        self.ends.push(self.buf.len());
    }
}

/// The order the proof lists the rule instances in (their ids are not
/// written since `writ.proof/v4`; their order is still the ids').
pub(super) struct InstanceOrder {
    /// The instances in proof order: rule by rule (plan order), each
    /// rule's in id order.
    pub(super) order: Vec<u32>,
    /// Per rule that fired: its index and its range of `order`.
    pub(super) groups: Vec<(usize, Range<usize>)>,
}

impl InstanceOrder {
    /// Each instance's position in the proof (settled order in,
    /// `InstanceRef` out): its rule's position among the rules that fired
    /// and its own among the rule's instances.
    pub(super) fn positions(&self) -> Vec<InstanceRef> {
        let mut at = vec![InstanceRef::from([u32::MAX; 2]); self.order.len()];
        for (g, (_, range)) in self.groups.iter().enumerate() {
            for (j, &ii) in self.order[range.clone()].iter().enumerate() {
                if let Some(slot) = at.get_mut(ii as usize) {
                    *slot = InstanceRef {
                        rule: g as u32,
                        instance: j as u32,
                    };
                }
            }
        }
        at
    }
}

/// The obligations' escaped ids and their id order.
pub(super) struct ObligationIds {
    /// Per obligation (settled order), its id escaped: an approval's; a
    /// check's is empty (its run writes it: `json_runs::CheckRun`).
    pub(super) ids: Escaped,
    /// The obligations in id order.
    pub(super) order: Vec<u32>,
    /// Per obligation, its position in `order`.
    pub(super) rank: Vec<u32>,
}

impl<'a> Eval<'a, '_> {
    /// Node `n`'s id escaped for a JSON string (once per prepared plan),
    /// and whether it is plain (`NodeJson::plain`: then ids built from it
    /// sort as node indices do).
    pub(super) fn node_esc(&self, n: writ_graph::NodeIdx) -> (&'a str, bool) {
        match self.p.names.node_json(&self.p.graph, n) {
            Some(j) => (&j.text, j.plain),
            None => ("?", false),
        }
    }

    /// The proof's order of the rule instances: by rule (plan order,
    /// which is id order), each rule's by id. The ids of a rule whose
    /// bound nodes are all plain (`NodeJson::plain`) sort as the node
    /// tuples do, so those are sorted by node index without writing an id;
    /// the others by their ids (a stable sort: equal ids stay in settled
    /// order). The proof tree and the direct JSON both list them so.
    pub(super) fn instance_order(&self, st: &Settled<'a>) -> InstanceOrder {
        let p = self.p;
        let n = st.instances.len();
        let mut order: Vec<u32> = (0..n as u32).collect();
        let mut groups = Vec::new();
        let mut k = 0;
        while k < n {
            let ri = st.instances[k].item as usize;
            let arity = p.plan.rules[ri].bindings.len();
            let mut end = k;
            let mut plain = true;
            while end < n && st.instances[end].item as usize == ri {
                let nodes = &st.all_vars[st.instances[end].vars.clone()];
                plain &= nodes.len() == arity && nodes.iter().all(|&v| self.node_esc(v).1);
                end += 1;
            }
            let range = k..end;
            let vars = |i: u32| &st.all_vars[st.instances[i as usize].vars.clone()];
            if plain && arity == 1 {
                // One plain node each (the commonest rule): by node index.
                order[range.clone()].sort_unstable_by_key(|&i| vars(i).first().map(|v| v.0));
            } else if plain {
                order[range.clone()].sort_by(|&a, &b| vars(a).cmp(vars(b)));
            } else {
                let raw: Vec<String> = range.clone().map(|i| self.raw_instance_id(st, i)).collect();
                order[range.clone()]
                    .sort_by(|&a, &b| raw[a as usize - k].cmp(&raw[b as usize - k]));
            }
            groups.push((ri, range));
            k = end;
        }
        InstanceOrder { order, groups }
    }

    /// Instance `i`'s id as the proof tree writes it (not escaped).
    fn raw_instance_id(&self, st: &Settled<'a>, i: usize) -> String {
        let inst = &st.instances[i];
        let meta = &self.p.plan.rules[inst.item as usize];
        let mut id = String::new();
        self.write_instance_id(
            &mut id,
            &meta.id,
            &meta.bindings,
            &st.all_vars[inst.vars.clone()],
        );
        id
    }

    /// Every approval obligation's id, escaped (a check's left empty), and
    /// the obligations' id order: approvals
    /// (`approval …` sorts before `check …`) by their texts, then checks
    /// by (check name, node) when no check name holds a `"`, else by
    /// their texts.
    pub(super) fn obligation_ids_json(&self, obligations: &[ObKey<'a>]) -> ObligationIds {
        let n = obligations.len();
        let mut ids = Escaped::with_capacity(n, 0);
        let mut approvals: Vec<(String, u32)> = Vec::new();
        let mut raw = String::new();
        for (o, key) in obligations.iter().enumerate() {
            match key {
                // Written with its check's run (`json_runs::CheckRun`:
                // `check \"c\" on ` then the node's escaped id).
                ObKey::Check(..) => {}
                ObKey::Approval(ci, args) => {
                    raw.clear();
                    self.write_approval_id(&mut raw, *ci, args);
                    escape_into(&mut ids.buf, &raw);
                    approvals.push((raw.clone(), o as u32));
                }
            }
            ids.end();
        }
        let text = |o: u32| match approvals.binary_search_by_key(&o, |a| a.1) {
            Ok(i) => approvals[i].0.clone(),
            Err(_) => String::new(),
        };
        let (order, rank) = self.obligation_order(obligations, text);
        ObligationIds { ids, order, rank }
    }

    /// The obligations' id order (and each one's position in it), from
    /// integer keys where that is the ids' text order: approvals
    /// (`approval …` sorts before `check …`) by their ids (`text(o)` is
    /// obligation `o`'s, not escaped), then checks by (check name, node)
    /// when no check name holds a `"`, else by their ids. The sorts are
    /// stable: equal ids stay in settled order. The proof tree and the
    /// direct JSON both take their order from here.
    pub(super) fn obligation_order<K: Ord>(
        &self,
        obligations: &[ObKey<'a>],
        text: impl Fn(u32) -> K,
    ) -> (Vec<u32>, Vec<u32>) {
        let p = self.p;
        let n = obligations.len();
        let mut approvals: Vec<u32> = Vec::new();
        let mut check_obs: Vec<u32> = Vec::with_capacity(n);
        for (o, key) in obligations.iter().enumerate() {
            match key {
                ObKey::Check(..) => check_obs.push(o as u32),
                ObKey::Approval(..) => approvals.push(o as u32),
            }
        }
        // Stable sorts: equal ids stay in settled order.
        if approvals.len() > 1 {
            approvals.sort_by_cached_key(|&o| text(o));
        }
        if check_obs.len() > 1 && p.checks.iter().all(|c| !c.contains('"')) {
            // Check names ranked as they sort inside an id: `name"` (no
            // name holds a `"`, so one such text is never a prefix of
            // another).
            let mut by_name: Vec<u32> = (0..p.checks.len() as u32).collect();
            by_name.sort_by(|&a, &b| {
                let t = |c: u32| p.checks[c as usize].bytes().chain(std::iter::once(b'"'));
                t(a).cmp(t(b))
            });
            let mut check_rank = vec![0u32; p.checks.len()];
            for (r, &c) in by_name.iter().enumerate() {
                check_rank[c as usize] = r as u32;
            }
            check_obs.sort_by_key(|&o| match &obligations[o as usize] {
                ObKey::Check(c, node) => (check_rank[*c as usize], *node),
                ObKey::Approval(..) => (u32::MAX, writ_graph::NodeIdx(u32::MAX)),
            });
        } else if check_obs.len() > 1 {
            let check_text = |o: u32| match &obligations[o as usize] {
                ObKey::Check(c, node) => {
                    format!(
                        "check \"{}\" on {}",
                        p.checks[*c as usize],
                        self.node_id(*node)
                    )
                }
                ObKey::Approval(..) => String::new(),
            };
            // Stable too (equal keys keep their order).
            check_obs.sort_by_cached_key(|&o| check_text(o));
        }
        let mut order = approvals;
        order.extend(check_obs);
        let mut rank = vec![0u32; n];
        for (r, &o) in order.iter().enumerate() {
            rank[o as usize] = r as u32;
        }
        (order, rank)
    }
}

//! The ids a proof's JSON repeats, escaped once per proof, and their
//! orders computed from integer keys: rule instances (`rule(x=a, …)`,
//! written in `rules` and in each obligation's `imposed_by`) and
//! obligations (`check "c" on n`, `approval chain(…)`, written in
//! `reasons`, in `obligations` and in each instance's list). The orders
//! are the ids' text orders, which `prove` gets by comparing the texts;
//! here they come from node indices (nodes are sorted by id) and check
//! ranks whenever that is provably the same order, and from the texts
//! otherwise.

use super::settle::{ObKey, Settled};
use super::state::Eval;
use crate::json_writer::escape_into;
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

/// The rule instances' escaped ids and the order the proof lists them.
pub(super) struct InstanceIds {
    /// Per instance (settled order), its id escaped.
    pub(super) ids: Escaped,
    /// The instances in proof order: rule by rule (plan order), each
    /// rule's in id order.
    pub(super) order: Vec<u32>,
    /// Per rule that fired: its index and its range of `order`.
    pub(super) groups: Vec<(usize, Range<usize>)>,
    /// Per instance, its position in `order`.
    rank: Vec<u32>,
    /// Whether `order` is the id order across rules too (checked at each
    /// rule boundary), so sorting by `rank` sorts any instances by id.
    global: bool,
}

/// The obligations' escaped ids and their id order.
pub(super) struct ObligationIds {
    /// Per obligation (settled order), its id escaped.
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

    /// Every rule instance's id, escaped, and the proof's order of them.
    pub(super) fn instance_ids_json(&self, st: &Settled<'a>) -> InstanceIds {
        let p = self.p;
        let n = st.instances.len();
        let mut ids = Escaped::with_capacity(n, 40);
        let mut order: Vec<u32> = (0..n as u32).collect();
        let mut groups = Vec::new();
        let mut k = 0;
        let mut prefix = String::new();
        let mut vars: Vec<String> = Vec::new();
        while k < n {
            let ri = st.instances[k].item as usize;
            let meta = &p.plan.rules[ri];
            // The rule's part of every id, escaped once: `rule(` and
            // each `var=` (with its `, `).
            prefix.clear();
            escape_into(&mut prefix, &meta.id);
            vars.clear();
            for (i, b) in meta.bindings.iter().enumerate() {
                let mut v = String::from(if i == 0 { "(" } else { ", " });
                escape_into(&mut v, &b.var);
                v.push('=');
                vars.push(v);
            }
            let mut end = k;
            let mut plain = true;
            while end < n && st.instances[end].item as usize == ri {
                let nodes = &st.all_vars[st.instances[end].vars.clone()];
                plain &= nodes.len() == vars.len();
                ids.buf.push_str(&prefix);
                for (v, &node) in vars.iter().zip(nodes) {
                    ids.buf.push_str(v);
                    let (text, node_plain) = self.node_esc(node);
                    plain &= node_plain;
                    ids.buf.push_str(text);
                }
                if !vars.is_empty() {
                    ids.buf.push(')');
                }
                ids.end();
                end += 1;
            }
            let range = k..end;
            if plain {
                // Ids of plain nodes sort as their node tuples (a stable
                // sort keeps equal ids in settled order, as `prove` does).
                order[range.clone()].sort_by(|&a, &b| {
                    let vars = |i: u32| &st.all_vars[st.instances[i as usize].vars.clone()];
                    vars(a).cmp(vars(b))
                });
            } else {
                let raw: Vec<String> = range.clone().map(|i| self.raw_instance_id(st, i)).collect();
                order[range.clone()]
                    .sort_by(|&a, &b| raw[a as usize - k].cmp(&raw[b as usize - k]));
            }
            groups.push((ri, range));
            k = end;
        }
        let mut rank = vec![0u32; n];
        for (r, &i) in order.iter().enumerate() {
            rank[i as usize] = r as u32;
        }
        let global = groups.windows(2).all(|w| {
            let last = order[w[0].1.end - 1] as usize;
            let first = order[w[1].1.start] as usize;
            self.raw_instance_id(st, last) <= self.raw_instance_id(st, first)
        });
        InstanceIds {
            ids,
            order,
            groups,
            rank,
            global,
        }
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

    /// Sorts `cited` (instance positions) into id order and drops
    /// repeated ids, as `prove` sorts an obligation's `imposed_by`.
    pub(super) fn sort_cited(&self, st: &Settled<'a>, insts: &InstanceIds, cited: &mut Vec<u32>) {
        if cited.len() < 2 {
            return;
        }
        if insts.global {
            cited.sort_unstable_by_key(|&i| insts.rank[i as usize]);
        } else {
            let mut keyed: Vec<(String, u32)> = cited
                .iter()
                .map(|&i| (self.raw_instance_id(st, i as usize), i))
                .collect();
            keyed.sort();
            cited.clear();
            cited.extend(keyed.into_iter().map(|(_, i)| i));
        }
        cited.dedup_by(|a, b| insts.ids.get(*a as usize) == insts.ids.get(*b as usize));
    }

    /// Every obligation's id, escaped, and their id order: approvals
    /// (`approval …` sorts before `check …`) by their texts, then checks
    /// by (check name, node) when no check name holds a `"`, else by
    /// their texts.
    pub(super) fn obligation_ids_json(&self, obligations: &[ObKey<'a>]) -> ObligationIds {
        let p = self.p;
        let n = obligations.len();
        let checks: Vec<String> = p
            .checks
            .iter()
            .map(|c| {
                let mut e = String::new();
                escape_into(&mut e, c);
                e
            })
            .collect();
        // Check names ranked as they sort inside an id: `name"` (no name
        // holds a `"`, so one such text is never a prefix of another).
        let quoted_names = p.checks.iter().all(|c| !c.contains('"'));
        let mut by_name: Vec<u32> = (0..p.checks.len() as u32).collect();
        by_name.sort_by(|&a, &b| {
            let t = |c: u32| p.checks[c as usize].bytes().chain(std::iter::once(b'"'));
            t(a).cmp(t(b))
        });
        let mut check_rank = vec![0u32; p.checks.len()];
        for (r, &c) in by_name.iter().enumerate() {
            check_rank[c as usize] = r as u32;
        }

        let mut ids = Escaped::with_capacity(n, 40);
        let mut approvals: Vec<(String, u32)> = Vec::new();
        let mut check_obs: Vec<u32> = Vec::with_capacity(n);
        let mut raw = String::new();
        for (o, key) in obligations.iter().enumerate() {
            match key {
                ObKey::Check(c, node) => {
                    ids.buf.push_str("check \\\"");
                    ids.buf.push_str(&checks[*c as usize]);
                    ids.buf.push_str("\\\" on ");
                    ids.buf.push_str(self.node_esc(*node).0);
                    check_obs.push(o as u32);
                }
                ObKey::Approval(ci, args) => {
                    raw.clear();
                    raw.push_str("approval ");
                    raw.push_str(&p.plan.chains[*ci as usize].id);
                    if !args.is_empty() {
                        raw.push('(');
                        for (i, a) in args.iter().enumerate() {
                            if i > 0 {
                                raw.push_str(", ");
                            }
                            self.write_arg(&mut raw, a);
                        }
                        raw.push(')');
                    }
                    escape_into(&mut ids.buf, &raw);
                    approvals.push((raw.clone(), o as u32));
                }
            }
            ids.end();
        }
        // Stable sorts: equal ids stay in settled order, as in `prove`.
        approvals.sort_by(|a, b| a.0.cmp(&b.0));
        let check_key = |o: u32| match &obligations[o as usize] {
            ObKey::Check(c, node) => (check_rank[*c as usize], *node),
            ObKey::Approval(..) => (u32::MAX, writ_graph::NodeIdx(u32::MAX)),
        };
        if quoted_names {
            check_obs.sort_by_key(|&o| check_key(o));
        } else {
            let text = |o: u32| match &obligations[o as usize] {
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
            check_obs.sort_by_cached_key(|&o| text(o));
        }
        let mut order: Vec<u32> = approvals.into_iter().map(|(_, o)| o).collect();
        order.extend(check_obs);
        let mut rank = vec![0u32; n];
        for (r, &o) in order.iter().enumerate() {
            rank[o as usize] = r as u32;
        }
        ObligationIds { ids, order, rank }
    }
}

//! Writing the proof as JSON straight from the index form (the second step
//! of evaluation, for callers that want the bytes, not the [`Proof`] tree):
//! the same bytes as `prove` followed by `Decision::to_json`, without the
//! owned tree in between. Node ids, instance and obligation ids, witness
//! trees, bindings and the obligations with their `unblock` commands are
//! written from the settled decision; the parts that are small and few (the
//! plan and change references, files, rule sources, forbids, rejected
//! evidence, approval obligations) are built as in `prove` and handed to
//! `serde_json` at their depth ([`Pretty::serde`]).
//!
//! Field order and layout follow the derived `Serialize` of [`Proof`]: a
//! test compares both paths on every scenario, and the decide benchmark
//! compares them on its changes.

use super::prove::change_ref;
use super::settle::{ObKey, Settled};
use super::state::Eval;
use crate::pretty::{Pretty, key};
use crate::proof::{PROOF_FORMAT, PlanRef, Status};
use crate::time::format_rfc3339;
use writ_plan::signature::PlanTrust;

/// How a status is written.
fn status_str(s: Status) -> &'static str {
    match s {
        Status::Satisfied => "satisfied",
        Status::Missing => "missing",
        Status::Failed => "failed",
    }
}

impl<'a> Eval<'a, '_> {
    /// The proof of what [`Eval::settle`] decided, as pretty JSON with a
    /// final newline; `trust` is recorded in its `plan` when given.
    pub(super) fn prove_json(mut self, mut st: Settled<'a>, trust: Option<&PlanTrust>) -> String {
        let p = self.p;
        let inst_ids = self.instance_ids(&st);
        let ids = self.obligation_ids(&st.obligations);
        let mut reasons = std::mem::take(&mut st.reasons);
        reasons.sort();
        reasons.dedup();

        // Witnesses first (the trees come before the rules in the JSON):
        // the forbids' instances, then the rules', in the order written.
        let forbids = self.forbid_proofs(std::mem::take(&mut st.forbids));
        let (order, groups) = Self::rule_order(&st, &inst_ids);
        let mut witnesses = Vec::with_capacity(st.all_vars.len());
        for &ii in &order {
            let inst = &st.instances[ii as usize];
            let sets = &p.rules[inst.item as usize].bindings;
            let vars = &st.all_vars[inst.vars.clone()];
            for (i, &n) in vars.iter().enumerate() {
                witnesses.push(sets.get(i).and_then(|s| self.witness(s, n, &vars[..i])));
            }
        }
        let trees = self.take_index_trees();

        // Sized from the records (a few hundred bytes each, pretty), so a
        // large proof is not copied over and over as the buffer grows.
        let records = reasons.len()
            + 2 * st.obligations.len()
            + trees.iter().map(|t| t.nodes.len()).sum::<usize>()
            + st.instances.len()
            + 8 * groups.len();
        let mut w = Pretty::with_capacity(16 * 1024 + 256 * records);
        w.open_object();
        w.key(key!("format"));
        w.str(PROOF_FORMAT);
        w.key(key!("outcome"));
        w.str(st.outcome.as_str());

        // Reasons: every `missing` one sorts after the others (the last
        // variant), in obligation id order.
        w.key(key!("reasons"));
        w.open_array();
        for r in &reasons {
            w.elem();
            w.serde(r);
        }
        let mut last: Option<&str> = None;
        for &o in &ids.order {
            if st.statuses[o as usize] != Status::Missing {
                continue;
            }
            let id = ids.ids.get(o as usize);
            if last == Some(id) {
                continue;
            }
            last = Some(id);
            w.elem();
            w.open_object();
            w.key(key!("kind"));
            w.str("missing");
            w.key(key!("obligation"));
            w.str(id);
            w.close_object();
        }
        w.close_array();

        w.key(key!("plan"));
        w.serde(&PlanRef {
            digest: p.digest.clone(),
            graph_sha256: p.plan.graph_sha256.clone(),
            trust: trust.cloned(),
        });
        w.key(key!("change"));
        w.serde(&change_ref(self.change, self.change_digest.clone()));
        w.key(key!("decided_at"));
        w.str(&format_rfc3339(self.now));
        w.key(key!("files"));
        w.serde(&self.file_proofs());
        w.key(key!("unowned"));
        w.serde(&self.touched.unowned);
        w.key(key!("touched"));
        w.strs(self.touched.nodes.iter().map(|&n| self.node_id(n)));

        w.key(key!("witnesses"));
        w.open_array();
        for t in &trees {
            w.elem();
            w.open_object();
            w.key(key!("direction"));
            w.str(t.direction.as_str());
            w.key(key!("nodes"));
            w.open_array();
            for n in &t.nodes {
                w.elem();
                w.open_object();
                w.key(key!("node"));
                w.str(self.node_id(n.node));
                w.key(key!("parent"));
                if n.parent == u32::MAX {
                    w.null();
                } else {
                    w.u32(n.parent);
                }
                w.key(key!("via"));
                if n.via == u32::MAX {
                    w.null();
                } else {
                    w.str(p.names.edge_kinds.get(n.via as usize).map_or("?", |k| k));
                }
                let root = n.parent == u32::MAX && n.file != u32::MAX;
                w.key(key!("file"));
                w.opt_str(
                    root.then(|| self.touched.files.get(n.file as usize))
                        .flatten()
                        .map(|f| f.path.as_str()),
                );
                w.key(key!("globs"));
                if root {
                    w.strs(self.glob_strs(n.file as usize, n.node));
                } else {
                    w.strs([]);
                }
                w.close_object();
            }
            w.close_array();
            w.close_object();
        }
        w.close_array();

        w.key(key!("rules"));
        w.open_array();
        let mut witness = witnesses.iter();
        let mut ranks: Vec<u32> = Vec::new();
        for (ri, range) in &groups {
            let meta = &p.plan.rules[*ri];
            let rule = &p.rules[*ri];
            let vars_names = &p.names.rule_vars[*ri];
            w.elem();
            w.open_object();
            w.key(key!("id"));
            w.str(&meta.id);
            w.key(key!("source"));
            w.serde(&rule.meta.source);
            w.key(key!("clauses"));
            w.serde(&rule.meta.clauses);
            w.key(key!("instances"));
            w.open_array();
            for &ii in &order[range.clone()] {
                let inst = &st.instances[ii as usize];
                w.elem();
                w.open_object();
                w.key(key!("id"));
                w.str(inst_ids.get(ii as usize));
                w.key(key!("bindings"));
                w.open_array();
                for (i, &n) in st.all_vars[inst.vars.clone()].iter().enumerate() {
                    w.elem();
                    w.open_object();
                    w.key(key!("var"));
                    w.str(vars_names.get(i).map_or("?", |v| v));
                    w.key(key!("node"));
                    w.str(self.node_id(n));
                    w.key(key!("witness"));
                    match witness.next().copied().flatten() {
                        Some(x) => {
                            w.open_object();
                            w.key(key!("tree"));
                            w.u32(x.tree);
                            w.key(key!("node"));
                            w.u32(x.node);
                            w.close_object();
                        }
                        None => w.null(),
                    }
                    w.close_object();
                }
                w.close_array();
                w.key(key!("obligations"));
                ranks.clear();
                ranks.extend(
                    st.all_obs[inst.obligations.clone()]
                        .iter()
                        .map(|&o| ids.rank[o as usize]),
                );
                ranks.sort_unstable();
                w.strs(
                    ranks
                        .iter()
                        .map(|&r| ids.ids.get(ids.order[r as usize] as usize)),
                );
                w.close_object();
            }
            w.close_array();
            w.close_object();
        }
        w.close_array();

        w.key(key!("not_fired"));
        w.open_array();
        for nf in self.not_fired_proofs(std::mem::take(&mut st.not_fired)) {
            w.elem();
            w.open_object();
            w.key(key!("rule"));
            w.str(&nf.rule);
            w.key(key!("why"));
            w.str(&nf.why);
            w.close_object();
        }
        w.close_array();

        w.key(key!("obligations"));
        w.open_array();
        let citations = st.citations();
        let mut cited: Vec<&str> = Vec::new();
        for &o in &ids.order {
            let o = o as usize;
            let status = st.statuses[o];
            let missing = status == Status::Missing;
            w.elem();
            w.open_object();
            w.key(key!("id"));
            w.str(ids.ids.get(o));
            w.key(key!("status"));
            w.str(status_str(status));
            w.key(key!("imposed_by"));
            cited.clear();
            cited.extend(citations.of(o).iter().map(|&i| inst_ids.get(i as usize)));
            if cited.len() > 1 {
                cited.sort_unstable();
                cited.dedup();
            }
            w.strs(cited.iter().copied());
            match &st.obligations[o] {
                ObKey::Check(c, n) => {
                    let check = p.checks[*c as usize].as_str();
                    w.key(key!("check"));
                    w.open_object();
                    w.key(key!("check"));
                    w.str(check);
                    w.key(key!("node"));
                    w.str(self.node_id(*n));
                    w.key(key!("results"));
                    if st.results.is_empty() {
                        w.strs([]);
                    } else {
                        w.serde(&self.check_obligation(*c, *n, &st.results).results);
                    }
                    w.close_object();
                    w.key(key!("approval"));
                    w.null();
                    if missing {
                        w.key(key!("unblock"));
                        w.open_object();
                        w.key(key!("command"));
                        self.check_command(check, *n, |argv| w.strs(argv.iter().copied()));
                        w.key(key!("steps"));
                        w.strs([]);
                        w.close_object();
                    }
                }
                ObKey::Approval(ci, args) => {
                    let steps = match st.steps.take(o) {
                        Some(steps) => steps,
                        None => self.match_chain(*ci, args, &st.usable).1,
                    };
                    let unblock = missing.then(|| self.unblock_chain(*ci, args, &steps));
                    w.key(key!("check"));
                    w.null();
                    w.key(key!("approval"));
                    w.serde(&self.approval_obligation(*ci, args, steps));
                    if let Some(u) = unblock {
                        w.key(key!("unblock"));
                        w.serde(&u);
                    }
                }
            }
            w.close_object();
        }
        w.close_array();

        w.key(key!("forbids"));
        w.serde(&forbids);
        w.key(key!("rejected"));
        w.serde(&self.rejected);
        w.close_object();

        self.scratch.vars = std::mem::take(&mut st.all_vars);
        self.scratch.obs = std::mem::take(&mut st.all_obs);
        w.finish()
    }
}

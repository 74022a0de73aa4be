//! Writing the proof as JSON straight from the index form (the second step
//! of evaluation, for callers that want the bytes, not the [`Proof`] tree):
//! the same bytes as `prove` followed by `Decision::to_json`, without the
//! owned tree in between. Node ids, instance and obligation ids, witness
//! trees, bindings, the obligations with their `unblock`s and the
//! `commands` those name (one per check and kind, `writ.proof/v3`; instances
//! and obligations named by position, `writ.proof/v4`) are written from the
//! settled decision, approval obligations from their parts
//! (`approval_json.rs`); the parts that are small and few (the plan and
//! change references, files, forbids, rejected evidence) are built as in
//! `prove` and handed to `serde_json` ([`JsonWriter::serde`]).
//!
//! What depends on the plan alone is laid out once per prepared plan, when
//! a proof first needs it: a rule's head (id, source, clauses), its
//! `not_fired` lines and its instance template (`names::RuleJson`), and
//! the [`Template`]s of the records a large proof repeats (missing reasons,
//! witness tree nodes, check obligations (missing or not), people who can
//! approve: `names::JsonTemplates`); writing a record is a
//! few copies. Ids are escaped once (`json_ids.rs`, node ids once per
//! prepared plan) and copied as bytes.
//!
//! Field order and layout follow the derived `Serialize` of [`Proof`]: a
//! test compares both paths on every scenario, and the decide benchmark
//! compares them on its changes.

use super::approvals::{CommandTemplates, check_argv};
use super::prove::change_ref;
use super::settle::{NotFiredWhy, ObKey, Settled};
use super::state::Eval;
use crate::json_runs::{CheckRun, InstanceRun, ReasonRun, Run, TreeNodeRun, run_of, status_slot};
use crate::json_writer::{JsonWriter, Template, escape_into, key};
use crate::names::{RuleJson, WHEN_FALSE};
use crate::prepare::ItemMeta;
use crate::proof::{InstanceRef, Text, write_check_id};
use crate::proof::{NODE_HOLE, PROOF_FORMAT, PlanRef, Status};
use crate::time::format_rfc3339;
use std::borrow::Cow;
use std::sync::OnceLock;
use writ_plan::signature::PlanTrust;

/// `[n, …]`: a list of positions.
fn u32s(w: &mut JsonWriter, items: impl IntoIterator<Item = u32>) {
    w.open_array();
    for n in items {
        w.elem();
        w.u32(n);
    }
    w.close_array();
}

/// How a status is written.
fn status_str(s: Status) -> &'static str {
    match s {
        Status::Satisfied => "satisfied",
        Status::Missing => "missing",
        Status::Failed => "failed",
    }
}

/// A node of a witness tree that is not a root, at the depth of a tree's
/// `nodes`: holes node, parent, via.
fn tree_node_template(depth: usize) -> Template {
    Template::new(depth, |t| {
        t.elem();
        t.open_object();
        t.key(key!("node"));
        t.str_hole();
        t.key(key!("parent"));
        t.hole();
        t.key(key!("via"));
        t.hole();
        t.key(key!("file"));
        t.null();
        t.key(key!("globs"));
        t.strs([]);
        t.close_object();
    })
}

/// A check obligation of check `check` (escaped), at the depth of
/// `obligations`: holes id, status, imposed_by, node, results and, when
/// `missing`, the position of its `unblock` command in `commands`.
fn check_template(depth: usize, check: &str, missing: bool) -> Template {
    Template::new(depth, |t| {
        t.elem();
        t.open_object();
        t.key(key!("id"));
        t.str_hole();
        t.key(key!("status"));
        t.str_hole();
        t.key(key!("imposed_by"));
        t.hole();
        t.key(key!("check"));
        t.open_object();
        t.key(key!("check"));
        t.quoted(check);
        t.key(key!("node"));
        t.str_hole();
        t.key(key!("results"));
        t.hole();
        t.close_object();
        t.key(key!("approval"));
        t.null();
        if missing {
            t.key(key!("unblock"));
            t.open_object();
            t.key(key!("command"));
            t.hole();
            t.key(key!("steps"));
            t.strs([]);
            t.close_object();
        }
        t.close_object();
    })
}

/// Which of a check obligation's templates: its shape depends on whether
/// it is missing.
#[derive(Clone, Copy)]
enum CheckKind {
    /// Missing: with an `unblock` naming its command.
    Missing = 0,
    /// Satisfied or failed: no `unblock`.
    Settled = 1,
}

/// The template in `slot`, laid out by `lay_out` at `depth` when first
/// needed (once per prepared plan); laid out afresh when the slot holds
/// one of another depth (never, in a proof).
pub(super) fn cached(
    slot: &OnceLock<Template>,
    depth: usize,
    lay_out: impl Fn(usize) -> Template,
) -> Cow<'_, Template> {
    let t = slot.get_or_init(|| lay_out(depth));
    if t.depth() == depth {
        Cow::Borrowed(t)
    } else {
        Cow::Owned(lay_out(depth))
    }
}

/// The template of `kind` for check `c` named `check`, from `slots` (the
/// plan's, [`crate::names::JsonTemplates::checks`]); `None` when the name
/// holds the hole's mark `\u{1}` or `<NODE>` (written field by field then).
fn check_template_of<'t>(
    slots: &'t [[OnceLock<Template>; 2]],
    depth: usize,
    c: usize,
    check: &str,
    kind: CheckKind,
) -> Option<Cow<'t, Template>> {
    if check.contains('\u{1}') || check.contains(NODE_HOLE) {
        return None;
    }
    let slot = slots.get(c)?.get(kind as usize)?;
    Some(cached(slot, depth, |depth| {
        let mut escaped = String::new();
        escape_into(&mut escaped, check);
        check_template(depth, &escaped, matches!(kind, CheckKind::Missing))
    }))
}

/// A `missing` reason, at the depth of `reasons`: holes the obligation's
/// position in `obligations`.
fn missing_template(depth: usize) -> Template {
    Template::new(depth, |t| {
        t.elem();
        t.open_object();
        t.key(key!("kind"));
        t.str("missing");
        t.key(key!("obligation"));
        t.hole();
        t.close_object();
    })
}

/// A rule's fields in `rules` up to its instances (`"id"`, `"source"`,
/// `"clauses"`, the key `"instances"`), inside its object.
fn rule_head(w: &mut JsonWriter, meta: &ItemMeta) {
    w.key(key!("id"));
    w.str(&meta.id);
    w.key(key!("source"));
    w.serde(&meta.source);
    w.key(key!("clauses"));
    w.serde(&meta.clauses);
    w.key(key!("instances"));
}

/// A rule's parts of the JSON for elements of `rules` and `not_fired` at
/// `depth`; `vars` are its binding variables.
fn lay_out_rule(meta: &ItemMeta, vars: &[Text], depth: usize) -> RuleJson {
    let line = |why: &str| {
        Template::new(depth, |t| {
            t.elem();
            t.open_object();
            t.key(key!("rule"));
            t.str(&meta.id);
            t.key(key!("why"));
            t.str(why);
            t.close_object();
        })
    };
    let vars_names: Vec<String> = vars
        .iter()
        .map(|v| {
            let mut e = String::new();
            escape_into(&mut e, v);
            e
        })
        .collect();
    // An element of the rule's `instances`: inside its object and array.
    let instance = Template::new(depth + 2, |t| {
        t.elem();
        t.open_object();
        t.key(key!("bindings"));
        t.open_array();
        for v in &vars_names {
            t.elem();
            t.open_object();
            t.key(key!("var"));
            t.quoted(v);
            t.key(key!("node"));
            t.str_hole();
            t.key(key!("witness"));
            t.hole();
            t.close_object();
        }
        t.close_array();
        t.key(key!("obligations"));
        t.hole();
        t.close_object();
    });
    let witness = (!vars_names.is_empty()).then(|| {
        Template::new(instance.depth_at(1), |t| {
            t.open_object();
            t.key(key!("tree"));
            t.hole();
            t.key(key!("node"));
            t.hole();
            t.close_object();
        })
    });
    RuleJson {
        depth,
        head: Template::new(depth + 1, |t| rule_head(t, meta)),
        no_node: meta.no_node.iter().map(|why| line(why)).collect(),
        when_false: line(WHEN_FALSE),
        run: InstanceRun::new(&instance, witness.as_ref(), vars_names.len()),
        instance,
        vars: vars_names.len(),
    }
}

impl<'a> Eval<'a, '_> {
    /// Rule `ri`'s parts of the JSON, laid out once per prepared plan for
    /// elements at `depth` (the same in every proof; laid out afresh at
    /// another depth).
    fn rule_json(&self, ri: usize, depth: usize) -> Cow<'a, RuleJson> {
        let p = self.p;
        let meta = &p.rules[ri].meta;
        let vars = &p.names.rule_vars[ri];
        let rj = meta.json.get_or_init(|| lay_out_rule(meta, vars, depth));
        if rj.depth == depth {
            Cow::Borrowed(rj)
        } else {
            Cow::Owned(lay_out_rule(meta, vars, depth))
        }
    }

    /// The proof of what [`Eval::settle`] decided, as compact JSON with a
    /// final newline, written into `buf` (emptied first, its capacity
    /// reused); `trust` is recorded in its `plan` when given.
    pub(super) fn prove_json(
        &mut self,
        st: &mut Settled<'a>,
        trust: Option<&PlanTrust>,
        buf: String,
    ) -> String {
        let p = self.p;
        let node = |n: writ_graph::NodeIdx| match p.names.node_json(&p.graph, n) {
            Some(j) => j.text.as_str(),
            None => "?",
        };
        let insts = self.instance_order(st);
        let ids = self.obligation_ids_json(&st.obligations);
        let mut reasons = std::mem::take(&mut st.reasons);
        reasons.sort();
        reasons.dedup();

        // Witnesses first (the trees come before the rules in the JSON):
        // the forbids' instances, then the rules', in the order written.
        let forbids = self.forbid_proofs(std::mem::take(&mut st.forbids));
        let mut witnesses = Vec::with_capacity(st.all_vars.len());
        for &ii in &insts.order {
            let inst = &st.instances[ii as usize];
            let sets = &p.rules[inst.item as usize].bindings;
            let vars = &st.all_vars[inst.vars.clone()];
            for (i, &n) in vars.iter().enumerate() {
                witnesses.push(sets.get(i).and_then(|s| self.witness(s, n, &vars[..i])));
            }
        }
        let trees = self.take_index_trees();
        // The plan's edge kinds escaped (joined into the witness nodes' run
        // once per prepared plan).
        let edge_kinds = || -> Vec<String> {
            (p.names.edge_kinds.iter())
                .map(|k| {
                    let mut e = String::new();
                    escape_into(&mut e, k);
                    e
                })
                .collect()
        };

        // Sized from the records (a couple of hundred bytes each), so a
        // large proof is not copied over and over as the buffer grows.
        let records = reasons.len()
            + 2 * st.obligations.len()
            + trees.iter().map(|t| t.nodes.len()).sum::<usize>()
            + st.instances.len()
            + 8 * insts.groups.len();
        let mut w = JsonWriter::reuse(buf);
        w.reserve(16 * 1024 + 256 * records);
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
        let missing_t = cached(&p.names.templates.missing, w.depth(), missing_template);
        let reason_run = run_of(&p.names.templates.runs.reason, &missing_t, ReasonRun::new);
        let mut run = Run::default();
        // Two obligations share an id only if both are approvals (a check's
        // id names a distinct (check, node)), so only those are compared.
        let mut last: Option<&str> = None;
        for (i, &o) in ids.order.iter().enumerate() {
            if st.statuses[o as usize] != Status::Missing {
                continue;
            }
            if matches!(st.obligations[o as usize], ObKey::Approval(..)) {
                let id = ids.ids.get(o as usize);
                if last == Some(id) {
                    continue;
                }
                last = Some(id);
            }
            run.start(&mut w, 0, &reason_run.lead);
            w.u32(i as u32);
            run.end(&reason_run.ends);
        }
        run.close(&mut w);
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
        w.quoted_strs(self.touched.nodes.iter().map(|&n| node(n)));

        w.key(key!("witnesses"));
        w.open_array();
        for t in &trees {
            w.elem();
            w.open_object();
            w.key(key!("direction"));
            w.str(t.direction.as_str());
            w.key(key!("nodes"));
            w.open_array();
            let node_t = cached(&p.names.templates.tree_node, w.depth(), tree_node_template);
            let node_run = run_of(&p.names.templates.runs.tree_node, &node_t, |t| {
                TreeNodeRun::new(t, &edge_kinds())
            });
            let mut run = Run::default();
            for n in &t.nodes {
                let root = n.parent == u32::MAX && n.file != u32::MAX;
                if !root {
                    run.start(&mut w, 0, &node_run.lead);
                    w.raw(node(n.node));
                    w.raw(&node_run.mid);
                    if n.parent == u32::MAX {
                        w.null();
                    } else {
                        w.u32(n.parent);
                    }
                    run.end(node_run.ends(n.via));
                    continue;
                }
                run.close(&mut w);
                w.elem();
                w.open_object();
                w.key(key!("node"));
                w.quoted(node(n.node));
                w.key(key!("parent"));
                w.null();
                w.key(key!("via"));
                w.null();
                w.key(key!("file"));
                w.opt_str(
                    self.touched
                        .files
                        .get(n.file as usize)
                        .map(|f| f.path.as_str()),
                );
                w.key(key!("globs"));
                w.strs(self.glob_strs(n.file as usize, n.node));
                w.close_object();
            }
            run.close(&mut w);
            w.close_array();
            w.close_object();
        }
        w.close_array();

        w.key(key!("rules"));
        w.open_array();
        let mut witness = witnesses.iter();
        let mut ranks: Vec<u32> = Vec::new();
        let elem_depth = w.depth();
        for (ri, range) in &insts.groups {
            let rj = self.rule_json(*ri, elem_depth);
            w.elem();
            w.open_object();
            w.piece(&rj.head, 0);
            w.open_array();
            let inst_run = match rj.instance.depth() == w.depth() {
                true => Cow::Borrowed(&rj.run),
                false => Cow::Owned(
                    lay_out_rule(&p.rules[*ri].meta, &p.names.rule_vars[*ri], elem_depth).run,
                ),
            };
            let ir = &*inst_run;
            let k = rj.vars;
            let mut run = Run::default();
            for &ii in &insts.order[range.clone()] {
                let inst = &st.instances[ii as usize];
                let vars = &st.all_vars[inst.vars.clone()];
                ranks.clear();
                ranks.extend(
                    st.all_obs[inst.obligations.clone()]
                        .iter()
                        .map(|&o| ids.rank[o as usize]),
                );
                ranks.sort_unstable();
                let obligations = |w: &mut JsonWriter| u32s(w, ranks.iter().copied());
                if vars.len() != k {
                    // Not the rule's number of variables (never settled
                    // so): written field by field.
                    run.close(&mut w);
                    w.elem();
                    w.open_object();
                    w.key(key!("bindings"));
                    w.open_array();
                    for (i, &n) in vars.iter().enumerate() {
                        w.elem();
                        w.open_object();
                        w.key(key!("var"));
                        w.str(p.names.rule_vars[*ri].get(i).map_or("?", |v| v));
                        w.key(key!("node"));
                        w.quoted(node(n));
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
                    obligations(&mut w);
                    w.close_object();
                    continue;
                }
                run.start(&mut w, 0, &ir.lead);
                let texts = (ir.to_tree.iter().zip(&ir.to_node_of_tree0))
                    .zip(ir.after_witness.iter().zip(&ir.no_witness));
                for (&n, ((to_tree, to_node_of_tree0), (after_witness, no_witness))) in
                    vars.iter().zip(texts)
                {
                    w.raw(node(n));
                    match witness.next().copied().flatten() {
                        Some(x) if x.tree == 0 => {
                            w.raw(to_node_of_tree0);
                            w.u32(x.node);
                            w.raw(after_witness);
                        }
                        Some(x) => {
                            w.raw(to_tree);
                            w.u32(x.tree);
                            w.raw(&ir.tree_node);
                            w.u32(x.node);
                            w.raw(after_witness);
                        }
                        None => w.raw(no_witness),
                    }
                }
                for (j, &r) in ranks.iter().enumerate() {
                    if j > 0 {
                        w.raw(",");
                    }
                    w.u32(r);
                }
                run.end(&ir.ends);
            }
            run.close(&mut w);
            w.close_array();
            w.close_object();
        }
        w.close_array();

        w.key(key!("not_fired"));
        w.open_array();
        let mut not_fired = std::mem::take(&mut st.not_fired);
        self.sort_not_fired(&mut not_fired);
        let elem_depth = w.depth();
        for (ri, why) in not_fired {
            let ri = ri as usize;
            let rj = self.rule_json(ri, elem_depth);
            let laid_out = match &why {
                NotFiredWhy::NoNode(i) => rj.no_node.get(*i),
                NotFiredWhy::WhenFalse { unbound: true, .. } => Some(&rj.when_false),
                NotFiredWhy::WhenFalse { .. } | NotFiredWhy::Error(_) => None,
            };
            if let Some(t) = laid_out {
                w.piece(t, 0);
                continue;
            }
            w.elem();
            w.open_object();
            w.key(key!("rule"));
            w.str(&p.rules[ri].meta.id);
            w.key(key!("why"));
            w.str(&self.not_fired_why(ri, why));
            w.close_object();
        }
        w.close_array();

        w.key(key!("obligations"));
        w.open_array();
        let citations = st.citations();
        // Each instance's position in the proof (`[rule, instance]`).
        let at = insts.positions();
        let mut commands = CommandTemplates::default();
        let mut last_t: Option<(u32, u8, Option<Cow<'_, Template>>)> = None;
        let mut cited: Vec<InstanceRef> = Vec::new();
        let depth = w.depth();
        let check_runs = (p.names.templates.runs.checks)
            .get_or_init(|| p.checks.iter().map(|_| Default::default()).collect());
        let mut run = Run::default();
        for &o in &ids.order {
            let o = o as usize;
            let status = st.statuses[o];
            let missing = status == Status::Missing;
            cited.clear();
            cited.extend(citations.of(o).iter().map(|&i| at[i as usize]));
            cited.sort_unstable();
            cited.dedup();
            let imposed_by = |w: &mut JsonWriter| {
                w.open_array();
                for r in &cited {
                    w.elem();
                    u32s(w, [r.rule, r.instance]);
                }
                w.close_array();
            };
            match &st.obligations[o] {
                ObKey::Check(c, n) => {
                    let check = p.checks[*c as usize].as_str();
                    // A missing check's command: its position in
                    // `commands`, or in full when the check's name holds
                    // `<NODE>` (as `Eval::unblock_check` makes it).
                    // The node's escaped id and check bits, looked up once.
                    let nj = p.names.node_json(&p.graph, *n);
                    let node_text = nj.map_or("?", |j| j.text.as_str());
                    let command = missing.then(|| {
                        let declared = nj
                            .and_then(|j| j.declares(*c))
                            .unwrap_or_else(|| self.declares_check(*n, check));
                        (!check.contains(NODE_HOLE)).then(|| commands.position(*c, declared))
                    });
                    let kind = match missing {
                        true => CheckKind::Missing,
                        false => CheckKind::Settled,
                    };
                    // The previous obligation's template when of the same
                    // check and kind (a check's obligations are in a run).
                    if last_t
                        .as_ref()
                        .is_none_or(|l| l.0 != *c || l.1 != kind as u8)
                    {
                        last_t = Some((
                            *c,
                            kind as u8,
                            check_template_of(
                                &p.names.templates.checks,
                                depth,
                                *c as usize,
                                check,
                                kind,
                            ),
                        ));
                    }
                    // Written as a run (`json_runs::CheckRun`) from the
                    // plan's template, when it has one, some instance
                    // imposes it and, when missing, its command is a
                    // position.
                    let command_at = match command {
                        Some(Some(i)) => Some(i),
                        _ => None,
                    };
                    let joined = match last_t.as_ref().and_then(|l| l.2.as_ref()) {
                        Some(Cow::Borrowed(t))
                            if !cited.is_empty() && missing == command_at.is_some() =>
                        {
                            check_runs
                                .get(*c as usize)
                                .map(|slots| (*t, &slots[status_slot(status)]))
                        }
                        _ => None,
                    };
                    if let Some((t, slot)) = joined {
                        let key = 3 * *c as usize + status_slot(status);
                        let cr = slot.get_or_init(|| {
                            CheckRun::new(t, check, status_str(status), missing, key)
                        });
                        run.start(&mut w, key, &cr.lead);
                        w.raw(node_text);
                        w.raw(&cr.to_cites);
                        for (j, r) in cited.iter().enumerate() {
                            if j > 0 {
                                w.raw("],[");
                            }
                            w.u32(r.rule);
                            w.raw(",");
                            w.u32(r.instance);
                        }
                        w.raw(&cr.to_node);
                        w.raw(node_text);
                        if st.results.is_empty() {
                            match command_at {
                                Some(i) => match cr.ends_of_command.get(i as usize) {
                                    Some(ends) => run.end(ends),
                                    None => {
                                        w.raw(&cr.no_results);
                                        w.u32(i);
                                        run.end(&cr.ends);
                                    }
                                },
                                None => run.end(&cr.ends),
                            }
                        } else {
                            let results = self.check_obligation(*c, *n, &st.results).results;
                            w.raw(&cr.to_results);
                            w.serde(&results);
                            if let Some(i) = command_at {
                                w.raw(&cr.after_results);
                                w.u32(i);
                            }
                            run.end(&cr.ends_after_results);
                        }
                        continue;
                    }
                    // Otherwise field by field.
                    {
                        run.close(&mut w);
                        let mut raw = String::new();
                        write_check_id(&mut raw, check, "");
                        let mut id = String::new();
                        escape_into(&mut id, &raw);
                        id.push_str(node_text);
                        w.elem();
                        w.open_object();
                        w.key(key!("id"));
                        w.quoted(&id);
                        w.key(key!("status"));
                        w.str(status_str(status));
                        w.key(key!("imposed_by"));
                        imposed_by(&mut w);
                        w.key(key!("check"));
                        w.open_object();
                        w.key(key!("check"));
                        w.str(check);
                        w.key(key!("node"));
                        w.quoted(node(*n));
                        w.key(key!("results"));
                        w.serde(&self.check_obligation(*c, *n, &st.results).results);
                        w.close_object();
                        w.key(key!("approval"));
                        w.null();
                        if let Some(command) = command {
                            w.key(key!("unblock"));
                            w.open_object();
                            w.key(key!("command"));
                            match command {
                                Some(i) => w.u32(i),
                                None => self
                                    .check_command(check, *n, |argv| w.strs(argv.iter().copied())),
                            }
                            w.key(key!("steps"));
                            w.strs([]);
                            w.close_object();
                        }
                        w.close_object();
                    }
                }
                ObKey::Approval(ci, args) => {
                    run.close(&mut w);
                    w.elem();
                    w.open_object();
                    w.key(key!("id"));
                    w.quoted(ids.ids.get(o));
                    w.key(key!("status"));
                    w.str(status_str(status));
                    w.key(key!("imposed_by"));
                    imposed_by(&mut w);
                    let matched = st.steps.take(o);
                    self.write_approval(&mut w, *ci, args, matched, &st.usable, missing);
                    w.close_object();
                }
            }
        }
        run.close(&mut w);
        w.close_array();

        w.key(key!("commands"));
        w.open_array();
        for &(c, declared) in commands.keys() {
            w.elem();
            check_argv(&p.checks[c as usize], NODE_HOLE, declared, |argv| {
                w.strs(argv.iter().copied())
            });
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

//! Writing the proof (the second step of evaluation): from what `settle`
//! decided, the obligation and instance ids, the obligation proofs in id
//! order (check results, matched approval steps), the forbids' instances,
//! the fired rules with their bindings and witnesses, the rules that did not
//! fire and why, the touched files; and the [`Decision`] that carries the
//! proof with its coverage.

use super::approvals::{Arg, CommandTemplates, Offered};
use super::coverage::Coverage;
use super::forbids::ForbidState;
use super::json_ids::InstanceOrder;
use super::settle::{NotFiredWhy, ObKey, Results, Settled};
use super::state::{Eval, FxMap};
use crate::evidence::CheckOutcome;
use crate::names::{NotFiredTexts, source_ref, when_false_for};
use crate::prepare::CNodes;
use crate::proof::*;
use crate::time::format_rfc3339;
use writ_graph::paths::ClaimTarget;
use writ_graph::{Change, NodeIdx};

/// The decision on a change: the outcome, why, and the proof.
///
/// Serialises as its proof (which repeats the outcome and reasons).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Allow, deny or pending.
    pub outcome: Outcome,
    /// The proof (its `reasons` are the decision's: [`Decision::reasons`]).
    pub proof: Proof,
    /// What this evaluation exercised (not part of the proof).
    pub coverage: Coverage,
}

impl Decision {
    /// Why it is not allow (sorted; empty when allowed): the proof's
    /// reasons, borrowed (a `missing` one names its obligation by position
    /// in `proof.obligations`; [`Reason::describe`] says it in full).
    pub fn reasons(&self) -> &[Reason] {
        &self.proof.reasons
    }
}

impl serde::Serialize for Decision {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.proof.serialize(s)
    }
}

impl Decision {
    /// The proof as compact JSON, followed by a newline: the bytes `writ
    /// eval --format json` prints and `writ explain` reads. Deterministic.
    pub fn to_json(&self) -> String {
        proof_json(&self.proof)
    }
}

/// A proof as compact JSON (`writ.proof/v4`), followed by a newline.
pub fn proof_json(proof: &Proof) -> String {
    // Sized from the proof's records (a couple of hundred bytes each),
    // so a large proof is not copied over and over as the buffer grows.
    let records = proof.reasons.len()
        + proof.obligations.len()
        + proof.witnesses.iter().map(|t| t.nodes.len()).sum::<usize>()
        + proof
            .rules
            .iter()
            .map(|r| r.instances.len() + r.source.text.len() / 64 + 4)
            .sum::<usize>();
    let mut out = Vec::with_capacity(16 * 1024 + 320 * records);
    if serde_json::to_writer(&mut out, proof).is_err() {
        return String::new();
    }
    out.push(b'\n');
    // serde_json writes UTF-8 only.
    String::from_utf8(out).unwrap_or_default()
}

pub(super) fn change_ref(change: &Change, digest: String) -> ChangeRef {
    ChangeRef {
        id: change.id.clone(),
        digest,
        author: change.author.id.clone(),
        author_kind: change.author.kind.as_str().into(),
        time: change.timestamp.clone(),
        emergency: change.emergency,
        labels: change.labels.clone(),
    }
}

/// The results supplied for a check on a node, sorted
/// ([`Eval::check_obligation`]).
pub(super) struct CheckFound {
    /// The results, sorted by digest, source and outcome.
    pub(super) results: Vec<CheckEvidence>,
}

/// Ids written one after the other into one buffer (one allocation for
/// all of them): id `i` is `buf[ends[i - 1]..ends[i]]`.
#[derive(Default)]
pub(super) struct Ids {
    buf: String,
    ends: Vec<usize>,
}

impl Ids {
    /// The `i`th id.
    pub(super) fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.buf[start..self.ends[i]]
    }

    /// Ends the id written since the last one.
    fn end(&mut self) {
        self.ends.push(self.buf.len());
    }
}

/// The obligations' ids and their sorted order: `ids` are in obligation
/// order (an approval's written; a check's left empty, which nothing
/// reads), `order` lists the obligations in id order, `rank` gives each
/// obligation's position in it.
pub(super) struct ObIds {
    pub(super) ids: Ids,
    pub(super) order: Vec<u32>,
    pub(super) rank: Vec<u32>,
}

impl<'a> Eval<'a, '_> {
    /// Writes the proof of what [`Eval::settle`] decided.
    pub(super) fn prove(&mut self, st: &mut Settled<'a>) -> Decision {
        let p = self.p;
        let plan = &p.plan;

        // The forbids first: they start the proof's names (and cite the
        // first witnesses, as in the JSON).
        let forbid_proofs = self.forbid_proofs(std::mem::take(&mut st.forbids)).proofs;
        // A name per obligation's node and per instance's binding, about.
        self.reserve_names(st.obligations.len() + st.all_vars.len() + self.touched.nodes.len());

        // ---- obligations: ids first, then the proofs in id order
        // The instances' ids only put them in order: the proof names an
        // instance by its position (`InstanceRef`).
        let insts = self.instance_order(st);
        let at = insts.positions();
        let ids = self.obligation_ids(&st.obligations);
        let (ob_proofs, commands) = self.obligation_proofs(st, &ids, &at);
        // Settling gives no `missing` reason (the last variant): those
        // follow the others, in obligation id order (by position), each
        // id once: two obligations share an id only if both are approvals
        // (a check's id names a distinct (check, node)), and equal ids are
        // adjacent, so only those are compared.
        let mut reasons = std::mem::take(&mut st.reasons);
        reasons.sort();
        reasons.dedup();
        reasons.reserve(ob_proofs.len());
        let mut last: Option<&str> = None;
        for (i, &o) in ids.order.iter().enumerate() {
            if ob_proofs[i].status != Status::Missing {
                continue;
            }
            if matches!(st.obligations[o as usize], ObKey::Approval(..)) {
                let id = ids.ids.get(o as usize);
                if last == Some(id) {
                    continue;
                }
                last = Some(id);
            }
            reasons.push(Reason::Missing {
                obligation: i as u32,
            });
        }
        debug_assert!(reasons.is_sorted());
        let outcome = st.outcome;
        debug_assert_eq!(
            outcome,
            if reasons.iter().any(|r| r.outcome() == Outcome::Deny) {
                Outcome::Deny
            } else if reasons.is_empty() {
                Outcome::Allow
            } else {
                Outcome::Pending
            }
        );

        let rule_proofs = self.rule_proofs(st, &insts, &ids);
        let witnesses = self.take_trees();
        let not_fired = self.not_fired_proofs(std::mem::take(&mut st.not_fired));
        let coverage = self.coverage(std::mem::take(&mut st.coverage));
        self.scratch.vars = std::mem::take(&mut st.all_vars);
        self.scratch.obs = std::mem::take(&mut st.all_obs);

        let files = self.file_proofs();
        let touched_nodes = std::mem::take(&mut self.touched.nodes);
        let touched = touched_nodes.iter().map(|&n| self.node_name(n)).collect();
        self.touched.nodes = touched_nodes;
        let names = self.take_names();
        let proof = Proof {
            format: PROOF_FORMAT.into(),
            outcome,
            reasons,
            plan: PlanRef {
                digest: p.digest.clone(),
                graph_sha256: plan.graph_sha256.clone(),
                trust: None,
            },
            change: change_ref(self.change, self.change_digest.clone()),
            decided_at: format_rfc3339(self.now),
            files,
            unowned: self.touched.unowned.clone(),
            touched,
            witnesses,
            rules: rule_proofs,
            not_fired,
            obligations: ob_proofs,
            commands,
            forbids: forbid_proofs,
            rejected: std::mem::take(&mut self.rejected).into_iter().collect(),
            names,
        };
        Decision {
            outcome,
            proof,
            coverage,
        }
    }

    /// Every approval obligation's id, and the obligations' sorted order.
    /// A check obligation's id is not written (once per reached service,
    /// it was 2% of the tree's time): its order comes from its check's
    /// rank and its node (`obligation_order`, which writes the text itself
    /// when a check name holds a `"`), the proof tree does not store it
    /// and no `missing` reason is deduplicated by it (a check's id names a
    /// distinct (check, node)).
    pub(super) fn obligation_ids(&self, obligations: &[ObKey<'a>]) -> ObIds {
        let approvals = obligations
            .iter()
            .filter(|k| matches!(k, ObKey::Approval(..)))
            .count();
        let mut ids = Ids {
            buf: String::with_capacity(40 * approvals),
            ends: Vec::with_capacity(obligations.len()),
        };
        for key in obligations {
            if let ObKey::Approval(ci, args) = key {
                self.write_approval_id(&mut ids.buf, *ci, args);
            }
            ids.end();
        }
        let (order, rank) = self.obligation_order(obligations, |o| ids.get(o as usize));
        ObIds { ids, order, rank }
    }

    /// The obligations' proofs, in id order (an approval not matched while
    /// settling is matched now, for its steps), and the commands their
    /// `unblock`s name ([`Proof::commands`]), in the order first named.
    fn obligation_proofs(
        &mut self,
        st: &mut Settled<'a>,
        ids: &ObIds,
        at: &[InstanceRef],
    ) -> (Vec<ObligationProof>, Vec<Vec<Text>>) {
        let mut ob_proofs: Vec<ObligationProof> = Vec::with_capacity(st.obligations.len());
        let mut commands = CommandTemplates::default();
        let mut approvers = Offered::default();
        let citations = st.citations();
        for &o in &ids.order {
            let key = &st.obligations[o as usize];
            let mut imposed_by: Few<InstanceRef> = citations
                .of(o as usize)
                .iter()
                .map(|&i| at[i as usize])
                .collect();
            imposed_by.sort_dedup();
            let status = st.statuses[o as usize];
            let missing = status == Status::Missing;
            let (check, approval, unblock) = match key {
                ObKey::Check(c, n) => {
                    let unblock = missing.then(|| self.unblock_check(*c, *n, &mut commands));
                    let check = CheckObligation {
                        check: self.check_name(*c),
                        node: self.node_name(*n),
                        results: self
                            .check_obligation(*c, *n, &st.results)
                            .results
                            .into_boxed_slice(),
                    };
                    (Some(check), None, unblock)
                }
                ObKey::Approval(ci, args) => {
                    // Matched here, the people the matching worked out
                    // give the `unblock` (as in the direct JSON); matched
                    // while settling, they are worked out for it.
                    let (steps, people) = match st.steps.take(o as usize) {
                        Some(steps) => (steps, None),
                        None => {
                            let m = self.match_chain_people(*ci, args, &st.usable, true);
                            (m.steps, Some(m.people))
                        }
                    };
                    let unblock = missing.then(|| match &people {
                        Some(people) => self.unblock_with(&steps, people, &mut approvers),
                        None => self.unblock_chain(*ci, args, &steps, &mut approvers),
                    });
                    (
                        None,
                        Some(Box::new(self.approval_obligation(*ci, args, steps))),
                        unblock,
                    )
                }
            };
            ob_proofs.push(ObligationProof {
                status,
                imposed_by,
                check,
                approval,
                unblock,
            });
        }
        (ob_proofs, commands.argvs)
    }

    /// The results supplied for check `c` on node `n`, sorted (what its
    /// obligation holds besides its names).
    pub(super) fn check_obligation(&self, c: u32, n: NodeIdx, results: &Results<'a>) -> CheckFound {
        let p = self.p;
        let mut res: Vec<CheckEvidence> = if results.is_empty() {
            Vec::new()
        } else {
            let check = p.checks[c as usize].as_str();
            results
                .get(&(check, self.node_id(n)))
                .map(|v| v.as_slice())
                .unwrap_or(&[])
                .iter()
                .map(|r| CheckEvidence {
                    outcome: match r.outcome {
                        CheckOutcome::Passed => CheckResult::Passed,
                        CheckOutcome::Failed { .. } => CheckResult::Failed,
                    },
                    reason: match &r.outcome {
                        CheckOutcome::Passed => None,
                        CheckOutcome::Failed { reason } => Some(reason.clone()),
                    },
                    digest: r.digest.clone(),
                    source: r.source.clone(),
                    summary: r.summary.clone(),
                })
                .collect()
        };
        res.sort_by(|a, b| {
            (&a.digest, &a.source, &a.outcome).cmp(&(&b.digest, &b.source, &b.outcome))
        });
        CheckFound { results: res }
    }

    /// Chain `ci` bound to `args`, with its matched steps.
    pub(super) fn approval_obligation(
        &self,
        ci: u32,
        args: &[Arg<'a>],
        steps: Vec<StepProof>,
    ) -> ApprovalObligation {
        let p = self.p;
        let chain = &p.plan.chains[ci as usize];
        ApprovalObligation {
            chain: (p.names.chain_ids.get(ci as usize).cloned())
                .unwrap_or_else(|| Text::from(chain.id.as_str())),
            args: args.iter().map(|a| self.arg_shared(a)).collect(),
            source: (p.chain_sources.get(ci as usize).cloned())
                .unwrap_or_else(|| std::sync::Arc::new(source_ref(&p.plan, &chain.origin))),
            expires_after: chain.expires_after,
            steps,
        }
    }

    /// The forbids' proofs: the instances for which each applies, with
    /// witnesses, and the names they cite. They are the first part of a
    /// proof written: this starts the proof's names (`begin_names`).
    pub(super) fn forbid_proofs(&mut self, forbids: Vec<ForbidState>) -> Forbids {
        let p = self.p;
        self.begin_names();
        let mut forbid_proofs = Vec::with_capacity(forbids.len());
        for (fi, state) in forbids.into_iter().enumerate() {
            let f = &p.forbids[fi];
            let meta = &p.plan.forbids[fi];
            let mut state = state;
            let mut proof = self.forbid_proof(fi, &mut state);
            let ForbidState { flat, applied, .. } = state;
            let mut inst_proofs = Vec::with_capacity(applied.len());
            for r in &applied {
                let vars = &flat[r.clone()];
                let bindings =
                    self.binding_proofs(&f.bindings, &p.names.forbid_var_labels[fi], vars);
                let mut id = String::new();
                self.write_instance_id(&mut id, &meta.id, &meta.bindings, vars);
                inst_proofs.push((
                    id,
                    InstanceProof {
                        bindings,
                        obligations: Few::new(),
                    },
                ));
            }
            inst_proofs.sort_by(|a, b| a.0.cmp(&b.0));
            proof.instances = inst_proofs.into_iter().map(|(_, i)| i).collect();
            forbid_proofs.push(proof);
        }
        Forbids {
            proofs: forbid_proofs,
            names: self.names_so_far(),
        }
    }

    /// The fired rules with their instances (in id order), bindings,
    /// witnesses and obligation ids.
    fn rule_proofs(
        &mut self,
        st: &Settled<'a>,
        insts: &InstanceOrder,
        ids: &ObIds,
    ) -> Vec<RuleProof> {
        let p = self.p;
        let instances = &st.instances;
        let (order, groups) = (&insts.order, &insts.groups);
        let mut rule_proofs: Vec<RuleProof> = Vec::with_capacity(groups.len());
        let mut ranks: Vec<u32> = Vec::new();
        for (ri, range) in groups {
            let (ri, range) = (*ri, range.clone());
            let rule = &p.rules[ri];
            let mut inst_proofs = Vec::with_capacity(range.len());
            for &ii in &order[range] {
                let inst = &instances[ii as usize];
                let bindings = self.binding_proofs(
                    &rule.bindings,
                    &p.names.rule_var_labels[ri],
                    &st.all_vars[inst.vars.clone()],
                );
                ranks.clear();
                ranks.extend(
                    st.all_obs[inst.obligations.clone()]
                        .iter()
                        .map(|&o| ids.rank[o as usize]),
                );
                ranks.sort_unstable();
                inst_proofs.push(InstanceProof {
                    bindings,
                    obligations: ranks.iter().copied().collect(),
                });
            }
            rule_proofs.push(RuleProof {
                id: rule.meta.id.clone(),
                source: rule.meta.source.clone(),
                clauses: rule.meta.clauses.clone(),
                instances: inst_proofs,
            });
        }
        rule_proofs
    }

    /// The rules that did not fire, with why in words, by rule id: each
    /// named by position in the plan's table of those texts
    /// ([`NotFiredTexts`]; a text not in it is made for this proof).
    pub(super) fn not_fired_proofs(&self, not_fired: Vec<(u32, NotFiredWhy)>) -> NotFiredList {
        let p = self.p;
        let table = self.not_fired_texts();
        let mut not_fired = not_fired;
        self.sort_not_fired(&mut not_fired);
        let mut list = NotFiredList::new(table.texts.clone(), not_fired.len());
        for (ri, why) in not_fired {
            let shared = match &why {
                NotFiredWhy::NoNode(i) => table.no_node(ri as usize, *i),
                NotFiredWhy::WhenFalse { unbound: true, .. } => Some(table.when_false()),
                NotFiredWhy::WhenFalse { count, .. } => table.when_false_for(*count),
                NotFiredWhy::Error(_) => None,
            };
            let why = match shared {
                Some(w) => w,
                None => list.own(self.not_fired_why(ri as usize, why)),
            };
            // A rule's position is its index in the table.
            let rule = if (ri as usize) < p.rules.len() {
                ri
            } else {
                list.own(Text::from("?"))
            };
            list.push(rule, why);
        }
        list
    }

    /// The plan's table of `not_fired` texts, laid out the first time a
    /// proof needs it.
    fn not_fired_texts(&self) -> &'a NotFiredTexts {
        let p: &'a crate::prepare::Prepared = self.p;
        p.names.not_fired.get_or_init(|| {
            NotFiredTexts::new(p.rules.iter().map(|r| (&r.meta.id, &r.meta.no_node[..])))
        })
    }

    /// Puts the rules that did not fire in rule id order (stable: the
    /// order they were found in among equal ids), by each rule's place in
    /// that order worked out once per plan (`NotFiredTexts::rank`; a rule
    /// is found once, in rule order, so equal ids keep it).
    pub(super) fn sort_not_fired(&self, not_fired: &mut [(u32, NotFiredWhy)]) {
        let rank = &self.not_fired_texts().rank;
        not_fired.sort_by_key(|&(ri, _)| rank.get(ri as usize).copied().unwrap_or(u32::MAX));
    }

    /// Why rule `ri` did not fire, in words.
    pub(super) fn not_fired_why(&self, ri: usize, why: NotFiredWhy) -> Text {
        match why {
            NotFiredWhy::NoNode(i) => self.p.rules[ri]
                .meta
                .no_node
                .get(i)
                .cloned()
                .unwrap_or_else(|| "no node for `?`".into()),
            NotFiredWhy::Error(e) => format!("its `when` could not be evaluated: {e}").into(),
            NotFiredWhy::WhenFalse { unbound: true, .. } => self.p.names.when_false.clone(),
            NotFiredWhy::WhenFalse { count, .. } => when_false_for(count).into(),
        }
    }

    /// The touched files: status, the nodes each touches and by which globs.
    pub(super) fn file_proofs(&self) -> Vec<FileProof> {
        let p = self.p;
        let statuses: FxMap<&str, &str> = self
            .change
            .files
            .iter()
            .flat_map(|f| {
                std::iter::once((f.path.as_str(), f.status.as_str()))
                    .chain(f.old_path.as_deref().map(|o| (o, "renamed_from")))
            })
            .collect();
        self.touched
            .files
            .iter()
            .map(|f| {
                let mut globs: Vec<String> = f
                    .claims
                    .iter()
                    .filter_map(|&c| p.graph.paths().claim(c))
                    .filter(|c| !matches!(c.target, ClaimTarget::Unowned))
                    .map(|c| c.glob.to_owned())
                    .collect();
                globs.sort();
                globs.dedup();
                FileProof {
                    path: f.path.clone(),
                    status: statuses
                        .get(f.path.as_str())
                        .copied()
                        .unwrap_or("modified")
                        .to_string(),
                    nodes: f.nodes.iter().map(|&n| self.node_text(n)).collect(),
                    globs,
                }
            })
            .collect()
    }

    /// The bindings of an instance to `vars`, from `sets`, its variables
    /// `var_ids` (labels: indices into `Names::labels`).
    pub(super) fn binding_proofs(
        &mut self,
        sets: &[CNodes],
        var_ids: &[u32],
        vars: &[NodeIdx],
    ) -> Few<BindingProof> {
        let mut binding = |i: usize, n: NodeIdx| BindingProof {
            witness: sets.get(i).and_then(|s| self.witness(s, n, &vars[..i])),
            var: self.label_name(var_ids.get(i).copied()),
            node: self.node_name(n),
        };
        match vars {
            [n] => Few::one(binding(0, *n)),
            _ => vars
                .iter()
                .enumerate()
                .map(|(i, &n)| binding(i, n))
                .collect::<Vec<_>>()
                .into(),
        }
    }

    /// `item(var=node, …)`, or `item` alone when it has no `for`,
    /// appended to `id`.
    pub(super) fn write_instance_id(
        &self,
        id: &mut String,
        item: &str,
        bindings: &[writ_plan::Binding],
        vars: &[NodeIdx],
    ) {
        let pairs = bindings.iter().zip(vars);
        crate::proof::write_instance_id(
            id,
            item,
            pairs.map(|(b, &n)| (b.var.as_str(), self.node_id(n))),
        );
    }
}

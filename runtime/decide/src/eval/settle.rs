//! Settling a decision in index form (the first of evaluation's two steps):
//! the rule instances that fire and the obligations they impose (keyed by
//! interned ids), the standing of each approval, check results and their
//! failures, each obligation's status, every forbid (`forbids`), and the
//! reasons that do not depend on the proof (no rule judged, unowned files,
//! input errors, unknown identities). The outcome is known at the end; the
//! proof is not written yet (`prove`).

use super::approvals::{Arg, Args, Standing};
use super::coverage::{CoverageBits, rule_flags};
use super::forbids::ForbidState;
use super::state::{Eval, FxMap, InputError};
use crate::evidence::{CheckOutcome, CheckResult};
use crate::prepare::{CArg, CNodes, CRequirement};
use crate::proof::{Effect, EvidenceKind, Outcome, Reason, RejectedEvidence, Status, StepProof};
use std::collections::BTreeSet;
use writ_graph::NodeIdx;

/// Check results by (check, node).
pub(super) type Results<'a> = FxMap<(&'a str, &'a str), Vec<&'a CheckResult>>;

pub(super) use super::state::{Instance, ObKey};

/// Why a rule did not fire (the words are written only for the proof).
pub(super) enum NotFiredWhy {
    /// Binding clause `i` had no node.
    NoNode(usize),
    /// The `when` could not be evaluated.
    Error(writ_plan::eval::EvalError),
    /// The `when` was false for every one of `count` bindings.
    WhenFalse { count: usize, unbound: bool },
}

/// Everything an evaluation decided, in index form: the outcome is known,
/// the proof is not written yet.
pub(super) struct Settled<'a> {
    pub(super) instances: Vec<Instance>,
    pub(super) all_vars: Vec<NodeIdx>,
    pub(super) all_obs: Vec<u32>,
    pub(super) obligations: Vec<ObKey<'a>>,
    /// Per obligation (in `obligations` order): its status.
    pub(super) statuses: Vec<Status>,
    /// Per approval obligation matched against approvals, its steps.
    pub(super) steps: Steps,
    pub(super) results: Results<'a>,
    pub(super) usable: Vec<usize>,
    pub(super) not_fired: Vec<(u32, NotFiredWhy)>,
    pub(super) forbids: Vec<ForbidState>,
    /// Every reason but the missing obligations (which the proof names).
    pub(super) reasons: Vec<Reason>,
    pub(super) outcome: Outcome,
    pub(super) coverage: CoverageBits,
}

/// The steps of the approval obligations matched while settling, by
/// obligation (none at all when no approval could count, so a decision
/// without approvals keeps nothing per obligation).
#[derive(Default)]
pub(super) struct Steps(Vec<Option<Vec<StepProof>>>);

impl Steps {
    /// Obligation `o`'s matched steps, if it was matched.
    pub(super) fn get(&self, o: usize) -> Option<&Vec<StepProof>> {
        self.0.get(o).and_then(Option::as_ref)
    }

    /// Obligation `o`'s matched steps, taken out, if it was matched.
    pub(super) fn take(&mut self, o: usize) -> Option<Vec<StepProof>> {
        self.0.get_mut(o).and_then(Option::take)
    }
}

impl Settled<'_> {
    /// Per obligation, the instances that impose it, in instance order:
    /// obligation `o`'s are `insts[starts[o]..starts[o + 1]]` (the inverse
    /// of each instance's obligations, built in one pass when a proof is
    /// written, so settling keeps no list per obligation).
    pub(super) fn citations(&self) -> Citations {
        let n = self.obligations.len();
        let mut starts = vec![0u32; n + 1];
        for &o in &self.all_obs {
            starts[o as usize + 1] += 1;
        }
        for i in 0..n {
            starts[i + 1] += starts[i];
        }
        let mut fill = starts.clone();
        let mut insts = vec![0u32; self.all_obs.len()];
        for (i, inst) in self.instances.iter().enumerate() {
            for &o in &self.all_obs[inst.obligations.clone()] {
                let at = &mut fill[o as usize];
                insts[*at as usize] = i as u32;
                *at += 1;
            }
        }
        Citations { starts, insts }
    }
}

/// The instances that impose each obligation ([`Settled::citations`]).
pub(super) struct Citations {
    starts: Vec<u32>,
    insts: Vec<u32>,
}

impl Citations {
    /// The instances that impose obligation `o`, in instance order.
    pub(super) fn of(&self, o: usize) -> &[u32] {
        &self.insts[self.starts[o] as usize..self.starts[o + 1] as usize]
    }
}

/// The rule instances settled so far, with their bindings and obligations
/// (flat, indexed by the instances).
struct Rules<'a> {
    instances: Vec<Instance>,
    all_vars: Vec<NodeIdx>,
    all_obs: Vec<u32>,
    not_fired: Vec<(u32, NotFiredWhy)>,
    /// Some fired rule tests the unowned files (so they do not deny).
    tests_unowned: bool,
    imposed: Imposed<'a>,
}

/// The obligations imposed so far, interned by key, and the buffers used
/// to impose one instance's.
struct Imposed<'a> {
    /// The approval obligations, interned by key.
    index: FxMap<ObKey<'a>, u32>,
    /// The check obligations without hashing: per check (an index into
    /// `Prepared::checks`), per node, its obligation (`u32::MAX`: none
    /// yet). Borrowed from `Scratch::check_obs` and handed back with every
    /// entry `u32::MAX` again (`Eval::return_check_table`).
    by_check: Vec<Vec<u32>>,
    obligations: Vec<ObKey<'a>>,
    /// The obligations of the instance being settled.
    obs: Vec<u32>,
    /// Per approval argument, its choices.
    choices: Vec<Vec<Arg<'a>>>,
    odometer: Vec<usize>,
}

impl<'a> Eval<'a, '_> {
    /// Settles the decision: see the module comment.
    pub(super) fn settle(&mut self) -> Settled<'a> {
        let p = self.p;
        let mut coverage = CoverageBits::new(p);
        let Rules {
            instances,
            all_vars,
            all_obs,
            not_fired,
            tests_unowned,
            imposed,
        } = self.settle_rules(&mut coverage);
        let obligations = imposed.obligations;
        self.return_check_table(imposed.by_check, &obligations);
        self.scratch.sizes = (instances.len(), obligations.len());

        let mut reasons: Vec<Reason> = Vec::new();
        let usable = self.usable_approvals(&mut reasons);
        let results = self.check_results();
        let (statuses, steps, any_missing) =
            self.obligation_statuses(&obligations, &results, &usable);
        self.failed_checks(&obligations, &results, &mut reasons);
        let forbids = (0..p.forbids.len())
            .map(|fi| self.settle_forbid(fi, &usable, &mut coverage, &mut reasons))
            .collect();
        self.final_reasons(instances.is_empty(), tests_unowned, &mut reasons);
        // Every reason so far denies; missing obligations leave it pending.
        let outcome = if !reasons.is_empty() {
            Outcome::Deny
        } else if any_missing {
            Outcome::Pending
        } else {
            Outcome::Allow
        };
        Settled {
            instances,
            all_vars,
            all_obs,
            obligations,
            statuses,
            steps,
            results,
            usable,
            not_fired,
            forbids,
            reasons,
            outcome,
            coverage,
        }
    }

    /// Every rule's instances that fire, with the obligations they impose.
    fn settle_rules(&mut self, coverage: &mut CoverageBits) -> Rules<'a> {
        let p = self.p;
        // Sized as the previous decision's, which is a good guess in a run.
        let (hint_instances, hint_obligations) = self.scratch.sizes;
        let mut all_vars = std::mem::take(&mut self.scratch.vars);
        all_vars.clear();
        let mut all_obs = std::mem::take(&mut self.scratch.obs);
        all_obs.clear();
        let mut instances = std::mem::take(&mut self.scratch.instances);
        instances.clear();
        instances.reserve(hint_instances);
        let mut obligations = emptied(std::mem::take(&mut self.scratch.obligations));
        obligations.reserve(hint_obligations);
        let mut rules = Rules {
            instances,
            all_vars,
            all_obs,
            not_fired: Vec::with_capacity(p.rules.len()),
            tests_unowned: false,
            imposed: Imposed {
                index: FxMap::default(),
                by_check: {
                    let mut t = std::mem::take(&mut self.scratch.check_obs);
                    t.resize_with(p.checks.len(), Vec::new);
                    t
                },
                obligations,
                obs: Vec::new(),
                choices: Vec::new(),
                odometer: Vec::new(),
            },
        };
        // Only the rules whose first binding can hold a node are looked at
        // (`RuleIndex`); every other did not fire for want of a node for
        // its first variable, which is what looking at it would say.
        let candidates = std::mem::take(&mut self.candidates);
        let mut next = 0u32;
        for &ri in &candidates {
            for skipped in next..ri {
                rules.not_fired.push((skipped, NotFiredWhy::NoNode(0)));
            }
            self.settle_rule(ri as usize, &mut rules, coverage);
            next = ri + 1;
        }
        for skipped in next..p.rules.len() as u32 {
            rules.not_fired.push((skipped, NotFiredWhy::NoNode(0)));
        }
        self.candidates = candidates;
        rules
    }

    /// Rule `ri`'s instances: those that fire are added with their
    /// obligations; when none fires, why not.
    fn settle_rule(&mut self, ri: usize, rules: &mut Rules<'a>, coverage: &mut CoverageBits) {
        let p = self.p;
        let rule = &p.rules[ri];
        let meta = &p.plan.rules[ri];
        // A rule whose first binding the change cannot fill is not looked
        // at further: the answer `instances` would give, without building
        // its set.
        if rule.bindings.first().is_some_and(|b| !self.may_hold_any(b)) {
            rules.not_fired.push((ri as u32, NotFiredWhy::NoNode(0)));
            return;
        }
        let start = rules.all_vars.len();
        let stride = rule.bindings.len();
        let count = match self.instances(rule, &mut rules.all_vars) {
            Ok(c) => c,
            Err(i) => {
                rules.not_fired.push((ri as u32, NotFiredWhy::NoNode(i)));
                return;
            }
        };
        // The commonest rule, `for x in S require check "c" on x` (no
        // `when`, one check on a bound variable): each instance imposes
        // one check obligation, interned without the general path's
        // per-instance set, sort and merge. The same instances,
        // obligations, order and coverage as the loop below. Every field
        // named (no `..`), as in `impose`: a new part of a rule is a
        // compile error here until this path imposes it or leaves the rule
        // to the general one.
        let crate::prepare::CItem {
            bindings: _,
            when,
            requirements,
            tests_unowned,
            unless: _,
            meta: _,
        } = rule;
        if let (
            None,
            [
                CRequirement::Check {
                    check,
                    on: CNodes::Var(v),
                },
            ],
        ) = (when, requirements.as_slice())
        {
            if (*v as usize) < stride && count > 0 {
                let node_count = p.graph.node_count();
                let imposed = &mut rules.imposed;
                for k in 0..count {
                    let range = start + k * stride..start + (k + 1) * stride;
                    let n = rules.all_vars[range.start + *v as usize];
                    let o = check_obligation(imposed, node_count, *check, n);
                    let at = rules.all_obs.len();
                    rules.all_obs.push(o);
                    rules.instances.push(Instance {
                        item: ri as u32,
                        vars: range,
                        obligations: at..at + 1,
                    });
                }
                coverage.impose(p, ri, 0);
                rules.tests_unowned |= *tests_unowned;
                coverage.rules[ri] |= rule_flags::FIRED;
                return;
            }
        }
        let mut fired_any = false;
        let mut when_error = None;
        for k in 0..count {
            let range = start + k * stride..start + (k + 1) * stride;
            let vars = &rules.all_vars[range.clone()];
            let fires = match &rule.when {
                None => true,
                Some(w) => match self.truth(w, vars) {
                    Ok(b) => b,
                    Err(e) => {
                        when_error.get_or_insert(e);
                        false
                    }
                },
            };
            if rule.when.is_some() {
                coverage.rules[ri] |= if fires {
                    rule_flags::WHEN_TRUE
                } else {
                    rule_flags::WHEN_FALSE
                };
            }
            if !fires {
                continue;
            }
            fired_any = true;
            rules.tests_unowned |= rule.tests_unowned;
            self.impose(ri, vars, &mut rules.imposed, coverage);
            let o = rules.all_obs.len();
            rules.all_obs.extend_from_slice(&rules.imposed.obs);
            rules.instances.push(Instance {
                item: ri as u32,
                vars: range,
                obligations: o..rules.all_obs.len(),
            });
        }
        if let Some(e) = &when_error {
            self.errors.push(InputError::RuleWhen {
                rule: meta.id.clone(),
                error: e.clone(),
            });
        }
        if fired_any {
            coverage.rules[ri] |= rule_flags::FIRED;
        } else {
            let why = match when_error {
                Some(e) => NotFiredWhy::Error(e),
                None => NotFiredWhy::WhenFalse {
                    count,
                    unbound: stride == 0,
                },
            };
            rules.not_fired.push((ri as u32, why));
        }
    }

    /// The obligations an instance of rule `ri` bound to `vars` imposes,
    /// into `imposed.obs` (sorted, distinct).
    fn impose(
        &mut self,
        ri: usize,
        vars: &[NodeIdx],
        imposed: &mut Imposed<'a>,
        coverage: &mut CoverageBits,
    ) {
        let p = self.p;
        let rule = &p.rules[ri];
        // Every field named (no `..`): a new kind of requirement is a
        // compile error here until it imposes its obligations.
        let crate::prepare::CItem {
            bindings: _,
            when: _,
            requirements: _,
            tests_unowned: _,
            unless: _,
            meta: _,
        } = rule;
        let node_count = p.graph.node_count();
        let Imposed {
            index,
            by_check,
            obligations,
            obs,
            choices,
            odometer,
        } = imposed;
        obs.clear();
        for (k, requirement) in rule.requirements.iter().enumerate() {
            match requirement {
                CRequirement::Check { check, on } => {
                    let nodes = self.nodes(on, vars);
                    for &n in nodes.as_slice() {
                        coverage.impose(p, ri, k);
                        obs.push(check_obligation_in(
                            index,
                            by_check,
                            obligations,
                            node_count,
                            *check,
                            n,
                        ));
                    }
                }
                CRequirement::Approval { chain, args } => {
                    // The choices for each argument; every combination, the
                    // last argument varying fastest.
                    if choices.len() < args.len() {
                        choices.resize_with(args.len(), Vec::new);
                    }
                    let mut total = 1usize;
                    for (a, c) in args.iter().zip(choices.iter_mut()) {
                        c.clear();
                        match a {
                            CArg::Node(s) => {
                                let nodes = self.nodes(s, vars);
                                c.extend(nodes.as_slice().iter().map(|&n| Arg::Node(n)));
                            }
                            CArg::Team(t) => c.push(Arg::Team(t)),
                            CArg::Person(p) => c.push(Arg::Person(p)),
                        }
                        total = total.saturating_mul(c.len());
                    }
                    let choices = &choices[..args.len()];
                    odometer.clear();
                    odometer.resize(args.len(), 0);
                    for _ in 0..total {
                        let combo = Args::new(odometer.iter().zip(choices).map(|(&i, c)| c[i]));
                        coverage.impose(p, ri, k);
                        obs.push(add_obligation(
                            index,
                            obligations,
                            ObKey::Approval(*chain, combo),
                        ));
                        for j in (0..odometer.len()).rev() {
                            odometer[j] += 1;
                            if odometer[j] < choices[j].len() {
                                break;
                            }
                            odometer[j] = 0;
                        }
                    }
                }
            }
        }
        obs.sort_unstable();
        obs.dedup();
    }

    /// Hands the check-obligation table back to the scratch space, every
    /// entry the decision set (those of `obligations`) `u32::MAX` again.
    fn return_check_table(&mut self, mut by_check: Vec<Vec<u32>>, obligations: &[ObKey<'a>]) {
        for key in obligations {
            if let ObKey::Check(c, n) = key {
                if let Some(x) = by_check
                    .get_mut(*c as usize)
                    .and_then(|t| t.get_mut(n.index()))
                {
                    *x = u32::MAX;
                }
            }
        }
        self.scratch.check_obs = by_check;
    }

    /// The approvals that can count (indices into the evidence); the others
    /// are rejected, and an invalid one denies.
    fn usable_approvals(&mut self, reasons: &mut Vec<Reason>) -> Vec<usize> {
        let mut usable = Vec::new();
        for (i, a) in self.evidence.approvals.iter().enumerate() {
            match self.standing(a, &self.p.digest) {
                Standing::Usable => usable.push(i),
                Standing::Invalid(why) => {
                    self.rejected.insert(RejectedEvidence {
                        kind: EvidenceKind::Approval,
                        subject: a.person.clone(),
                        digest: a.digest.clone(),
                        reason: why.clone(),
                        effect: Effect::Denies,
                    });
                    reasons.push(Reason::InvalidApproval {
                        person: a.person.clone(),
                        digest: a.digest.clone(),
                        why,
                    });
                }
                Standing::Ignored(why) => {
                    self.rejected.insert(RejectedEvidence {
                        kind: EvidenceKind::Approval,
                        subject: a.person.clone(),
                        digest: a.digest.clone(),
                        reason: why,
                        effect: Effect::Ignored,
                    });
                }
            }
        }
        usable
    }

    /// Every check result, indexed by (check, node).
    fn check_results(&self) -> Results<'a> {
        let mut results: Results<'a> = FxMap::default();
        for r in &self.evidence.checks {
            results
                .entry((r.check.as_str(), r.node.as_str()))
                .or_default()
                .push(r);
        }
        results
    }

    /// Each obligation's status and, for an approval matched against
    /// approvals, its steps (approvals are matched only when some approval
    /// can count); whether any is missing.
    fn obligation_statuses(
        &mut self,
        obligations: &[ObKey<'a>],
        results: &Results<'a>,
        usable: &[usize],
    ) -> (Vec<Status>, Steps, bool) {
        let p = self.p;
        let mut statuses = std::mem::take(&mut self.scratch.statuses);
        statuses.clear();
        statuses.reserve(obligations.len());
        let mut steps = Vec::new();
        if !usable.is_empty() {
            steps.reserve(obligations.len());
        }
        let mut any_missing = false;
        for key in obligations {
            let (status, matched) = match key {
                ObKey::Check(c, n) => {
                    let rs = if results.is_empty() {
                        &[][..]
                    } else {
                        results
                            .get(&(p.checks[*c as usize].as_str(), self.node_id(*n)))
                            .map_or(&[][..], Vec::as_slice)
                    };
                    let status = if rs
                        .iter()
                        .any(|r| matches!(r.outcome, CheckOutcome::Failed { .. }))
                    {
                        Status::Failed
                    } else if rs.is_empty() {
                        Status::Missing
                    } else {
                        Status::Satisfied
                    };
                    (status, None)
                }
                ObKey::Approval(ci, args) => {
                    let chain = &p.plan.chains[*ci as usize];
                    let (ok, matched) = if usable.is_empty() {
                        // Without approvals only a step that needs no one is met.
                        (chain.steps.iter().all(|s| s.count == Some(0)), None)
                    } else {
                        let (ok, st) = self.match_chain(*ci, args, usable);
                        (ok, Some(st))
                    };
                    let status = if ok {
                        Status::Satisfied
                    } else {
                        Status::Missing
                    };
                    (status, matched)
                }
            };
            any_missing |= status == Status::Missing;
            statuses.push(status);
            if !usable.is_empty() {
                steps.push(matched);
            }
        }
        (statuses, Steps(steps), any_missing)
    }

    /// A reason for every failed check result (any failure denies), saying
    /// whether some obligation required it.
    fn failed_checks(
        &self,
        obligations: &[ObKey<'a>],
        results: &Results<'a>,
        reasons: &mut Vec<Reason>,
    ) {
        if results.is_empty() {
            return;
        }
        let p = self.p;
        let mut required: BTreeSet<(&str, &str)> = BTreeSet::new();
        for key in obligations {
            if let ObKey::Check(c, n) = key {
                required.insert((p.checks[*c as usize].as_str(), self.node_id(*n)));
            }
        }
        let mut check_keys: Vec<&(&str, &str)> = results.keys().collect();
        check_keys.sort();
        for key in check_keys {
            for r in &results[key] {
                if let CheckOutcome::Failed { reason } = &r.outcome {
                    reasons.push(Reason::CheckFailed {
                        check: r.check.clone(),
                        node: r.node.clone(),
                        reason: reason.clone(),
                        required: required.contains(key),
                    });
                }
            }
        }
    }

    /// The reasons that do not depend on obligations: no rule judged the
    /// change, unowned files, input errors, unknown identities.
    fn final_reasons(&mut self, judged_none: bool, tests_unowned: bool, reasons: &mut Vec<Reason>) {
        if judged_none {
            reasons.push(Reason::NoRuleJudged);
        }
        if !self.touched.unowned.is_empty() && !tests_unowned {
            reasons.push(Reason::UnownedFiles {
                files: self.touched.unowned.clone(),
            });
        }
        for error in std::mem::take(&mut self.errors) {
            reasons.push(Reason::InvalidInput {
                message: error.to_string(),
            });
        }
        // Identity is resolved or the change cannot be allowed.
        let identities = std::iter::once(("author", &self.change.author))
            .chain(self.change.contributors.iter().map(|c| ("contributor", c)));
        for (role, who) in identities {
            let known = who
                .id
                .as_deref()
                .is_some_and(|id| self.p.graph.person(id).is_some());
            if !known {
                reasons.push(Reason::UnknownIdentity {
                    role: role.into(),
                    name: who.name.clone(),
                    email: who.email.clone(),
                });
            }
        }
    }
}

impl<'a> Eval<'a, '_> {
    /// Hands a settled decision's large buffers (instances, obligations,
    /// statuses, bindings, obligation lists) back to the scratch space,
    /// emptied, when its verdict is dropped; a buffer already handed back
    /// (the proof writers return the bindings and lists) is kept.
    pub(super) fn recycle(&mut self, st: &mut Settled<'a>) {
        fn keep<T>(slot: &mut Vec<T>, mut v: Vec<T>) {
            if v.capacity() > slot.capacity() {
                v.clear();
                *slot = v;
            }
        }
        let s = &mut *self.scratch;
        keep(&mut s.instances, std::mem::take(&mut st.instances));
        keep(&mut s.statuses, std::mem::take(&mut st.statuses));
        keep(&mut s.vars, std::mem::take(&mut st.all_vars));
        keep(&mut s.obs, std::mem::take(&mut st.all_obs));
        let obligations = std::mem::take(&mut st.obligations);
        if obligations.capacity() > s.obligations.capacity() {
            s.obligations = emptied(obligations);
        }
    }
}

/// The obligation list `v` emptied, for keys of another lifetime: the same
/// allocation when the standard library collects in place (it does for a
/// vector into one of the same layout), else a fresh empty one; either way
/// no key survives.
// `filter` cannot change the item's lifetime, which is the point here.
#[allow(clippy::unnecessary_filter_map)]
fn emptied<'x>(mut v: Vec<ObKey<'_>>) -> Vec<ObKey<'x>> {
    v.clear();
    v.into_iter().filter_map(|_| None).collect()
}

/// The check obligation of `check` on `n`, interned: looked up by check
/// and node in the table, without hashing, for a node of the graph.
#[inline]
fn check_obligation(imposed: &mut Imposed<'_>, node_count: usize, check: u32, n: NodeIdx) -> u32 {
    check_obligation_in(
        &mut imposed.index,
        &mut imposed.by_check,
        &mut imposed.obligations,
        node_count,
        check,
        n,
    )
}

/// [`check_obligation`] on the parts of [`Imposed`].
#[inline]
fn check_obligation_in<'a>(
    index: &mut FxMap<ObKey<'a>, u32>,
    by_check: &mut [Vec<u32>],
    obligations: &mut Vec<ObKey<'a>>,
    node_count: usize,
    check: u32,
    n: NodeIdx,
) -> u32 {
    let slot = by_check.get_mut(check as usize).and_then(|t| {
        if t.len() != node_count {
            *t = vec![u32::MAX; node_count];
        }
        t.get_mut(n.index())
    });
    match slot {
        Some(o) if *o != u32::MAX => *o,
        Some(o) => {
            *o = obligations.len() as u32;
            obligations.push(ObKey::Check(check, n));
            *o
        }
        // Never for a node of the graph: interned by hashing.
        None => add_obligation(index, obligations, ObKey::Check(check, n)),
    }
}

fn add_obligation<'a>(
    index: &mut FxMap<ObKey<'a>, u32>,
    list: &mut Vec<ObKey<'a>>,
    key: ObKey<'a>,
) -> u32 {
    use std::collections::hash_map::Entry;
    match index.entry(key) {
        Entry::Occupied(e) => *e.get(),
        Entry::Vacant(e) => {
            let i = list.len() as u32;
            list.push(e.key().clone());
            e.insert(i);
            i
        }
    }
}

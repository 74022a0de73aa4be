//! Approvals: whether a signed approval can count at all (`standing`:
//! known human, verified, bound to this change and plan, not an author, not
//! from the future), who a step names and who of them may approve it
//! (`step_people`, worked out once per step: matching counts its
//! `eligible`, an `unblock` goes through its `sourced`), how a
//! source and a chain argument are described in the proof, and matching
//! approvals to a chain's or an emergency path's steps (`match_chain`,
//! `match_steps`: one approval per person, expiry, steps in order, the
//! assignment itself in `crate::assign`); who can unblock a missing
//! obligation with which command is `unblock.rs` (re-exported here).

use super::state::{CLOCK_SKEW, Eval};
use crate::assign::Assignment;
use crate::evidence::Approval;
use crate::proof::{ApprovalUse, Effect, EvidenceKind, RejectedEvidence, StepProof, Text};
use crate::time::format_rfc3339;
use std::collections::BTreeMap;
use writ_graph::{NodeIdx, Principal, PrincipalKind};
use writ_plan::{ApprovalStep, Approvers};

pub(super) use super::state::{Arg, Args};
pub(super) use super::unblock::{
    APPROVE, CommandTemplates, Offered, Sourced, StepPeople, check_argv,
};

/// Why an approval cannot count at all.
pub(super) enum Standing {
    Usable,
    Invalid(String),
    Ignored(String),
}

/// What a set of approval steps is matched for: a chain, or an emergency
/// path (which only approvals naming it can satisfy).
#[derive(Clone, Copy)]
pub(super) struct Target<'t> {
    /// The chain's or emergency path's id.
    pub(super) id: &'t str,
    /// Approvals older than this many seconds do not count.
    pub(super) expires_after: Option<u64>,
    /// An emergency path: approvals that name no chain never count.
    pub(super) emergency: bool,
}

/// Approvals matched to a chain's steps ([`Eval::match_chain_people`]).
pub(super) struct Matched<'a> {
    /// Every step has its approvals.
    pub(super) ok: bool,
    /// Each step's proof: sources, need, eligible count, approvals used.
    pub(super) steps: Vec<StepProof>,
    /// Each step's people, for its `unblock`.
    pub(super) people: Vec<StepPeople<'a>>,
}

impl<'a> Eval<'a, '_> {
    pub(super) fn standing(&self, a: &Approval, plan_digest: &str) -> Standing {
        if self.p.graph.person(&a.person).is_none() {
            return Standing::Invalid(format!(
                "`{}` is not a person of the graph (add them, with their key, to approve)",
                a.person
            ));
        }
        if !a.signature_verified {
            return Standing::Invalid(
                "its signature did not verify against the person's keys".into(),
            );
        }
        // An approval bound to another change or plan says nothing about this
        // one: it is ignored (not invalid), whoever signed it.
        if a.change_id != self.change.id {
            return Standing::Ignored(format!(
                "for another change: bound to change `{}`, not `{}`",
                a.change_id, self.change.id
            ));
        }
        if a.change_digest != self.change_digest {
            return Standing::Ignored(format!(
                "stale: bound to digest {} of this change, not {} (the change was updated after approval)",
                a.change_digest, self.change_digest
            ));
        }
        if a.plan_digest != plan_digest {
            return Standing::Ignored(format!(
                "bound to plan {}, not {}",
                a.plan_digest, plan_digest
            ));
        }
        let Some(person) = self.p.graph.person(&a.person) else {
            return Standing::Invalid("the graph knows no such person".into());
        };
        if person.kind == PrincipalKind::Agent {
            return Standing::Invalid("agents never approve".into());
        }
        if self.authors.contains(&a.person.as_str()) {
            if self.change.author.id.as_deref() == Some(a.person.as_str()) {
                return Standing::Invalid("the author never approves their own change".into());
            }
            return Standing::Invalid(
                "a contributor to the change (a committer, co-author or uploader) never approves it"
                    .into(),
            );
        }
        if a.signed_at > self.now + CLOCK_SKEW {
            return Standing::Ignored(format!(
                "signed at {}, after the decision time",
                format_rfc3339(a.signed_at)
            ));
        }
        if let Some(c) = &a.chain {
            if self.p.plan.chain(c).is_none() && self.p.plan.emergency(c).is_none() {
                return Standing::Ignored(format!(
                    "this plan has no approval chain or emergency path `{c}`"
                ));
            }
        }
        Standing::Usable
    }

    /// Appends the people source `src` names (bound to `args`) to `out`:
    /// a team's members, a person the graph knows, the people owning a
    /// node (directly or through a team), unsorted; each with whether they
    /// are a human the graph knows (a team's from the plan's
    /// `Names::team_humans`, a person's from their entry, a node's owners
    /// from `Names::owner_principals`: no person or owner is looked up by
    /// name per decision).
    fn people_into(&self, src: &Approvers, args: &[Arg<'a>], out: &mut Vec<Sourced<'a>>) {
        let g = &self.p.graph;
        // A person's index when they are a human.
        let human = |i: usize| {
            (g.people()[i].kind == PrincipalKind::Human)
                .then(|| u32::try_from(i).ok())
                .flatten()
        };
        let sourced = |name: &'a str, human: Option<u32>| Sourced {
            name,
            human,
            eligible: false,
        };
        let team_at = |i: usize, out: &mut Vec<Sourced<'a>>| {
            let humans = self.p.names.team_humans(g, i);
            let members = g.teams()[i].members.iter();
            out.extend(
                members
                    .zip(humans)
                    .map(|(m, &h)| sourced(m.value.as_str(), h)),
            );
        };
        // A node's owners' people (as `Graph::owner_people_of` names
        // them, without its set: the step's people are sorted once).
        let owners = |n: NodeIdx, out: &mut Vec<Sourced<'a>>| {
            for &o in self.p.names.owner_principals(g, n) {
                match o {
                    Some(Principal::Person(i)) => {
                        out.push(sourced(g.people()[i].id.value.as_str(), human(i)));
                    }
                    Some(Principal::Team(i)) => team_at(i, out),
                    None => {}
                }
            }
        };
        let team = |t: &str, out: &mut Vec<Sourced<'a>>| {
            if let Some(Principal::Team(i)) = g.principal(t) {
                team_at(i, out);
            }
        };
        let person = |p: &str, out: &mut Vec<Sourced<'a>>| {
            if let Some(Principal::Person(i)) = g.principal(p) {
                out.push(sourced(g.people()[i].id.value.as_str(), human(i)));
            }
        };
        match src {
            Approvers::Team(t) => team(t, out),
            Approvers::Person(p) => person(p, out),
            Approvers::OwnersOfParam(i) => match args.get(*i as usize) {
                Some(Arg::Node(n)) => owners(*n, out),
                Some(Arg::Team(_) | Arg::Person(_)) | None => {}
            },
            Approvers::Param(i) => match args.get(*i as usize) {
                Some(Arg::Team(t)) => team(t, out),
                Some(Arg::Person(p)) => person(p, out),
                Some(Arg::Node(n)) => owners(*n, out),
                None => {}
            },
            Approvers::OwnersOfNode(i) => {
                if let Some(n) = self.p.node_of_plan(*i) {
                    owners(n, out);
                }
            }
            Approvers::OwnersOfTouched => {
                for &n in &self.touched.nodes {
                    owners(n, out);
                }
            }
        }
    }

    /// Who step `step` (bound to `args`) names and who of them may
    /// approve it: the one place either is worked out. Matching counts
    /// and fills [`StepPeople::eligible`]; an `unblock` names each of
    /// [`StepPeople::sourced`] as able to approve or says why not.
    pub(super) fn step_people(&self, step: &ApprovalStep, args: &[Arg<'a>]) -> StepPeople<'a> {
        let mut sourced = Vec::with_capacity(8);
        for s in &step.sources {
            self.people_into(s, args, &mut sourced);
        }
        // Whether a name is a known human depends on the name alone: the
        // people sorted by name, each once.
        sourced.sort_unstable_by(|a, b| a.name.cmp(b.name));
        sourced.dedup_by(|a, b| a.name == b.name);
        let mut eligible = Vec::with_capacity(sourced.len());
        for s in &mut sourced {
            s.eligible = s.human.is_some() && !self.authors.contains(&s.name);
            if s.eligible {
                eligible.push(s.name);
            }
        }
        StepPeople { sourced, eligible }
    }

    /// The people who may approve a step: its sources, less the authors
    /// and agents, sorted ([`StepPeople::eligible`]).
    pub(super) fn eligible(&self, step: &ApprovalStep, args: &[Arg<'a>]) -> Vec<&'a str> {
        self.step_people(step, args).eligible
    }

    /// An argument as the proof writes it ([`Eval::write_arg`]): a node's
    /// shared id, or `team "x"` / `person "p"` made for it.
    pub(super) fn arg_shared(&self, a: &Arg<'_>) -> Text {
        match a {
            Arg::Node(n) => self.node_text(*n),
            Arg::Team(_) | Arg::Person(_) => {
                let mut s = String::with_capacity(32);
                self.write_arg(&mut s, a);
                Text::from(s)
            }
        }
    }

    /// Approval obligation `approval chain(args…)`'s id, appended to `out`.
    pub(super) fn write_approval_id(&self, out: &mut String, ci: u32, args: &[Arg<'_>]) {
        let chain = &self.p.plan.chains[ci as usize].id;
        crate::proof::write_approval_id(out, chain, args, |out, a| self.write_arg(out, a));
    }

    /// An argument as the proof writes it: a node id, `team "x"` or
    /// `person "p"`, appended to `out`.
    pub(super) fn write_arg(&self, out: &mut String, a: &Arg<'_>) {
        match a {
            Arg::Node(n) => out.push_str(self.node_id(*n)),
            Arg::Team(t) => {
                out.push_str("team \"");
                out.push_str(t);
                out.push('"');
            }
            Arg::Person(p) => {
                out.push_str("person \"");
                out.push_str(p);
                out.push('"');
            }
        }
    }

    /// Source `src` as the proof writes it (`team "x"`,
    /// `owners(svc=ehr)`: [`Eval::write_source`]).
    pub(super) fn describe_source(
        &self,
        src: &Approvers,
        params: &[String],
        args: &[Arg<'_>],
    ) -> String {
        let mut s = String::with_capacity(32);
        self.write_source(&mut s, src, params, args);
        s
    }

    /// Source `src` bound to `args` as the proof writes it, appended to
    /// `out`: `team "x"`, `person "p"`, `owners(svc=ehr)`, `svc=ehr`,
    /// `owners(node "n")`, `owners of the touched nodes` (`?` for a
    /// parameter or node that is not there).
    pub(super) fn write_source(
        &self,
        out: &mut String,
        src: &Approvers,
        params: &[String],
        args: &[Arg<'_>],
    ) {
        let param = |out: &mut String, i: u32| {
            out.push_str(params.get(i as usize).map_or("?", String::as_str));
            out.push('=');
            match args.get(i as usize) {
                Some(a) => self.write_arg(out, a),
                None => out.push('?'),
            }
        };
        match src {
            Approvers::Team(t) => {
                out.push_str("team \"");
                out.push_str(t);
                out.push('"');
            }
            Approvers::Person(p) => {
                out.push_str("person \"");
                out.push_str(p);
                out.push('"');
            }
            Approvers::OwnersOfParam(i) => {
                out.push_str("owners(");
                param(out, *i);
                out.push(')');
            }
            Approvers::Param(i) => param(out, *i),
            Approvers::OwnersOfNode(i) => {
                out.push_str("owners(node \"");
                out.push_str(self.p.node_of_plan(*i).map_or("?", |n| self.node_id(n)));
                out.push_str("\")");
            }
            Approvers::OwnersOfTouched => out.push_str("owners of the touched nodes"),
        }
    }

    /// Matches approvals to the steps of chain `ci` bound to `args`.
    pub(super) fn match_chain(
        &mut self,
        ci: u32,
        args: &[Arg<'a>],
        usable: &[usize],
    ) -> (bool, Vec<StepProof>) {
        let m = self.match_chain_people(ci, args, usable, true);
        (m.ok, m.steps)
    }

    /// [`Eval::match_chain`], with who each step names and who of them
    /// may approve it (for the obligation's `unblock`); each step's
    /// `sources` described only if `describe` (a writer that writes them
    /// from the plan, [`Eval::write_source`], leaves them empty).
    pub(super) fn match_chain_people(
        &mut self,
        ci: u32,
        args: &[Arg<'a>],
        usable: &[usize],
        describe: bool,
    ) -> Matched<'a> {
        let chain = &self.p.plan.chains[ci as usize];
        let target = Target {
            id: &chain.id,
            expires_after: chain.expires_after,
            emergency: false,
        };
        let params = describe.then_some(&chain.params[..]);
        self.match_steps_people(&chain.steps, params, args, target, usable)
    }

    /// Matches approvals to steps: distinct people, each counted once per
    /// chain, steps in order. Returns per step (need, eligible, approvals used).
    pub(super) fn match_steps(
        &mut self,
        steps: &[ApprovalStep],
        params: &[String],
        args: &[Arg<'a>],
        target: Target<'_>,
        usable: &[usize],
    ) -> (bool, Vec<StepProof>) {
        let m = self.match_steps_people(steps, Some(params), args, target, usable);
        (m.ok, m.steps)
    }

    /// [`Eval::match_steps`], with each step's [`StepPeople`]; its
    /// sources described with `params` (left empty when `None`).
    fn match_steps_people(
        &mut self,
        steps: &[ApprovalStep],
        params: Option<&[String]>,
        args: &[Arg<'a>],
        target: Target<'_>,
        usable: &[usize],
    ) -> Matched<'a> {
        let people: Vec<StepPeople<'a>> = steps.iter().map(|s| self.step_people(s, args)).collect();
        let needs: Vec<u32> = steps
            .iter()
            .zip(&people)
            .map(|(s, e)| match s.count {
                Some(n) => n,
                None => (e.eligible.len() as u32).max(1),
            })
            .collect();
        if usable.is_empty() {
            // Nothing to match (the common case while approvals are pending).
            let proofs = self.step_proofs(steps, &people, &needs, params, args);
            let ok = proofs.iter().all(|s| s.need == 0);
            return Matched {
                ok,
                steps: proofs,
                people,
            };
        }
        let cands = self.candidates(&people, target, usable);
        let times: Vec<i64> = cands.iter().map(|c| c.1.signed_at).collect();
        let candidates_of: Vec<Vec<usize>> = people
            .iter()
            .map(|e| {
                (0..cands.len())
                    .filter(|&c| e.eligible.binary_search(&cands[c].0).is_ok())
                    .collect()
            })
            .collect();
        let assignment = crate::assign::assign(&times, &candidates_of, &needs);
        if !assignment.complete && steps.len() > 1 {
            self.reject_early(target.id, &cands, &candidates_of, &needs, &assignment);
        }
        let mut proofs = self.step_proofs(steps, &people, &needs, params, args);
        for (c, step) in assignment.step_of.iter().enumerate() {
            if let Some(step) = step {
                let a = cands[c].1;
                proofs[*step].approvals.push(ApprovalUse {
                    person: a.person.clone(),
                    key: a.key.clone(),
                    digest: a.digest.clone(),
                    signed_at: format_rfc3339(a.signed_at),
                });
            }
        }
        let ok = proofs
            .iter()
            .all(|s| s.approvals.len() as u32 >= s.need && s.eligible >= s.need);
        Matched {
            ok,
            steps: proofs,
            people,
        }
    }

    /// The steps' proofs without approvals: sources (described with
    /// `params`; none when `None`), need, eligible count.
    fn step_proofs(
        &self,
        steps: &[ApprovalStep],
        people: &[StepPeople<'a>],
        needs: &[u32],
        params: Option<&[String]>,
        args: &[Arg<'a>],
    ) -> Vec<StepProof> {
        steps
            .iter()
            .zip(people)
            .zip(needs)
            .map(|((s, e), &need)| StepProof {
                sources: params.map_or_else(Vec::new, |params| {
                    (s.sources.iter())
                        .map(|x| self.describe_source(x, params, args))
                        .collect()
                }),
                need,
                eligible: e.eligible.len() as u32,
                approvals: Vec::new(),
            })
            .collect()
    }

    /// The approvals that may fill some step of `target`, one per person:
    /// the latest (then the smallest digest), by person. Those that name
    /// `target` but cannot count for it are rejected.
    fn candidates(
        &mut self,
        people: &[StepPeople<'a>],
        target: Target<'_>,
        usable: &[usize],
    ) -> Vec<(&'a str, &'a Approval)> {
        let Target {
            id: target,
            expires_after,
            emergency: named_only,
        } = target;
        let mut by_person: BTreeMap<&'a str, &'a Approval> = BTreeMap::new();
        for &i in usable {
            let a = &self.evidence.approvals[i];
            if a.chain.as_deref().is_some_and(|c| c != target) {
                continue;
            }
            let in_some_step = people
                .iter()
                .any(|e| e.eligible.binary_search(&a.person.as_str()).is_ok());
            if !in_some_step {
                if a.chain.is_some() {
                    self.rejected.insert(RejectedEvidence {
                        kind: EvidenceKind::Approval,
                        subject: a.person.clone(),
                        digest: a.digest.clone(),
                        reason: format!(
                            "`{}` may not approve `{target}` for this change",
                            a.person
                        ),
                        effect: Effect::Ignored,
                    });
                }
                continue;
            }
            if named_only && a.chain.is_none() {
                self.rejected.insert(RejectedEvidence {
                    kind: EvidenceKind::Approval,
                    subject: a.person.clone(),
                    digest: a.digest.clone(),
                    reason: format!(
                        "an approval that names no chain never breaks the glass: sign it for \
                         `{target}` (`writ approve --chain {target}`)"
                    ),
                    effect: Effect::Ignored,
                });
                continue;
            }
            if let Some(limit) = expires_after {
                if self.now.saturating_sub(a.signed_at) > i64::try_from(limit).unwrap_or(i64::MAX) {
                    self.rejected.insert(RejectedEvidence {
                        kind: EvidenceKind::Approval,
                        subject: a.person.clone(),
                        digest: a.digest.clone(),
                        reason: format!(
                            "expired for `{target}`: signed at {}, approvals expire after {}",
                            format_rfc3339(a.signed_at),
                            crate::time::format_duration(limit)
                        ),
                        effect: Effect::Ignored,
                    });
                    continue;
                }
            }
            let better = match by_person.get(a.person.as_str()) {
                None => true,
                Some(b) => {
                    (a.signed_at, std::cmp::Reverse(&a.digest))
                        > (b.signed_at, std::cmp::Reverse(&b.digest))
                }
            };
            if better {
                by_person.insert(a.person.as_str(), a);
            }
        }
        by_person.into_iter().collect()
    }

    /// Rejects the approvals left out because they came before the step they
    /// could fill was reached: signed before the previous step was complete.
    fn reject_early(
        &mut self,
        target: &str,
        cands: &[(&'a str, &'a Approval)],
        candidates_of: &[Vec<usize>],
        needs: &[u32],
        assignment: &Assignment,
    ) {
        let times: Vec<i64> = cands.iter().map(|c| c.1.signed_at).collect();
        let mut done_at: Vec<Option<i64>> = vec![None; needs.len()];
        for (s, slot) in done_at.iter_mut().enumerate() {
            let used: Vec<i64> = (0..cands.len())
                .filter(|&c| assignment.step_of[c] == Some(s))
                .map(|c| times[c])
                .collect();
            if used.len() as u32 >= needs[s] {
                *slot = used.into_iter().max();
            }
        }
        for c in 0..cands.len() {
            if assignment.step_of[c].is_some() {
                continue;
            }
            let early = (1..needs.len()).find(|&s| {
                candidates_of[s].contains(&c) && done_at[s - 1].is_some_and(|t| times[c] < t)
            });
            if let Some(s) = early {
                let a = cands[c].1;
                self.rejected.insert(RejectedEvidence {
                    kind: EvidenceKind::Approval,
                    subject: a.person.clone(),
                    digest: a.digest.clone(),
                    reason: format!(
                        "`{target}` step {}: signed at {}, before step {} was complete \
                         (`then` steps are approved in order)",
                        s + 1,
                        format_rfc3339(a.signed_at),
                        s
                    ),
                    effect: Effect::Ignored,
                });
            }
        }
    }
}

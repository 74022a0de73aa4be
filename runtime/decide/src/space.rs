//! The change space: the finite set of changes a policy can tell apart, and
//! synthetic changes the real decider decides.
//!
//! This file owns what `writ prove` (and `writ diff`) enumerate:
//!
//! - the **author classes** ([`AuthorClass`]): people of the graph grouped
//!   by everything a plan can observe of an author — human or agent, the
//!   teams and persons the plan names, and whether they own a touched node
//!   or another node the change can reach — plus the unknown author. Two
//!   people of one class are interchangeable for every rule, forbid and
//!   chain of the plan, so one representative per class stands for all;
//! - the **labels** the plan tests and the **decision times** that stand for
//!   every region between the time literals it compares against
//!   ([`Space::labels`], [`Space::times`]);
//! - a **path** per node that touches that node and no other
//!   ([`Space::path_for`]), so a scenario's touched set is exact;
//! - the **synthetic change** for a [`Scenario`] ([`Space::change`]) and the
//!   **strongest evidence** for it ([`Space::strongest_evidence`]: every
//!   check passes, every person who may approve approves, every emergency
//!   path is broken by who may break it) — so "can this change ever be
//!   allowed?" is one decision of the real decider.
//!
//! What the abstraction does not distinguish is listed in `docs/prove.md`.

mod glob_paths;
mod literals;
mod people;

use crate::{Approval, CheckOutcome, CheckResult, Evidence, Outcome, Prepared, Scratch};
use glob_paths::candidates;
use literals::Literals;
use people::People;
use std::collections::{BTreeMap, BTreeSet};
use writ_graph::index::{Direction, EdgeMask, NodeIdx};
use writ_graph::{Change, ChangeFile, FileStatus, Identity, PrincipalKind};
use writ_plan::ir::{Approvers, ChainArg, Requirement};

/// The decision time used when the plan compares no time literal
/// (2026-01-01T00:00:00Z, the same default as policy tests).
pub(crate) const DEFAULT_TIME: i64 = crate::testing::DEFAULT_TEST_TIME;

/// At most this many labels are enumerated (2^N label sets).
pub(crate) const MAX_LABELS: usize = 8;

/// One class of authors: everything the plan can observe of an author.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AuthorClass {
    /// `None` for the unknown author (resolves to no person of the graph).
    pub kind: Option<PrincipalKind>,
    /// Touched nodes the author owns (directly or through a team), sorted ids.
    pub owns: Vec<String>,
    /// Whether the author owns a node the change reaches or exposes but does
    /// not touch.
    pub owns_reached: bool,
    /// Teams named by the plan that the author belongs to, sorted.
    pub teams: Vec<String>,
    /// The author is a person the plan names (`person "id"`).
    pub named: Option<String>,
    /// The person standing for the class (`None` for the unknown author).
    pub representative: Option<String>,
}

impl AuthorClass {
    /// The unknown author: resolves to no person of the graph, owns and
    /// belongs to nothing.
    pub fn unknown() -> AuthorClass {
        AuthorClass {
            kind: None,
            owns: Vec::new(),
            owns_reached: false,
            teams: Vec::new(),
            named: None,
            representative: None,
        }
    }

    /// A short description: `owner`, `member (in team "sec")`, `agent`,
    /// `agent owner`, `outsider`, `owner of a reached node`, `person "cto"`,
    /// `unknown author`.
    pub fn label(&self) -> String {
        let Some(kind) = self.kind else {
            return "unknown author".into();
        };
        let mut s = String::new();
        if let Some(p) = &self.named {
            s.push_str(&format!("person \"{p}\""));
        } else if !self.owns.is_empty() {
            s.push_str("owner");
        } else if self.owns_reached {
            s.push_str("owner of a reached node");
        } else if self.teams.is_empty() {
            s.push_str("outsider");
        } else {
            s.push_str("member");
        }
        if !self.teams.is_empty() {
            let t: Vec<String> = self.teams.iter().map(|t| format!("team \"{t}\"")).collect();
            s.push_str(&format!(" (in {})", t.join(", ")));
        }
        if kind == PrincipalKind::Agent {
            s = match s.strip_prefix("outsider") {
                Some(rest) => format!("agent{rest}"),
                None => format!("agent {s}"),
            };
        }
        s
    }

    /// Whether the author is an agent of the graph.
    pub fn is_agent(&self) -> bool {
        self.kind == Some(PrincipalKind::Agent)
    }

    /// Whether the author owns one of the touched nodes.
    pub fn is_owner(&self) -> bool {
        !self.owns.is_empty()
    }

    /// Whether the author is a known human owning no touched or reached
    /// node, in no team the plan names, and not a person it names.
    pub fn is_outsider(&self) -> bool {
        self.kind == Some(PrincipalKind::Human)
            && self.owns.is_empty()
            && !self.owns_reached
            && self.teams.is_empty()
            && self.named.is_none()
    }
}

/// One point of the space: who changes what, when, flagged how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scenario {
    /// The nodes the change touches (one file each, see [`Space::path_for`]).
    pub nodes: Vec<NodeIdx>,
    /// The author.
    pub author: AuthorClass,
    /// The change is flagged as an emergency.
    pub emergency: bool,
    /// The change's labels, sorted.
    pub labels: Vec<String>,
    /// Decision time (and the change's claimed time), Unix seconds.
    pub time: i64,
}

/// Why a scenario has no synthetic change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SpaceError {
    /// No path the generator tried touches this node and no other.
    NoPathFor(String),
}

impl std::fmt::Display for SpaceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SpaceError::NoPathFor(n) => write!(
                f,
                "no file path touches node `{n}` alone (its globs are all shared or shadowed)"
            ),
        }
    }
}

/// What the plan observes of an author: owned touched nodes, owns a reached
/// node, kind, named teams, named person.
type Signature = (
    Vec<String>,
    bool,
    PrincipalKind,
    Vec<String>,
    Option<String>,
);

/// What the plan sees of a person regardless of ownership: kind, the named
/// teams they are in, whether the plan names them.
pub(super) type GroupKey = (PrincipalKind, Vec<String>, Option<String>);

/// The space of changes for one prepared plan.
pub struct Space<'p> {
    p: &'p Prepared,
    labels: Vec<String>,
    times: Vec<i64>,
    emergency: Vec<bool>,
    named_teams: BTreeSet<String>,
    named_people: BTreeSet<String>,
    /// The graph's people, grouped by what the plan sees regardless of
    /// ownership, and the owners of each node.
    people: People<'p>,
}

impl<'p> Space<'p> {
    /// The space of `p`'s plan over its graph.
    pub fn new(p: &'p Prepared) -> Space<'p> {
        let mut lits = Literals::default();
        let plan = p.plan();
        for r in &plan.rules {
            if let Some(w) = &r.when {
                lits.expr(&w.expr);
            }
            for req in &r.requirements {
                match req {
                    // Whether a check passed is the evidence's to say
                    // (`Wanted`), not a literal the space varies.
                    Requirement::Check(_) => {}
                    Requirement::Approval(a) => {
                        for arg in &a.args {
                            match arg {
                                ChainArg::Node(_) => {}
                                ChainArg::Team(t) => {
                                    lits.teams.insert(t.clone());
                                }
                                ChainArg::Person(x) => {
                                    lits.people.insert(x.clone());
                                }
                            }
                        }
                    }
                }
            }
        }
        for f in &plan.forbids {
            lits.expr(&f.when.expr);
        }
        let steps = plan.chains.iter().flat_map(|c| c.steps.iter()).chain(
            plan.emergencies
                .iter()
                .flat_map(|e| [&e.approvers, &e.followup]),
        );
        for s in steps {
            s.sources.iter().for_each(|src| lits.approvers(src));
        }
        for a in &plan.assertions {
            if let Some(w) = &a.when {
                lits.expr(&w.expr);
            }
            for c in &a.authors {
                match c {
                    writ_plan::ir::AuthorClass::Team(t) => {
                        lits.teams.insert(t.clone());
                    }
                    writ_plan::ir::AuthorClass::Person(x) => {
                        lits.people.insert(x.clone());
                    }
                    writ_plan::ir::AuthorClass::Owner
                    | writ_plan::ir::AuthorClass::Outsider
                    | writ_plan::ir::AuthorClass::Agent
                    | writ_plan::ir::AuthorClass::Human
                    | writ_plan::ir::AuthorClass::Known
                    | writ_plan::ir::AuthorClass::Unknown => {}
                }
            }
            for c in &a.claims {
                if let writ_plan::ir::ClaimKind::Approvals(step) = &c.kind {
                    step.sources.iter().for_each(|src| lits.approvers(src));
                }
            }
        }
        // Comparisons with literals (`<`, `<=`, `==`, `in a..b`, inclusive)
        // split time into regions: each literal, and the open interval
        // after it; one point stands for each (the default time with none).
        let lits_sorted: Vec<i64> = lits.times.iter().copied().collect();
        let mut times = BTreeSet::new();
        match lits_sorted.first() {
            None => {
                times.insert(DEFAULT_TIME);
            }
            Some(&first) => {
                times.insert(first.saturating_sub(1));
                for (i, &t) in lits_sorted.iter().enumerate() {
                    times.insert(t);
                    let next = lits_sorted.get(i + 1).copied().unwrap_or(i64::MAX);
                    if t.saturating_add(1) < next {
                        times.insert(t.saturating_add(1));
                    }
                }
            }
        }
        let people = People::new(p, &lits.teams, &lits.people);
        let emergency = if lits.emergency || !plan.emergencies.is_empty() {
            vec![false, true]
        } else {
            vec![false]
        };
        Space {
            p,
            labels: lits.labels.into_iter().collect(),
            times: times.into_iter().collect(),
            emergency,
            named_teams: lits.teams,
            named_people: lits.people,
            people,
        }
    }

    /// This space with the teams and persons `other` names too, so its
    /// author classes ([`Space::author_classes`]) tell apart every author
    /// either plan can tell apart: the classes `writ diff` decides under
    /// both plans (which must share the graph). Labels and times stay this
    /// plan's.
    pub fn joint(&self, other: &Space<'_>) -> Space<'p> {
        let teams: BTreeSet<String> = self
            .named_teams
            .union(&other.named_teams)
            .cloned()
            .collect();
        let people: BTreeSet<String> = self
            .named_people
            .union(&other.named_people)
            .cloned()
            .collect();
        let grouped = People::new(self.p, &teams, &people);
        Space {
            p: self.p,
            labels: self.labels.clone(),
            times: self.times.clone(),
            emergency: self.emergency.clone(),
            named_teams: teams,
            named_people: people,
            people: grouped,
        }
    }

    /// The prepared plan.
    pub fn prepared(&self) -> &'p Prepared {
        self.p
    }

    /// The labels the plan compares `change.labels` against, sorted.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// Every subset of [`Space::labels`] (each sorted), the empty set first;
    /// `None` when there are more than [`MAX_LABELS`] labels.
    pub fn label_sets(&self) -> Option<Vec<Vec<String>>> {
        if self.labels.len() > MAX_LABELS {
            return None;
        }
        let n = self.labels.len();
        Some(
            (0u32..1 << n)
                .map(|mask| {
                    (0..n)
                        .filter(|i| mask & (1 << i) != 0)
                        .map(|i| self.labels[i].clone())
                        .collect()
                })
                .collect(),
        )
    }

    /// Decision times standing for every region the time literals the plan
    /// compares against split time into, sorted: before the first, each
    /// literal, just after each; [`DEFAULT_TIME`] alone when there are none.
    pub fn times(&self) -> &[i64] {
        &self.times
    }

    /// The emergency flags worth trying: `[false, true]` when the plan has
    /// an emergency path or tests `change.emergency`, else `[false]` (the
    /// flag then changes nothing).
    pub fn emergency_flags(&self) -> &[bool] {
        &self.emergency
    }

    /// The teams the plan names (`team "id"` in conditions, chains, arguments).
    pub fn named_teams(&self) -> &BTreeSet<String> {
        &self.named_teams
    }

    /// The persons the plan names.
    pub fn named_people(&self) -> &BTreeSet<String> {
        &self.named_people
    }

    /// A repository path that touches `node` and no other node, or `None`.
    /// Built from the node's own globs (`**` and `*` filled in, the first
    /// alternative of `{a,b}`), then checked against the graph's claims.
    pub fn path_for(&self, node: NodeIdx) -> Option<String> {
        let graph = self.p.graph();
        let decl = graph.nodes().get(node.index())?;
        for pd in &decl.paths {
            for cand in candidates(&pd.glob.value) {
                if graph.paths().nodes_for(&cand) == [node] {
                    return Some(cand);
                }
            }
        }
        None
    }

    /// The author classes of a change touching `nodes`, sorted: one per
    /// distinct observable signature among the graph's people, plus the
    /// unknown author (last).
    pub fn author_classes(&self, nodes: &[NodeIdx]) -> Vec<AuthorClass> {
        let graph = self.p.graph();
        let people = &self.people;
        // Each owner of a touched node (by number, so in id order) with the
        // touched nodes they own.
        let mut touched_owners: BTreeMap<u32, BTreeSet<String>> = BTreeMap::new();
        for &n in nodes {
            for &i in people.owners_of(n) {
                touched_owners
                    .entry(i)
                    .or_default()
                    .insert(graph.node(n).id.to_string());
            }
        }
        // The owners of the nodes reached or exposed but not touched.
        let mut reached = vec![false; people.ids.len()];
        let mut reached_list: Vec<u32> = Vec::new();
        for dir in [Direction::Reverse, Direction::Forward] {
            for n in graph.reach(nodes, EdgeMask::ALL, None, dir).nodes() {
                if nodes.contains(&n) {
                    continue;
                }
                for &i in people.owners_of(n) {
                    if !std::mem::replace(&mut reached[i as usize], true) {
                        reached_list.push(i);
                    }
                }
            }
        }
        // One class per signature, the person with the first id standing
        // for it: per group, the first member owning nothing here; each
        // owner of a touched node; per group, the first owner of a reached
        // node only. Linear in the groups and the owners, not in the people.
        let mut classes: BTreeMap<Signature, u32> = BTreeMap::new();
        for ((kind, teams, named), members) in &people.groups {
            if let Some(&i) = members
                .iter()
                .find(|&&i| !touched_owners.contains_key(&i) && !reached[i as usize])
            {
                classes.insert((Vec::new(), false, *kind, teams.clone(), named.clone()), i);
            }
        }
        for (&i, owns) in &touched_owners {
            let ((kind, teams, named), _) = &people.groups[people.group[i as usize] as usize];
            classes
                .entry((
                    owns.iter().cloned().collect(),
                    reached[i as usize],
                    *kind,
                    teams.clone(),
                    named.clone(),
                ))
                .or_insert(i);
        }
        let mut first_reached: BTreeMap<u32, u32> = BTreeMap::new();
        for &i in &reached_list {
            if touched_owners.contains_key(&i) {
                continue;
            }
            let g = people.group[i as usize];
            let first = first_reached.entry(g).or_insert(i);
            *first = (*first).min(i);
        }
        for (g, i) in first_reached {
            let ((kind, teams, named), _) = &people.groups[g as usize];
            classes.insert((Vec::new(), true, *kind, teams.clone(), named.clone()), i);
        }
        let classes: BTreeMap<Signature, String> = classes
            .into_iter()
            .map(|(sig, i)| (sig, people.ids[i as usize].to_string()))
            .collect();
        let mut out: Vec<AuthorClass> = classes
            .into_iter()
            .map(
                |((owns, owns_reached, kind, teams, named), rep)| AuthorClass {
                    kind: Some(kind),
                    owns,
                    owns_reached,
                    teams,
                    named,
                    representative: Some(rep),
                },
            )
            .collect();
        out.sort();
        out.push(AuthorClass::unknown());
        out
    }

    /// The identity standing for `class`.
    pub fn identity(&self, class: &AuthorClass) -> Identity {
        match &class.representative {
            Some(id) => {
                let kind = self
                    .p
                    .graph()
                    .person(id)
                    .map_or(PrincipalKind::Human, |p| p.kind);
                Identity {
                    id: Some(id.clone()),
                    name: id.clone(),
                    email: format!("{id}@example.invalid"),
                    kind,
                }
            }
            None => Identity {
                id: None,
                name: "someone unknown".into(),
                email: "unknown@example.invalid".into(),
                kind: PrincipalKind::Human,
            },
        }
    }

    /// The synthetic change of `s`: one modified file per node (from
    /// [`Space::path_for`]), the representative author, the labels, the
    /// emergency flag, `s.time` as its claimed time, id `prove`.
    pub fn change(&self, s: &Scenario) -> Result<Change, SpaceError> {
        Ok(self.change_from(&self.base_change(&s.nodes)?, s))
    }

    /// The change of every scenario on `nodes` before its author, labels,
    /// flag and time are set ([`Space::change_from`]): one modified file
    /// per node, its digest (which covers the files alone) computed.
    pub fn base_change(&self, nodes: &[NodeIdx]) -> Result<Change, SpaceError> {
        let mut files = Vec::new();
        for &n in nodes {
            let path = self
                .path_for(n)
                .ok_or_else(|| SpaceError::NoPathFor(self.p.graph().node(n).id.to_string()))?;
            files.push(ChangeFile {
                path,
                status: FileStatus::Modified,
                old_path: None,
            });
        }
        files.sort();
        files.dedup();
        let mut change = Change {
            version: writ_graph::change::CHANGE_VERSION,
            id: "prove".into(),
            base: "prove-base".into(),
            head: "prove-head".into(),
            head_tree: None,
            author: self.identity(&AuthorClass::unknown()),
            contributors: Vec::new(),
            files,
            labels: Vec::new(),
            emergency: false,
            timestamp: crate::time::format_rfc3339(DEFAULT_TIME),
            digest: String::new(),
        };
        change.digest = change.compute_digest();
        Ok(change)
    }

    /// The change of `s` from `base`, the [`Space::base_change`] of
    /// `s.nodes`: its files and digest, with the representative author, the
    /// labels, the emergency flag and `s.time` as its claimed time.
    pub fn change_from(&self, base: &Change, s: &Scenario) -> Change {
        let mut labels = s.labels.clone();
        labels.sort();
        labels.dedup();
        Change {
            author: self.identity(&s.author),
            labels,
            emergency: s.emergency,
            timestamp: crate::time::format_rfc3339(s.time),
            ..base.clone()
        }
    }

    /// The strongest evidence for `change` at `now`: every check the plan
    /// asks of it passes, every person the decider lists as able to approve
    /// a missing approval approves (unnamed: it counts for every chain), and
    /// every emergency path is approved by all who may break it. Nobody
    /// else's approval can turn its decision into an allow, so a change
    /// that is not allowed with this evidence is never allowed.
    pub fn strongest_evidence(&self, change: &Change, now: i64) -> Evidence {
        self.strongest(change, now)
            .evidence(&BTreeSet::new(), &BTreeSet::new())
    }

    /// [`Space::strongest_evidence`] with no approval from anyone in `absent`.
    pub fn evidence_without(
        &self,
        change: &Change,
        now: i64,
        absent: &BTreeSet<String>,
    ) -> Evidence {
        self.strongest(change, now)
            .evidence(absent, &BTreeSet::new())
    }

    /// What the strongest evidence for `change` at `now` is made of (one
    /// decision with no evidence finds the checks and approvers), to build
    /// it, or weakened versions of it, without deciding again.
    pub fn strongest(&self, change: &Change, now: i64) -> Strongest {
        self.strongest_with(&mut Scratch::new(self.p), change, now)
    }

    /// [`Space::strongest`] reusing `scratch` (for many changes in a row).
    pub fn strongest_with(&self, scratch: &mut Scratch, change: &Change, now: i64) -> Strongest {
        let none = Evidence::default();
        let mut first = self.p.decide(scratch, change, &none, now);
        let read_time = first.read_time();
        let wanted = first.wanted();
        drop(first);
        let people: BTreeSet<String> = wanted.approvers.into_iter().collect();
        let checks: BTreeSet<(String, String)> = wanted.checks.into_iter().collect();
        let graph = self.p.graph();
        let author = change.author.id.as_deref();
        let mut named: Vec<(String, String)> = Vec::new();
        if change.emergency {
            for e in &self.p.plan().emergencies {
                for src in &e.approvers.sources {
                    let ids: Vec<String> = match src {
                        Approvers::Person(x) => vec![x.clone()],
                        Approvers::Team(t) => graph
                            .team(t)
                            .map(|t| t.members.iter().map(|m| m.value.clone()).collect())
                            .unwrap_or_default(),
                        Approvers::OwnersOfTouched
                        | Approvers::OwnersOfParam(_)
                        | Approvers::Param(_)
                        | Approvers::OwnersOfNode(_) => Vec::new(),
                    };
                    named.extend(ids.into_iter().map(|p| (p, e.id.clone())));
                }
            }
        }
        let human = |id: &str| {
            graph
                .person(id)
                .is_some_and(|p| p.kind == PrincipalKind::Human)
        };
        let mut approvals: Vec<(String, Option<String>)> = people
            .into_iter()
            .map(|p| (p, None))
            .chain(named.into_iter().map(|(p, c)| (p, Some(c))))
            .filter(|(p, _)| Some(p.as_str()) != author && human(p))
            .collect();
        approvals.sort();
        approvals.dedup();
        Strongest {
            approvals,
            checks: checks.into_iter().collect(),
            change_id: change.id.clone(),
            change_digest: change.digest.clone(),
            plan_digest: self.p.digest().to_string(),
            now,
            read_time,
        }
    }

    /// The outcome of `s` with the strongest evidence: `Allow` when the
    /// change can ever be allowed.
    pub fn best_outcome(&self, s: &Scenario) -> Result<Outcome, SpaceError> {
        let change = self.change(s)?;
        let ev = self.strongest_evidence(&change, s.time);
        Ok(self.p.evaluate_at(&change, &ev, s.time).outcome)
    }
}

/// The parts of the strongest evidence for one change ([`Space::strongest`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Strongest {
    /// Approvers, sorted: `None` approves every chain, `Some(id)` names an
    /// emergency path.
    pub approvals: Vec<(String, Option<String>)>,
    /// The checks the plan asks of the change, as (check, node id), sorted.
    pub checks: Vec<(String, String)>,
    change_id: String,
    change_digest: String,
    plan_digest: String,
    now: i64,
    read_time: bool,
}

impl Strongest {
    /// Whether the decision that found what it is made of read the time
    /// (`Verdict::read_time`): when not, it is made of the same checks and
    /// people at every decision time.
    pub fn read_time(&self) -> bool {
        self.read_time
    }

    /// The evidence: every approval but those of people in `absent_people`,
    /// every check passing but those in `absent_checks`. Each approval is
    /// bound to the change and plan and signed at the decision time, its
    /// signature marked verified (synthetic: it never leaves `writ prove`
    /// except as `--evidence-json` for `writ eval`).
    pub fn evidence(
        &self,
        absent_people: &BTreeSet<String>,
        absent_checks: &BTreeSet<(String, String)>,
    ) -> Evidence {
        let mut ev = Evidence::default();
        for (person, chain) in &self.approvals {
            if absent_people.contains(person) {
                continue;
            }
            ev.approvals.push(Approval {
                digest: format!(
                    "prove:approval:{person}:{}",
                    chain.as_deref().unwrap_or("*")
                ),
                person: person.clone(),
                key: "prove".into(),
                chain: chain.clone(),
                change_id: self.change_id.clone(),
                change_digest: self.change_digest.clone(),
                plan_digest: self.plan_digest.clone(),
                signed_at: self.now,
                signature_verified: true,
            });
        }
        for (check, node) in &self.checks {
            if absent_checks.contains(&(check.clone(), node.clone())) {
                continue;
            }
            ev.checks.push(CheckResult {
                digest: format!("prove:check:{check}:{node}"),
                check: check.clone(),
                node: node.clone(),
                outcome: CheckOutcome::Passed,
                source: "prove".into(),
                summary: None,
            });
        }
        ev
    }
}

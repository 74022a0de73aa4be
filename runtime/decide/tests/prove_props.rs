//! `writ prove`'s verdict agrees with brute force: on random small graphs
//! and policies, every assertion holds exactly when no single-node change
//! by any person of the graph (or an unknown author), with any label set,
//! under any set of people approving (every check passing), contradicts it.
//! The oracle uses neither the space's author classes, nor its time
//! regions, nor its strongest evidence: it tries every person, a spread of
//! decision times around and inside the policy's windows, and every subset
//! of approvers.

use proptest::prelude::*;
use std::collections::BTreeSet;
use writ_graph::{Change, ChangeFile, FileStatus, Identity, PrincipalKind};
use writ_runtime::{Approval, CheckOutcome, CheckResult, Evidence, Outcome, Prepared};

const PEOPLE: [&str; 5] = ["p0", "p1", "p2", "p3", "bot"];
/// A window in which the time loophole lets tier 0 through with one owner
/// (2026-06-01T00:00:00Z ..= 2026-06-30T00:00:00Z).
const WINDOW: (i64, i64) = (1_780_272_000, 1_782_777_600);
/// The freeze (2026-12-20T00:00:00Z ..= 2027-01-03T00:00:00Z).
const FREEZE: (i64, i64) = (1_797_724_800, 1_798_934_400);
/// The decision times the oracle tries: far before, at and just after each
/// window's bounds, and inside each.
const TIMES: [i64; 9] = [
    1_767_225_600,
    WINDOW.0,
    (WINDOW.0 + WINDOW.1) / 2,
    WINDOW.1 + 1,
    FREEZE.0 - 7,
    FREEZE.0,
    (FREEZE.0 + FREEZE.1) / 2,
    FREEZE.1,
    FREEZE.1 + 1,
];

/// A random world: nodes (tier, owners, calls), team members, policy knobs.
#[derive(Clone, Debug)]
struct World {
    /// Per node: tier 0 or 1, owner indices into `OWNERS`, whether it calls node 0.
    nodes: Vec<(u8, Vec<usize>, bool)>,
    /// Members of teams t0 and t1 (indices into PEOPLE).
    teams: [Vec<usize>; 2],
    /// How many tier-0 owners the main rule requires (1 or 2).
    tier0_need: u8,
    /// The `when` of the main rule: 0 none, 1 not hot (with a hot rule asking 1).
    hot_loophole: bool,
    /// A forbid on agents' hot changes.
    forbid_agents: bool,
    /// A rule asking team t0 for anything reaching tier 0.
    reach_rule: bool,
    /// The count the assertion claims.
    claim: u8,
    /// The assertion's authors: every class, or agents only.
    agents_only: bool,
    /// Tier 0 needs one owner only inside `WINDOW` (`decision.time` in a
    /// rule's `when`).
    window_loophole: bool,
    /// A forbid on tier-0 changes during `FREEZE` (`decision.time` in a
    /// forbid's `when`, after a node-set condition).
    freeze: bool,
    /// The freeze is written on `change.time` instead.
    freeze_on_change_time: bool,
}

/// Owners a node may have: the two teams and two people.
const OWNERS: [&str; 4] = ["t0", "t1", "p0", "p3"];

fn world() -> impl Strategy<Value = World> {
    (
        prop::collection::vec(
            (
                0u8..2,
                prop::collection::btree_set(0usize..4, 0..3),
                any::<bool>(),
            ),
            1..4,
        ),
        prop::collection::btree_set(0usize..5, 0..3),
        prop::collection::btree_set(0usize..5, 0..3),
        1u8..3,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        1u8..3,
        any::<bool>(),
        (any::<bool>(), any::<bool>(), any::<bool>()),
    )
        .prop_map(
            |(
                nodes,
                t0,
                t1,
                tier0_need,
                hot_loophole,
                forbid_agents,
                reach_rule,
                claim,
                agents_only,
                (window_loophole, freeze, freeze_on_change_time),
            )| {
                World {
                    nodes: nodes
                        .into_iter()
                        .map(|(t, o, c)| (t, o.into_iter().collect(), c))
                        .collect(),
                    teams: [t0.into_iter().collect(), t1.into_iter().collect()],
                    tier0_need,
                    hot_loophole,
                    forbid_agents,
                    reach_rule,
                    claim,
                    agents_only,
                    window_loophole,
                    freeze,
                    freeze_on_change_time,
                }
            },
        )
}

fn graph(w: &World) -> String {
    let people: Vec<String> = PEOPLE
        .iter()
        .map(|p| {
            if *p == "bot" {
                format!(r#"{{"id": "{p}", "kind": "agent"}}"#)
            } else {
                format!(r#"{{"id": "{p}"}}"#)
            }
        })
        .collect();
    let teams: Vec<String> = (0..2)
        .map(|t| {
            let members: Vec<String> = w.teams[t]
                .iter()
                .map(|&i| format!("\"{}\"", PEOPLE[i]))
                .collect();
            format!(r#"{{"id": "t{t}", "members": [{}]}}"#, members.join(", "))
        })
        .collect();
    let nodes: Vec<String> = w
        .nodes
        .iter()
        .enumerate()
        .map(|(i, (tier, owners, calls))| {
            let owners: Vec<String> = owners.iter().map(|&o| format!("\"{}\"", OWNERS[o])).collect();
            let edges = if *calls && i != 0 {
                r#", "edges": {"calls": ["s0"]}"#
            } else {
                ""
            };
            format!(
                r#"{{"id": "s{i}", "kind": "service", "owners": [{}], "paths": ["s{i}/**"], "attributes": {{"tier": {tier}}}{edges}}}"#,
                owners.join(", ")
            )
        })
        .collect();
    format!(
        r#"{{"version": 1, "teams": [{}], "people": [{}], "nodes": [{}]}}"#,
        teams.join(", "),
        people.join(", "),
        nodes.join(", ")
    )
}

fn policy(w: &World) -> String {
    let mut p = String::new();
    let mut unless = Vec::new();
    if w.hot_loophole {
        unless.push("not (change.labels has \"hot\")");
    }
    if w.window_loophole {
        unless.push("not (decision.time in 2026-06-01..2026-06-30)");
    }
    let when = if unless.is_empty() {
        String::new()
    } else {
        format!("\n  when {}", unless.join(" and "))
    };
    p.push_str(&format!(
        "/// Tier 0.\nrule tier0 {{\n  for n in change.touches(service where tier == 0){when}\n  require approval {{ {} of owners(n) }}\n}}\n\n",
        w.tier0_need
    ));
    if w.hot_loophole {
        p.push_str("/// Hot fixes.\nrule hot {\n  for n in change.touches(service where tier == 0)\n  when change.labels has \"hot\"\n  require approval { 1 of owners(n) }\n}\n\n");
    }
    if w.window_loophole {
        p.push_str("/// The quiet month.\nrule quiet {\n  for n in change.touches(service where tier == 0)\n  when decision.time in 2026-06-01..2026-06-30\n  require approval { 1 of owners(n) }\n}\n\n");
    }
    if w.freeze {
        let clock = if w.freeze_on_change_time {
            "change.time"
        } else {
            "decision.time"
        };
        p.push_str(&format!("/// The freeze.\nforbid freeze {{\n  when change.touches(service where tier == 0) and {clock} in 2026-12-20..2027-01-03\n}}\n\n"));
    }
    p.push_str("/// The rest.\nrule rest {\n  for n in change.touches(service where tier != 0)\n  require approval { 1 of owners(n) }\n}\n\n");
    if w.reach_rule {
        p.push_str("/// Reaching tier 0.\nrule reach {\n  for n in change.reaches(service where tier == 0)\n  require approval { 1 of team \"t0\" }\n}\n\n");
    }
    if w.forbid_agents {
        p.push_str("/// No hot agents.\nforbid agents {\n  when change.author is agent and change.labels has \"hot\"\n}\n\n");
    }
    let by = if w.agents_only { "\n  by agent" } else { "" };
    p.push_str(&format!(
        "/// The claim.\nassert owners_needed {{\n  for n in change.touches(service){by}\n  expect requires {} of owners(n) humans only\n}}\n\n",
        w.claim
    ));
    p.push_str(
        "/// Agents never ship tier 0 alone.\nassert never_agents {\n  for n in change.touches(service where tier == 0)\n  by agent\n  expect not decision allow\n}\n\n",
    );
    p.push_str(
        "/// Nothing ships to tier 0 in the freeze.\nassert freeze_holds {\n  for n in change.touches(service where tier == 0)\n  when decision.time in 2026-12-20..2027-01-03\n  expect not decision allow\n}\n",
    );
    p
}

/// A change of one file of node `s{node}`, made at `time`.
fn change(
    node: usize,
    author: Option<&str>,
    kind: PrincipalKind,
    labels: &[&str],
    time: i64,
) -> Change {
    let mut c = Change {
        version: 1,
        id: "oracle".into(),
        base: "b".into(),
        head: "h".into(),
        head_tree: None,
        author: Identity {
            id: author.map(str::to_string),
            name: author.unwrap_or("stranger").into(),
            email: String::new(),
            kind,
        },
        contributors: Vec::new(),
        files: vec![ChangeFile {
            path: format!("s{node}/file.txt"),
            status: FileStatus::Modified,
            old_path: None,
        }],
        labels: labels.iter().map(|l| l.to_string()).collect(),
        emergency: false,
        timestamp: writ_runtime::time::format_rfc3339(time),
        digest: String::new(),
    };
    c.digest = c.compute_digest();
    c
}

/// Approvals by `approvers`, signed at `time`.
fn evidence(p: &Prepared, c: &Change, approvers: &[&str], time: i64) -> Evidence {
    let mut ev = Evidence::default();
    for a in approvers {
        ev.approvals.push(Approval {
            person: a.to_string(),
            key: "k".into(),
            chain: None,
            change_id: c.id.clone(),
            change_digest: c.digest.clone(),
            plan_digest: p.digest().to_string(),
            signed_at: time,
            digest: format!("oracle:{a}"),
            signature_verified: true,
        });
    }
    // No policy here requires a check; a passing result changes nothing.
    ev.checks.push(CheckResult {
        check: "none".into(),
        node: "s0".into(),
        outcome: CheckOutcome::Passed,
        digest: "oracle:check".into(),
        source: "oracle".into(),
        summary: None,
    });
    ev
}

/// What brute force found violated.
#[derive(Debug, Default)]
struct Violated {
    owners_needed: bool,
    never_agents: bool,
    freeze_holds: bool,
}

/// Brute force: every single-node change by every person (and an unknown
/// author), with every label set, at every time of `TIMES`, under every
/// set of other humans approving.
fn oracle(w: &World, p: &Prepared) -> Violated {
    let g = p.graph();
    let humans: Vec<&str> = PEOPLE.iter().copied().filter(|p| *p != "bot").collect();
    let mut authors: Vec<(Option<&str>, PrincipalKind)> = PEOPLE
        .iter()
        .map(|p| {
            let kind = if *p == "bot" {
                PrincipalKind::Agent
            } else {
                PrincipalKind::Human
            };
            (Some(*p), kind)
        })
        .collect();
    authors.push((None, PrincipalKind::Human));
    let mut found = Violated::default();
    for (m, (tier, _, _)) in w.nodes.iter().enumerate() {
        let node = g.node_by_id(&format!("s{m}")).unwrap();
        let owners: BTreeSet<&str> = g.owner_people(&node.owners);
        for &(author, kind) in &authors {
            for labels in [&[][..], &["hot"][..]] {
                for time in TIMES {
                    let c = change(m, author, kind, labels, time);
                    let others: Vec<&str> = humans
                        .iter()
                        .copied()
                        .filter(|h| Some(*h) != author)
                        .collect();
                    for mask in 0u32..(1 << others.len()) {
                        let approvers: Vec<&str> = (0..others.len())
                            .filter(|i| mask & (1 << i) != 0)
                            .map(|i| others[i])
                            .collect();
                        let ev = evidence(p, &c, &approvers, time);
                        if p.evaluate_at(&c, &ev, time).outcome != Outcome::Allow {
                            continue;
                        }
                        let from_owners = approvers.iter().filter(|a| owners.contains(*a)).count();
                        let in_scope =
                            !w.agents_only || kind == PrincipalKind::Agent && author.is_some();
                        if in_scope && from_owners < w.claim as usize {
                            found.owners_needed = true;
                        }
                        if *tier == 0 && kind == PrincipalKind::Agent && author.is_some() {
                            found.never_agents = true;
                        }
                        if *tier == 0 && (FREEZE.0..=FREEZE.1).contains(&time) {
                            found.freeze_holds = true;
                        }
                    }
                }
            }
        }
    }
    found
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn prove_agrees_with_brute_force(w in world()) {
        let host = writ_analysis::Host::new(
            vec![("main.writ".into(), "main".into(), policy(&w))],
            Some(("graph.json".into(), graph(&w))),
        );
        let plan = host.plan().unwrap_or_else(|e| panic!("{e:?}\n{}", policy(&w)));
        let prepared = Prepared::new(plan).unwrap();
        let report = writ_runtime::assertions::prove(&prepared).unwrap();
        let holds = |id: &str| {
            report.assertions.iter().find(|a| a.id == id).unwrap().holds()
        };
        for a in &report.assertions {
            prop_assert!(a.not_covered.is_empty(), "{:?}", a.not_covered);
        }
        let violated = oracle(&w, &prepared);
        for (id, violated) in [
            ("main::owners_needed", violated.owners_needed),
            ("main::never_agents", violated.never_agents),
            ("main::freeze_holds", violated.freeze_holds),
        ] {
            prop_assert_eq!(holds(id), !violated, "{}\n{}\n{}", id, policy(&w), graph(&w));
        }
        // The same report on one thread and on three.
        let one = writ_runtime::assertions::prove_with(&prepared, 1).unwrap();
        let three = writ_runtime::assertions::prove_with(&prepared, 3).unwrap();
        prop_assert_eq!(format!("{one:?}"), format!("{three:?}"));
    }
}

//! `writ_runtime::diff`: two plans over one graph compared on every
//! single-node change × author class × decision time, and
//! `writ_runtime::delta`, the comparison of two proofs underneath.

mod common;

use writ_runtime::Prepared;
use writ_runtime::diff::{DiffError, Options, PlanDiff, diff};
use writ_runtime::proof::Outcome;

const GRAPH: &str = r#"{
  "version": 1,
  "teams": [
    { "id": "pay", "members": ["ann", "bob"] },
    { "id": "security", "members": ["sec"] }
  ],
  "people": [
    { "id": "ann" }, { "id": "bob" }, { "id": "sec" }, { "id": "zed" },
    { "id": "bot", "kind": "agent" }
  ],
  "nodes": [
    { "id": "ledger", "kind": "service", "owners": ["pay"], "paths": ["ledger/**"],
      "attributes": { "tier": 0 } },
    { "id": "web", "kind": "service", "owners": ["zed"], "paths": ["web/**"],
      "attributes": { "tier": 1 }, "edges": { "calls": ["ledger"] } }
  ]
}"#;

const BASE: &str = r#"
/// Tier 0 needs two owners.
rule tier0 {
  for n in change.touches(service where tier == 0)
  require approval { 2 of owners(n) }
}

/// Everything else: one owner.
rule rest {
  for n in change.touches(service where tier != 0)
  require approval { 1 of owners(n) }
}
"#;

fn prepared(policy: &str, graph: &str) -> Prepared {
    common::prepared_of(policy, graph)
}

fn run(old: &str, new: &str) -> PlanDiff {
    diff(
        &prepared(old, GRAPH),
        &prepared(new, GRAPH),
        &Options::default(),
    )
    .unwrap()
}

/// The changes for `node`, as (author classes, before, after).
fn cells(d: &PlanDiff, node: &str) -> Vec<(Vec<String>, Outcome, Outcome)> {
    d.changes
        .iter()
        .filter(|c| c.node == node)
        .map(|c| {
            (
                c.authors.iter().map(|a| a.class.clone()).collect(),
                c.delta.before,
                c.delta.after,
            )
        })
        .collect()
}

#[test]
fn the_same_policy_gives_an_empty_diff() {
    let d = run(BASE, BASE);
    assert!(d.changes.is_empty(), "{:?}", d.changes);
    assert!(!d.flipped());
    assert_eq!(d.nodes, 2);
    assert!(d.cells >= 2 * 3, "every node × author class was decided");
    assert!(d.uncovered.is_empty());
}

#[test]
fn dropping_the_second_approver_unblocks_the_owner_of_a_tier0_service() {
    let new = BASE.replace("2 of owners(n)", "1 of owners(n)");
    let d = run(BASE, &new);
    let ledger = cells(&d, "ledger");
    // An owner of `ledger` (ann or bob) could never get two other owners:
    // blocked before, can be allowed now.
    assert!(
        ledger.iter().any(|(authors, before, after)| authors
            .iter()
            .any(|a| a.starts_with("owner"))
            && *before == Outcome::Pending
            && *after == Outcome::Allow),
        "{ledger:?}"
    );
    // Everyone else could be allowed before and still can.
    for (authors, before, after) in &ledger {
        if !authors.iter().any(|a| a.starts_with("owner")) {
            assert_eq!(
                (before, after),
                (&Outcome::Allow, &Outcome::Allow),
                "{authors:?}"
            );
        }
    }
    // `web` is untouched by the edit.
    assert!(cells(&d, "web").is_empty());
    assert_eq!(d.flips().get("pending→allow"), Some(&d.flipped_cells()));
    assert_eq!(d.by_owner().keys().collect::<Vec<_>>(), ["pay"]);
}

#[test]
fn a_new_forbid_on_agents_denies_agents_only() {
    let new = format!(
        "{BASE}\n/// Agents may not author.\nforbid no_agents {{\n  when change.author is agent\n}}\n"
    );
    let d = run(BASE, &new);
    assert!(d.flipped());
    for c in &d.changes {
        assert!(
            c.authors.iter().all(|a| a.class.starts_with("agent")),
            "{c:?}"
        );
        assert_eq!(c.delta.after, Outcome::Deny);
        assert_eq!(c.delta.forbids_started.len(), 1);
        assert_eq!(c.delta.forbids_started[0].id, "main::no_agents");
    }
    assert_eq!(
        d.changes
            .iter()
            .map(|c| c.node.as_str())
            .collect::<Vec<_>>(),
        ["ledger", "web"],
        "sorted by node"
    );
    // And back: the forbid stops applying.
    let back = diff(
        &prepared(&new, GRAPH),
        &prepared(BASE, GRAPH),
        &Options::default(),
    )
    .unwrap();
    assert!(
        back.changes
            .iter()
            .all(|c| c.delta.forbids_stopped.len() == 1 && c.delta.before == Outcome::Deny)
    );
}

#[test]
fn a_team_only_the_new_policy_names_splits_the_author_classes() {
    // The new policy names team "security" (its only member, sec, signs off
    // web changes): sec becomes a class of its own, decided under both plans.
    let new = format!(
        "{BASE}\n/// Security signs off web.\nrule web_security {{\n  when change.touches(node \"web\")\n  require approval {{ 1 of team \"security\" }}\n}}\n"
    );
    let d = run(BASE, &new);
    let web = cells(&d, "web");
    // sec, the author, cannot approve their own change: blocked.
    let sec: Vec<_> = web
        .iter()
        .filter(|(a, _, _)| a.contains(&"member (in team \"security\")".to_string()))
        .collect();
    assert_eq!(sec.len(), 1, "{web:?}");
    assert_eq!((sec[0].1, sec[0].2), (Outcome::Allow, Outcome::Pending));
    // Everyone else gains the obligation and can still be allowed (the
    // unknown author is denied under both).
    for c in d.changes.iter().filter(|c| c.node == "web") {
        assert_eq!(c.delta.obligations_added.len(), 1, "{c:?}");
        assert_eq!(c.delta.rules_fired, ["main::web_security"]);
    }
    let sec_cell = d
        .changes
        .iter()
        .find(|c| c.delta.flipped())
        .expect("sec's cell flips");
    assert_eq!(sec_cell.authors.len(), 1);
    assert_eq!(sec_cell.authors[0].representative.as_deref(), Some("sec"));
    assert!(cells(&d, "ledger").is_empty());
}

#[test]
fn time_windows_are_sampled_and_reported_where_they_differ() {
    let new = format!(
        "{BASE}\n/// Freeze.\nforbid freeze {{\n  when decision.time in 2026-12-20..2027-01-03\n}}\n"
    );
    let d = run(BASE, &new);
    assert!(d.times.len() > 1, "{:?}", d.times);
    for c in &d.changes {
        let at = c.at.as_ref().expect("only inside the window");
        assert!(!at.is_empty() && at.len() < d.times.len());
        assert_eq!(c.delta.forbids_started[0].id, "main::freeze");
    }
}

#[test]
fn plans_over_different_graphs_are_refused() {
    let other = GRAPH.replace(
        "\"id\": \"zed\" }",
        "\"id\": \"zed\" }, { \"id\": \"zoe\" }",
    );
    let e = diff(
        &prepared(BASE, GRAPH),
        &prepared(BASE, &other),
        &Options::default(),
    )
    .unwrap_err();
    assert!(matches!(e, DiffError::DifferentGraphs { .. }));
    assert!(e.to_string().contains("different graphs"));
}

#[test]
fn a_delta_of_a_proof_with_itself_is_empty() {
    let p = prepared(BASE, GRAPH);
    let change = writ_graph::change::parse_change(
        writ_diagnostics::FileId(0),
        r#"{"version": 1, "id": "c", "base": "a", "head": "b",
  "author": {"id": "zed", "name": "zed", "email": "zed@x", "kind": "human"},
  "files": [{"path": "ledger/x", "status": "modified"}], "timestamp": "2026-03-01T12:00:00Z"}"#,
    )
    .0
    .unwrap();
    let a = p.evaluate_at(&change, &Default::default(), 1_767_225_600);
    let d = writ_runtime::delta::Delta::between(&a.proof, &a.proof);
    assert!(d.is_empty());
    assert!(d.because().is_empty());
}

//! Attacks on the trust chain, decided by the engine (issue #15): each test
//! is written as the attacker would try it and asserts the attack fails.
//!
//! The fixture policy (`tests/fixtures/policy`) freezes tier-0 changes over
//! the holidays on `decision.time`, lifted by the `break_glass` emergency
//! path; its scenarios live in `tests/scenarios`.

mod common;

use common::scenario;
use writ_runtime::{Outcome, Reason};

fn at(t: &str) -> i64 {
    writ_runtime::time::parse_rfc3339(t).unwrap()
}

/// The scenario as given is allowed: the break-glass approval lifts the freeze.
#[test]
fn the_emergency_scenario_is_allowed_as_given() {
    let (change, evidence, p) = scenario("emergency_in_freeze");
    let d = p.evaluate_at(&change, &evidence, common::decision_time(&change));
    assert_eq!(d.outcome, Outcome::Allow, "{:#?}", d.reasons());
}

/// An approval for another change with the same digest (PR-104-nobg vs
/// PR-104: same files, another id) does not count, so it cannot break the glass.
#[test]
fn an_approval_for_another_change_with_the_same_digest_does_not_count() {
    let (change, mut evidence, p) = scenario("emergency_in_freeze");
    for a in &mut evidence.approvals {
        a.change_id = format!("{}-nobg", change.id);
    }
    let d = p.evaluate_at(&change, &evidence, common::decision_time(&change));
    assert_ne!(d.outcome, Outcome::Allow);
    assert!(
        d.proof
            .rejected
            .iter()
            .any(|r| r.reason.starts_with("for another change")),
        "{:#?}",
        d.proof.rejected
    );
}

/// An approval that names no chain counts for chains, never for an emergency
/// path: "any chain" never lifts a forbid.
#[test]
fn an_approval_without_a_chain_never_breaks_the_glass() {
    let (change, mut evidence, p) = scenario("emergency_in_freeze");
    for a in &mut evidence.approvals {
        if a.chain.as_deref() == Some("main::break_glass") {
            a.chain = None;
        }
    }
    let d = p.evaluate_at(&change, &evidence, common::decision_time(&change));
    assert_eq!(d.outcome, Outcome::Deny, "{:#?}", d.reasons());
    assert!(
        d.reasons()
            .iter()
            .any(|r| matches!(r, Reason::Forbidden { .. }))
    );
    assert!(
        d.proof
            .rejected
            .iter()
            .any(|r| r.reason.contains("never breaks the glass")),
        "{:#?}",
        d.proof.rejected
    );
}

/// A backdated commit does not escape the freeze: decisions use the trusted
/// clock (`decision.time`), never the committer's date.
#[test]
fn a_backdated_commit_does_not_escape_the_freeze() {
    let (mut change, evidence, p) = scenario("freeze_without_emergency");
    change.timestamp = "2026-12-01T09:00:00Z".into();
    change.digest = change.compute_digest();
    let during = p.evaluate_at(&change, &evidence, at("2026-12-24T04:00:00Z"));
    assert_eq!(during.outcome, Outcome::Deny);
    assert!(
        during
            .reasons()
            .iter()
            .any(|r| matches!(r, Reason::Forbidden { .. }))
    );
    // The same change decided before the freeze is not frozen.
    let before = p.evaluate_at(&change, &evidence, at("2026-12-10T04:00:00Z"));
    assert!(
        !before
            .reasons()
            .iter()
            .any(|r| matches!(r, Reason::Forbidden { .. }))
    );
}

/// An author the graph does not know cannot get a change allowed, whoever
/// approves: nobody could be excluded from approving it.
#[test]
fn an_unknown_author_cannot_be_allowed() {
    let (mut change, evidence, p) = scenario("emergency_in_freeze");
    change.author.id = None;
    change.author.email = "mallory@elsewhere.example".into();
    let d = p.evaluate_at(&change, &evidence, common::decision_time(&change));
    assert_eq!(d.outcome, Outcome::Deny);
    assert!(d.reasons().iter().any(|r| matches!(
        r,
        Reason::UnknownIdentity { role, email, .. } if role == "author" && email == "mallory@elsewhere.example"
    )));
    // A claimed id that is not a person of the graph is unknown too.
    change.author.id = Some("mallory".into());
    let d = p.evaluate_at(&change, &evidence, common::decision_time(&change));
    assert_eq!(d.outcome, Outcome::Deny);
    // So is an unknown committer beside a known author.
    let (mut change, evidence, p) = scenario("emergency_in_freeze");
    let mut committer = change.author.clone();
    committer.id = None;
    committer.email = "ghost@example.com".into();
    change.contributors.push(committer);
    let d = p.evaluate_at(&change, &evidence, common::decision_time(&change));
    assert!(d.reasons().iter().any(|r| matches!(
        r,
        Reason::UnknownIdentity { role, .. } if role == "contributor"
    )));
}

/// A committer who is a person of the graph approves nothing of the change,
/// and is told so in those words (not "the author").
#[test]
fn a_contributor_is_told_the_true_reason() {
    let (mut change, evidence, p) = scenario("agent_authored");
    let approver = evidence
        .approvals
        .iter()
        .find(|a| a.person == "pat")
        .unwrap()
        .person
        .clone();
    let mut committer = change.author.clone();
    committer.id = Some(approver.clone());
    committer.kind = writ_graph::PrincipalKind::Human;
    change.contributors.push(committer);
    change.digest = change.compute_digest();
    let mut evidence = evidence;
    for a in &mut evidence.approvals {
        a.change_digest = change.digest.clone();
    }
    let d = p.evaluate_at(&change, &evidence, common::decision_time(&change));
    let why = d
        .reasons()
        .iter()
        .find_map(|r| match r {
            Reason::InvalidApproval { person, why, .. } if *person == approver => Some(why),
            _ => None,
        })
        .expect("the committer's approval is invalid");
    assert!(why.contains("contributor"), "{why}");
}

/// Aliases are user configuration: only the graph file declares them. A
/// change whose author claims an alias of a person (a forge handle) or of a
/// team as its `id` is an unknown identity and is denied — otherwise the
/// author, matched under another name, could approve their own change.
#[test]
fn a_change_author_claiming_an_alias_is_unknown() {
    let graph = r#"{
      "version": 1,
      "teams": [{"id": "payments", "members": ["alice", "bob"], "aliases": ["@org/payments"]}],
      "people": [
        {"id": "alice", "emails": ["alice@example.com"], "aliases": ["@alice-gh"]},
        {"id": "bob", "emails": ["bob@example.com"], "aliases": ["@bob-gh"]}
      ],
      "nodes": [{"id": "billing", "kind": "service", "owners": ["@org/payments"], "paths": ["billing/**"]}]
    }"#;
    let policy = "use std::approvals::owners_review\n\nrule owners {\n  for n in change.touches(any)\n  require approval owners_review(n)\n}\n";
    let plan = common::plan_of(policy, graph);
    let p = writ_runtime::Prepared::new(plan).unwrap();
    let change_as = |id: &str| {
        let text = format!(
            r#"{{"version": 1, "id": "c1", "base": "b", "head": "h",
                "author": {{"id": "{id}", "name": "A", "email": "alice@example.com", "kind": "human"}},
                "files": [{{"path": "billing/src/lib.rs", "status": "modified"}}],
                "labels": [], "emergency": false, "timestamp": "2026-05-01T12:00:00Z"}}"#
        );
        let mut map = writ_diagnostics::SourceMap::new();
        let (change, diags) = writ_graph::Change::parse(&mut map, "change.json", text);
        change.unwrap_or_else(|| panic!("{diags:?}"))
    };
    let unknown_author = |d: &writ_runtime::Decision| {
        d.reasons()
            .iter()
            .any(|r| matches!(r, Reason::UnknownIdentity { role, .. } if role == "author"))
    };
    let evidence = writ_runtime::Evidence::default();
    // The canonical id is known (pending on the owners' review, not denied for identity).
    let c = change_as("alice");
    let d = p.evaluate_at(&c, &evidence, common::decision_time(&c));
    assert!(!unknown_author(&d), "{:#?}", d.reasons());
    // The person's alias, a team's alias, the team's id: all unknown, all denied.
    for claimed in ["@alice-gh", "alice-gh", "@org/payments", "payments"] {
        let c = change_as(claimed);
        let d = p.evaluate_at(&c, &evidence, common::decision_time(&c));
        assert_eq!(d.outcome, Outcome::Deny, "{claimed}: {:#?}", d.reasons());
        assert!(unknown_author(&d), "{claimed}: {:#?}", d.reasons());
    }
}

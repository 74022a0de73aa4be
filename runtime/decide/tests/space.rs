//! The change space (`writ_runtime::space`): author classes, exclusive
//! paths, label sets, window boundaries, and the strongest evidence turning
//! a satisfiable change into an allow through the real decider.

mod common;

use writ_graph::PrincipalKind;
use writ_runtime::space::{Scenario, Space};
use writ_runtime::{Outcome, Prepared};

const GRAPH: &str = r#"{
  "version": 1,
  "teams": [
    { "id": "pay", "members": ["ann", "bob"] },
    { "id": "security", "members": ["sec"] }
  ],
  "people": [
    { "id": "ann" }, { "id": "bob" }, { "id": "sec" }, { "id": "zed" }, { "id": "zoe" },
    { "id": "bot", "kind": "agent" }
  ],
  "nodes": [
    { "id": "ledger", "kind": "service", "owners": ["pay"], "paths": ["ledger/**"],
      "attributes": { "tier": 0 }, "checks": { "unit": { "run": ["true"] } } },
    { "id": "web", "kind": "service", "owners": ["zed"], "paths": ["web/**", "ledger/web/**"],
      "edges": { "calls": ["ledger"] } }
  ]
}"#;

const POLICY: &str = r#"
/// Tier 0 needs two owners and the unit check.
rule tier0 {
  for n in change.touches(service where tier == 0)
  require check "unit" on n
  require approval { 2 of owners(n) }
}

/// Everything else: one owner.
rule rest {
  for n in change.touches(service where tier != 0)
  require approval { 1 of owners(n) }
}

/// No change with the freeze label during the freeze.
forbid freeze {
  when change.labels has "freeze" and decision.time in 2026-12-20..2027-01-03
}

/// Security's word on web.
rule web_security {
  when change.touches(node "web") and change.labels has "risky"
  require approval { 1 of team "security" }
}
"#;

fn prepared() -> Prepared {
    common::prepared_of(POLICY, GRAPH)
}

#[test]
fn paths_touch_one_node_each() {
    let p = prepared();
    let space = Space::new(&p);
    let g = p.graph();
    let ledger = g.node_index("ledger").unwrap();
    let web = g.node_index("web").unwrap();
    assert_eq!(
        space.path_for(ledger).as_deref(),
        Some("ledger/writ-prove.txt")
    );
    assert_eq!(space.path_for(web).as_deref(), Some("web/writ-prove.txt"));
}

#[test]
fn labels_and_times_come_from_the_plan() {
    let p = prepared();
    let space = Space::new(&p);
    assert_eq!(space.labels(), ["freeze", "risky"]);
    assert_eq!(space.label_sets().unwrap().len(), 4);
    let start = writ_runtime::time::parse_rfc3339("2026-12-20T00:00:00Z").unwrap();
    let end = writ_runtime::time::parse_rfc3339("2027-01-03T00:00:00Z").unwrap();
    for t in [start - 1, start, start + 1, end, end + 1] {
        assert!(
            space.times().contains(&t),
            "{t} missing from {:?}",
            space.times()
        );
    }
    assert_eq!(
        space.times().len(),
        5,
        "before, at and after each boundary: {:?}",
        space.times()
    );
    assert!(space.named_teams().contains("security"));
    // No emergency path and no `change.emergency`: the flag changes nothing.
    assert_eq!(space.emergency_flags(), [false]);
}

#[test]
fn author_classes_separate_owners_outsiders_agents_and_unknown() {
    let p = prepared();
    let space = Space::new(&p);
    let ledger = p.graph().node_index("ledger").unwrap();
    let classes = space.author_classes(&[ledger]);
    let labels: Vec<String> = classes.iter().map(|c| c.label()).collect();
    // ann and bob own ledger (one class); zed owns web, which reaches
    // ledger; sec is in a named team; zoe is an outsider; bot an agent.
    assert_eq!(
        labels,
        [
            "outsider",
            "member (in team \"security\")",
            "owner of a reached node",
            "owner",
            "agent",
            "unknown author"
        ],
        "{classes:#?}"
    );
    let owner = classes.iter().find(|c| c.is_owner()).unwrap();
    assert_eq!(owner.representative.as_deref(), Some("ann"));
    let agent = classes.iter().find(|c| c.is_agent()).unwrap();
    assert_eq!(space.identity(agent).kind, PrincipalKind::Agent);
    assert!(classes.iter().any(|c| c.is_outsider()));
}

#[test]
fn strongest_evidence_allows_what_can_be_allowed_and_nothing_else() {
    let p = prepared();
    let space = Space::new(&p);
    let ledger = p.graph().node_index("ledger").unwrap();
    let classes = space.author_classes(&[ledger]);
    let outsider = classes.iter().find(|c| c.is_outsider()).unwrap().clone();
    let owner = classes.iter().find(|c| c.is_owner()).unwrap().clone();
    let at = |t: &str| writ_runtime::time::parse_rfc3339(t).unwrap();
    let s = |author, labels: &[&str], time| Scenario {
        nodes: vec![ledger],
        author,
        emergency: false,
        labels: labels.iter().map(|l| l.to_string()).collect(),
        time,
    };
    // An outsider's change: both owners can approve.
    let ok = s(outsider.clone(), &[], at("2026-06-01T00:00:00Z"));
    assert_eq!(space.best_outcome(&ok).unwrap(), Outcome::Allow);
    // With no evidence it is pending, not allowed.
    let change = space.change(&ok).unwrap();
    assert_eq!(
        p.evaluate_at(&change, &Default::default(), ok.time).outcome,
        Outcome::Pending
    );
    // An owner's change: only one other owner is left for "2 of owners".
    let by_owner = s(owner, &[], at("2026-06-01T00:00:00Z"));
    assert_eq!(space.best_outcome(&by_owner).unwrap(), Outcome::Pending);
    // The freeze label inside the window denies; outside it does not.
    let frozen = s(outsider.clone(), &["freeze"], at("2027-01-03T00:00:00Z"));
    assert_eq!(space.best_outcome(&frozen).unwrap(), Outcome::Deny);
    let thawed = s(outsider, &["freeze"], at("2027-01-03T00:00:01Z"));
    assert_eq!(space.best_outcome(&thawed).unwrap(), Outcome::Allow);
}

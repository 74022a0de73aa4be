//! Who can unblock a chain whose steps share people: one approval per
//! person per chain, so someone already counted for one step is not
//! offered for another, and a step left with too few people says so.

mod common;

use writ_graph::Change;
use writ_runtime::{Evidence, Prepared};

const GRAPH: &str = r#"{
  "version": 1,
  "teams": [
    { "id": "platform", "members": ["sue"] },
    { "id": "security", "members": ["sam", "sue"] }
  ],
  "people": [
    { "id": "dev1", "emails": ["dev1@example.com"] },
    { "id": "sam", "emails": ["sam@example.com"] },
    { "id": "sue", "emails": ["sue@example.com"] }
  ],
  "nodes": [
    { "id": "api", "kind": "service", "owners": ["platform"], "paths": ["api/**"] }
  ]
}"#;

const POLICY: &str = r#"
/// Platform, then two of security.
approval two_step {
  1 of team "platform" humans only
  then 2 of team "security" humans only
}

/// Every service change.
rule every {
  for n in change.touches(service)
  require approval two_step
}
"#;

#[test]
fn a_person_counted_for_one_step_is_not_offered_for_another() {
    let plan = common::plan_of(POLICY, GRAPH);
    let prepared = Prepared::new(plan).unwrap();
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("unblock-change.json");
    std::fs::write(
        &path,
        r#"{
  "version": 1, "id": "pr-1",
  "base": "1111111111111111111111111111111111111111",
  "head": "2222222222222222222222222222222222222222",
  "author": { "id": "dev1", "name": "dev1", "email": "dev1@example.com", "kind": "human" },
  "files": [{ "path": "api/main.rs", "status": "modified" }],
  "labels": [], "emergency": false, "timestamp": "2026-05-04T10:00:00Z"
}"#,
    )
    .unwrap();
    let mut map = writ_diagnostics::SourceMap::new();
    let change: Change = Change::load(&mut map, &path).0.unwrap();
    let now = writ_runtime::time::parse_rfc3339(&change.timestamp).unwrap() + 3600;
    let evidence: Evidence = serde_json::from_value(serde_json::json!({
        "checks": [],
        "approvals": [{
            "person": "sue", "key": "ed25519:sue-key", "chain": null,
            "change_id": change.id, "change_digest": change.digest,
            "plan_digest": prepared.digest(), "signed_at": now - 600,
            "digest": "sha256:appr-sue", "signature_verified": true
        }]
    }))
    .unwrap();
    let d = prepared.evaluate_at(&change, &evidence, now);
    assert_eq!(d.outcome.as_str(), "pending", "{:?}", d.reasons);
    let o = d
        .proof
        .obligations
        .iter()
        .find(|o| &*o.id == "approval main::two_step")
        .unwrap();
    let a = o.approval.as_ref().unwrap();
    assert_eq!(a.steps[0].approvals[0].person, "sue", "sue fills step 1");
    let u = o.unblock.as_ref().unwrap();
    assert_eq!(u.steps.len(), 1, "step 1 is complete: {u:?}");
    let s = &u.steps[0];
    assert_eq!((s.step, s.still_needed), (2, 2));
    let people: Vec<&str> = s.people.iter().map(|p| &*p.person).collect();
    assert_eq!(people, ["sam"]);
    let why = s.blocked.as_deref().unwrap();
    assert!(
        why.starts_with("not enough people can approve this: 2 more needed, only 1 can")
            && why.contains("`sue` already counts for step 1"),
        "{why}"
    );
}

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
    let change: Change = common::change_by("pr-1", "dev1", "human", &["api/main.rs"]);
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
    assert_eq!(d.outcome.as_str(), "pending", "{:?}", d.reasons());
    let o = d
        .proof
        .obligations
        .iter()
        .find(|o| o.id(&d.proof.names) == "approval main::two_step")
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

const GRAPH_MIXED: &str = r#"{
  "version": 1,
  "teams": [
    { "id": "platform", "members": ["bob", "bot", "dev1", "dev2", "sue"] },
    { "id": "security", "members": ["sam", "sue"] }
  ],
  "people": [
    { "id": "bob", "emails": ["bob@example.com"] },
    { "id": "bot", "kind": "agent" },
    { "id": "dev1", "emails": ["dev1@example.com"] },
    { "id": "dev2", "emails": ["dev2@example.com"] },
    { "id": "sam", "emails": ["sam@example.com"] },
    { "id": "sue", "emails": ["sue@example.com"] }
  ],
  "nodes": [
    { "id": "api", "kind": "service", "owners": ["platform"], "paths": ["api/**"] }
  ]
}"#;

const POLICY_MIXED: &str = r#"
/// Three of the service's owners (more than may approve), then two of
/// security.
approval owners_then_security(n) {
  3 of owners(n)
  then 2 of team "security"
}

/// Every service change.
rule every {
  for n in change.touches(service)
  require approval owners_then_security(n)
}
"#;

/// Step 1 with no approval: the author, a contributor and an agent own
/// the service too.
const STEP1_SHORT: &str = "not enough people can approve this: 3 more needed, only 2 can; \
     of owners(n=api), `bot` is an agent, `dev1` is the author, `dev2` contributed to the change";
/// Step 1 with bob's and sue's approvals.
const STEP1_NO_ONE: &str = "no one can approve this: \
     of owners(n=api), `bot` is an agent, `dev1` is the author, `dev2` contributed to the change";
/// Step 2 when sue counts for step 1.
const STEP2_SHORT: &str = "not enough people can approve this: 2 more needed, only 1 can; \
     of team \"security\", `sue` already counts for step 1 (one approval per person)";

/// Who may approve each step, as matching counts them and as `unblock`
/// names them, is the same whether the people the matching worked out
/// are reused (no usable approval: the direct JSON writer matches and
/// writes the `unblock` from one set of people) or worked out again (the
/// proof tree; with approvals, settling's matching): the author (a
/// self-approval), a contributor and an agent of step 1's owners never
/// count and are named as such; a signer the graph does not know is
/// rejected (and deny); `bob`, eligible for step 1 only, is never offered
/// for step 2.
#[test]
fn who_may_approve_a_step_is_the_same_reused_or_worked_out_again() {
    let plan = common::plan_of(POLICY_MIXED, GRAPH_MIXED);
    let prepared = Prepared::new(plan).unwrap();
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("unblock-mixed.json");
    std::fs::write(
        &path,
        r#"{
  "version": 1, "id": "pr-2",
  "base": "1111111111111111111111111111111111111111",
  "head": "2222222222222222222222222222222222222222",
  "author": { "id": "dev1", "name": "dev1", "email": "dev1@example.com", "kind": "human" },
  "contributors": [{ "id": "dev2", "name": "dev2", "email": "dev2@example.com", "kind": "human" }],
  "files": [{ "path": "api/main.rs", "status": "modified" }],
  "labels": [], "emergency": false, "timestamp": "2026-05-04T10:00:00Z"
}"#,
    )
    .unwrap();
    let mut map = writ_diagnostics::SourceMap::new();
    let change: Change = Change::load(&mut map, &path).0.unwrap();
    let now = writ_runtime::time::parse_rfc3339(&change.timestamp).unwrap() + 3600;
    let approval = |person: &str, at: i64| {
        serde_json::json!({
            "person": person, "key": format!("ed25519:{person}-key"), "chain": null,
            "change_id": change.id, "change_digest": change.digest,
            "plan_digest": prepared.digest(), "signed_at": at,
            "digest": format!("sha256:appr-{person}"), "signature_verified": true
        })
    };
    let evidence = |approvals: Vec<serde_json::Value>| -> Evidence {
        serde_json::from_value(serde_json::json!({ "checks": [], "approvals": approvals })).unwrap()
    };
    let none = evidence(vec![]);
    let some = evidence(vec![
        approval("dev1", now - 900),
        approval("mallory", now - 800),
        approval("bob", now - 700),
        approval("sue", now - 600),
    ]);
    let mut scratch = writ_runtime::Scratch::new(&prepared);
    // (evidence, per step: eligible and approvals counted, per step of
    // the unblock: step, still needed, people and why it is blocked)
    type Unblocked<'s> = Vec<(u32, u32, Vec<&'s str>, Option<&'s str>)>;
    type Steps<'s> = [(u32, Vec<&'s str>); 2];
    let cases: [(&Evidence, Steps, Unblocked); 2] = [
        (
            &none,
            [(2, vec![]), (2, vec![])],
            vec![
                (1, 3, vec!["bob", "sue"], Some(STEP1_SHORT)),
                (2, 2, vec!["sam", "sue"], None),
            ],
        ),
        (
            &some,
            [(2, vec!["bob", "sue"]), (2, vec![])],
            vec![
                (1, 1, vec![], Some(STEP1_NO_ONE)),
                (2, 2, vec!["sam"], Some(STEP2_SHORT)),
            ],
        ),
    ];
    for (ev, steps, unblock) in cases {
        let d = prepared.evaluate_at(&change, ev, now);
        // A self-approval or an unknown signer's is invalid: it denies.
        let outcome = if ev.approvals.is_empty() {
            "pending"
        } else {
            "deny"
        };
        assert_eq!(d.outcome.as_str(), outcome, "{:?}", d.reasons());
        let direct = prepared
            .decide(&mut scratch, &change, ev, now)
            .into_json(None);
        assert_eq!(direct, d.to_json(), "the direct JSON is the tree's");
        let o = (d.proof.obligations.iter())
            .find(|o| o.approval.is_some())
            .unwrap();
        let a = o.approval.as_ref().unwrap();
        assert_eq!(a.steps.len(), 2);
        for (s, (eligible, counted)) in a.steps.iter().zip(&steps) {
            assert_eq!(s.eligible, *eligible, "{s:?}");
            let people: Vec<&str> = s.approvals.iter().map(|a| a.person.as_str()).collect();
            assert_eq!(&people, counted, "{s:?}");
        }
        let u = o.unblock.as_ref().unwrap();
        let got: Unblocked = (u.steps.iter())
            .map(|s| {
                let people = s.people.iter().map(|p| &*p.person).collect();
                (s.step, s.still_needed, people, s.blocked.as_deref())
            })
            .collect();
        assert_eq!(got, unblock);
        let rejected: Vec<&str> = d.proof.rejected.iter().map(|r| &*r.subject).collect();
        if ev.approvals.is_empty() {
            assert!(rejected.is_empty(), "{rejected:?}");
        } else {
            assert!(rejected.contains(&"dev1"), "a self-approval: {rejected:?}");
            assert!(
                rejected.contains(&"mallory"),
                "an unknown signer: {rejected:?}"
            );
        }
    }
}

const POLICY_TWICE: &str = r#"
/// Two of security.
approval security_review {
  2 of team "security"
}

/// One of the service's owners.
approval owners_review(n) {
  1 of owners(n)
}

/// Every service change.
rule every {
  for n in change.touches(service)
  require approval security_review
  require approval owners_review(n)
}
"#;

/// A person offered by two obligations of a proof (sue owns `api` and is
/// in security) is one approver, shared by both and by the next proof of
/// the plan; each `unblock` still names them with their whole command, and
/// the JSON read back is the same proof.
#[test]
fn a_person_offered_twice_is_one_shared_approver_with_the_whole_command() {
    let prepared = common::prepared_of(POLICY_TWICE, GRAPH_MIXED);
    let change: Change = common::change_by("pr-1", "dev1", "human", &["api/main.rs"]);
    let now = writ_runtime::time::parse_rfc3339(&change.timestamp).unwrap() + 3600;
    let evidence = Evidence::default();
    let sue_of = |d: &writ_runtime::Decision, id: &str| {
        let o = (d.proof.obligations.iter())
            .find(|o| o.id(&d.proof.names) == id)
            .unwrap_or_else(|| panic!("no `{id}`"));
        let u = o.unblock.as_ref().expect("missing, so unblockable");
        (u.steps[0].people.iter())
            .find(|a| &*a.person == "sue")
            .cloned()
            .unwrap_or_else(|| panic!("sue offered for `{id}`: {u:?}"))
    };
    let d = prepared.evaluate_at(&change, &evidence, now);
    assert_eq!(d.outcome.as_str(), "pending", "{:?}", d.reasons());
    let security = sue_of(&d, "approval main::security_review");
    let owners = sue_of(&d, "approval main::owners_review(api)");
    let want = [
        "writ", "approve", "--change", "<CHANGE>", "--plan", "<PLAN>", "--key", "<KEY>", "--as",
        "sue",
    ];
    assert_eq!(
        security.command.iter().map(|w| &**w).collect::<Vec<_>>(),
        want
    );
    assert_eq!(security, owners);
    assert!(
        std::sync::Arc::ptr_eq(&security.command, &owners.command),
        "one command for sue in the proof"
    );
    let again = prepared.evaluate_at(&change, &evidence, now);
    assert!(
        std::sync::Arc::ptr_eq(
            &security.command,
            &sue_of(&again, "approval main::security_review").command
        ),
        "one command for sue in the plan"
    );
    // The JSON names the whole command in each obligation, and reads back
    // as the same proof.
    let json = d.to_json();
    let whole = r#"{"person":"sue","command":["writ","approve","--change","<CHANGE>","--plan","<PLAN>","--key","<KEY>","--as","sue"]}"#;
    assert_eq!(json.matches(whole).count(), 2, "{json}");
    let back: writ_runtime::Proof = serde_json::from_str(&json).unwrap();
    assert_eq!(back, d.proof);
    assert_eq!(
        prepared
            .decide(
                &mut writ_runtime::Scratch::new(&prepared),
                &change,
                &evidence,
                now
            )
            .into_json(None),
        json,
        "the direct JSON is the tree's"
    );
}

const POLICY_TEAM: &str = r#"
/// Two of platform, named as a team.
approval platform_review {
  2 of team "platform"
}

/// Every service change.
rule every {
  for n in change.touches(service)
  require approval platform_review
}
"#;

/// Whether each member of a team may approve is worked out once per plan
/// (`Names::team_humans`), but who wrote the change is not: on one
/// prepared plan, `dev1` counts for another author's change, then is
/// still excluded (and their self-approval denies) on their own change
/// decided after it, and counts again on the first change decided again;
/// the agent never counts and the unknown signer is rejected every time.
#[test]
fn a_team_member_who_authored_the_change_is_excluded_with_the_per_plan_team_cache() {
    let prepared = common::prepared_of(POLICY_TEAM, GRAPH_MIXED);
    let by_bob = common::change_by("pr-bob", "bob", "human", &["api/main.rs"]);
    let by_dev1 = common::change_by("pr-dev1", "dev1", "human", &["api/main.rs"]);
    let now = writ_runtime::time::parse_rfc3339(&by_bob.timestamp).unwrap() + 3600;
    let evidence = |change: &Change, people: &[&str]| -> Evidence {
        let approvals: Vec<serde_json::Value> = (people.iter())
            .map(|person| {
                serde_json::json!({
                    "person": person, "key": format!("ed25519:{person}-key"), "chain": null,
                    "change_id": change.id, "change_digest": change.digest,
                    "plan_digest": prepared.digest(), "signed_at": now - 600,
                    "digest": format!("sha256:appr-{person}"), "signature_verified": true
                })
            })
            .collect();
        serde_json::from_value(serde_json::json!({ "checks": [], "approvals": approvals })).unwrap()
    };
    let mut scratch = writ_runtime::Scratch::new(&prepared);
    // (change, approvers, outcome, eligible, counted, offered, rejected)
    type Case<'c> = (
        &'c Change,
        &'c [&'c str],
        &'c str,
        u32,
        Vec<&'c str>,
        Vec<&'c str>,
    );
    let cases: [Case; 4] = [
        // platform: bob (author), bot (agent), dev1, dev2, sue.
        (
            &by_bob,
            &["dev1", "bot"],
            "deny",
            3,
            vec!["dev1"],
            vec!["bot"],
        ),
        (
            &by_dev1,
            &["dev1", "sue"],
            "deny",
            3,
            vec!["sue"],
            vec!["dev1"],
        ),
        (
            &by_dev1,
            &["dev2", "sue"],
            "allow",
            3,
            vec!["dev2", "sue"],
            vec![],
        ),
        (
            &by_bob,
            &["dev1", "sue", "mallory"],
            "deny",
            3,
            vec!["dev1", "sue"],
            vec!["mallory"],
        ),
    ];
    for (change, people, outcome, eligible, counted, rejected) in cases {
        let ev = evidence(change, people);
        let d = prepared.evaluate_at(change, &ev, now);
        assert_eq!(d.outcome.as_str(), outcome, "{people:?}: {:?}", d.reasons());
        let direct = prepared
            .decide(&mut scratch, change, &ev, now)
            .into_json(None);
        assert_eq!(direct, d.to_json(), "the direct JSON is the tree's");
        let o = (d.proof.obligations.iter())
            .find(|o| o.approval.is_some())
            .unwrap();
        let s = &o.approval.as_ref().unwrap().steps[0];
        assert_eq!(s.eligible, eligible, "{s:?}");
        let got: Vec<&str> = s.approvals.iter().map(|a| a.person.as_str()).collect();
        assert_eq!(got, counted, "{people:?}");
        let got: Vec<&str> = d.proof.rejected.iter().map(|r| &*r.subject).collect();
        assert_eq!(got, rejected, "{people:?}");
        let author = change.author.id.as_deref().unwrap();
        if let Some(u) = o.unblock.as_ref() {
            for s in &u.steps {
                assert!(
                    s.people
                        .iter()
                        .all(|p| &*p.person != author && &*p.person != "bot"),
                    "{s:?}"
                );
            }
        }
    }
}

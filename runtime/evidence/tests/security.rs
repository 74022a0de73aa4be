//! Security tests: every forged, misattributed, replayed, stale, self-, agent-
//! or duplicate approval, and every tampered or untrusted bundle, is refused
//! with a clear reason.

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::*;
use writ_evidence::approval::{
    ApprovalError, ApprovalRecord, ApprovalStatement, ScreenRules, read_approval, screen,
    sign_approval,
};
use writ_evidence::bundle::{self, ApprovalProblem, BundleError, BundleInput, PlanContext};
use writ_evidence::dsse;

fn approve(person: &str, signer: &str, change: &writ_graph::Change, plan: &str) -> Vec<u8> {
    let s = ApprovalStatement::new(person, change, plan, Some("payments::owners".into()), None);
    sign_approval(&s, &key(signer)).1
}

fn read(bytes: &[u8]) -> ApprovalRecord {
    read_approval(bytes, &graph()).expect("an approval file")
}

fn rules<'a>(change: &'a writ_graph::Change, team: Option<&'a str>) -> ScreenRules<'a> {
    ScreenRules {
        change,
        plan_digest: PLAN,
        team,
        expires_after: None,
        now: writ_evidence::now_unix(),
    }
}

fn refused_for(
    records: &[ApprovalRecord],
    change: &writ_graph::Change,
    team: Option<&str>,
) -> Vec<String> {
    let s = screen(&graph(), records, &rules(change, team));
    s.refused.iter().map(|(_, e)| e.to_string()).collect()
}

#[test]
fn a_valid_approval_counts() {
    let c = change("PR-1", "t1");
    let r = read(&approve("ana", "ana", &c, PLAN));
    assert!(r.signature.is_ok());
    let ev = r.to_evidence();
    assert!(ev.signature_verified);
    assert_eq!(
        ev.key,
        writ_evidence::keys::public_key_text(&key("ana").verifying_key())
    );
    let s = screen(&graph(), &[r], &rules(&c, Some("payments")));
    assert_eq!(
        s.people.into_iter().collect::<Vec<_>>(),
        vec!["ana".to_string()]
    );
    assert!(s.refused.is_empty());
}

#[test]
fn forged_signature_is_rejected() {
    let c = change("PR-1", "t1");
    let bytes = approve("ana", "ana", &c, PLAN);
    let mut env: dsse::Envelope = serde_json::from_slice(&bytes).unwrap();
    let mut sig = STANDARD.decode(&env.signatures[0].sig).unwrap();
    sig[10] ^= 1;
    env.signatures[0].sig = STANDARD.encode(sig);
    let r = read(&serde_json::to_vec(&env).unwrap());
    assert_eq!(
        r.signature.clone().unwrap_err(),
        ApprovalError::BadSignature("ana".into())
    );
    assert!(!r.to_evidence().signature_verified);
    let why = refused_for(&[r], &c, None);
    assert!(
        why[0].contains("does not verify against any key of `ana`"),
        "{why:?}"
    );

    // An edited statement (another chain) under the original signature.
    let mut env: dsse::Envelope = serde_json::from_slice(&bytes).unwrap();
    let mut s: ApprovalStatement =
        serde_json::from_slice(&STANDARD.decode(&env.payload).unwrap()).unwrap();
    s.chain = Some("security::signoff".into());
    env.payload = STANDARD.encode(serde_json::to_vec(&s).unwrap());
    let r = read(&serde_json::to_vec(&env).unwrap());
    assert_eq!(
        r.signature.unwrap_err(),
        ApprovalError::BadSignature("ana".into())
    );
}

#[test]
fn signature_by_a_key_not_of_that_person_is_rejected() {
    let c = change("PR-1", "t1");
    // sam signs a statement claiming to be ana, and even names ana's key id.
    let bytes = approve("ana", "sam", &c, PLAN);
    let mut env: dsse::Envelope = serde_json::from_slice(&bytes).unwrap();
    env.signatures[0].keyid = writ_evidence::keys::keyid(&key("ana").verifying_key());
    let r = read(&serde_json::to_vec(&env).unwrap());
    assert_eq!(
        r.signature.clone().unwrap_err(),
        ApprovalError::BadSignature("ana".into())
    );
    // A key that belongs to nobody, for a person not in the graph.
    let r2 = read(&approve("mallory", "sam", &c, PLAN));
    assert_eq!(
        r2.signature.clone().unwrap_err(),
        ApprovalError::UnknownPerson("mallory".into())
    );
    let why = refused_for(&[r, r2], &c, None);
    assert_eq!(why.len(), 2);
    assert!(
        why[1].contains("`mallory` is not a person of the graph"),
        "{why:?}"
    );
}

#[test]
fn approval_by_the_author_is_rejected() {
    let c = change("PR-1", "t1");
    let why = refused_for(
        &[read(&approve("dev1", "dev1", &c, PLAN))],
        &c,
        Some("payments"),
    );
    assert_eq!(
        why,
        vec!["`dev1` authored the change and cannot approve it".to_string()]
    );
    // A co-author neither.
    let mut c2 = c.clone();
    c2.contributors.push(writ_graph::Identity {
        id: Some("bo".into()),
        name: "Bo".into(),
        email: "bo@example.com".into(),
        kind: writ_graph::PrincipalKind::Human,
    });
    let why = refused_for(&[read(&approve("bo", "bo", &c2, PLAN))], &c2, None);
    assert!(why[0].contains("`bo` authored the change"), "{why:?}");
}

#[test]
fn approval_by_an_agent_is_rejected() {
    let c = change("PR-1", "t1");
    let r = read(&approve("bot", "bot", &c, PLAN));
    assert!(r.signature.is_ok(), "the signature itself is fine");
    let why = refused_for(&[r], &c, Some("payments"));
    assert_eq!(
        why,
        vec!["`bot` is an agent; agents never approve".to_string()]
    );
}

#[test]
fn approval_by_someone_outside_the_team_is_rejected() {
    let c = change("PR-1", "t1");
    let why = refused_for(
        &[read(&approve("wen", "wen", &c, PLAN))],
        &c,
        Some("payments"),
    );
    assert_eq!(
        why,
        vec!["`wen` is not a member of team `payments`".to_string()]
    );
}

#[test]
fn the_same_person_twice_counts_once() {
    let c = change("PR-1", "t1");
    let first = read(&approve("ana", "ana", &c, PLAN));
    // A second, distinct signature by the same person (another comment).
    let s = ApprovalStatement::new("ana", &c, PLAN, None, Some("again".into()));
    let second = read(&sign_approval(&s, &key("ana")).1);
    assert_ne!(first.digest, second.digest);
    let out = screen(&graph(), &[first, second], &rules(&c, Some("payments")));
    assert_eq!(
        out.people.len(),
        1,
        "distinct people are counted, not signatures"
    );
    assert_eq!(out.refused.len(), 1);
    assert_eq!(
        out.refused[0].1.to_string(),
        "`ana` already approved; each person counts once"
    );
}

#[test]
fn an_approval_replayed_onto_another_change_is_rejected() {
    let c1 = change("PR-1", "t1");
    let c2 = change("PR-2", "t2");
    let why = refused_for(&[read(&approve("ana", "ana", &c1, PLAN))], &c2, None);
    assert_eq!(why.len(), 1);
    assert!(
        why[0].contains("is for change `PR-1`, not `PR-2` (replayed onto another change)"),
        "{why:?}"
    );
}

#[test]
fn a_stale_approval_after_a_new_push_is_rejected() {
    let before = change("PR-1", "tree-before");
    let after = change("PR-1", "tree-after-push");
    assert_ne!(before.digest, after.digest);
    let r = read(&approve("ana", "ana", &before, PLAN));
    let why = refused_for(std::slice::from_ref(&r), &after, None);
    assert!(why[0].contains("is stale"), "{why:?}");
    assert!(
        why[0].contains(&before.digest) && why[0].contains(&after.digest),
        "{why:?}"
    );
    // Under another plan.
    let r = read(&approve("ana", "ana", &after, OTHER_PLAN));
    let why = refused_for(&[r], &after, None);
    assert!(why[0].contains("was given under plan"), "{why:?}");
}

#[test]
fn expired_and_future_dated_approvals_are_rejected() {
    let c = change("PR-1", "t1");
    let now = writ_evidence::now_unix();
    let mut s = ApprovalStatement::new("ana", &c, PLAN, None, None);
    s.signed_at = now - 7200;
    let old = read(&sign_approval(&s, &key("ana")).1);
    let mut s = ApprovalStatement::new("bo", &c, PLAN, None, None);
    s.signed_at = now + 7200;
    let future = read(&sign_approval(&s, &key("bo")).1);
    let r = ScreenRules {
        change: &c,
        plan_digest: PLAN,
        team: None,
        expires_after: Some(3600),
        now,
    };
    let out = screen(&graph(), &[old, future], &r);
    assert!(out.people.is_empty());
    let why: Vec<String> = out.refused.iter().map(|(_, e)| e.to_string()).collect();
    assert!(why[0].contains("up to 3600s old"), "{why:?}");
    assert!(why[1].contains("dated in the future"), "{why:?}");
}

#[test]
fn malformed_approvals_are_errors_not_panics() {
    let g = graph();
    for bad in [
        &b""[..],
        b"{",
        b"[]",
        b"{\"payload\":\"!!\",\"payloadType\":\"x\",\"signatures\":[]}",
    ] {
        let e = read_approval(bad, &g).unwrap_err();
        assert!(e.to_string().starts_with("not a valid approval"), "{e}");
    }
    // A valid envelope of another payload type, signed by the right key.
    let c = change("PR-1", "t1");
    let s = ApprovalStatement::new("ana", &c, PLAN, None, None);
    let env = dsse::sign(
        "application/json",
        &serde_json::to_vec(&s).unwrap(),
        &key("ana"),
    );
    let r = read_approval(&serde_json::to_vec(&env).unwrap(), &g).unwrap();
    assert!(
        r.signature
            .unwrap_err()
            .to_string()
            .contains("payload type `application/json`")
    );
}

// ---- bundles ----

fn make_bundle(signer: &str) -> (Vec<u8>, writ_graph::Change) {
    let c = change("PR-1", "t1");
    let approvals = vec![
        read(&approve("ana", "ana", &c, PLAN)),
        read(&approve("bo", "bo", &change("PR-1", "old"), PLAN)),
    ];
    let evidence = writ_runtime::Evidence {
        checks: vec![writ_runtime::CheckResult {
            check: "unit".into(),
            node: "payments-api".into(),
            outcome: writ_runtime::CheckOutcome::Passed,
            digest: writ_evidence::sha256_digest(b"record"),
            source: "run".into(),
            summary: None,
        }],
        approvals: approvals.iter().map(ApprovalRecord::to_evidence).collect(),
    };
    let input = BundleInput {
        change: &c,
        plan_digest: PLAN,
        plan_trust: &writ_plan::signature::PlanTrust::insecure(),
        outcome: "allow",
        decision: serde_json::json!({"outcome": "allow"}),
        evidence: &evidence,
        checks: &[],
        approvals: &approvals,
        decided_at: 1_767_225_600,
        decision_clock: "system",
    };
    (
        bundle::sign_statement(&bundle::statement(&input), &key(signer)),
        c,
    )
}

fn runner_keys() -> Vec<ed25519_dalek::VerifyingKey> {
    vec![key("sam").verifying_key()]
}

#[test]
fn a_valid_bundle_verifies() {
    let (bytes, c) = make_bundle("sam");
    let g = graph();
    let report = bundle::verify_bundle(
        &bytes,
        &runner_keys(),
        Some(PlanContext {
            digest: PLAN,
            graph: &g,
        }),
    )
    .unwrap();
    assert_eq!(report.outcome, "allow");
    assert_eq!(report.change_digest, c.digest);
    assert_eq!(report.approvals, vec!["ana".to_string()]);
    assert_eq!(
        report.refused.len(),
        1,
        "the stale approval by bo is listed as refused"
    );
    assert!(report.refused[0].contains("stale"));
    // Against another plan: invalid.
    let e = bundle::verify_bundle(
        &bytes,
        &runner_keys(),
        Some(PlanContext {
            digest: OTHER_PLAN,
            graph: &g,
        }),
    )
    .unwrap_err();
    assert!(
        matches!(&e, BundleError::OtherPlan { given, .. } if given == OTHER_PLAN),
        "{e:?}"
    );
    assert!(e.to_string().contains("was decided under plan"), "{e}");
}

/// The bundle's envelope is refused: no signature in it verifies against a
/// trusted runner key (forged, altered after signing, or signed by another key).
fn assert_no_trusted_signature(e: &BundleError) {
    assert!(
        matches!(
            e,
            BundleError::Envelope(dsse::DsseError::Untrusted { verified: 0, .. })
        ),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .contains("no signature verifies against a trusted key"),
        "{e}"
    );
}

#[test]
fn a_bundle_with_its_payload_edited_is_rejected() {
    let (bytes, _) = make_bundle("sam");
    let mut env: dsse::Envelope = serde_json::from_slice(&bytes).unwrap();
    let payload = String::from_utf8(STANDARD.decode(&env.payload).unwrap()).unwrap();
    env.payload = STANDARD.encode(payload.replace("\"outcome\":\"allow\"", "\"outcome\":\"deny\""));
    let e = bundle::verify_bundle(&serde_json::to_vec(&env).unwrap(), &runner_keys(), None)
        .unwrap_err();
    assert_no_trusted_signature(&e);
}

#[test]
fn a_bundle_with_its_payload_type_edited_is_rejected() {
    let (bytes, _) = make_bundle("sam");
    let mut env: dsse::Envelope = serde_json::from_slice(&bytes).unwrap();
    env.payload_type = "application/vnd.in-toto.v2+json".into();
    let e = bundle::verify_bundle(&serde_json::to_vec(&env).unwrap(), &runner_keys(), None)
        .unwrap_err();
    assert_no_trusted_signature(&e);
    // Re-signed with the other type by the trusted key: the type itself is refused.
    let payload = STANDARD.decode(&env.payload).unwrap();
    let resigned = dsse::sign("application/json", &payload, &key("sam"));
    let e = bundle::verify_bundle(
        &serde_json::to_vec(&resigned).unwrap(),
        &runner_keys(),
        None,
    )
    .unwrap_err();
    assert!(
        matches!(&e, BundleError::Envelope(dsse::DsseError::WrongPayloadType { found, .. }) if found == "application/json"),
        "{e:?}"
    );
    assert!(
        e.to_string().contains("payload type is `application/json`"),
        "{e}"
    );
}

#[test]
fn a_bundle_signed_by_an_untrusted_key_is_rejected() {
    let (bytes, _) = make_bundle("wen");
    let e = bundle::verify_bundle(&bytes, &runner_keys(), None).unwrap_err();
    assert_no_trusted_signature(&e);
}

#[test]
fn a_bundle_whose_statement_types_are_wrong_is_rejected() {
    let (bytes, _) = make_bundle("sam");
    let env: dsse::Envelope = serde_json::from_slice(&bytes).unwrap();
    let mut v: serde_json::Value =
        serde_json::from_slice(&STANDARD.decode(&env.payload).unwrap()).unwrap();
    v["predicateType"] = "https://example.com/other".into();
    let resigned = dsse::sign(
        dsse::INTOTO_PAYLOAD_TYPE,
        &serde_json::to_vec(&v).unwrap(),
        &key("sam"),
    );
    let e = bundle::verify_bundle(
        &serde_json::to_vec(&resigned).unwrap(),
        &runner_keys(),
        None,
    )
    .unwrap_err();
    assert!(
        matches!(&e, BundleError::PredicateType(kind) if kind == "https://example.com/other"),
        "{e:?}"
    );
    assert!(e.to_string().contains("predicateType"), "{e}");
    v["predicateType"] = bundle::PREDICATE_TYPE.into();
    v["_type"] = "https://in-toto.io/Statement/v0.1".into();
    let resigned = dsse::sign(
        dsse::INTOTO_PAYLOAD_TYPE,
        &serde_json::to_vec(&v).unwrap(),
        &key("sam"),
    );
    let e = bundle::verify_bundle(
        &serde_json::to_vec(&resigned).unwrap(),
        &runner_keys(),
        None,
    )
    .unwrap_err();
    assert!(matches!(e, BundleError::StatementType(_)), "{e:?}");
    assert!(e.to_string().contains("`_type`"), "{e}");
}

#[test]
fn a_bundle_counting_a_forged_approval_is_rejected() {
    // A runner key holder cannot slip in an approval whose signature is bad.
    let (bytes, _) = make_bundle("sam");
    let env: dsse::Envelope = serde_json::from_slice(&bytes).unwrap();
    let mut v: serde_json::Value =
        serde_json::from_slice(&STANDARD.decode(&env.payload).unwrap()).unwrap();
    let forged = approve("bo", "wen", &change("PR-1", "t1"), PLAN);
    let a = &mut v["predicate"]["evidence"]["approvals"][1];
    a["envelope"] = serde_json::from_slice(&forged).unwrap();
    let payload = STANDARD
        .decode(a["envelope"]["payload"].as_str().unwrap())
        .unwrap();
    a["digest"] = writ_evidence::sha256_digest(&payload).into();
    a["change_digest"] = change("PR-1", "t1").digest.into();
    a["refused"] = serde_json::Value::Null;
    a["key"] = writ_evidence::keys::public_key_text(&key("bo").verifying_key()).into();
    let resigned = dsse::sign(
        dsse::INTOTO_PAYLOAD_TYPE,
        &serde_json::to_vec(&v).unwrap(),
        &key("sam"),
    );
    let g = graph();
    let e = bundle::verify_bundle(
        &serde_json::to_vec(&resigned).unwrap(),
        &runner_keys(),
        Some(PlanContext {
            digest: PLAN,
            graph: &g,
        }),
    )
    .unwrap_err();
    assert!(
        matches!(
            &e,
            BundleError::Approval {
                index: 1,
                problem: ApprovalProblem::Signature { person, .. },
            } if person == "bo"
        ),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .contains("approval 1 inside the bundle: the approval by `bo` does not verify"),
        "{e}"
    );
}

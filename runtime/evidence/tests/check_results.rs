//! Check results are evidence only when signed by a trusted key and bound to
//! this change and plan (issue #15): every combination of a wrong binding or
//! an untrusted signer is left out, with its reason; only the fully bound,
//! trusted one counts. Also: unsigned (older) records, edited payloads and a
//! record whose signed type is not a check result.

mod common;

use common::*;
use writ_evidence::store::{
    Attachment, CHECK_TYPE, CheckRecord, EvidenceDir, ResultTrust, SignedCheck,
};
use writ_runtime::CheckOutcome;

fn record(change_id: &str, change_digest: &str, plan: &str) -> CheckRecord {
    CheckRecord {
        kind: CHECK_TYPE.into(),
        check: "unit".into(),
        node: "payments-api".into(),
        source: "junit:report.xml".into(),
        change_id: Some(change_id.into()),
        change_digest: Some(change_digest.into()),
        plan_digest: Some(plan.into()),
        outcome: CheckOutcome::Passed,
        summary: None,
        run: None,
        counts: None,
        input: None,
        files: Vec::new(),
        recorded_at: "2026-01-01T00:00:00Z".into(),
    }
}

fn store(dir: &EvidenceDir, r: CheckRecord, signer: &str) -> SignedCheck {
    let log = Attachment {
        name: "report",
        bytes: b"<testsuite/>",
        total: 12,
        truncated: false,
        redactions: 0,
    };
    dir.store_check(r, &[log], &key(signer)).unwrap()
}

#[test]
fn only_trusted_fully_bound_results_count() {
    let c = change("PR-1", "t1");
    let other = change("PR-1", "t2"); // a new push: same id, another digest
    let trust = ResultTrust {
        plan_digest: PLAN.into(),
        keys: vec![key("sam").verifying_key()],
    };
    for bits in 0u8..16 {
        let (id_ok, digest_ok, plan_ok, key_ok) =
            (bits & 1 != 0, bits & 2 != 0, bits & 4 != 0, bits & 8 != 0);
        let tmp = tempfile::tempdir().unwrap();
        let dir = EvidenceDir::create(tmp.path()).unwrap();
        let r = record(
            if id_ok { "PR-1" } else { "PR-104-nobg" },
            if digest_ok { &c.digest } else { &other.digest },
            if plan_ok { PLAN } else { OTHER_PLAN },
        );
        store(&dir, r, if key_ok { "sam" } else { "wen" });
        let loaded = dir.load(&graph(), &c, &trust).unwrap();
        let counts = id_ok && digest_ok && plan_ok && key_ok;
        assert_eq!(
            loaded.evidence.checks.len(),
            usize::from(counts),
            "id {id_ok} digest {digest_ok} plan {plan_ok} key {key_ok}: {:?}",
            loaded.notes
        );
        if !counts {
            let note = loaded.notes.join("\n");
            let expected = if !key_ok {
                "not by a key trusted for check results"
            } else if !id_ok {
                "bound to change `PR-104-nobg`"
            } else if !digest_ok {
                "stale"
            } else {
                "not the plan in force"
            };
            assert!(note.contains(expected), "{note}");
        }
    }
}

#[test]
fn no_trusted_result_keys_means_no_results() {
    let c = change("PR-1", "t1");
    let tmp = tempfile::tempdir().unwrap();
    let dir = EvidenceDir::create(tmp.path()).unwrap();
    store(&dir, record("PR-1", &c.digest, PLAN), "sam");
    let trust = ResultTrust {
        plan_digest: PLAN.into(),
        keys: vec![],
    };
    let loaded = dir.load(&graph(), &c, &trust).unwrap();
    assert!(loaded.evidence.checks.is_empty());
    assert!(loaded.notes[0].contains("no key is trusted for check results"));
}

#[test]
fn unsigned_edited_and_mistyped_records_do_not_count() {
    let c = change("PR-1", "t1");
    let trust = ResultTrust {
        plan_digest: PLAN.into(),
        keys: vec![key("sam").verifying_key()],
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = EvidenceDir::create(tmp.path()).unwrap();
    // An unsigned record, as an older writ (or an attacker) writes it.
    let plain = serde_json::to_vec(&record("PR-1", &c.digest, PLAN)).unwrap();
    std::fs::write(tmp.path().join("checks/plain.json"), plain).unwrap();
    // A signed passing record whose payload was edited to another node.
    let signed = store(&dir, record("PR-1", &c.digest, PLAN), "sam");
    let mut env = signed.envelope.clone();
    let payload = writ_evidence::dsse::decode_base64(&env.payload).unwrap();
    let edited = String::from_utf8(payload)
        .unwrap()
        .replace("payments-api", "payments-ui");
    env.payload = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, edited);
    std::fs::write(
        tmp.path().join("checks/edited.json"),
        serde_json::to_vec(&env).unwrap(),
    )
    .unwrap();
    // A genuinely signed payload of another type (an approval's type).
    let mut wrong = record("PR-1", &c.digest, PLAN);
    wrong.kind = "writ.approval/v1".into();
    let env = writ_evidence::dsse::sign(
        writ_evidence::store::CHECK_PAYLOAD_TYPE,
        &serde_json::to_vec(&wrong).unwrap(),
        &key("sam"),
    );
    std::fs::write(
        tmp.path().join("checks/wrong-type.json"),
        serde_json::to_vec(&env).unwrap(),
    )
    .unwrap();
    let loaded = dir.load(&graph(), &c, &trust).unwrap();
    // Only the genuine stored one counts.
    assert_eq!(loaded.evidence.checks.len(), 1, "{:?}", loaded.notes);
    assert_eq!(loaded.evidence.checks[0].digest, signed.result.digest);
    let notes = loaded.notes.join("\n");
    assert!(notes.contains("unsigned check result"), "{notes}");
    assert!(notes.contains("not by a key trusted"), "{notes}");
    assert!(notes.contains("type `writ.approval/v1`"), "{notes}");
}

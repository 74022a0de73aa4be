//! A bundle verified by an independent DSSE implementation: Python's
//! securesystemslib (and a from-the-spec PAE with `cryptography`), run by
//! `tests/dsse_verify.py`. Under CI (`CI=true`) a missing module fails the
//! test; elsewhere the test says it is skipped.

mod common;

use common::*;
use std::process::Command;
use writ_evidence::approval::{ApprovalStatement, read_approval, sign_approval};
use writ_evidence::bundle::{self, BundleInput};

fn python_ready() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import securesystemslib.dsse, cryptography"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        let msg = "python3 with securesystemslib and cryptography is needed: pip install 'securesystemslib[crypto]==1.6.0'";
        if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
            panic!("{msg}");
        }
        eprintln!("SKIPPED (not under CI): {msg}");
    }
    ok
}

fn script() -> String {
    format!("{}/tests/dsse_verify.py", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn securesystemslib_verifies_a_writ_bundle() {
    if !python_ready() {
        return;
    }
    let c = change("PR-7", "tree");
    let s = ApprovalStatement::new("ana", &c, PLAN, None, Some("lgtm ✓".into()));
    let approvals = vec![read_approval(&sign_approval(&s, &key("ana")).1, &graph()).unwrap()];
    let evidence = writ_runtime::Evidence {
        checks: vec![],
        approvals: approvals.iter().map(|a| a.to_evidence()).collect(),
    };
    let input = BundleInput {
        change: &c,
        plan_digest: PLAN,
        plan_trust: &writ_plan::signature::PlanTrust::insecure(),
        outcome: "allow",
        decision: serde_json::json!({"outcome": "allow", "note": "non-ASCII: ü ✓"}),
        evidence: &evidence,
        checks: &[],
        approvals: &approvals,
        decided_at: 1_767_225_600,
        decision_clock: "system",
    };
    let runner = key("sam");
    let bytes = bundle::sign_statement(&bundle::statement(&input), &runner);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bundle.intoto.json");
    std::fs::write(&path, &bytes).unwrap();
    let pubkey = writ_evidence::keys::public_key_text(&runner.verifying_key());
    let out = Command::new("python3")
        .arg(script())
        .arg(&path)
        .arg(&pubkey)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.starts_with("OK https://writ.dev/decision/v1 change:PR-7"),
        "{stdout}"
    );
    assert!(stdout.contains(&writ_evidence::keys::keyid(&runner.verifying_key())));

    // The VSA beside it verifies too.
    let vsa = bundle::vsa_statement(&input, "bundle.intoto.json", &bytes).unwrap();
    let vsa_path = dir.path().join("bundle.vsa.json");
    std::fs::write(&vsa_path, bundle::sign_statement(&vsa, &runner)).unwrap();
    let out = Command::new("python3")
        .arg(script())
        .arg(&vsa_path)
        .arg(&pubkey)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // And it rejects what writ rejects: an edited payload, an untrusted key.
    let mut env: writ_evidence::dsse::Envelope = serde_json::from_slice(&bytes).unwrap();
    env.payload_type = "application/json".into();
    std::fs::write(&path, serde_json::to_vec(&env).unwrap()).unwrap();
    let out = Command::new("python3")
        .arg(script())
        .arg(&path)
        .arg(&pubkey)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    std::fs::write(&path, &bytes).unwrap();
    let other = writ_evidence::keys::public_key_text(&key("wen").verifying_key());
    let out = Command::new("python3")
        .arg(script())
        .arg(&path)
        .arg(&other)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

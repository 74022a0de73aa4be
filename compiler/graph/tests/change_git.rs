//! `change::from_git` against real temporary git repositories: commits,
//! renames, deletions, merge commits, agent trailers and the digest.

use std::path::Path;
use std::process::Command;
use writ_diagnostics::SourceMap;
use writ_graph::change::{GitOptions, from_git};
use writ_graph::{Change, FileStatus, Graph, PrincipalKind};

fn git(dir: &Path, args: &[&str], author: (&str, &str)) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", author.0)
        .env("GIT_AUTHOR_EMAIL", author.1)
        .env("GIT_COMMITTER_NAME", author.0)
        .env("GIT_COMMITTER_EMAIL", author.1)
        .env("GIT_AUTHOR_DATE", "2026-03-01T10:00:00+01:00")
        .env("GIT_COMMITTER_DATE", "2026-03-01T10:00:00+01:00")
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

const ALICE: (&str, &str) = ("Alice", "alice@example.com");
const BOT: (&str, &str) = ("Code Bot", "bot@agents.example.com");

fn write(dir: &Path, path: &str, text: &str) {
    let p = dir.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q", "-b", "main"], ALICE);
    write(dir.path(), "README.md", "hello\n");
    write(
        dir.path(),
        "services/payments/src/lib.rs",
        &"fn pay() {}\n".repeat(20),
    );
    write(dir.path(), "services/old/main.rs", "fn main() {}\n");
    git(dir.path(), &["add", "-A"], ALICE);
    git(dir.path(), &["commit", "-q", "-m", "initial"], ALICE);
    dir
}

fn graph() -> Graph {
    let text = r#"{"version": 1,
      "people": [
        {"id": "alice", "emails": ["alice@example.com"]},
        {"id": "bot", "kind": "agent", "name": "Code Bot", "emails": ["bot@agents.example.com"]}
      ],
      "nodes": [{"id": "payments", "kind": "service", "owners": ["alice"], "paths": ["services/payments/**"]}]}"#;
    let mut map = SourceMap::new();
    Graph::parse(&mut map, "g.json", text).0.expect("graph")
}

fn change(
    dir: &Path,
    range: &str,
    graph: Option<&Graph>,
) -> (Option<Change>, Vec<writ_diagnostics::Diagnostic>) {
    let mut map = SourceMap::new();
    from_git(
        &mut map,
        &GitOptions {
            repo: dir,
            range,
            graph,
            id: None,
            labels: vec!["b".into(), "a".into(), "b".into()],
            emergency: false,
            uploaders: vec![],
        },
    )
}

fn statuses(c: &Change) -> Vec<(String, FileStatus, Option<String>)> {
    c.files
        .iter()
        .map(|f| (f.path.clone(), f.status, f.old_path.clone()))
        .collect()
}

#[test]
fn modifications_additions_deletions_and_renames() {
    let dir = repo();
    let d = dir.path();
    let base = git(d, &["rev-parse", "HEAD"], ALICE);
    write(d, "README.md", "hello world\n");
    write(d, "services/payments/src/new.rs", "fn new() {}\n");
    std::fs::remove_file(d.join("services/old/main.rs")).unwrap();
    git(d, &["add", "-A"], ALICE);
    git(
        d,
        &[
            "mv",
            "services/payments/src/lib.rs",
            "services/payments/src/pay.rs",
        ],
        ALICE,
    );
    git(d, &["commit", "-q", "-m", "work"], ALICE);
    let g = graph();
    let (c, diags) = change(d, &format!("{base}..HEAD"), Some(&g));
    assert!(diags.is_empty(), "{diags:?}");
    let c = c.unwrap();
    assert_eq!(
        statuses(&c),
        vec![
            ("README.md".into(), FileStatus::Modified, None),
            ("services/old/main.rs".into(), FileStatus::Deleted, None),
            (
                "services/payments/src/new.rs".into(),
                FileStatus::Added,
                None
            ),
            (
                "services/payments/src/pay.rs".into(),
                FileStatus::Renamed,
                Some("services/payments/src/lib.rs".into())
            ),
        ]
    );
    assert_eq!(c.base, base);
    assert_eq!(c.head, git(d, &["rev-parse", "HEAD"], ALICE));
    assert_eq!(
        c.head_tree.as_deref(),
        Some(git(d, &["rev-parse", "HEAD^{tree}"], ALICE).as_str())
    );
    assert_eq!(c.author.id.as_deref(), Some("alice"));
    assert_eq!(c.author.kind, PrincipalKind::Human);
    assert_eq!(c.labels, ["a", "b"]);
    assert_eq!(c.timestamp, "2026-03-01T10:00:00+01:00");
    assert_eq!(c.digest, c.compute_digest());
    // the old path of a rename is touched too
    let t = g.touched(c.paths());
    assert_eq!(t.nodes.len(), 1);
    assert_eq!(t.unowned, ["README.md", "services/old/main.rs"]);
    // the change file round-trips through the validating loader
    let mut map = SourceMap::new();
    let (back, diags) = Change::parse(&mut map, "c.json", c.to_json());
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(back.unwrap(), c);
}

#[test]
fn merge_commits_agents_and_three_dot_ranges() {
    let dir = repo();
    let d = dir.path();
    let base = git(d, &["rev-parse", "HEAD"], ALICE);
    git(d, &["checkout", "-q", "-b", "feature"], ALICE);
    write(d, "services/payments/src/agent.rs", "fn agent() {}\n");
    git(d, &["add", "-A"], BOT);
    git(d, &["commit", "-q", "-m", "add agent code"], BOT);
    git(d, &["checkout", "-q", "main"], ALICE);
    write(d, "README.md", "main moved on\n");
    git(d, &["commit", "-q", "-am", "docs"], ALICE);
    git(
        d,
        &["merge", "-q", "--no-ff", "-m", "merge feature", "feature"],
        ALICE,
    );
    let g = graph();
    // base..merge: both sides' files, merge commit authored by alice, bot contributed
    let c = change(d, &format!("{base}..main"), Some(&g)).0.unwrap();
    assert_eq!(
        c.files.iter().map(|f| f.path.as_str()).collect::<Vec<_>>(),
        ["README.md", "services/payments/src/agent.rs"]
    );
    assert_eq!(c.author.id.as_deref(), Some("alice"));
    let bot = c
        .contributors
        .iter()
        .find(|i| i.id.as_deref() == Some("bot"))
        .expect("bot is a contributor");
    assert_eq!(bot.kind, PrincipalKind::Agent);
    // feature...main: from the merge base (feature's tip) to main: only the docs change
    let c3 = change(d, "feature...main", Some(&g)).0.unwrap();
    assert_eq!(
        c3.files.iter().map(|f| f.path.as_str()).collect::<Vec<_>>(),
        ["README.md"]
    );
    // main...feature: nothing, feature is already merged
    assert!(
        change(d, "main...feature", Some(&g))
            .0
            .unwrap()
            .files
            .is_empty()
    );
}

#[test]
fn agent_trailer_makes_the_agent_the_author() {
    let dir = repo();
    let d = dir.path();
    write(d, "README.md", "agent wrote this\n");
    git(
        d,
        &[
            "commit",
            "-q",
            "-am",
            "Update readme\n\nWrit-Agent: bot\nCo-authored-by: Alice <alice@example.com>",
        ],
        ALICE,
    );
    let g = graph();
    let c = change(d, "HEAD~1..HEAD", Some(&g)).0.unwrap();
    assert_eq!(c.author.id.as_deref(), Some("bot"));
    assert_eq!(c.author.kind, PrincipalKind::Agent);
    assert!(
        c.contributors
            .iter()
            .any(|i| i.id.as_deref() == Some("alice"))
    );
    // without a graph the trailer still marks an agent
    let c = change(d, "HEAD~1..HEAD", None).0.unwrap();
    assert_eq!(
        (c.author.id.as_deref(), c.author.kind),
        (None, PrincipalKind::Agent)
    );
}

#[test]
fn digest_is_stable_across_rewording_and_changes_with_content() {
    let dir = repo();
    let d = dir.path();
    write(d, "README.md", "v2\n");
    git(d, &["commit", "-q", "-am", "v2"], ALICE);
    let first = change(d, "HEAD~1..HEAD", None).0.unwrap();
    git(d, &["commit", "-q", "--amend", "-m", "v2, reworded"], ALICE);
    let reworded = change(d, "HEAD~1..HEAD", None).0.unwrap();
    assert_ne!(first.head, reworded.head);
    assert_eq!(
        first.digest, reworded.digest,
        "same tree, same files: approvals stay valid"
    );
    write(d, "README.md", "v3\n");
    git(d, &["commit", "-q", "-a", "--amend", "-m", "v3"], ALICE);
    let pushed = change(d, "HEAD~1..HEAD", None).0.unwrap();
    assert_ne!(
        first.digest, pushed.digest,
        "new content: approvals are stale"
    );
}

#[test]
fn bad_ranges_and_unknown_authors_are_reported() {
    let dir = repo();
    let d = dir.path();
    let (c, diags) = change(d, "main", None);
    assert!(c.is_none());
    assert_eq!(diags[0].code.id(), "E0610");
    let (c, diags) = change(d, "nope..main", None);
    assert!(c.is_none());
    assert_eq!(diags[0].code.id(), "E0609");
    assert!(
        diags[0].message.contains("`nope` is not a commit"),
        "{}",
        diags[0].message
    );
    let (c, diags) = change(d, "--output=x..main", None);
    assert!(c.is_none() && diags[0].code.id() == "E0610");
    write(d, "x", "1\n");
    git(d, &["add", "x"], ("Mallory", "mallory@example.com"));
    git(
        d,
        &["commit", "-q", "-m", "x"],
        ("Mallory", "mallory@example.com"),
    );
    let (c, diags) = change(d, "HEAD~1..HEAD", Some(&graph()));
    assert!(c.is_some());
    assert_eq!(
        diags.iter().map(|d| d.code.id()).collect::<Vec<_>>(),
        ["W0601"]
    );
}

#[test]
fn committers_and_uploaders_are_contributors() {
    let dir = repo();
    let d = dir.path();
    git(d, &["checkout", "-q", "-b", "feature"], ALICE);
    write(
        d,
        "services/payments/src/lib.rs",
        "fn pay() { /* fixed */ }\n",
    );
    git(d, &["add", "-A"], ALICE);
    // Written by Alice, committed (e.g. rebased or applied) by the bot.
    let out = Command::new("git")
        .arg("-C")
        .arg(d)
        .args(["commit", "-q", "-m", "fix"])
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", ALICE.0)
        .env("GIT_AUTHOR_EMAIL", ALICE.1)
        .env("GIT_COMMITTER_NAME", BOT.0)
        .env("GIT_COMMITTER_EMAIL", BOT.1)
        .env("GIT_AUTHOR_DATE", "2026-03-02T10:00:00+01:00")
        .env("GIT_COMMITTER_DATE", "2026-03-02T10:00:00+01:00")
        .output()
        .unwrap();
    assert!(out.status.success());
    let g = graph();
    let mut map = SourceMap::new();
    let (c, diags) = from_git(
        &mut map,
        &GitOptions {
            repo: d,
            range: "main..feature",
            graph: Some(&g),
            id: None,
            labels: vec![],
            emergency: false,
            uploaders: vec!["Ulla <ulla@example.com>".into()],
        },
    );
    let c = c.unwrap_or_else(|| panic!("{diags:?}"));
    assert_eq!(c.author.id.as_deref(), Some("alice"));
    let contributors: Vec<(Option<&str>, &str)> = c
        .contributors
        .iter()
        .map(|i| (i.id.as_deref(), i.email.as_str()))
        .collect();
    assert!(
        contributors.contains(&(Some("bot"), BOT.1)),
        "committer: {contributors:?}"
    );
    assert!(
        contributors.contains(&(None, "ulla@example.com")),
        "uploader: {contributors:?}"
    );
}

/// A `Writ-Agent:` trailer and an `--uploader` written as forge handles
/// resolve through the graph's aliases to the canonical person ids, which is
/// what the change records.
#[test]
fn handles_resolve_through_aliases_to_canonical_ids() {
    let dir = repo();
    let d = dir.path();
    write(d, "README.md", "agent wrote this\n");
    git(
        d,
        &[
            "commit",
            "-q",
            "-am",
            "Update readme\n\nWrit-Agent: @code-bot",
        ],
        ALICE,
    );
    let text = r#"{"version": 1,
      "people": [
        {"id": "alice", "emails": ["alice@example.com"], "aliases": ["@alice-gh"]},
        {"id": "bot", "kind": "agent", "emails": ["bot@agents.example.com"], "aliases": ["@code-bot"]}
      ],
      "nodes": []}"#;
    let mut map = SourceMap::new();
    let g = Graph::parse(&mut map, "g.json", text).0.expect("graph");
    let (c, diags) = from_git(
        &mut map,
        &GitOptions {
            repo: d,
            range: "HEAD~1..HEAD",
            graph: Some(&g),
            id: None,
            labels: vec![],
            emergency: false,
            uploaders: vec!["@alice-gh".into()],
        },
    );
    let c = c.unwrap_or_else(|| panic!("{diags:?}"));
    assert_eq!(c.author.id.as_deref(), Some("bot"));
    assert_eq!(c.author.kind, PrincipalKind::Agent);
    let ids: Vec<Option<&str>> = c.contributors.iter().map(|i| i.id.as_deref()).collect();
    assert!(ids.contains(&Some("alice")), "{ids:?}");
    assert!(
        !ids.iter().any(|i| i.is_some_and(|i| i.starts_with('@'))),
        "{ids:?}"
    );
}

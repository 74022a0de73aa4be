//! `writ init` on a repository that is not the example (issue #19): a
//! polyglot fixture (`tests/fixtures/polyglot`: Cargo + npm + Go + Python
//! workspaces, CODEOWNERS with `@acme/…` teams, a Backstage catalog with
//! groups and a `kind: Componet` typo, a test catalog that must not be
//! imported, a Jaeger dependencies export). The test runs `writ init`,
//! asserts the to-do list explains why nothing could pass yet, does the
//! to-dos the way a user would (aliases, members, keys), and reaches a first
//! decision that is allowed.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
#[path = "support/fs.rs"]
mod fs_support;
use fs_support::copy_dir;

const WRIT: &str = env!("CARGO_BIN_EXE_writ");
const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/polyglot");

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=Carol",
            "-c",
            "user.email=carol@acme.example",
        ])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

struct Repo {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Repo {
    fn new() -> Repo {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("acme");
        copy_dir(Path::new(FIXTURE), &dir);
        git(&dir, &["init", "-q"]);
        git(&dir, &["add", "-A"]);
        git(&dir, &["commit", "-qm", "acme"]);
        Repo { _tmp: tmp, dir }
    }

    fn writ(&self, args: &[&str]) -> Output {
        Command::new(WRIT)
            .current_dir(&self.dir)
            .env_remove("WRIT_TRUST")
            .args(args)
            .output()
            .unwrap()
    }

    fn graph(&self) -> Value {
        serde_json::from_str(&std::fs::read_to_string(self.dir.join("writ/graph.json")).unwrap())
            .unwrap()
    }

    fn set_graph(&self, v: &Value) {
        std::fs::write(
            self.dir.join("writ/graph.json"),
            serde_json::to_string_pretty(v).unwrap(),
        )
        .unwrap();
    }
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn team<'v>(g: &'v mut Value, id: &str) -> &'v mut Value {
    g["teams"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|t| t["id"] == id)
        .unwrap_or_else(|| panic!("no team {id}"))
}

fn person<'v>(g: &'v mut Value, id: &str) -> &'v mut Value {
    g["people"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|t| t["id"] == id)
        .unwrap_or_else(|| panic!("no person {id}"))
}

#[test]
fn init_then_todos_then_a_first_allowed_decision() {
    let repo = Repo::new();
    let init = repo.writ(&["init"]);
    let out = text(&init);
    assert!(init.status.success(), "{out}");
    // what it found, and that the test catalog was skipped
    for found in [
        "found Cargo workspace: 2 crates",
        "found npm workspaces: 2 packages",
        "found Go modules: 1",
        "found Python projects: 1",
        "found telemetry telemetry/jaeger-dependencies.json: 2 calls",
    ] {
        assert!(out.contains(found), "missing `{found}` in:\n{out}");
    }
    assert!(out.contains("1 in test folders skipped"), "{out}");
    assert!(
        out.contains("owners of `ledger` from CODEOWNERS: acme/payments"),
        "{out}"
    );
    assert!(
        out.contains("writ check: ok") && out.contains("writ test: ok"),
        "{out}"
    );
    let g = repo.graph();
    let graph_text = g.to_string();
    assert!(
        !graph_text.contains("test-only-group"),
        "a test catalog was imported"
    );
    // the Backstage dependsOn to the cargo crate resolved
    let billing = g["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == "billing")
        .unwrap();
    assert_eq!(billing["edges"]["depends_on"][0], "ledger", "{billing}");
    // telemetry: the checkout web app (npm `@acme/checkout`) calls billing
    let checkout = g["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == "@acme/checkout")
        .unwrap();
    assert_eq!(checkout["edges"]["calls"][0], "billing", "{checkout}");
    assert_eq!(
        checkout["edges"]["depends_on"][0], "@acme/admin-kit",
        "{checkout}"
    );
    // the warnings that explain why nothing can pass yet
    for expected in [
        "[W0522] `checkout` has kind `componet`",
        "did you mean `Component`?",
        "[W0530] team `acme/payments` has no members",
        "add `\"aliases\": [\"@acme/payments\"]` to team `payments`",
        "[W0530] team `acme/frontend` has no members",
        "[W0532] no member of team `payments` can sign an approval",
    ] {
        assert!(out.contains(expected), "missing `{expected}` in:\n{out}");
    }
    // never overwrites without --force
    let again = repo.writ(&["init"]);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
    assert!(text(&again).contains("--force"));
    let forced = repo.writ(&["init", "--force"]);
    assert!(forced.status.success(), "{}", text(&forced));
    // `graph stats` lists the teams without members
    let stats = text(&repo.writ(&["graph", "stats", "writ/graph.json"]));
    assert!(stats.contains("teams without members: 4\n  acme/data\n  acme/frontend\n  acme/payments\n  acme/platform\n"), "{stats}");

    // ---- the to-dos, done as a user would ----
    let mut g = repo.graph();
    team(&mut g, "payments")["aliases"] = serde_json::json!(["@acme/payments"]);
    team(&mut g, "platform")["aliases"] = serde_json::json!(["@acme/platform"]);
    team(&mut g, "acme/frontend")["members"] = serde_json::json!(["carol"]);
    team(&mut g, "acme/data")["members"] = serde_json::json!(["bob"]);
    for who in ["alice", "bob", "carol"] {
        let key = repo.writ(&["keygen", "-o", &format!("{who}.key")]);
        assert!(key.status.success(), "{}", text(&key));
        let public = String::from_utf8(key.stdout).unwrap().trim().to_string();
        person(&mut g, who)["keys"] = serde_json::json!([public]);
    }
    repo.set_graph(&g);
    let check = repo.writ(&["graph", "check", "writ/graph.json"]);
    let check_out = text(&check);
    assert!(check.status.success(), "{check_out}");
    assert!(!check_out.contains("W053"), "to-dos left:\n{check_out}");
    let stats = text(&repo.writ(&["graph", "stats", "writ/graph.json"]));
    assert!(stats.contains("teams without members: 0\n"), "{stats}");

    // ---- a first decision ----
    let sec = repo.writ(&["keygen", "-o", "security.key"]);
    let sec_pub = String::from_utf8(sec.stdout).unwrap().trim().to_string();
    std::fs::write(
        repo.dir.join("trust.keys"),
        format!("plan security {sec_pub}\n"),
    )
    .unwrap();
    let plan = repo.writ(&[
        "plan",
        "--policy",
        "writ/policy",
        "--graph",
        "writ/graph.json",
        "-o",
        "plan.json",
        "--sign",
        "security.key",
    ]);
    assert!(plan.status.success(), "{}", text(&plan));
    std::fs::write(
        repo.dir.join("services/billing/main.go"),
        "package main\n\nfunc main() { charge() }\n",
    )
    .unwrap();
    git(&repo.dir, &["commit", "-qam", "billing: charge"]);
    let change = repo.writ(&[
        "change",
        "HEAD~1..HEAD",
        "--graph",
        "writ/graph.json",
        "-o",
        "change.json",
    ]);
    assert!(change.status.success(), "{}", text(&change));
    let eval = |r: &Repo, evidence: bool| {
        let mut args = vec![
            "eval",
            "--plan",
            "plan.json",
            "--trust",
            "trust.keys",
            "--change",
            "change.json",
        ];
        if evidence {
            args.extend(["--evidence", "evidence"]);
        }
        r.writ(&args)
    };
    let pending = eval(&repo, false);
    assert_eq!(
        pending.status.code(),
        Some(3),
        "pending before the review: {}",
        text(&pending)
    );
    // the author (carol, platform) cannot approve; a payments owner can
    let approve = repo.writ(&[
        "approve",
        "--change",
        "change.json",
        "--plan",
        "plan.json",
        "--key",
        "alice.key",
        "--as",
        "alice",
    ]);
    assert!(approve.status.success(), "{}", text(&approve));
    let allowed = eval(&repo, true);
    assert_eq!(allowed.status.code(), Some(0), "{}", text(&allowed));
}

/// Before the aliases are added the same change can never be allowed: the
/// CODEOWNERS team has no members, so the owners' review stays pending even
/// with an approval from a Backstage `payments` member.
#[test]
fn without_the_todos_nothing_passes() {
    let repo = Repo::new();
    assert!(repo.writ(&["init"]).status.success());
    let mut g = repo.graph();
    let key = repo.writ(&["keygen", "-o", "alice.key"]);
    let public = String::from_utf8(key.stdout).unwrap().trim().to_string();
    person(&mut g, "alice")["keys"] = serde_json::json!([public]);
    repo.set_graph(&g);
    let plan = repo.writ(&[
        "plan",
        "--policy",
        "writ/policy",
        "--graph",
        "writ/graph.json",
        "-o",
        "plan.json",
    ]);
    assert!(plan.status.success(), "{}", text(&plan));
    std::fs::write(
        repo.dir.join("services/billing/main.go"),
        "package main\n\nfunc main() { refund() }\n",
    )
    .unwrap();
    git(&repo.dir, &["commit", "-qam", "billing: refund"]);
    assert!(
        repo.writ(&[
            "change",
            "HEAD~1..HEAD",
            "--graph",
            "writ/graph.json",
            "-o",
            "change.json"
        ])
        .status
        .success()
    );
    let approve = repo.writ(&[
        "approve",
        "--change",
        "change.json",
        "--plan",
        "plan.json",
        "--key",
        "alice.key",
        "--as",
        "alice",
    ]);
    assert!(approve.status.success(), "{}", text(&approve));
    let eval = repo.writ(&[
        "eval",
        "--plan",
        "plan.json",
        "--insecure-unsigned-plan",
        "--change",
        "change.json",
        "--evidence",
        "evidence",
    ]);
    let out = text(&eval);
    assert_eq!(
        eval.status.code(),
        Some(3),
        "pending without the to-dos: {out}"
    );
    assert!(
        out.contains("owners_review(codeowners:@acme/payments): 0/1")
            && out.contains("(only 0 eligible)"),
        "the memberless CODEOWNERS team is why: {out}"
    );
}

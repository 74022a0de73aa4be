//! The CI example is safe by construction (issue #15): the shell steps of
//! `examples/ci/github-actions.yml` and its gate script
//! `examples/ci/writ-gate.sh`, run locally against a real git repository whose
//! protected branch (`main`) holds the security team's signed plan, its
//! trusted keys and the gate script.
//!
//! Attacks, each with a control showing it would have worked without the
//! defence: a pull request that swaps the plan, its signature and the keys; one
//! that targets a branch its author controls; one that edits the gate script;
//! a check job that vouches for a check it did not run; a protected plan whose
//! signature no longer matches. The benign pull request goes through the whole
//! fan-out (plan → matrix → `writ run --only` → decide). The workflow itself is
//! checked statically: actions pinned by commit, no permission by default, no
//! `${{ }}` inside `run:`, no `cargo install`.

use serde_json::Value;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const WRIT: &str = env!("CARGO_BIN_EXE_writ");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// Where the workflow expects the gate script in the repository.
const GATE_SCRIPT: &str = ".github/writ/writ-gate.sh";
/// No step of these tests takes more than this (they take well under a second).
const STEP_LIMIT: Duration = Duration::from_secs(120);

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// Runs `cmd` to completion or kills it at [`STEP_LIMIT`] (a failed test,
/// never a hung one).
fn bounded(mut cmd: Command) -> Run {
    let what = format!("{cmd:?}");
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        out.read_to_string(&mut s).ok();
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        err.read_to_string(&mut s).ok();
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > STEP_LIMIT {
            child.kill().ok();
            child.wait().ok();
            panic!("{what} took more than {STEP_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code().unwrap_or(-1),
        stdout: reader.join().unwrap(),
        stderr: err_reader.join().unwrap(),
    }
}

/// PATH with the writ binary's folder first, as the workflow's install step
/// puts the release binary on PATH.
fn path_with_writ() -> String {
    let dir = Path::new(WRIT).parent().unwrap();
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

const GRAPH: &str = r#"{
  "version": 1,
  "teams": [{ "id": "dev", "members": ["ana"] }, { "id": "security", "members": ["sam"] }],
  "people": [
    { "id": "ana", "emails": ["ana@example.com"] },
    { "id": "sam", "emails": ["sam@example.com"] },
    { "id": "mallory", "emails": ["mallory@example.com"] }
  ],
  "nodes": [
    { "id": "app", "kind": "service", "owners": ["dev"], "paths": ["app/**", "ci/**"],
      "checks": { "unit": { "run": ["sh", "ci/unit.sh"], "timeout": "1m" } } },
    { "id": "gate-config", "kind": "component", "owners": ["security"],
      "paths": [".writ/**", ".github/**"] }
  ]
}
"#;

/// The security team's policy: services pass their unit check; the gate's
/// own configuration needs the security team's sign-off.
const POLICY: &str = r#"//! The security team's policy for the CI gate test.

/// The security team signs off on its own trust anchors.
approval security_signoff {
  1 of team "security" humans only
}

/// Every service a change touches passes its unit check.
rule tested {
  for n in change.touches(service)
  require check "unit" on n
}

/// The gate's configuration belongs to the security team.
rule gate_config {
  for n in change.touches(component)
  require approval security_signoff
}
"#;

/// What an attacker would like to be the policy: nothing is required.
const PERMISSIVE: &str = r#"//! Anything goes.

/// Every change is fine.
rule anything {
  when change.only_paths("**")
}
"#;

/// A repository whose `main` is the protected branch.
struct Repo {
    _tmp: tempfile::TempDir,
    /// Private keys and scratch files: outside the repository.
    home: PathBuf,
    dir: PathBuf,
    base_plan_digest: String,
}

impl Repo {
    fn new() -> Repo {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().to_path_buf();
        let dir = home.join("repo");
        std::fs::create_dir_all(&dir).unwrap();
        let repo = Repo {
            _tmp: tmp,
            home,
            dir,
            base_plan_digest: String::new(),
        };
        repo.git("ana", &["init", "-q", "-b", "main"]);
        for (path, text) in [
            ("graph.json", GRAPH),
            ("policy.writ", POLICY),
            ("app/main.txt", "v1\n"),
            ("ci/unit.sh", "echo unit tests passed\n"),
        ] {
            repo.write(path, text);
        }
        let gate = std::fs::read_to_string(format!("{ROOT}/examples/ci/writ-gate.sh")).unwrap();
        repo.write(GATE_SCRIPT, &gate);
        std::fs::create_dir_all(repo.dir.join(".writ")).unwrap();
        let digest = repo.sign_plan("policy.writ", "security");
        // the CI's results key: check jobs sign what writ's runner observed
        let results_key = repo.home.join("results.key");
        let made = repo.writ(&["keygen", "-o", results_key.to_str().unwrap()]);
        assert_eq!(made.code, 0, "{}", made.all());
        let keys_path = repo.dir.join(".writ/security.keys");
        let mut keys = std::fs::read_to_string(&keys_path).unwrap();
        keys.push_str(&format!("results ci-checks {}", made.stdout));
        std::fs::write(&keys_path, keys).unwrap();
        repo.git("sam", &["add", "-A"]);
        repo.git("sam", &["commit", "-q", "-m", "security: signed plan"]);
        Repo {
            base_plan_digest: digest,
            ..repo
        }
    }

    fn write(&self, path: &str, text: &str) {
        let p = self.dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// Makes a key pair `<who>.key` outside the repository, writes its public
    /// key to `.writ/security.keys`, compiles `policy` into `.writ/plan.json`
    /// signed with it; returns the plan digest.
    fn sign_plan(&self, policy: &str, who: &str) -> String {
        let key = self.home.join(format!("{who}.key"));
        std::fs::remove_file(&key).ok();
        let out = self.writ(&["keygen", "-o", key.to_str().unwrap()]);
        assert_eq!(out.code, 0, "{}", out.all());
        std::fs::write(self.dir.join(".writ/security.keys"), &out.stdout).unwrap();
        let out = self.writ(&[
            "plan",
            "--policy",
            policy,
            "--graph",
            "graph.json",
            "-o",
            ".writ/plan.json",
            "--sign",
            key.to_str().unwrap(),
        ]);
        assert_eq!(out.code, 0, "{}", out.all());
        out.stdout.trim().to_string()
    }

    fn writ(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(WRIT);
        cmd.args(args).current_dir(&self.dir);
        bounded(cmd)
    }

    /// git as person `who` (`who@example.com`), with fixed dates.
    fn git(&self, who: &str, args: &[&str]) -> String {
        let email = format!("{who}@example.com");
        let mut cmd = Command::new("git");
        cmd.args(args)
            .current_dir(&self.dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", who)
            .env("GIT_AUTHOR_EMAIL", &email)
            .env("GIT_COMMITTER_NAME", who)
            .env("GIT_COMMITTER_EMAIL", &email)
            .env("GIT_AUTHOR_DATE", "2026-06-01T09:00:00Z")
            .env("GIT_COMMITTER_DATE", "2026-06-01T09:00:00Z");
        let out = bounded(cmd);
        assert_eq!(out.code, 0, "git {args:?}: {}", out.all());
        out.stdout
    }

    /// A pull request: branch `name` from `from`, `edit` applied, committed by `who`.
    fn branch(&self, name: &str, from: &str, who: &str, edit: impl FnOnce(&Repo)) {
        self.git(who, &["checkout", "-q", "-b", name, from]);
        edit(self);
        self.git(who, &["add", "-A"]);
        self.git(who, &["commit", "-q", "-m", name]);
        self.git(who, &["checkout", "-q", "main"]);
    }

    fn rev(&self, name: &str) -> String {
        self.git("ana", &["rev-parse", name]).trim().to_string()
    }

    /// The pull request from `head` into `base` as the workflow's jobs see
    /// it: a clone of the repository (branches under `refs/remotes/origin/`)
    /// with the head detached, as `actions/checkout` leaves it, a
    /// `$RUNNER_TEMP`, and the workflow's step "Take the gate script from the
    /// protected branch" run from its own `run:` text with the workflow's
    /// environment.
    fn pull_request(&self, name: &str, base: &str, head: &str) -> Pr {
        let root = self.home.join(name);
        let checkout = root.join("checkout");
        let temp = root.join("runner-temp");
        std::fs::create_dir_all(&temp).unwrap();
        self.git(
            "ana",
            &[
                "clone",
                "-q",
                self.dir.to_str().unwrap(),
                checkout.to_str().unwrap(),
            ],
        );
        let (base, head) = (self.rev(base), self.rev(head));
        let pr = Pr {
            checkout,
            temp,
            base,
            head,
        };
        let mut cmd = Command::new("git");
        cmd.args(["checkout", "-q", "--detach", &pr.head])
            .current_dir(&pr.checkout);
        assert_eq!(bounded(cmd).code, 0);

        let step = run_block(
            &workflow(),
            "Take the gate script from the protected branch",
        );
        let mut cmd = Command::new("bash");
        cmd.args(["-eo", "pipefail", "-c", &step])
            .current_dir(&pr.checkout)
            .env("RUNNER_TEMP", &pr.temp)
            .env("WRIT_TRUST_REF", workflow_env("WRIT_TRUST_REF"))
            .env("WRIT_GATE_SCRIPT", workflow_env("WRIT_GATE_SCRIPT"));
        let out = bounded(cmd);
        assert_eq!(out.code, 0, "bootstrap: {}", out.all());
        pr
    }
}

/// One pull request's checkout and runner folder.
struct Pr {
    checkout: PathBuf,
    temp: PathBuf,
    base: String,
    head: String,
}

impl Pr {
    /// `bash $RUNNER_TEMP/writ-gate.sh ARGS` in the checkout, with the
    /// workflow's environment for this pull request (`WRIT_OUT` as the
    /// workflow's steps set it) and writ on PATH.
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("bash");
        cmd.arg(self.temp.join("writ-gate.sh"))
            .args(args)
            .current_dir(&self.checkout)
            .env("PATH", path_with_writ())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("RUNNER_TEMP", &self.temp)
            .env("WRIT_BASE", &self.base)
            .env("WRIT_HEAD", &self.head)
            .env("WRIT_CHANGE_ID", "PR-7")
            .env("WRIT_TRUST_REF", workflow_env("WRIT_TRUST_REF"))
            .env("WRIT_OUT", self.temp.join("writ"))
            .env_remove("WRIT_TRUST")
            .env_remove("WRIT_ANCHORS")
            .env_remove("GITHUB_OUTPUT");
        cmd
    }

    fn gate(&self, args: &[&str], extra: &[(&str, &Path)]) -> Run {
        let mut cmd = self.command(args);
        for (k, v) in extra {
            cmd.env(k, v);
        }
        bounded(cmd)
    }

    /// `writ ARGS` in the checkout.
    fn writ(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(WRIT);
        cmd.args(args).current_dir(&self.checkout);
        bounded(cmd)
    }
}

/// A workflow-level `env:` value, with the default branch being `main`.
fn workflow_env(name: &str) -> String {
    let wf = workflow();
    let value = wf
        .lines()
        .find_map(|l| l.strip_prefix(&format!("  {name}: ")))
        .unwrap_or_else(|| panic!("the workflow sets no {name}"));
    let value = value.split(" #").next().unwrap().trim();
    assert!(
        !value
            .replace("${{ github.event.repository.default_branch }}", "")
            .contains("${{"),
        "{name}: {value}"
    );
    value.replace("${{ github.event.repository.default_branch }}", "main")
}

fn workflow() -> String {
    std::fs::read_to_string(format!("{ROOT}/examples/ci/github-actions.yml")).unwrap()
}

/// The body of the `run: |` block of the first step named `name`, dedented.
fn run_block(workflow: &str, name: &str) -> String {
    let lines: Vec<&str> = workflow.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.trim_start() == format!("- name: {name}"))
        .unwrap_or_else(|| panic!("the workflow has no step named `{name}`"));
    let run = (at + 1..lines.len())
        .find(|&i| lines[i].trim_start() == "run: |")
        .unwrap_or_else(|| panic!("step `{name}` has no `run: |` block"));
    let indent = |l: &str| l.len() - l.trim_start().len();
    let key = indent(lines[run]);
    let body: Vec<&str> = lines[run + 1..]
        .iter()
        .take_while(|l| l.trim().is_empty() || indent(l) > key)
        .copied()
        .collect();
    let cut = body.iter().map(|l| indent(l)).min().unwrap_or(0);
    body.iter()
        .map(|l| l.get(cut..).unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

fn proof_plan_digest(temp: &Path) -> String {
    let proof: Value =
        serde_json::from_str(&std::fs::read_to_string(temp.join("writ/proof.json")).unwrap())
            .unwrap();
    proof["plan"]["digest"].as_str().unwrap().to_string()
}

/// The attacker's pull request: their own permissive plan, signed by their own
/// key, which their own `.writ/security.keys` trusts.
fn swap_anchors(r: &Repo) {
    r.write("policy-evil.writ", PERMISSIVE);
    r.sign_plan("policy-evil.writ", "mallory");
    std::fs::remove_file(r.dir.join("policy-evil.writ")).unwrap();
    r.write("app/main.txt", "v2: unreviewed\n");
}

#[test]
fn a_pull_request_swapping_plan_signature_and_keys_is_not_allowed() {
    let r = Repo::new();
    r.branch("attack", "main", "mallory", swap_anchors);
    let pr = r.pull_request("attack", "main", "attack");

    // Control: what the old workflow did (anchors from the PR's checkout)
    // verifies and allows.
    let verified = pr.writ(&[
        "plan",
        "verify",
        ".writ/plan.json",
        "--trust",
        ".writ/security.keys",
    ]);
    assert_eq!(verified.code, 0, "{}", verified.all());
    let change = pr.temp.join("old-change.json");
    let range = format!("{}...{}", pr.base, pr.head);
    let made = pr.writ(&[
        "change",
        &range,
        "--graph",
        "graph.json",
        "--id",
        "PR-7",
        "-o",
        change.to_str().unwrap(),
    ]);
    assert_eq!(made.code, 0, "{}", made.all());
    let old = pr.writ(&[
        "eval",
        "--plan",
        ".writ/plan.json",
        "--trust",
        ".writ/security.keys",
        "--change",
        change.to_str().unwrap(),
    ]);
    assert_eq!(
        old.code,
        0,
        "with the PR's own anchors the attack is allowed: {}",
        old.all()
    );

    // The gate: anchors from the default branch; the attacker's plan is never used.
    let out = pr.gate(&["decide"], &[]);
    assert_eq!(
        out.code,
        3,
        "pending on the security team's sign-off: {}",
        out.all()
    );
    let all = out.all();
    assert!(
        all.contains("trust anchors (plan, signature, keys) from refs/remotes/origin/main"),
        "{all}"
    );
    assert!(
        all.contains("the pull request's copies are never read"),
        "{all}"
    );
    for f in [
        ".writ/plan.json",
        ".writ/plan.json.sig",
        ".writ/security.keys",
    ] {
        assert!(
            all.contains(&format!(
                "this pull request edits {f}; the gate ignores the pull request's copy"
            )),
            "{f}: {all}"
        );
    }
    assert!(all.contains("decision: pending"), "{all}");
    assert_eq!(
        proof_plan_digest(&pr.temp),
        r.base_plan_digest,
        "decided with main's plan"
    );
    let comment = std::fs::read_to_string(pr.temp.join("writ/comment.md")).unwrap();
    assert!(
        comment.contains("missing: approval policy::security_signoff"),
        "{comment}"
    );
    assert!(
        comment.contains("missing: check \"unit\" on app"),
        "{comment}"
    );

    // The same with the anchors in a folder the operator provides outside
    // the checkout (WRIT_ANCHORS); a folder without the signature is refused.
    let anchors = r.home.join("operator-anchors");
    std::fs::create_dir_all(&anchors).unwrap();
    for (from, to) in [
        (".writ/plan.json", "plan.json"),
        (".writ/security.keys", "security.keys"),
    ] {
        std::fs::write(
            anchors.join(to),
            r.git("sam", &["show", &format!("main:{from}")]),
        )
        .unwrap();
    }
    let out = pr.gate(&["decide"], &[("WRIT_ANCHORS", &anchors)]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(out.stderr.contains("has no plan.json.sig"), "{}", out.all());
    let sig = r.git("sam", &["show", "main:.writ/plan.json.sig"]);
    std::fs::write(anchors.join("plan.json.sig"), sig).unwrap();
    let out = pr.gate(&["decide"], &[("WRIT_ANCHORS", &anchors)]);
    assert_eq!(out.code, 3, "{}", out.all());
    assert!(
        out.stderr.contains("from the operator's folder"),
        "{}",
        out.all()
    );
    assert_eq!(proof_plan_digest(&pr.temp), r.base_plan_digest);

    // The matrix comes from main's plan too: the attacker cannot empty it.
    let out = pr.gate(&["plan"], &[]);
    assert_eq!(out.code, 0, "{}", out.all());
    let matrix = std::fs::read_to_string(pr.temp.join("writ/matrix.json")).unwrap();
    assert!(matrix.contains("\"id\":\"unit@app\""), "{matrix}");
}

#[test]
fn a_pull_request_into_a_branch_its_author_controls_still_meets_the_default_branch() {
    let r = Repo::new();
    // Mallory pushes her own anchors to a branch she may write, then opens a
    // pull request into it: the base commit is hers.
    r.branch("mallory-base", "main", "mallory", swap_anchors);
    r.branch("attack2", "mallory-base", "mallory", |r| {
        r.write("app/main.txt", "v3\n")
    });
    let pr = r.pull_request("attack2", "mallory-base", "attack2");

    let pinned = pr.gate(&["decide"], &[]);
    assert_eq!(
        pinned.code,
        3,
        "anchors from the default branch: {}",
        pinned.all()
    );
    assert_eq!(proof_plan_digest(&pr.temp), r.base_plan_digest);

    // Control: anchors read from the pull request's base commit are hers,
    // which is why the workflow sets WRIT_TRUST_REF to the default branch.
    let mut cmd = pr.command(&["decide"]);
    cmd.env_remove("WRIT_TRUST_REF");
    let unpinned = bounded(cmd);
    assert_eq!(unpinned.code, 0, "{}", unpinned.all());
    assert_ne!(proof_plan_digest(&pr.temp), r.base_plan_digest);
}

#[test]
fn a_pull_request_editing_the_gate_script_runs_the_protected_copy() {
    let r = Repo::new();
    r.branch("script", "main", "mallory", |r| {
        let gate = std::fs::read_to_string(r.dir.join(GATE_SCRIPT)).unwrap();
        let edited = gate.replacen(
            "set -euo pipefail\n",
            "set -euo pipefail\necho 'PWNED: the pull request wrote this gate' >&2\nexit 0\n",
            1,
        );
        assert_ne!(edited, gate, "the edit applies");
        r.write(GATE_SCRIPT, &edited);
        r.write("app/main.txt", "v2\n");
    });
    let pr = r.pull_request("script", "main", "script");

    // Control: the pull request's copy, in its checkout, would allow anything.
    let mut cmd_pr = Command::new("bash");
    cmd_pr
        .args([GATE_SCRIPT, "decide"])
        .current_dir(&pr.checkout);
    let pr_copy = bounded(cmd_pr);
    assert_eq!(pr_copy.code, 0);
    assert!(pr_copy.stderr.contains("PWNED"), "{}", pr_copy.all());

    // The workflow's bootstrap took main's copy.
    let taken = std::fs::read_to_string(pr.temp.join("writ-gate.sh")).unwrap();
    assert!(!taken.contains("PWNED"));
    assert_eq!(
        taken,
        std::fs::read_to_string(format!("{ROOT}/examples/ci/writ-gate.sh")).unwrap()
    );
    let out = pr.gate(&["decide"], &[]);
    assert!(!out.all().contains("PWNED"), "{}", out.all());
    assert_eq!(out.code, 3, "{}", out.all());
    assert!(
        out.all().contains(&format!(
            "this pull request edits {GATE_SCRIPT}; the gate ignores"
        )),
        "{}",
        out.all()
    );
}

#[test]
fn a_benign_pull_request_goes_through_the_fan_out_and_is_allowed() {
    let r = Repo::new();
    r.branch("feature", "main", "ana", |r| {
        r.write("app/main.txt", "v2\n")
    });
    let pr = r.pull_request("feature", "main", "feature");

    // plan: the matrix of the checks this change requires, for GITHUB_OUTPUT
    let github_output = pr.temp.join("github-output");
    std::fs::write(&github_output, "").unwrap();
    let out = pr.gate(&["plan"], &[("GITHUB_OUTPUT", &github_output)]);
    assert_eq!(out.code, 0, "{}", out.all());
    let written = std::fs::read_to_string(&github_output).unwrap();
    let matrix = written
        .lines()
        .find_map(|l| l.strip_prefix("matrix="))
        .expect("matrix= written");
    let matrix: Value = serde_json::from_str(matrix).unwrap();
    let ids: Vec<&str> = matrix["include"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["unit@app"]);
    assert!(written.lines().any(|l| l == "count=1"), "{written}");

    // gate without results: pending on the check
    let out = pr.gate(&["decide"], &[]);
    assert_eq!(out.code, 3, "{}", out.all());
    assert_eq!(proof_plan_digest(&pr.temp), r.base_plan_digest);

    // checks: the matrix job runs the graph's command under writ's runner,
    // as the workflow's step does (WRIT_EVIDENCE=$RUNNER_TEMP/evidence), and
    // the artifact lands in the gate's results folder under the job's name
    let evidence = pr.temp.join("evidence");
    let results_key = r.home.join("results.key");
    let out = pr.gate(
        &["check", "unit@app"],
        &[
            ("WRIT_EVIDENCE", &evidence),
            ("WRIT_RESULTS_KEY_FILE", &results_key),
        ],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(out.stderr.contains("unit on app: passed"), "{}", out.all());
    assert!(
        !pr.temp.join("writ/ephemeral.key").exists(),
        "the job's key is removed"
    );
    let results = pr.temp.join("results");
    let job = results.join("writ-check-unit@app");
    std::fs::create_dir_all(&results).unwrap();
    std::fs::rename(&evidence, &job).unwrap();

    // A check job folder that vouches for another job's check is not read.
    let forged = results.join("writ-check-lint@app");
    std::fs::create_dir_all(forged.join("checks")).unwrap();
    let moved = std::fs::read_dir(job.join("checks"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    std::fs::rename(moved.path(), forged.join("checks").join(moved.file_name())).unwrap();
    let out = pr.gate(&["decide"], &[("WRIT_RESULTS", &results)]);
    assert_eq!(
        out.code,
        3,
        "a result in another job's folder does not count: {}",
        out.all()
    );
    std::fs::rename(forged.join("checks").join(moved.file_name()), moved.path()).unwrap();

    // gate: that job's result, and the base policy allows the change; the
    // decision is signed with the gate's key into a bundle auditors verify
    let runner_key = r.home.join("runner.key");
    let made = r.writ(&["keygen", "-o", runner_key.to_str().unwrap()]);
    assert_eq!(made.code, 0, "{}", made.all());
    let runner_pub = r.home.join("runner.pub");
    std::fs::write(&runner_pub, &made.stdout).unwrap();
    let out = pr.gate(
        &["decide"],
        &[
            ("WRIT_RESULTS", &results),
            ("WRIT_RUNNER_KEY_FILE", &runner_key),
        ],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(out.stderr.contains("decision: allow"), "{}", out.all());
    assert_eq!(proof_plan_digest(&pr.temp), r.base_plan_digest);
    let bundles: Vec<PathBuf> = std::fs::read_dir(pr.temp.join("writ/evidence/bundles"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".intoto.json"))
        .collect();
    assert_eq!(bundles.len(), 1, "{bundles:?}");
    let base_plan = r.home.join("base-plan.json");
    std::fs::write(&base_plan, r.git("ana", &["show", "main:.writ/plan.json"])).unwrap();
    std::fs::write(
        r.home.join("base-plan.json.sig"),
        r.git("ana", &["show", "main:.writ/plan.json.sig"]),
    )
    .unwrap();
    // the auditor's trust file: the gate's runner key, and the protected
    // branch's keys (its plan key; its results key for the check's record)
    let auditor = r.home.join("auditor.keys");
    std::fs::write(
        &auditor,
        format!(
            "runner {}{}",
            std::fs::read_to_string(&runner_pub).unwrap(),
            r.git("ana", &["show", "main:.writ/security.keys"])
                .lines()
                .map(|l| if l.starts_with("results") {
                    format!("{l}\n")
                } else {
                    format!("plan {l}\n")
                })
                .collect::<String>()
        ),
    )
    .unwrap();
    let verified = r.writ(&[
        "verify",
        bundles[0].to_str().unwrap(),
        "--trust",
        auditor.to_str().unwrap(),
        "--plan",
        base_plan.to_str().unwrap(),
    ]);
    assert_eq!(verified.code, 0, "{}", verified.all());
}

#[test]
fn a_protected_plan_whose_signature_does_not_match_is_refused() {
    let r = Repo::new();
    // Someone recompiles the plan on a protected ref without re-signing.
    r.branch("resigned", "main", "sam", |r| {
        r.write(
            "policy.writ",
            &POLICY.replace("1 of team \"security\"", "1 of team \"dev\""),
        );
        let out = r.writ(&[
            "plan",
            "--policy",
            "policy.writ",
            "--graph",
            "graph.json",
            "-o",
            ".writ/plan.json",
        ]);
        assert_eq!(out.code, 0, "{}", out.all());
    });
    r.branch("feature", "main", "ana", |r| {
        r.write("app/main.txt", "v2\n")
    });
    let pr = r.pull_request("unsigned", "main", "feature");
    let mut cmd = pr.command(&["decide"]);
    cmd.env("WRIT_TRUST_REF", "refs/remotes/origin/resigned");
    let out = bounded(cmd);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr
            .contains("is not signed by a key in its trusted keys: no decision"),
        "{}",
        out.all()
    );
    assert!(
        !pr.temp.join("writ/proof.json").exists(),
        "no decision was made"
    );

    // and an input that is not a commit, or not a safe change id, is refused
    let mut cmd = pr.command(&["decide"]);
    cmd.env("WRIT_BASE", "--upload-pack=touch");
    let out = bounded(cmd);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr.contains("WRIT_BASE must name a commit"),
        "{}",
        out.all()
    );
    let mut cmd = pr.command(&["decide"]);
    cmd.env("WRIT_CHANGE_ID", "PR-7\"; touch pwned; \"");
    let out = bounded(cmd);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr.contains("WRIT_CHANGE_ID must be"),
        "{}",
        out.all()
    );
    assert!(!pr.checkout.join("pwned").exists());
}

#[test]
fn the_workflow_is_pinned_least_privilege_and_never_expands_in_run() {
    let wf = workflow();
    let lines: Vec<&str> = wf.lines().collect();
    let indent = |l: &str| l.len() - l.trim_start().len();
    let mut pinned = 0;
    for l in &lines {
        let t = l.trim_start().trim_start_matches("- ");
        if let Some(rest) = t.strip_prefix("uses: ") {
            let (action, comment) = rest.split_once(" # ").unwrap_or((rest, ""));
            let sha = action.rsplit_once('@').map_or("", |(_, s)| s);
            assert!(
                sha.len() == 40 && sha.chars().all(|c| c.is_ascii_hexdigit()),
                "`{l}` is not pinned by commit"
            );
            assert!(comment.starts_with('v'), "`{l}` names no version");
            pinned += 1;
        }
    }
    assert!(pinned >= 5, "{pinned} uses:");
    // no `${{ }}` in any run: block (values come through env:)
    let mut runs = 0;
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim_start().trim_start_matches("- ");
        if let Some(rest) = t.strip_prefix("run:") {
            runs += 1;
            assert!(!rest.contains("${{"), "line {}: {l}", i + 1);
            for body in lines[i + 1..]
                .iter()
                .take_while(|b| b.trim().is_empty() || indent(b) > indent(l))
            {
                assert!(!body.contains("${{"), "`${{{{` inside run: {body}");
            }
        }
    }
    assert!(runs >= 8, "{runs} run: blocks");
    assert!(
        !wf.contains("cargo install"),
        "the gate is never built from a URL or the PR"
    );
    assert!(
        lines.contains(&"permissions: {}"),
        "no permission by default"
    );
    // every job asks for its own permissions
    let jobs = lines.iter().position(|l| *l == "jobs:").unwrap();
    let job_starts: Vec<usize> = (jobs + 1..lines.len())
        .filter(|&i| indent(lines[i]) == 2 && lines[i].trim_end().ends_with(':'))
        .collect();
    assert_eq!(job_starts.len(), 3, "plan, checks, gate");
    for (n, &s) in job_starts.iter().enumerate() {
        let end = job_starts.get(n + 1).copied().unwrap_or(lines.len());
        let job = &lines[s..end];
        assert!(
            job.iter().any(|l| l.trim() == "permissions:"),
            "{}",
            lines[s]
        );
        // the gate script runs only after it was taken from the protected branch
        let take = job
            .iter()
            .position(|l| l.contains("git show \"$WRIT_TRUST_REF:$WRIT_GATE_SCRIPT\""));
        let runs_gate = job
            .iter()
            .position(|l| l.contains("bash \"$RUNNER_TEMP/writ-gate.sh\""));
        assert!(
            matches!((take, runs_gate), (Some(a), Some(b)) if a < b),
            "{}",
            lines[s]
        );
        // the gate (which runs no code of the pull request) holds the runner
        // key; the check jobs hold only the results key, read by writ's
        // sandboxed runner; the plan job holds nothing
        let secrets: Vec<&str> = job
            .iter()
            .filter(|l| l.contains("secrets."))
            .map(|l| l.trim())
            .collect();
        match lines[s].trim() {
            "gate:" => assert!(secrets.iter().all(|l| l.contains("WRIT_RUNNER_KEY"))),
            "checks:" => assert!(
                secrets.len() == 1 && secrets[0].contains("WRIT_RESULTS_KEY"),
                "{secrets:?}"
            ),
            other => assert!(secrets.is_empty(), "{other}: {secrets:?}"),
        }
    }
    // the trust anchors come from the default branch, not the PR's base
    assert!(wf.contains(
        "WRIT_TRUST_REF: refs/remotes/origin/${{ github.event.repository.default_branch }}"
    ));
    // every `"$writ" VERB` of the gate script is a verb of this binary
    let script = std::fs::read_to_string(format!("{ROOT}/examples/ci/writ-gate.sh")).unwrap();
    let mut verbs = 0;
    for (i, _) in script.match_indices("\"$writ\" ") {
        let verb: String = script[i + 8..]
            .chars()
            .take_while(|c| c.is_ascii_lowercase())
            .collect();
        if verb.is_empty() {
            continue; // `command -v "$writ"`
        }
        let out = bounded({
            let mut c = Command::new(WRIT);
            c.args([verb.as_str(), "--help"]);
            c
        });
        assert_eq!(
            out.code,
            0,
            "writ-gate.sh runs `writ {verb}`: {}",
            out.all()
        );
        verbs += 1;
    }
    assert!(verbs >= 6, "{verbs} writ commands in the script");
}

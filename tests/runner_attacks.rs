//! `writ run` against hostile checks (issue #14): each test is an attack
//! written as the code under test would write it (a real check script), run
//! through the real binary, and asserts that it fails. Where a control run
//! (`--no-sandbox`, `"network": true`) shows the same script succeeding, the
//! test also proves the attack is live, so it cannot pass by accident.
//!
//! CI runs as root; `unprivileged_*` tests run `writ` as uid 65534 through
//! `setpriv` when the test runs as root, and as the current user otherwise,
//! so the sandbox is exercised without privileges either way.

use std::io::Read;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const WRIT: &str = env!("CARGO_BIN_EXE_writ");

/// A project with one node `svc`, the given checks (name → JSON body), a
/// policy requiring all of them, a plan, a change touching `svc` and a
/// runner key. `unprivileged`: every command runs as uid 65534 (when root).
struct Project {
    dir: tempfile::TempDir,
    unprivileged: bool,
}

/// The binary as uid 65534 can run it: a copy in a world-readable temp
/// folder (the build folder may sit below a mode-700 home, as `/root` is).
fn unprivileged_writ() -> &'static Path {
    static COPY: std::sync::OnceLock<(tempfile::TempDir, PathBuf)> = std::sync::OnceLock::new();
    let (_, path) = COPY.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = dir.path().join("writ");
        std::fs::copy(WRIT, &path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        (dir, path)
    });
    path
}

fn is_root() -> bool {
    // SAFETY: `geteuid` has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

impl Project {
    fn new(checks: &[(&str, String)]) -> Project {
        Project::with(checks, false)
    }

    fn with(checks: &[(&str, String)], unprivileged: bool) -> Project {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        let p = Project { dir, unprivileged };
        let bodies: Vec<String> = checks.iter().map(|(n, b)| format!("{n:?}: {b}")).collect();
        p.write(
            "graph.json",
            &format!(
                r#"{{"version": 1, "teams": [{{"id": "t", "members": ["pat"]}}],
  "people": [{{"id": "pat", "kind": "human", "emails": ["pat@example.com"]}}],
  "nodes": [{{"id": "svc", "kind": "service", "owners": ["t"], "paths": ["svc/**"],
    "checks": {{{}}}}}]}}"#,
                bodies.join(", ")
            ),
        );
        let requires: String = checks
            .iter()
            .map(|(n, _)| format!("  require check \"{n}\" on n\n"))
            .collect();
        std::fs::create_dir(p.path().join("pol")).unwrap();
        p.write(
            "pol/policy.writ",
            &format!("rule checks {{\n  for n in change.touches(any)\n{requires}}}\n"),
        );
        p.write(
            "change.json",
            r#"{"version": 1, "id": "PR-7", "base": "1111111111111111111111111111111111111111",
  "head": "2222222222222222222222222222222222222222", "head_tree": "3333333333333333333333333333333333333333",
  "author": {"id": "pat", "name": "Pat", "email": "pat@example.com", "kind": "human"},
  "files": [{"path": "svc/src/lib.rs", "status": "modified"}], "timestamp": "2026-03-01T12:00:00Z"}"#,
        );
        let security = p.ok(&["keygen", "-o", "security.key"]);
        p.write("trust.keys", &format!("plan security {security}"));
        p.ok(&[
            "plan",
            "--policy",
            "pol",
            "--graph",
            "graph.json",
            "-o",
            "plan.json",
            "--sign",
            "security.key",
        ]);
        p.ok(&["keygen", "-o", "runner.key"]);
        p
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.path().join(name), text).unwrap();
    }

    /// Writes an executable script.
    fn script(&self, name: &str, text: &str) {
        self.write(name, text);
        std::fs::set_permissions(
            self.path().join(name),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path().join(name)).unwrap_or_default()
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = if self.unprivileged && is_root() {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"]);
            c.arg(unprivileged_writ());
            c
        } else {
            Command::new(WRIT)
        };
        c.current_dir(self.path()).args(args).env("CI", "1");
        c
    }

    fn writ(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let o = self.writ(args);
        assert!(o.status.success(), "{args:?}: {}", text(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    fn run_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
        let mut a = vec![
            "run",
            "--plan",
            "plan.json",
            "--change",
            "change.json",
            "--evidence",
            "ev",
            "--key",
            "runner.key",
            "--trust",
            "trust.keys",
        ];
        a.extend_from_slice(extra);
        a
    }

    fn run(&self, extra: &[&str]) -> Output {
        self.writ(&Project::run_args(extra))
    }

    fn key_text(&self) -> String {
        self.read("runner.key").trim().to_string()
    }
}

fn text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn check(argv: &[&str], extra: &str) -> String {
    let argv: Vec<String> = argv.iter().map(|a| format!("{a:?}")).collect();
    format!("{{\"run\": [{}]{extra}}}", argv.join(", "))
}

/// The latest bundle's statement.
fn statement(p: &Project) -> serde_json::Value {
    let mut b: Vec<PathBuf> = std::fs::read_dir(p.path().join("ev/bundles"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".intoto.json"))
        .collect();
    b.sort_by_key(|p| std::fs::metadata(p).unwrap().modified().unwrap());
    let env: serde_json::Value =
        serde_json::from_slice(&std::fs::read(b.last().unwrap()).unwrap()).unwrap();
    let payload = writ_evidence::dsse::decode_base64(env["payload"].as_str().unwrap()).unwrap();
    serde_json::from_slice(&payload).unwrap()
}

/// The victim fails slowly; the forger waits for the victim's stored
/// record and replaces it with a passing one (in the foreground, or from a
/// `setsid` daemon that outlives the forger); `c_slow` keeps the run going
/// long enough for the daemon to act after the victim's result is stored.
const FORGER: &str = r#"#!/bin/sh
if [ "$1" = setsid ]; then
  setsid "$0" inner </dev/null >/dev/null 2>&1 &
  sleep 0.2 # let the daemon leave the process group before this exits
  exit 0
fi
i=0
while [ $i -lt 150 ]; do
  for f in ev/checks/svc.b_victim.*.json; do
    if [ -f "$f" ]; then
      # the stored result is signed: replace it with a passing record of its own
      printf '%s\n' '{"type": "writ.check-result/v1", "check": "b_victim", "node": "svc", "source": "run", "change_id": "PR-7", "outcome": {"status": "passed"}, "files": [], "recorded_at": "2026-03-01T12:00:00Z"}' > "$f"
      echo forged > forged.txt
      exit 0
    fi
  done
  i=$((i+1)); sleep 0.01
done
exit 0
"#;

fn forged_sibling(jobs: &str, setsid: bool) {
    let mode = if setsid { "setsid" } else { "inner" };
    let checks = [
        (
            "a_forger",
            check(&["./forger.sh", mode], ", \"timeout\": \"2s\""),
        ),
        ("b_victim", check(&["sh", "-c", "sleep 0.3; exit 1"], "")),
        ("c_slow", check(&["sleep", "1"], "")),
    ];
    for sandboxed in [true, false] {
        let p = Project::new(&checks);
        p.script("forger.sh", FORGER);
        let extra: &[&str] = if sandboxed {
            &["--jobs", jobs]
        } else {
            &["--jobs", jobs, "--no-sandbox"]
        };
        let o = p.run(extra);
        let what = format!("jobs {jobs}, setsid {setsid}, sandboxed {sandboxed}");
        assert_eq!(o.status.code(), Some(1), "{what}: {}", text(&o));
        assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "deny", "{what}");
        let st = statement(&p);
        let checks = st["predicate"]["evidence"]["checks"].to_string();
        assert!(
            checks.contains("b_victim") && checks.contains("exited with status 1"),
            "{what}: the bundle must hold the victim's real result: {checks}"
        );
        if sandboxed {
            assert_eq!(
                p.read("forged.txt"),
                "",
                "{what}: the forger saw the folder"
            );
        } else {
            // The forgery happened on disk (the attack was live) and did not count.
            let deadline = Instant::now() + Duration::from_secs(2);
            while p.read("forged.txt").is_empty() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            assert_eq!(
                p.read("forged.txt").trim(),
                "forged",
                "{what}: {}",
                text(&o)
            );
        }
    }
}

#[test]
fn forged_sibling_result_jobs_2() {
    forged_sibling("2", false);
}

#[test]
fn forged_sibling_result_jobs_2_setsid() {
    forged_sibling("2", true);
}

#[test]
fn forged_sibling_result_jobs_1_setsid() {
    forged_sibling("1", true);
}

/// Looks for the runner's `--key` in every visible process's argv, resolves
/// it against that process's cwd, and copies whatever it can read.
const THIEF: &str = r#"#!/bin/sh
for d in /proc/[0-9]*; do
  key=$(tr '\000' '\n' < "$d/cmdline" 2>/dev/null | sed -n '/^--key$/{n;p;}')
  [ -n "$key" ] || continue
  cat "$d/cwd/$key" "$key" >> loot.txt 2>/dev/null
done
cat runner.key ../runner.key "$PWD/runner.key" >> loot.txt 2>/dev/null
cat /proc/$PPID/environ >> loot.txt 2>/dev/null
exit 0
"#;

fn key_theft(p: &Project) {
    p.script("thief.sh", THIEF);
    let o = p.run(&[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let loot = p.read("loot.txt");
    assert!(
        !loot.contains("ed25519-private:") && !loot.contains(&p.key_text()),
        "the check read the key: {loot}"
    );
}

#[test]
fn key_theft_through_proc_fails() {
    let p = Project::new(&[("thief", check(&["./thief.sh"], ""))]);
    key_theft(&p);
    // Control: the same script without the sandbox gets the key.
    std::fs::remove_file(p.path().join("loot.txt")).ok();
    let o = p.run(&["--no-sandbox"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(p.read("loot.txt").contains(&p.key_text()), "control run");
}

#[test]
fn unprivileged_key_theft_fails() {
    let p = Project::with(&[("thief", check(&["./thief.sh"], ""))], true);
    key_theft(&p);
}

/// A heartbeat process that escapes with `setsid` and keeps writing.
const ESCAPE: &str = r#"#!/bin/sh
# Each beat is written whole (rename), so a reader never sees it empty.
setsid sh -c 'i=0; while [ $i -lt 100 ]; do date +%s%N > .b1; mv .b1 beat-setsid; i=$((i+1)); sleep 0.05; done' </dev/null >/dev/null 2>&1 &
sh -c 'i=0; while [ $i -lt 100 ]; do date +%s%N > .b2; mv .b2 beat-child; i=$((i+1)); sleep 0.05; done' </dev/null >/dev/null 2>&1 &
while [ ! -s beat-setsid ] || [ ! -s beat-child ]; do sleep 0.01; done
sleep 30
"#;

/// Whether `file` in the project still changes.
fn beating(p: &Project, file: &str) -> bool {
    let before = p.read(file);
    std::thread::sleep(Duration::from_millis(400));
    before != p.read(file)
}

#[test]
fn setsid_escape_dies_at_the_timeout() {
    let p = Project::new(&[("escape", check(&["./escape.sh"], ", \"timeout\": \"2s\""))]);
    p.script("escape.sh", ESCAPE);
    let o = p.run(&[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("timed out"), "{}", text(&o));
    assert!(!p.read("beat-setsid").is_empty(), "the escapee never ran");
    assert!(
        !beating(&p, "beat-setsid"),
        "a setsid process outlived the timeout"
    );
    assert!(!beating(&p, "beat-child"), "a child outlived the timeout");
}

#[test]
fn checks_die_with_a_killed_runner() {
    let p = Project::new(&[("escape", check(&["./escape.sh"], ", \"timeout\": \"2s\""))]);
    p.script("escape.sh", ESCAPE);
    let mut child = p
        .command(&Project::run_args(&[]))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while (p.read("beat-setsid").is_empty() || p.read("beat-child").is_empty())
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!p.read("beat-setsid").is_empty(), "the check never started");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        !beating(&p, "beat-setsid"),
        "a setsid process outlived writ run"
    );
    assert!(!beating(&p, "beat-child"), "a child outlived writ run");
}

fn egress(unprivileged: bool) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let connect = format!("exec 3<>/dev/tcp/127.0.0.1/{port} && echo connected >&3");
    let p = Project::with(
        &[
            ("egress", check(&["bash", "-c", &connect], "")),
            (
                "allowed",
                check(&["bash", "-c", &connect], ", \"network\": true"),
            ),
        ],
        unprivileged,
    );
    let o = p.run(&["--only", "egress@svc"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        listener.accept().is_err(),
        "a check without network reached a listener outside its sandbox"
    );
    let st = statement(&p);
    let checks = &st["predicate"]["evidence"]["checks"];
    let egress = checks
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "egress")
        .unwrap();
    assert_eq!(egress["outcome"]["status"], "failed", "{egress}");
    assert_eq!(egress["source"], "run", "{egress}");
    // Control: the check the graph gives the network gets through.
    let o = p.run(&["--only", "allowed@svc"]);
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut got = None;
    while got.is_none() && Instant::now() < deadline {
        match listener.accept() {
            Ok((mut s, _)) => {
                s.set_nonblocking(false).unwrap();
                let mut buf = String::new();
                s.read_to_string(&mut buf).ok();
                got = Some(buf);
            }
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    assert_eq!(got.as_deref(), Some("connected\n"), "control: {}", text(&o));
    let st = statement(&p);
    assert!(
        st["predicate"]["evidence"]["checks"]
            .to_string()
            .contains("run+network"),
        "{st}"
    );
}

#[test]
fn egress_to_a_listener_outside_the_sandbox_fails() {
    egress(false);
}

#[test]
fn unprivileged_egress_fails() {
    egress(true);
}

/// A check that plants links in the evidence folder (the folder a change's
/// own scripts might also prepare): `bundles/`, `checks/`, `logs/` and a
/// dangling `ledger.jsonl`. Nothing may be written outside, no dangling
/// target created.
#[test]
fn symlinks_in_the_evidence_folder_are_not_followed() {
    for link in ["bundles", "checks", "logs", "ledger.jsonl"] {
        let p = Project::new(&[("unit", check(&["true"], ""))]);
        let outside = p.path().join("outside");
        std::fs::create_dir(&outside).unwrap();
        std::fs::create_dir_all(p.path().join("ev")).unwrap();
        let target = if link == "ledger.jsonl" {
            outside.join("dangling")
        } else {
            outside.clone()
        };
        std::os::unix::fs::symlink(&target, p.path().join("ev").join(link)).unwrap();
        let o = p.run(&[]);
        assert_eq!(o.status.code(), Some(2), "{link}: {}", text(&o));
        assert!(text(&o).contains("symbolic link"), "{link}: {}", text(&o));
        assert_eq!(
            std::fs::read_dir(&outside).unwrap().count(),
            0,
            "{link}: something was written outside the evidence folder"
        );
        // A dangling link to a missing folder: not created either.
        let p = Project::new(&[("unit", check(&["true"], ""))]);
        std::fs::create_dir_all(p.path().join("ev")).unwrap();
        let missing = p.path().join("missing");
        std::os::unix::fs::symlink(&missing, p.path().join("ev").join(link)).unwrap();
        let o = p.run(&[]);
        assert_eq!(o.status.code(), Some(2), "{link} dangling: {}", text(&o));
        assert!(!missing.exists(), "{link}: the dangling target was created");
    }
    // A record linked in from elsewhere is not read as evidence.
    let p = Project::new(&[("unit", check(&["false"], ""))]);
    std::fs::create_dir_all(p.path().join("ev/checks")).unwrap();
    p.write("elsewhere.json", "{}");
    std::os::unix::fs::symlink(
        p.path().join("elsewhere.json"),
        p.path().join("ev/checks/svc.unit.0123456789ab.json"),
    )
    .unwrap();
    let o = p.run(&[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("symbolic link"), "{}", text(&o));
}

/// Temporary files named as `writ` names them, left by a writer that was
/// killed: `writ ledger verify` reports them, the next run removes them,
/// and a live writer's file is left alone.
#[test]
fn temp_files_of_killed_runs_are_reported_and_cleaned() {
    let p = Project::new(&[("unit", check(&["true"], ""))]);
    assert_eq!(p.run(&[]).status.code(), Some(0));
    let mut gone = Command::new("true").spawn().unwrap();
    let dead = gone.id();
    gone.wait().unwrap();
    let live = std::process::id();
    let stale = [
        format!("ev/checks/.svc.unit.0123456789ab.json.tmp.{dead}.0"),
        format!("ev/bundles/.PR-7-1-abc.intoto.json.tmp.{dead}.4"),
        format!("ev/.ledger.head.tmp.{dead}.1"),
    ];
    let kept = format!("ev/logs/.svc.unit.0123456789ab.stdout.tmp.{live}.2");
    for f in stale.iter().chain([&kept]) {
        p.write(f, "partial");
    }
    let o = p.writ(&["ledger", "verify", "ev"]);
    assert!(o.status.success(), "{}", text(&o));
    for f in &stale {
        let name = Path::new(f)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(text(&o).contains(&name), "not reported: {f}\n{}", text(&o));
    }
    assert!(
        !text(&o).contains(".stdout.tmp."),
        "a live writer's file reported"
    );
    assert_eq!(p.run(&[]).status.code(), Some(0));
    for f in &stale {
        assert!(!p.path().join(f).exists(), "not cleaned: {f}");
    }
    assert!(
        p.path().join(&kept).exists(),
        "a live writer's file was removed"
    );
}

/// A check that prints secrets the way tools do: an option and its value, a
/// `-p` password, a token split by a colour escape, and a secret only the
/// graph's own pattern for this check knows. None reaches the stored logs.
#[test]
fn redaction_of_option_values_escapes_and_graph_patterns() {
    let leak = "echo deploy --password hunter2value; echo mysql -u root -p s3cretpass db; \
                printf 'token ghp_aBcDeFgHiJkLmNo\\033[31mPqRsTuVwXyZ0123456789\\033[0m\\n'; \
                echo account acct-424242 >&2";
    let p = Project::new(&[(
        "leaky",
        check(&["sh", "-c", leak], ", \"redact\": [\"acct-[0-9]{6}\"]"),
    )]);
    let o = p.run(&[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let mut logs = String::new();
    for e in std::fs::read_dir(p.path().join("ev/logs")).unwrap() {
        logs.push_str(&std::fs::read_to_string(e.unwrap().path()).unwrap());
    }
    for secret in ["hunter2value", "s3cretpass", "PqRsTuVwXyZ", "424242"] {
        assert!(!logs.contains(secret), "{secret} stored:\n{logs}");
    }
    assert!(logs.contains("[REDACTED:graph-1]"), "{logs}");
    assert!(
        logs.contains("deploy --password [REDACTED:option-value]"),
        "{logs}"
    );
}

/// Where the sandbox cannot be built (here: no `bwrap` on `PATH`), `writ run`
/// refuses instead of running checks unsandboxed; `--no-sandbox` runs them
/// and every record says so.
#[test]
fn no_sandbox_is_refused_not_downgraded() {
    let p = Project::new(&[("unit", check(&["/bin/true"], ""))]);
    let empty = p.path().join("empty-path");
    std::fs::create_dir(&empty).unwrap();
    let run = |extra: &[&str]| {
        p.command(&Project::run_args(extra))
            .env("PATH", &empty)
            .output()
            .unwrap()
    };
    let o = run(&[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("cannot be sandboxed") && text(&o).contains("--no-sandbox"),
        "{}",
        text(&o)
    );
    assert!(
        !p.path().join("ev/checks").exists()
            || std::fs::read_dir(p.path().join("ev/checks"))
                .unwrap()
                .count()
                == 0,
        "a check ran"
    );
    let o = run(&["--no-sandbox"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("WARNING: --no-sandbox"), "{}", text(&o));
    let st = statement(&p);
    assert_eq!(
        st["predicate"]["evidence"]["checks"][0]["source"], "run-unsandboxed",
        "{st}"
    );
    let record = std::fs::read_dir(p.path().join("ev/checks"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .unwrap();
    let envelope: writ_evidence::dsse::Envelope =
        serde_json::from_slice(&std::fs::read(record).unwrap()).unwrap();
    let payload = writ_evidence::dsse::decode_base64(&envelope.payload).unwrap();
    let record: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(record["run"]["sandboxed"], false, "{record}");
    assert_eq!(record["run"]["network"], true, "{record}");
}

/// `writ run` is non-dumpable: even a check run WITHOUT the sandbox, as the
/// same (unprivileged) user, cannot read the runner's environment or
/// memory through `/proc/$PPID` (where a key read into memory lives).
#[test]
fn unprivileged_runner_memory_is_not_readable() {
    let p = Project::with(
        &[(
            "peek",
            check(
                &[
                    "sh",
                    "-c",
                    "cat /proc/$PPID/environ > environ.txt; head -c 64 /proc/$PPID/mem > mem.txt; \
                     ls -l /proc/$PPID/environ > owner.txt; exit 0",
                ],
                "",
            ),
        )],
        true,
    );
    let o = p
        .command(&Project::run_args(&["--no-sandbox"]))
        .env("WRIT_MARKER", "marker-5b1d")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(!p.read("owner.txt").is_empty(), "the check did not run");
    assert!(
        !p.read("environ.txt").contains("marker-5b1d"),
        "the check read the runner's environment"
    );
}

//! Runner tests: parallelism, time-outs, crashes, redaction, no shell.

use std::time::{Duration, Instant};
use writ_evidence::redact::Redactor;
use writ_evidence::runner::{CheckSpec, RunnerConfig, run_all};
use writ_evidence::store::{EvidenceDir, store_run};
use writ_runtime::CheckOutcome;

fn spec(check: &str, argv: &[&str], timeout_ms: u64) -> CheckSpec {
    CheckSpec {
        check: check.into(),
        node: "svc".into(),
        argv: argv.iter().map(|s| s.to_string()).collect(),
        timeout: Duration::from_millis(timeout_ms),
        network: false,
        redact: Vec::new(),
    }
}

fn config(jobs: usize) -> RunnerConfig {
    let mut c = RunnerConfig::new(Redactor::new(&[]).unwrap());
    c.jobs = jobs;
    c
}

fn reason(o: &CheckOutcome) -> &str {
    match o {
        CheckOutcome::Failed { reason } => reason,
        CheckOutcome::Passed => "passed",
    }
}

#[test]
fn checks_run_in_parallel_bounded_by_jobs() {
    let specs: Vec<_> = (0..4)
        .map(|i| spec(&format!("c{i}"), &["sleep", "1"], 10_000))
        .collect();
    let start = Instant::now();
    let mut order = Vec::new();
    let runs = run_all(&specs, &config(4), |r| order.push(r.spec.check.clone()));
    let parallel = start.elapsed();
    assert!(runs.iter().all(|r| r.outcome == CheckOutcome::Passed));
    assert_eq!(order.len(), 4, "each result reported as it completes");
    assert!(
        parallel < Duration::from_millis(3000),
        "4 x 1s with 4 jobs took {parallel:?}"
    );
    let start = Instant::now();
    run_all(&specs[..2], &config(1), |_| {});
    assert!(
        start.elapsed() >= Duration::from_millis(2000),
        "jobs = 1 runs one at a time"
    );
    // Results come back in the order given.
    let names: Vec<_> = runs.iter().map(|r| r.spec.check.as_str()).collect();
    assert_eq!(names, ["c0", "c1", "c2", "c3"]);
}

#[test]
fn a_check_that_hangs_is_killed_at_its_timeout_with_its_children() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("survived");
    // The shell here is the check itself (a program named by the graph), not writ's.
    let script = format!(
        "sleep 30 & echo started; sleep 3; touch {}; wait",
        marker.display()
    );
    let start = Instant::now();
    let runs = run_all(
        &[
            spec("hang", &["sh", "-c", &script], 500),
            spec("ok", &["true"], 5000),
        ],
        &config(2),
        |_| {},
    );
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "writ run never hangs: {:?}",
        start.elapsed()
    );
    assert!(runs[0].timed_out);
    assert!(
        reason(&runs[0].outcome).contains("timed out after 0.5s"),
        "{:?}",
        runs[0].outcome
    );
    assert_eq!(
        String::from_utf8_lossy(&runs[0].stdout.bytes),
        "started\n",
        "output produced before the kill is kept"
    );
    assert_eq!(runs[1].outcome, CheckOutcome::Passed);
    std::thread::sleep(Duration::from_secs(4));
    assert!(!marker.exists(), "the whole process group was killed");
}

#[test]
fn a_background_process_holding_the_pipes_does_not_hang_the_run() {
    let start = Instant::now();
    let runs = run_all(
        &[spec("bg", &["sh", "-c", "sleep 60 & exit 0"], 30_000)],
        &config(1),
        |_| {},
    );
    assert_eq!(runs[0].outcome, CheckOutcome::Passed);
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn a_check_that_crashes_or_fails_is_a_failed_check_with_the_reason() {
    let runs = run_all(
        &[
            spec("segv", &["sh", "-c", "kill -SEGV $$"], 5000),
            spec(
                "abort",
                &["sh", "-c", "echo dying >&2; kill -ABRT $$"],
                5000,
            ),
            spec("exit3", &["sh", "-c", "exit 3"], 5000),
            spec("missing", &["/nonexistent/program"], 5000),
            spec("empty", &[], 5000),
        ],
        &config(2),
        |_| {},
    );
    assert_eq!(
        reason(&runs[0].outcome),
        "crashed: killed by SIGSEGV (signal 11)"
    );
    assert_eq!(runs[0].signal, Some(11));
    assert_eq!(
        reason(&runs[1].outcome),
        "crashed: killed by SIGABRT (signal 6)"
    );
    assert_eq!(runs[1].stderr.bytes, b"dying\n");
    assert_eq!(reason(&runs[2].outcome), "exited with status 3");
    assert_eq!(runs[2].exit_code, Some(3));
    assert!(
        reason(&runs[3].outcome).starts_with("cannot start `/nonexistent/program`"),
        "{:?}",
        runs[3].outcome
    );
    assert_eq!(reason(&runs[4].outcome), "the check has no command");
}

#[test]
fn a_secret_printed_by_a_check_is_absent_from_stored_evidence() {
    let secret = "ghp_R3allyS3cretT0kenABCDEFGHIJKLMNOPQRST";
    let aws = "AKIAIOSFODNN7EXAMPLE";
    let script = format!(
        "echo token: {secret}; echo password=hunter2hunter2 >&2; echo {aws}; echo internal-4242"
    );
    let mut cfg = config(1);
    cfg.redactor = Redactor::new(&["internal-[0-9]+".into()]).unwrap();
    let runs = run_all(
        &[spec("leaky", &["sh", "-c", &script, secret], 5000)],
        &cfg,
        |_| {},
    );
    let run = &runs[0];
    assert_eq!(run.outcome, CheckOutcome::Passed);
    let dir = tempfile::tempdir().unwrap();
    let ev = EvidenceDir::create(dir.path()).unwrap();
    let (change, _) = writ_graph::change::parse_change(
        writ_diagnostics::FileId(0),
        r#"{"version": 1, "id": "PR-1", "base": "a", "head": "b",
            "author": {"id": "dev1", "name": "Dev", "email": "dev1@example.com", "kind": "human"},
            "files": [{"path": "x.txt", "status": "modified"}], "timestamp": "2026-01-01T00:00:00Z"}"#,
    );
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let signed = store_run(&ev, run, &change.unwrap(), "sha256:plan", &key).unwrap();
    // The signed record itself (base64 inside its envelope) is redacted too.
    let record = serde_json::to_string(&signed.record).unwrap();
    for s in [secret, aws, "hunter2hunter2", "internal-4242"] {
        assert!(!record.contains(s), "{s} in the signed record: {record}");
    }
    // Everything stored, with the signed record decoded from its envelope.
    let mut stored = record.clone().into_bytes();
    for entry in walk(dir.path()) {
        stored.extend(std::fs::read(entry).unwrap());
    }
    let stored = String::from_utf8_lossy(&stored);
    for s in [secret, aws, "hunter2hunter2", "internal-4242"] {
        assert!(
            !stored.contains(s),
            "{s} stored in the evidence folder:\n{stored}"
        );
    }
    assert!(stored.contains("[REDACTED:github-token]"), "{stored}");
    assert!(
        stored.contains("password=[REDACTED:assignment]"),
        "{stored}"
    );
    assert!(run.stdout.redactions >= 3);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p))
        } else {
            out.push(p)
        }
    }
    out
}

#[test]
fn file_names_with_shell_metacharacters_are_arguments_not_code() {
    let dir = tempfile::tempdir().unwrap();
    let canary = dir.path().join("pwned");
    // Relative to the check's working folder: a file name cannot hold `/`.
    let evil = "x; touch pwned #$(touch pwned)`touch pwned` | && > '\" *".to_string();
    let file = dir.path().join(&evil);
    std::fs::write(&file, "content\n").unwrap();
    let mut cfg = config(1);
    cfg.workdir = dir.path().to_path_buf();
    let runs = run_all(
        &[
            spec("cat", &["cat", "--", &evil], 5000),
            spec("printf", &["printf", "%s\n", &evil], 5000),
        ],
        &cfg,
        |_| {},
    );
    assert_eq!(runs[0].outcome, CheckOutcome::Passed, "{:?}", runs[0]);
    assert_eq!(runs[0].stdout.bytes, b"content\n");
    assert_eq!(
        String::from_utf8_lossy(&runs[1].stdout.bytes),
        format!("{evil}\n")
    );
    assert!(!canary.exists(), "no shell interpreted the file name");
}

#[test]
fn the_environment_is_scrubbed() {
    // SAFETY: set before any check runs; no other thread of this test reads it.
    unsafe { std::env::set_var("WRIT_TEST_SECRET_ENV", "leak-me") };
    let runs = run_all(&[spec("env", &["env"], 5000)], &config(1), |_| {});
    let out = String::from_utf8_lossy(&runs[0].stdout.bytes).into_owned();
    assert!(!out.contains("WRIT_TEST_SECRET_ENV"), "{out}");
    assert!(out.contains("PATH="), "{out}");
    let mut cfg = config(1);
    cfg.pass_env = vec!["WRIT_TEST_SECRET_ENV".into()];
    let runs = run_all(&[spec("env", &["env"], 5000)], &cfg, |_| {});
    assert!(
        String::from_utf8_lossy(&runs[0].stdout.bytes).contains("WRIT_TEST_SECRET_ENV=leak-me")
    );
}

#[test]
fn output_is_capped() {
    let mut cfg = config(1);
    cfg.output_cap = 1000;
    let runs = run_all(
        &[spec(
            "big",
            &["sh", "-c", "yes 0123456789 | head -c 100000"],
            5000,
        )],
        &cfg,
        |_| {},
    );
    let out = &runs[0].stdout;
    assert!(out.truncated);
    assert_eq!(out.total, 100_000);
    assert!(out.bytes.len() < 1100);
    assert!(
        String::from_utf8_lossy(&out.bytes)
            .ends_with("[writ: output truncated; 100000 bytes written in total]\n")
    );
}

//! The sandbox through the library: what a check sees (work folder yes,
//! hidden paths and the runner's processes no, loopback only), and that
//! results say they were sandboxed. Needs bubblewrap (CI installs it); the
//! attacks through the `writ` binary are in `tests/runner_attacks.rs`.

use std::time::Duration;
use writ_evidence::redact::Redactor;
use writ_evidence::runner::{CheckRun, CheckSpec, RunnerConfig, run_all};
use writ_evidence::sandbox::{self, Sandbox};
use writ_runtime::CheckOutcome;

fn run(work: &std::path::Path, script: &str, network: bool, hide: &[&str]) -> CheckRun {
    let mut bwrap = sandbox::probe().expect("bubblewrap must work here (CI installs it)");
    for h in hide {
        bwrap.hide(&work.join(h)).unwrap();
    }
    let mut config = RunnerConfig::new(Redactor::new(&[]).unwrap());
    config.workdir = work.to_path_buf();
    config.sandbox = Sandbox::Bwrap(bwrap);
    let spec = CheckSpec {
        check: "c".into(),
        node: "svc".into(),
        argv: vec!["sh".into(), "-c".into(), script.into()],
        timeout: Duration::from_secs(2),
        network,
        redact: Vec::new(),
    };
    run_all(&[spec], &config, |_| {}).remove(0)
}

fn stdout(r: &CheckRun) -> String {
    String::from_utf8_lossy(&r.stdout.bytes).into_owned()
}

#[test]
fn a_check_sees_the_work_folder_and_nothing_hidden() {
    let dir = tempfile::tempdir().unwrap();
    let work = std::fs::canonicalize(dir.path()).unwrap();
    std::fs::write(work.join("source.txt"), "visible").unwrap();
    std::fs::write(work.join("secret.key"), "hidden-key").unwrap();
    std::fs::create_dir(work.join("ev")).unwrap();
    std::fs::write(work.join("ev/record.json"), "hidden-record").unwrap();
    let r = run(
        &work,
        "cat source.txt; cat secret.key ev/record.json 2>/dev/null; echo; ls /proc | grep -c '^[0-9]'; \
         echo out > made.txt",
        false,
        &["secret.key", "ev"],
    );
    assert_eq!(r.outcome, CheckOutcome::Passed, "{r:?}");
    assert!(r.sandboxed);
    let out = stdout(&r);
    assert!(out.starts_with("visible"), "{out}");
    assert!(!out.contains("hidden"), "{out}");
    // bwrap (PID 1), sh, ls, grep at most: not the host's processes.
    let pids: usize = out.lines().last().unwrap().trim().parse().unwrap();
    assert!(pids <= 5, "{pids} processes visible");
    assert_eq!(
        std::fs::read_to_string(work.join("made.txt")).unwrap(),
        "out\n"
    );
    // Hidden paths are untouched on the host.
    assert_eq!(
        std::fs::read_to_string(work.join("secret.key")).unwrap(),
        "hidden-key"
    );
}

#[test]
fn without_network_only_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let work = std::fs::canonicalize(dir.path()).unwrap();
    let r = run(&work, "cat /proc/net/dev | grep -c ':'", false, &[]);
    assert_eq!(stdout(&r).trim(), "1", "only lo: {}", stdout(&r));
    let r = run(&work, "cat /proc/net/dev | grep -c ':'", true, &[]);
    assert_eq!(r.outcome, CheckOutcome::Passed, "{r:?}");
    let host = std::fs::read_to_string("/proc/net/dev")
        .unwrap()
        .lines()
        .filter(|l| l.contains(':'))
        .count();
    assert_eq!(stdout(&r).trim(), host.to_string(), "the host's interfaces");
}

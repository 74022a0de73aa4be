//! The sandbox's cost per check: `true` run N times through the runner
//! (`run_all`, one job, pipes and all) without the sandbox and inside it,
//! and the same as bare spawns (`std::process::Command`, no runner), so the
//! ratio shows what namespaces and the fresh root add per check.
//!
//! `cargo bench -p writ-evidence --bench sandbox` (N from `WRIT_BENCH_N`,
//! default 200). Needs bubblewrap; fails loudly without it.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use writ_evidence::redact::Redactor;
use writ_evidence::runner::{CheckSpec, RunnerConfig, run_all};
use writ_evidence::sandbox::{self, Sandbox};

fn per_check(total: Duration, n: usize) -> f64 {
    total.as_secs_f64() * 1000.0 / n as f64
}

fn main() {
    let n: usize = std::env::var("WRIT_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let bwrap = sandbox::probe().expect("the sandbox bench needs a working bubblewrap");
    let work = tempfile::tempdir().unwrap();
    let workdir = std::fs::canonicalize(work.path()).unwrap();

    let bare = || {
        let start = Instant::now();
        for _ in 0..n {
            let s = Command::new("true").stdout(Stdio::null()).status().unwrap();
            assert!(s.success());
        }
        start.elapsed()
    };
    let boxed = || {
        let start = Instant::now();
        for _ in 0..n {
            let s = Command::new(&bwrap.program)
                .args(bwrap.args(&workdir, false))
                .arg("true")
                .stdout(Stdio::null())
                .status()
                .unwrap();
            assert!(s.success());
        }
        start.elapsed()
    };
    let specs: Vec<CheckSpec> = (0..n)
        .map(|i| CheckSpec {
            check: format!("c{i}"),
            node: "svc".into(),
            argv: vec!["true".into()],
            timeout: Duration::from_secs(10),
            network: false,
            redact: Vec::new(),
        })
        .collect();
    let runner = |sandbox: Sandbox| {
        let mut config = RunnerConfig::new(Redactor::new(&[]).unwrap());
        config.jobs = 1;
        config.workdir = workdir.clone();
        config.sandbox = sandbox;
        let start = Instant::now();
        let runs = run_all(&specs, &config, |_| {});
        assert!(
            runs.iter()
                .all(|r| r.outcome == writ_runtime::CheckOutcome::Passed)
        );
        start.elapsed()
    };
    // Warm up (page cache, binaries), then measure.
    let _ = (bare(), boxed());
    let (b, s) = (bare(), boxed());
    let (rb, rs) = (runner(Sandbox::Off), runner(Sandbox::Bwrap(bwrap.clone())));
    println!("sandbox cost per check, {n} checks of `true`, one at a time");
    println!(
        "  spawn:  bare {:.2} ms, bwrap {:.2} ms, ratio {:.1}x, added {:.2} ms",
        per_check(b, n),
        per_check(s, n),
        s.as_secs_f64() / b.as_secs_f64(),
        per_check(s, n) - per_check(b, n)
    );
    println!(
        "  runner: bare {:.2} ms, bwrap {:.2} ms, ratio {:.1}x, added {:.2} ms",
        per_check(rb, n),
        per_check(rs, n),
        rs.as_secs_f64() / rb.as_secs_f64(),
        per_check(rs, n) - per_check(rb, n)
    );
}

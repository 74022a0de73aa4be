//! Compile benchmark: a generated policy of R rules (in F files) against a
//! generated graph of N services and M edges.
//!
//! Reports: graph generation and load, full check + plan compilation, peak
//! memory, re-check after a one-line edit, plan serialisation and plan load.
//!
//! Run: `cargo bench -p writ-analysis --bench compile`
//! (sizes: WRIT_BENCH_SERVICES=100000 WRIT_BENCH_EDGES=500000 WRIT_BENCH_RULES=1000).

/// The allocator of the `writ` binary, so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::{Duration, Instant};
use writ_analysis::Host;
use writ_graph::generate::{GenerateOptions, generate};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|kb| kb.parse::<f64>().ok())
            })
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// One policy file of `rules` rules with varied shapes.
fn policy(file: usize, rules: usize) -> String {
    let mut out = String::from("use std::approvals::{owners_review, two_owners}\n\n");
    for r in 0..rules {
        let i = file * rules + r;
        let tier = i % 4;
        let depth = 1 + i % 4;
        match i % 5 {
            0 => out.push_str(&format!(
                "/// Tier {tier} reach.\nrule r{i} {{\n  for svc in change.reaches(service where tier == {tier}, via calls | depends_on, depth <= {depth})\n  when change.labels has \"l{i}\"\n  require check \"test\" on svc\n  require approval owners_review(svc)\n}}\n\n"
            )),
            1 => out.push_str(&format!(
                "rule r{i} {{\n  for svc in change.reaches(service where tags has \"phi\" and tier <= {tier})\n  when not change.emergency and change.labels has \"l{i}\"\n  require approval two_owners(svc)\n}}\n\n"
            )),
            2 => out.push_str(&format!(
                "rule r{i} {{\n  for n in change.touches(any)\n  when change.author is agent and change.labels has \"l{i}\"\n  require approval {{ 1 of owners(n) distinct from change.author }}\n}}\n\n"
            )),
            3 => out.push_str(&format!(
                "rule r{i} {{\n  for db in change.exposes(datastore, via reads | writes, depth <= 2)\n  when change.labels has \"l{i}\"\n  require approval {{ 1 of team \"platform\" }}\n}}\n\n"
            )),
            _ => out.push_str(&format!(
                "forbid f{i} \"freeze {i}\" {{\n  when change.reaches(service where tier == 0) and change.labels has \"freeze-{i}\"\n  unless emergency p00::glass\n}}\n\n"
            )),
        }
    }
    if file == 0 {
        out.push_str("emergency glass {\n  1 of person \"d0-dev0\", person \"d1-dev0\"\n  followup review within 48h\n}\n");
    }
    out
}

fn time<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let v = f();
    (v, start.elapsed())
}

fn main() {
    let services = env("WRIT_BENCH_SERVICES", 100_000);
    let edges = env("WRIT_BENCH_EDGES", 500_000);
    let rules = env("WRIT_BENCH_RULES", 1_000);
    let files = 50.min(rules.max(1));
    let per_file = rules / files;
    println!("workload: {services} services, {edges} edges, {rules} rules in {files} files");

    let (graph_text, t) = time(|| {
        generate(GenerateOptions {
            services,
            edges,
            seed: 7,
        })
        .to_json()
    });
    println!(
        "generate graph          {:>9.1} ms ({:.1} MiB of JSON)",
        ms(t),
        graph_text.len() as f64 / 1048576.0
    );

    let policies: Vec<(String, String, String)> = (0..files)
        .map(|f| {
            (
                format!("p{f:02}.writ"),
                format!("p{f:02}"),
                policy(f, per_file),
            )
        })
        .collect();
    let (mut host, t_host) =
        time(|| Host::new(policies, Some(("graph.json".into(), graph_text.clone()))));
    let (diagnostics, t_check) = time(|| host.diagnostics());
    let errors: Vec<_> = diagnostics.iter().filter(|d| d.is_error()).collect();
    assert!(
        errors.is_empty(),
        "the generated policy must check: {:?}",
        errors.first()
    );
    let (plan, t_plan) = time(|| host.plan().expect("compiles"));
    println!("load graph + check all  {:>9.1} ms", ms(t_host + t_check));
    println!("assemble plan           {:>9.1} ms", ms(t_plan));
    println!(
        "total compile           {:>9.1} ms (peak RSS {:.0} MiB)",
        ms(t_host + t_check + t_plan),
        peak_rss_mib()
    );

    let (bytes, t_ser) = time(|| plan.to_canonical_bytes());
    println!(
        "serialise plan          {:>9.1} ms ({:.1} MiB)",
        ms(t_ser),
        bytes.len() as f64 / 1048576.0
    );
    let (loaded, t_load) =
        time(|| writ_plan::load(writ_diagnostics::FileId(0), &bytes).expect("loads"));
    println!("load + verify plan      {:>9.1} ms", ms(t_load));
    assert_eq!(loaded.rules.len(), plan.rules.len());

    // One-line edit in one file, then re-check the workspace.
    let mut samples = Vec::new();
    for k in 0..7 {
        let file = host.file_by_path("p07.writ").unwrap();
        let text = policy(7, per_file).replace("\"l", &format!("\"edit{k}-l"));
        let (_, t) = time(|| {
            host.set_text(file, text);
            host.diagnostics()
        });
        samples.push(t);
    }
    samples.sort();
    println!(
        "re-check after edit     {:>9.1} ms median, {:.1} ms min (one file of {per_file} rules re-checked)",
        ms(samples[samples.len() / 2]),
        ms(samples[0])
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

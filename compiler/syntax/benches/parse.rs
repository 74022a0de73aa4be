//! Benchmark: lex, lex + parse (with structural validation), print (the
//! formatter on a parsed tree) and format (parse + print) a
//! generated, realistic policy of 10,000 lines (rules, approval chains,
//! forbids, emergency paths, lets and tests, with doc and plain comments).
//! Prints min and median over the iterations, as time, MB/s and lines/s.
//!
//! Run: `cargo bench -p writ-syntax` (set WRIT_BENCH_LINES / WRIT_BENCH_ITERS
//! to change the size and the number of iterations). Without `--bench` (as in
//! `cargo test --benches`) it runs once on a small policy, as a smoke test.

use std::fmt::Write;
use std::hint::black_box;
use std::time::{Duration, Instant};
use writ_diagnostics::FileId;
use writ_syntax::{format, lexer, parse};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One module's worth of policy (about 110 lines), varied by `i`.
fn module(out: &mut String, i: usize) {
    let tier = i % 3;
    let team = ["payments", "platform", "identity", "search", "data"][i % 5];
    let kinds = ["calls", "calls | depends_on", "depends_on | deploys"][i % 3];
    let _ = write!(
        out,
        r#"// ---------------------------------------------------------------- module {i}

/// Services of team {team} in tier {tier}.
let scope_{i} = service where owner == team "{team}" and tier <= {tier}

/// Anything that can reach a {team} service holding PHI needs its
/// integration suite and a security sign-off.
rule phi_reach_{i} {{
  for svc in change.reaches(scope_{i} where tags has "phi", via {kinds}, depth <= {depth})
  when not (change.author is agent) or change.labels has "agent-reviewed"
  require check "integration" on svc
  require check "contract-{i}" on svc.dependents
  require approval security_signoff_{i}
}}

/// Tier-0: two owners, never the author.
rule tier0_{i} {{
  for svc in change.reaches(service where tier == 0 and name != "sandbox-{i}", via calls, depth <= 3)
  for db in svc.dependencies
  when db.kind in ["postgres", "mysql"] and change.time in 2026-01-01..2027-01-01
  require check "migration" on db
  require approval {{ 2 of owners(svc) distinct from change.author }}
}}

// Owners review everything they own.
rule owners_{i} {{
  for svc in change.touches(service, library)
  require approval owners_review_{i}(svc, team "{team}")
}}

approval security_signoff_{i} {{
  1 of team "security" humans only
  expires after 72h
}}

approval owners_review_{i}(svc, backup) {{
  1 of owners(svc), backup distinct from change.author
  then 1 of team "release-{team}" humans only
  then all of team "cab" distinct from person "bot-{i}"
  expires after 2w
}}

forbid freeze_{i} "No tier-{tier} changes to {team} during the freeze" {{
  when change.reaches(scope_{i}) and change.time in 2026-12-20T00:00Z..2027-01-03T00:00+01:00
  unless emergency break_glass_{i}
}}

forbid agents_{i} "Agents may not touch the {team} vault" {{
  for vault in change.touches(node "vault-{i}")
  when change.author is agent
  unless emergency break_glass_{i}
}}

emergency break_glass_{i} {{
  1 of person "oncall-{team}", person "cto"
  followup 1 of team "security" humans only within 48h
}}

test "module {i}: a change to the shared library reaches {team}" {{
  change {{
    touches "libs/{team}/src/retry_{i}.rs", "libs/{team}/src/lib.rs"
    renames "libs/{team}/old_{i}.rs" -> "libs/{team}/new_{i}.rs"
    author "dev{i}"
    label "feature", "ticket-{i}"
    at 2026-03-04T09:30:00Z
  }}
  given check "integration" on "{team}-api" passed
  given approval security_signoff_{i} by "sec{i}"
  expect requires approval security_signoff_{i}
  expect not requires check "migration" on "{team}-db"
  expect fires phi_reach_{i}
  expect decision pending
}}

test "module {i}: break glass during the freeze" {{
  change {{
    touches "services/{team}/src/main.rs"
    author "agent:renovate"
    at 2026-12-24
    emergency
  }}
  given approval break_glass_{i} by "cto"
  expect not fires freeze_{i}
  expect decision pending
}}

test "module {i}: an agent alone is denied" {{
  change {{ touches "vault/{i}/keys.rs" author "agent:bot" }}
  expect fires agents_{i}
  expect decision deny
}}

"#,
        depth = 2 + i % 4,
    );
}

/// A policy of at least `lines` lines.
fn policy(lines: usize) -> String {
    let mut out = String::from(
        "//! Generated benchmark policy.\n\nuse std::approvals::{owners_review, security_signoff}\nuse std::emergencies::*\n\n",
    );
    let mut i = 0;
    while out.lines().count() < lines {
        module(&mut out, i);
        i += 1;
    }
    out
}

struct Stats {
    min: Duration,
    median: Duration,
}

fn measure<R>(iterations: usize, mut f: impl FnMut() -> R) -> Stats {
    let mut samples: Vec<Duration> = (0..iterations)
        .map(|_| {
            let start = Instant::now();
            black_box(f());
            start.elapsed()
        })
        .collect();
    samples.sort();
    Stats {
        min: samples[0],
        median: samples[samples.len() / 2],
    }
}

fn report(what: &str, stats: &Stats, bytes: usize, lines: usize) {
    let per_second = |d: Duration, n: usize| n as f64 / d.as_secs_f64().max(1e-12);
    for (label, d) in [("min", stats.min), ("median", stats.median)] {
        println!(
            "{what:<14} {label:<6} {:>9.3} ms  {:>8.1} MB/s  {:>12.0} lines/s",
            d.as_secs_f64() * 1e3,
            per_second(d, bytes) / 1e6,
            per_second(d, lines),
        );
    }
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let (lines, iterations) = if bench {
        (
            env("WRIT_BENCH_LINES", 10_000),
            env("WRIT_BENCH_ITERS", 30).max(1),
        )
    } else {
        (500, 1)
    };
    let text = policy(lines);
    let lines = text.lines().count();
    let bytes = text.len();

    // The workload must be valid, or we would be timing error recovery.
    let parsed = parse(FileId(0), &text);
    assert!(
        parsed.diagnostics.is_empty(),
        "the generated policy has diagnostics: {:#?}",
        &parsed.diagnostics[..parsed.diagnostics.len().min(3)]
    );
    let formatted = format::format(&text).expect("the generated policy formats");
    assert_eq!(
        format::format(&formatted).as_deref(),
        Ok(formatted.as_str())
    );

    println!(
        "workload: generated policy, {lines} lines, {bytes} bytes, {} items, {} comments; {iterations} iterations",
        parsed.file.items.len(),
        parsed.comments.len()
    );
    let lex = measure(iterations, || lexer::lex(FileId(0), &text));
    report("lex", &lex, bytes, lines);
    let parse = measure(iterations, || parse(FileId(0), &text));
    report("lex+parse", &parse, bytes, lines);
    let print = measure(iterations, || format::format_parsed(&text, &parsed));
    report("print", &print, bytes, lines);
    let format = measure(iterations, || format::format(&text));
    report("format (all)", &format, bytes, lines);
}

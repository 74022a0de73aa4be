//! A report over many decisions: builds N decisions (default 10,000) from
//! the walk-through's proofs (`tests/fixtures/`), each with its own change
//! id, decision time (spread over 90 days), outcome and team, renders the
//! page, and prints the time and size; the page is written to
//! `target/report-bench.html` for the browser load test
//! (`node tests/browser/load.mjs target/report-bench.html`, docs/report.md).
//!
//!     cargo bench -p writ-report --bench report [-- N]

use std::time::Instant;
use writ_report::model::{DecisionEntry, LedgerState, LedgerStatus, Report, Verification};
use writ_runtime::Proof;
use writ_runtime::proof::Outcome;

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000);
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let fixtures: Vec<Proof> = ["PR-102", "PR-103", "PR-104-nobg", "PR-104"]
        .iter()
        .map(|id| {
            let text = std::fs::read_to_string(format!("{dir}/{id}.proof.json")).unwrap();
            serde_json::from_str(&text).unwrap()
        })
        .collect();
    let start = writ_runtime::time::parse_rfc3339("2026-09-01T00:00:00Z").unwrap();
    let teams = ["payments-team", "platform", "comms", "mobile", "data"];
    let decisions: Vec<DecisionEntry> = (0..n)
        .map(|i| {
            let mut p = fixtures[i % fixtures.len()].clone();
            p.change.id = format!("PR-{}", 1000 + i / 2);
            p.decided_at =
                writ_runtime::time::format_rfc3339(start + (i as i64 * 90 * 86_400) / n as i64);
            p.outcome = match i % 10 {
                0..=6 => Outcome::Allow,
                7 | 8 => Outcome::Pending,
                _ => Outcome::Deny,
            };
            DecisionEntry {
                folder: format!("evidence/PR-{}", 1000 + i / 2),
                bundle: format!("PR-{}-{i}.intoto.json", 1000 + i / 2),
                verification: Verification::Verified {
                    signer: "ed25519:QRqeRnqaj67Z".into(),
                    proof: Box::new(p),
                    inclusion: Some(format!("recorded as ledger record {}", i % 2)),
                    time_given: false,
                },
                teams: vec![teams[i % teams.len()].to_string()],
            }
        })
        .collect();
    let report = Report {
        title: format!("writ: {n} decisions (benchmark)"),
        now: start + 91 * 86_400,
        ledgers: (0..n.div_ceil(2))
            .map(|i| LedgerStatus {
                folder: format!("evidence/PR-{}", 1000 + i),
                state: LedgerState::Intact {
                    records: 2,
                    signers: vec!["writ-ledger".into()],
                    proofs: 2,
                },
            })
            .collect(),
        decisions,
        inline_limit: writ_report::INLINE_DECISIONS,
        docs_url: writ_report::DOCS_URL.into(),
    };
    // Baseline, same run: the proofs as JSON (what `writ eval --format json`
    // writes for each), so the ratio holds on a loaded machine.
    let mut json_best = f64::INFINITY;
    let mut json_bytes = 0;
    for _ in 0..3 {
        let t = Instant::now();
        json_bytes = report
            .decisions
            .iter()
            .filter_map(|d| d.proof())
            .map(|p| writ_runtime::proof_json(p).len())
            .sum::<usize>();
        json_best = json_best.min(t.elapsed().as_secs_f64());
    }
    let mut best = f64::INFINITY;
    let mut html = String::new();
    for _ in 0..3 {
        let t = Instant::now();
        html = writ_report::report(&report);
        best = best.min(t.elapsed().as_secs_f64());
    }
    let out = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../target/report-bench.html"
    );
    std::fs::write(out, &html).unwrap();
    println!(
        "{n} decisions: rendered in {:.0} ms (best of 3), {:.1} MB → target/report-bench.html",
        best * 1000.0,
        html.len() as f64 / 1e6
    );
    println!(
        "baseline, same run: the {n} proofs as JSON in {:.0} ms, {:.1} MB; report / baseline time: {:.2}",
        json_best * 1000.0,
        json_bytes as f64 / 1e6,
        best / json_best
    );
}

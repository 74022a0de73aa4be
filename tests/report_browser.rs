//! The auditor's report in a real browser: runs the fintech walk-through
//! (`examples/fintech/walkthrough.sh`, as the end-to-end test does), writes
//! `writ report` over its evidence folders and `writ explain --format html`
//! of a hostile proof, then loads both in headless Chromium (Debian's
//! `chromium`, driven by playwright-core from `tests/browser/`) and checks
//! the DOM against the ledgers: every decision present, witness paths
//! drawn, the filters work, no request leaves the file, hostile strings
//! inert; and the same report in its large-report form (`--inline 4`),
//! whose sections open from the index. Screenshots are written to a temporary folder, or to
//! `docs/images/` with `WRIT_UPDATE_SCREENSHOTS=1`.
//!
//! Never skipped: without Chromium or `tests/browser/node_modules` it
//! fails and says how to install them (`.ci/run` does).

mod cli_tree;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn chromium() -> PathBuf {
    let path = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        path.exists(),
        "{} is missing: install Debian's chromium (`apt-get install chromium`) or set CHROMIUM",
        path.display()
    );
    path
}

fn node_modules() {
    let dir = Path::new(ROOT).join("tests/browser/node_modules/playwright-core");
    assert!(
        dir.is_dir(),
        "playwright-core is not installed: run `npm ci --prefix tests/browser`"
    );
}

/// The decisions the ledgers record: change id and outcome of each record.
fn ledger_decisions(evidence: &Path) -> Vec<Value> {
    let mut out = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(evidence)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let text = std::fs::read_to_string(dir.join("ledger.jsonl")).unwrap();
        for line in text.lines() {
            let record: Value = serde_json::from_str(line).unwrap();
            let entry = &record["entry"];
            assert_eq!(entry["type"], "writ.decision/v1", "{line}");
            out.push(serde_json::json!({
                "change": entry["change_id"],
                "outcome": entry["outcome"],
            }));
        }
    }
    out
}

/// A proof whose strings try to become markup.
fn hostile_proof(proof: &Path, to: &Path) {
    let mut p: Value = serde_json::from_str(&std::fs::read_to_string(proof).unwrap()).unwrap();
    p["change"]["id"] = "<script>window.__pwned=1</script>".into();
    p["change"]["labels"] = serde_json::json!(["\"><img src=x onerror=\"window.__pwned=2\">"]);
    p["files"][0]["path"] = "<svg onload=\"window.__pwned=3\"></svg>".into();
    p["touched"][0] = "<script>window.__pwned=4</script>".into();
    p["rules"][0]["source"]["text"] = "</pre><script>window.__pwned=5</script>".into();
    // An obligation's id must say its check or approval (a reader refuses
    // one that does not), so the markup goes into the approval's chain name
    // and the id that names it.
    let iframe = "<iframe src=\"https://example.invalid/\"></iframe>";
    let ob = &mut p["obligations"][0];
    let chain = ob["approval"]["chain"]
        .as_str()
        .expect("an approval obligation")
        .to_string();
    let id = ob["id"].as_str().unwrap().replacen(&chain, iframe, 1);
    ob["approval"]["chain"] = iframe.into();
    ob["id"] = id.into();
    std::fs::write(to, serde_json::to_string_pretty(&p).unwrap()).unwrap();
}

#[test]
fn the_report_of_the_fintech_walkthrough_in_chromium() {
    let chromium = chromium();
    node_modules();
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    let out = Command::new("bash")
        .arg(format!("{ROOT}/examples/fintech/walkthrough.sh"))
        .env("WRIT", cli_tree::WRIT)
        .env("WRIT_WORKDIR", &work)
        .env("WRIT_QUIET", "1")
        .env("NO_COLOR", "1")
        .env_remove("CI")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "walkthrough failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The report over every evidence folder.
    let report = tmp.path().join("report.html");
    // relative to the work folder, as an auditor would type them
    let mut folders: Vec<String> = std::fs::read_dir(work.join("evidence"))
        .unwrap()
        .map(|e| format!("evidence/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    folders.sort();
    let out = Command::new(cli_tree::WRIT)
        .arg("report")
        .args(&folders)
        .args(["--plan", "plan.json", "--trust", "trust.keys"])
        .args(["--now", "2026-12-25T12:00:00Z", "-o"])
        .arg(&report)
        .current_dir(&work)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "writ report: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The same report as a large one is written: sections compressed in the
    // page, opened from the index (`--inline 4`: past 4 decisions).
    let indexed = tmp.path().join("report-index.html");
    let out = Command::new(cli_tree::WRIT)
        .arg("report")
        .args(&folders)
        .args([
            "--plan",
            "plan.json",
            "--trust",
            "trust.keys",
            "--inline",
            "4",
        ])
        .args(["--now", "2026-12-25T12:00:00Z", "-o"])
        .arg(&indexed)
        .current_dir(&work)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "writ report --inline 4: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A hostile proof through `writ explain --format html`.
    let hostile = tmp.path().join("hostile.proof.json");
    hostile_proof(&work.join("out/PR-102.proof.json"), &hostile);
    let out = Command::new(cli_tree::WRIT)
        .args(["explain", "--format", "html"])
        .arg(&hostile)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let attack = tmp.path().join("hostile.html");
    std::fs::write(&attack, &out.stdout).unwrap();
    let html = String::from_utf8(out.stdout).unwrap();
    assert_eq!(html.matches("<script").count(), 1, "only the page's script");
    assert!(!html.contains("<iframe") && !html.contains("<img") && !html.contains("<svg onload"));
    assert!(
        html.contains("&lt;iframe"),
        "the hostile obligation is shown, escaped"
    );

    let expected = tmp.path().join("expected.json");
    std::fs::write(
        &expected,
        serde_json::json!({"decisions": ledger_decisions(&work.join("evidence"))}).to_string(),
    )
    .unwrap();
    let shots = if std::env::var_os("WRIT_UPDATE_SCREENSHOTS").is_some() {
        Path::new(ROOT).join("docs/images")
    } else {
        tmp.path().join("shots")
    };
    let out = Command::new("node")
        .arg(Path::new(ROOT).join("tests/browser/report.mjs"))
        .args([&report, &attack, &expected, &shots, &indexed])
        .env("CHROMIUM", &chromium)
        .output()
        .expect("node runs (Node.js is needed for the browser test)");
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{log}");
    assert!(out.status.success(), "browser checks failed:\n{log}");
    for shot in [
        "report-overview.png",
        "report-decision.png",
        "report-emergency.png",
    ] {
        let len = std::fs::metadata(shots.join(shot))
            .map(|m| m.len())
            .unwrap_or(0);
        assert!(len > 10_000, "{shot}: {len} bytes");
    }
}

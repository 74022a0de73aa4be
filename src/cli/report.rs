//! `writ report`: one self-contained HTML page over evidence folders —
//! every bundle and ledger verified with the verifiers `writ verify` and
//! `writ ledger verify` use, then rendered by `writ-report`.

use super::input::{self, Fault};
use super::verify::{BundleKeys, check_bundle, establish_plan};
use super::{EXIT_FAILURE, output};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use writ_evidence::{context, tlog};
use writ_report::model::{DecisionEntry, LedgerState, LedgerStatus, Report, Verification};

/// Write the auditor's report: one self-contained HTML file over evidence
/// folders.
///
/// Reads each evidence folder's ledger and bundles (`bundles/*.intoto.json`)
/// and verifies them as `writ ledger verify` and `writ verify` do: the
/// ledger's chain, tree and signed checkpoint; each bundle's signature
/// against a trusted runner key, its approvals against the plan's graph,
/// its ledger inclusion proof, and its decision re-derived under the plan.
/// Only what verified is shown as fact; a bundle that did not verify is
/// listed as unverified, with the reason.
///
/// The page has an overview (decisions over time by outcome, pending
/// changes and their age, services most often reached, checks that fail
/// most, follow-ups owed after emergencies and whether they were done,
/// verification of every bundle and ledger), then one section per decision
/// (outcome, rules that fired with their source, the graph neighbourhood
/// with each witness path, every obligation with its evidence or who can
/// supply what is missing, the controls it evidences), and filters by
/// service, team, person and outcome. Nothing is loaded from elsewhere: it
/// works from `file://`, offline, and prints to PDF (docs/report.md).
///
/// Exit status: 0 written and everything verified, 1 written but some
/// bundle or ledger did not verify, 2 unreadable arguments or output.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  writ report evidence/PR-101 evidence/PR-102 --plan plan.json --trust trust.keys -o report.html
  writ report evidence/* --plan plan.json --trust trust.keys --now 2026-12-31T00:00:00Z -o q4.html")]
pub struct ReportArgs {
    /// Evidence folders (each with `ledger.jsonl` and `bundles/`).
    #[arg(required = true, value_name = "EVIDENCE")]
    evidence: Vec<PathBuf>,
    /// The plan the decisions were made under (its signature must verify
    /// against a `plan` key).
    #[arg(long, value_name = "FILE")]
    plan: PathBuf,
    /// Trusted keys: `runner` keys sign bundles and checkpoints, `plan`
    /// keys the plan, `results` keys imported check results.
    #[arg(long, value_name = "KEYS")]
    trust: PathBuf,
    /// More trusted plan-signing keys.
    #[arg(long, value_name = "KEYS")]
    plan_trust: Option<PathBuf>,
    /// Where to write the page (`-`: standard output).
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    /// The page's title.
    #[arg(long, default_value = "writ: changes and their evidence")]
    title: String,
    /// The time the report speaks from (RFC 3339; ages and deadlines are
    /// measured against it), instead of now: for reproducible reports.
    #[arg(long, value_name = "TIME")]
    now: Option<String>,
    /// Up to this many decisions every section is in the page; past it the
    /// page holds the overview and an index, and opens each decision's
    /// section (kept compressed in the page) when it is picked.
    #[arg(long, value_name = "N", default_value_t = writ_report::INLINE_DECISIONS)]
    inline: usize,
    /// Where control links point: the folder holding `stdlib/*.md`.
    #[arg(long, value_name = "URL", default_value = writ_report::DOCS_URL)]
    docs_url: String,
}

/// Runs `writ report`.
pub fn run(args: ReportArgs) -> ExitCode {
    match build(&args) {
        Ok(report) => {
            let html = writ_report::report(&report);
            if input::is_stdin(&args.output) {
                print!("{html}");
            } else if let Err(e) = output::write_atomic(&args.output, html.as_bytes()) {
                return Fault::usage(format!("cannot write `{}`: {e}", args.output.display()))
                    .report();
            }
            let unverified = report
                .decisions
                .iter()
                .filter(|d| d.proof().is_none())
                .count();
            let broken = report
                .ledgers
                .iter()
                .filter(|l| matches!(l.state, LedgerState::Broken(_)))
                .count();
            eprintln!(
                "report: {} decisions ({} unverified), {} ledgers ({} not intact){}",
                report.decisions.len(),
                unverified,
                report.ledgers.len(),
                broken,
                if input::is_stdin(&args.output) {
                    String::new()
                } else {
                    format!(" → {}", args.output.display())
                }
            );
            if unverified + broken > 0 {
                ExitCode::from(EXIT_FAILURE)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(fault) => fault.report(),
    }
}

fn build(args: &ReportArgs) -> Result<Report, Fault> {
    use writ_plan::signature::{self as sig, Role};
    let now = match &args.now {
        Some(t) => writ_runtime::time::parse_rfc3339(t).ok_or_else(|| {
            Fault::usage(format!(
                "`--now {t}` is not an RFC 3339 time (e.g. 2026-05-01T12:00:00Z)"
            ))
        })?,
        None => writ_runtime::system_now(),
    };
    let trust_file = sig::read_trust_file(&args.trust).map_err(Fault::usage)?;
    let runner = sig::keys_for(&trust_file, Role::Runner, Role::Runner);
    let mut results = runner.clone();
    results.extend(sig::keys_for(&trust_file, Role::Results, Role::Runner));
    let mut plan_keys = sig::keys_for(&trust_file, Role::Plan, Role::Runner);
    if let Some(path) = &args.plan_trust {
        let keys = sig::read_trust_file(path).map_err(Fault::usage)?;
        plan_keys.extend(sig::keys_for(&keys, Role::Plan, Role::Plan));
    }
    let plan = input::plan(&args.plan)?;
    let graph = context::plan_graph(&plan, &args.plan).map_err(Fault::usage)?;
    let digest = plan.digest();
    // Fail closed: decisions under a plan nobody trusted prove nothing.
    establish_plan(&args.plan, &digest, &plan_keys, &args.trust).map_err(Fault::invalid)?;
    let keys = BundleKeys {
        runner: &runner,
        results: &results,
    };

    let mut decisions = Vec::new();
    let mut ledgers = Vec::new();
    for folder in &args.evidence {
        let shown = folder.display().to_string();
        if !folder.is_dir() {
            return Err(Fault::usage(format!("`{shown}` is not a folder")));
        }
        // Fail closed: a folder without a ledger proves nothing.
        let state = if !writ_evidence::ledger::ledger_path(folder).exists() {
            LedgerState::Broken(
                "no ledger (no decision was recorded here, or the ledger was removed)".into(),
            )
        } else {
            match tlog::verify_log(
                folder,
                tlog::VerifyOptions {
                    trusted: Some(&runner),
                    since: None,
                    skip_bundles: false,
                },
            ) {
                Ok(r) => LedgerState::Intact {
                    records: r.records,
                    signers: r.checkpoint.map(|c| c.2).unwrap_or_default(),
                    proofs: r.proofs,
                },
                Err(fault) => LedgerState::Broken(fault.to_string()),
            }
        };
        ledgers.push(LedgerStatus {
            folder: shown.clone(),
            state,
        });
        for path in bundle_files(folder)? {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let verification = match input::read(&path, writ_diagnostics::limits::Input::Bundle)
                .map_err(|f| f.message)
                .and_then(|bytes| {
                    check_bundle(
                        &path,
                        &bytes,
                        None,
                        &keys,
                        Some((&plan, &graph, &digest)),
                        false,
                    )
                })
                .and_then(verified)
            {
                Ok(v) => v,
                Err(reason) => Verification::Unverified { reason },
            };
            let teams = match &verification {
                Verification::Verified { proof, .. } => teams(&graph, proof),
                Verification::Unverified { .. } => Vec::new(),
            };
            decisions.push(DecisionEntry {
                folder: shown.clone(),
                bundle: name,
                verification,
                teams,
            });
        }
    }
    // Oldest first; unverified ones (no trusted time) last, by name.
    decisions.sort_by(|a, b| {
        let key = |d: &DecisionEntry| {
            (
                d.proof().is_none(),
                d.proof().map(|p| p.decided_at.clone()).unwrap_or_default(),
                d.folder.clone(),
                d.bundle.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    Ok(Report {
        title: args.title.clone(),
        now,
        decisions,
        ledgers,
        inline_limit: args.inline,
        docs_url: args.docs_url.trim_end_matches('/').to_string(),
    })
}

/// The decision bundles of a folder (`bundles/*.intoto.json`, regular
/// files only), sorted by name.
fn bundle_files(folder: &Path) -> Result<Vec<PathBuf>, Fault> {
    let dir = folder.join("bundles");
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(Fault::usage(format!(
                "cannot read `{}`: {e}",
                dir.display()
            )));
        }
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry =
            entry.map_err(|e| Fault::usage(format!("cannot read `{}`: {e}", dir.display())))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = entry.file_type().map(|t| t.is_file()).unwrap_or(false);
        if is_file && name.ends_with(".intoto.json") && !name.starts_with('.') {
            out.push(entry.path());
        }
    }
    out.sort();
    Ok(out)
}

/// The proof inside a bundle that verified, read through the typed proof.
fn verified(c: super::verify::Checked) -> Result<Verification, String> {
    if c.report.predicate_type != writ_evidence::bundle::PREDICATE_TYPE || !c.rederived {
        return Err(format!(
            "a `{}` statement, not a re-derived writ decision",
            c.report.predicate_type
        ));
    }
    let decision = c
        .report
        .statement
        .pointer("/predicate/decision")
        .cloned()
        .ok_or("the statement has no decision")?;
    let proof: writ_runtime::Proof = serde_json::from_value(decision)
        .map_err(|e| format!("the decision is not a writ proof: {e}"))?;
    Ok(Verification::Verified {
        signer: writ_evidence::keys::public_key_text(&c.report.signer),
        proof: Box::new(proof),
        inclusion: c.included,
        time_given: c
            .report
            .statement
            .pointer("/predicate/decision_clock")
            .and_then(serde_json::Value::as_str)
            == Some("given"),
    })
}

/// The teams owning the nodes a change touches, sorted.
fn teams(graph: &writ_graph::Graph, proof: &writ_runtime::Proof) -> Vec<String> {
    let mut set = std::collections::BTreeSet::new();
    for &id in &proof.touched {
        if let Some(node) = graph.node_by_id(proof.name(id)) {
            for owner in &node.owners {
                if graph.team(&owner.value).is_some() {
                    set.insert(owner.to_string());
                }
            }
        }
    }
    set.into_iter().collect()
}

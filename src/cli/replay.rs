//! `writ replay`: decide the changes an evidence folder's ledger records
//! again under another plan, and list every decision that flips.
//!
//! Reading and verifying the history, and deciding one record again, is
//! `writ_evidence::history`; comparing two proofs is
//! `writ_runtime::delta`. This file owns the command line and the three
//! renderings (human, `writ.replay/v1` JSON, Markdown).

use super::Exit;
use super::input::Fault;
use super::output::{self, AnalysisFormat, md_cell};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use writ_evidence::history::{self, Replayed};
use writ_plan::signature::{self as sig, Role};

/// Decide recorded changes again under another plan and list what flips.
///
/// For every decision recorded in each evidence folder's ledger (`writ
/// run` appends one per decision), decides the same change again under
/// --plan, with the evidence recorded in its signed bundle and at its
/// recorded decision time, and compares the two decisions: the outcome
/// (allow→deny, pending→allow, …), the rules that fire, the obligations,
/// the forbids that apply and the reasons, so each flip names the rule
/// that made the difference.
///
/// Nothing is believed on the ledger's word: each folder's ledger is
/// verified first as `writ ledger verify` does (hash chain, Merkle tree,
/// checkpoint signed by a trusted runner key, every bundle present with its
/// recorded digest) — a rewritten ledger is an error, not a replay — then
/// each bundle's signature (a `runner` key of --trust), each check result's
/// signature (`runner` or `results` keys) and each approval's signature
/// (against the person's keys in the replay plan's graph). Approvals and
/// check results bound to the recorded plan count as if given under the
/// replay plan; the replay plan's own signature is not required (it is
/// typically an edit under review), and nothing is signed or recorded.
///
/// Exit status: 0 no decision flipped, 1 a decision flipped (for CI gating)
/// or a ledger, bundle or piece of evidence does not verify, 2 usage, or a
/// folder, plan or trust file that cannot be read.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  writ replay evidence/ --plan new-plan.json --trust trust.keys
  writ replay evidence/PR-101 evidence/PR-102 --plan new-plan.json --trust trust.keys --format json
  writ replay evidence/ --plan new-plan.json --trust trust.keys --format markdown > comment.md")]
pub struct ReplayArgs {
    /// Evidence folders, each with its `ledger.jsonl` (replayed in the order given).
    #[arg(required = true, value_name = "EVIDENCE_DIR")]
    folders: Vec<PathBuf>,
    /// The plan to decide under (from `writ plan`; `-`: standard input).
    #[arg(long, value_name = "FILE")]
    plan: PathBuf,
    /// Trusted keys (one `[ROLE] [NAME] ed25519:…` per line): `runner` keys
    /// (and keys without a role) sign checkpoints, bundles and check results,
    /// `results` keys imported check results. Default: `$WRIT_TRUST`.
    #[arg(long, value_name = "KEYS")]
    trust: Option<PathBuf>,
    /// Output format (`json`: one `writ.replay/v1` document, docs/cli.md).
    #[arg(long, value_enum, default_value_t = AnalysisFormat::Human)]
    format: AnalysisFormat,
}

/// The `format` field of `writ replay --format json`.
pub const REPLAY_FORMAT: &str = "writ.replay/v1";

/// One folder's replayed decisions.
struct Folder {
    path: String,
    records: u64,
    decisions: Vec<(history::RecordedDecision, Replayed)>,
}

/// Runs `writ replay`.
pub fn run(args: ReplayArgs) -> ExitCode {
    match replay(&args) {
        Ok((digest, folders)) => {
            let flipped = folders
                .iter()
                .flat_map(|f| &f.decisions)
                .any(|(_, r)| r.delta.flipped());
            match args.format {
                AnalysisFormat::Human => print!("{}", human(&digest, &folders)),
                AnalysisFormat::Markdown => print!("{}", markdown(&digest, &folders)),
                AnalysisFormat::Json => {
                    output::print_versioned(REPLAY_FORMAT, json(&digest, &folders))
                }
            }
            if flipped { Exit::Failure } else { Exit::Ok }.into()
        }
        Err(fault) => fault.report(),
    }
}

fn replay(args: &ReplayArgs) -> Result<(String, Vec<Folder>), Fault> {
    let trust_path = match sig::trust_source(args.trust.as_deref(), false) {
        Ok(sig::TrustSource::Keys(path)) => path,
        // Not asked for (`false`); a trust file is needed for the ledger.
        Ok(sig::TrustSource::Insecure) => return Err(Fault::usage("--trust KEYS is required")),
        Err(e) => return Err(Fault::usage(e)),
    };
    let trust = sig::read_trust_file(&trust_path).map_err(Fault::usage)?;
    let runners = sig::keys_for(&trust, Role::Runner, Role::Runner);
    if runners.is_empty() {
        return Err(Fault::usage(format!(
            "`{}` trusts no runner key: add `runner NAME ed25519:…` lines (the keys that sign \
             checkpoints and bundles)",
            trust_path.display()
        )));
    }
    let mut result_keys = runners.clone();
    result_keys.extend(sig::keys_for(&trust, Role::Results, Role::Runner));
    for dir in &args.folders {
        if !dir.is_dir() {
            return Err(Fault::usage(format!(
                "`{}` is not an evidence folder",
                dir.display()
            )));
        }
    }
    let plan = super::eval::load_plan(&args.plan, false)?;
    let mut folders = Vec::new();
    for dir in &args.folders {
        let name = output::display_path(dir);
        let ledger = format!("{name}/{}", writ_evidence::ledger::LEDGER_FILE);
        let history = history::read_decisions(dir, &runners)
            .map_err(|f| Fault::invalid(format!("{ledger}: {f}")))?;
        for note in &history.log.notes {
            eprintln!("note: {ledger}: {note}");
        }
        let mut decisions = Vec::new();
        for recorded in history.decisions {
            let replayed =
                history::replay(&recorded, &plan, plan.graph(), &result_keys).map_err(|e| {
                    Fault::invalid(format!(
                        "{ledger}: record {} (`{}`): {e}",
                        recorded.seq, recorded.bundle
                    ))
                })?;
            decisions.push((recorded, replayed));
        }
        folders.push(Folder {
            path: name,
            records: history.log.records,
            decisions,
        });
    }
    Ok((plan.digest().to_string(), folders))
}

fn arrow(r: &Replayed) -> String {
    format!("{}→{}", r.recorded.as_str(), r.replayed.outcome.as_str())
}

/// Flips counted by kind (`allow→deny`: 2), sorted.
fn flip_counts(folders: &[Folder]) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for (_, r) in folders.iter().flat_map(|f| &f.decisions) {
        if r.delta.flipped() {
            *counts.entry(arrow(r)).or_insert(0) += 1;
        }
    }
    counts
}

fn totals(folders: &[Folder]) -> (usize, usize) {
    let all = folders.iter().map(|f| f.decisions.len()).sum();
    let flipped = folders
        .iter()
        .flat_map(|f| &f.decisions)
        .filter(|(_, r)| r.delta.flipped())
        .count();
    (all, flipped)
}

fn summary_line(folders: &[Folder]) -> String {
    let (all, flipped) = totals(folders);
    let kinds: Vec<String> = flip_counts(folders)
        .iter()
        .map(|(k, n)| format!("{k} ×{n}"))
        .collect();
    format!(
        "{} replayed, {} flipped{}",
        super::plural(all, "decision"),
        flipped,
        if kinds.is_empty() {
            String::new()
        } else {
            format!(" ({})", kinds.join(", "))
        }
    )
}

fn human(digest: &str, folders: &[Folder]) -> String {
    let mut out = format!("replayed under plan {digest}\n");
    for f in folders {
        let flips = f
            .decisions
            .iter()
            .filter(|(_, r)| r.delta.flipped())
            .count();
        out.push_str(&format!(
            "\n{}: {}, {}, {} flipped\n",
            f.path,
            super::plural(f.records as usize, "record"),
            super::plural(f.decisions.len(), "decision"),
            flips
        ));
        // Flips, and decisions whose reasons changed without flipping.
        for (rec, r) in f.decisions.iter().filter(|(_, r)| !r.delta.is_empty()) {
            let what = if r.delta.flipped() {
                arrow(r)
            } else {
                format!("still {}, for other reasons", r.recorded.as_str())
            };
            out.push_str(&format!(
                "  {} record {} (decided {}): {what}\n",
                r.change_id,
                rec.seq,
                writ_evidence::rfc3339(r.decided_at),
            ));
            for line in r.delta.because() {
                out.push_str(&format!("    {line}\n"));
            }
        }
    }
    out.push_str(&format!("\n{}\n", summary_line(folders)));
    out
}

fn markdown(digest: &str, folders: &[Folder]) -> String {
    let (_, flipped) = totals(folders);
    let mut out = format!(
        "### writ replay: {}\n\nRecorded decisions decided again under plan `{digest}`.\n\n",
        summary_line(folders)
    );
    if flipped == 0 {
        out.push_str("No decision flips.\n");
        return out;
    }
    out.push_str("| change | record | decided at | flip | because |\n|---|---|---|---|---|\n");
    for f in folders {
        for (rec, r) in f.decisions.iter().filter(|(_, r)| r.delta.flipped()) {
            out.push_str(&format!(
                "| `{}` | `{}` #{} | {} | **{}** | {} |\n",
                md_cell(&r.change_id),
                md_cell(&f.path),
                rec.seq,
                writ_evidence::rfc3339(r.decided_at),
                arrow(r),
                r.delta
                    .because()
                    .iter()
                    .map(|l| md_cell(l))
                    .collect::<Vec<_>>()
                    .join("<br>")
            ));
        }
    }
    out
}

fn json(digest: &str, folders: &[Folder]) -> Value {
    let (all, flipped) = totals(folders);
    json!({
        "plan": {"digest": digest},
        "folders": folders.iter().map(|f| json!({
            "path": f.path,
            "records": f.records,
            "decisions": f.decisions.iter().map(|(rec, r)| json!({
                "seq": rec.seq,
                "bundle": rec.bundle,
                "change": {"id": r.change_id, "digest": r.change_digest},
                "decided_at": writ_evidence::rfc3339(r.decided_at),
                "recorded_plan": r.recorded_plan,
                "recorded": r.recorded.as_str(),
                "replayed": r.replayed.outcome.as_str(),
                "flipped": r.delta.flipped(),
                "because": r.delta.because(),
                "delta": r.delta,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "summary": {
            "decisions": all,
            "flipped": flipped,
            "flips": flip_counts(folders),
        },
    })
}

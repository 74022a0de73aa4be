//! `writ prove`: check every assertion (`assert`) of a policy against its
//! graph, for every change of the space, and print a counterexample with
//! the commands that reproduce it for each one that fails.

use super::input::{self, Fault};
use super::output::{self, DiagnosticFormat, ReportFormat};
use super::{Exit, plural};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use writ_runtime::assertions::{AssertionResult, Counterexample, Report};
use writ_runtime::time::format_rfc3339;

/// Prove the policy's assertions: every `assert` is checked against every
/// change it is about, and a violated one gets a counterexample.
///
/// The changes are those that modify one file of one node (for each node
/// the assertion's `for` selects, or that reaches it), by each class of
/// author the graph has (an owner, a member of each team the policy names,
/// an outsider, an agent, an unknown author, …), flagged as an emergency or
/// not, with each set of the labels the policy tests, at a time in each
/// window the policy compares against. Each is decided by the same code as
/// `writ eval`, with the strongest evidence (every check passes, everyone
/// who may approve approves) and with it weakened as each `expect` says.
/// What this covers and what it does not: docs/prove.md.
///
/// A counterexample names the file, the author, the time and the labels,
/// and the `writ eval` command that reproduces it; `--out DIR` writes the
/// change, the evidence (and, from `--policy`, the plan) it needs there.
///
/// Exit status: 0 every assertion holds, 1 one is violated (or the policy
/// or plan is invalid), 2 usage or I/O error.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  writ prove plan.json
  writ prove --policy policies/ --graph graph.json --out counterexamples/
  writ prove plan.json --format json
  writ prove plan.json --jobs 1")]
pub struct ProveArgs {
    /// A compiled plan (from `writ plan`; `-`: standard input); or give
    /// `--policy` and `--graph`.
    #[arg(value_name = "PLAN", conflicts_with = "policy")]
    plan: Option<PathBuf>,
    /// Policy files or folders, compiled against `--graph`.
    #[arg(long, value_name = "PATH", num_args = 1.., requires = "graph")]
    policy: Vec<PathBuf>,
    /// The system graph (with `--policy`).
    #[arg(long, value_name = "FILE")]
    graph: Option<PathBuf>,
    /// Write each counterexample's change and evidence (and, with
    /// `--policy`, the plan) to this folder, for the printed commands.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Output format (`json`: `writ.prove/v1`, docs/cli.md).
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    format: ReportFormat,
    /// Threads to prove on (default: the number of CPUs); the report is the
    /// same for any number.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
}

/// The `format` field of `writ prove --format json`.
pub const PROVE_FORMAT: &str = "writ.prove/v1";

/// Runs `writ prove`.
pub fn run(args: ProveArgs) -> ExitCode {
    match prove(&args) {
        Ok(exit) => exit.into(),
        Err(fault) => fault.report(),
    }
}

fn prove(args: &ProveArgs) -> Result<Exit, Fault> {
    let start = std::time::Instant::now();
    let (plan, plan_path) = match (&args.plan, args.policy.is_empty()) {
        (Some(path), true) => (input::plan(path)?, Some(path.clone())),
        (None, false) => {
            let host =
                input::load_host(&args.policy, args.graph.as_deref()).map_err(Fault::usage)?;
            match host.plan() {
                Ok(plan) => (plan, None),
                Err(errors) => {
                    output::emit_diagnostics(&host.sources, &errors, DiagnosticFormat::Human);
                    return Err(Fault::invalid(format!(
                        "nothing proved: the policy has {}",
                        plural(errors.len(), "error")
                    )));
                }
            }
        }
        _ => {
            return Err(Fault::usage(
                "give a plan (`writ prove plan.json`) or `--policy DIR --graph FILE`",
            ));
        }
    };
    let plan_bytes = plan.to_canonical_bytes();
    let prepared = writ_runtime::Prepared::new(plan).map_err(|e| Fault::invalid(e.to_string()))?;
    let report = match args.jobs {
        Some(n) => writ_runtime::assertions::prove_with(&prepared, usize::from(n)),
        None => writ_runtime::assertions::prove(&prepared),
    }
    .map_err(Fault::invalid)?;
    let violated = report.assertions.iter().filter(|a| !a.holds()).count();
    // The plan the commands name: the one given, or the compiled one.
    let plan_shown = match (&plan_path, &args.out) {
        (Some(p), _) => input::name(p),
        (None, Some(dir)) => output::display_path(&dir.join("plan.json")),
        (None, None) => "<PLAN>".into(),
    };
    if violated > 0
        && let Some(dir) = &args.out
    {
        write_out(dir, plan_path.is_none().then_some(&plan_bytes[..]), &report)?;
    }
    let dir_shown = args
        .out
        .as_deref()
        .map_or_else(|| "<DIR>".to_string(), output::display_path);
    let sources = &prepared.plan().sources;
    match args.format {
        ReportFormat::Human => {
            for a in &report.assertions {
                print_human(a, sources, &plan_shown, &dir_shown);
            }
            println!(
                "\nprove: {} of {} violated ({}, {:.2} s)",
                violated,
                plural(report.assertions.len(), "assertion"),
                plural(report.decisions as usize, "decision"),
                start.elapsed().as_secs_f64()
            );
            if report.assertions.is_empty() {
                // nothing to say about larger changes
            } else if report.not_monotone.is_empty() {
                println!(
                    "changes to several nodes: every rule and forbid is monotone in what a change touches, so `expect requires` claims carry over (docs/prove.md)"
                );
            } else {
                println!("changes to several nodes are not covered (docs/prove.md), because:");
                for n in &report.not_monotone {
                    println!("  {n}");
                }
            }
            if violated > 0 && args.out.is_none() {
                println!("pass `--out DIR` to write the counterexamples' files for these commands");
            }
        }
        ReportFormat::Json => {
            let assertions: Vec<serde_json::Value> = report
                .assertions
                .iter()
                .map(|a| json(a, sources, &plan_shown, &dir_shown))
                .collect();
            output::print_versioned(
                PROVE_FORMAT,
                serde_json::json!({
                    "assertions": assertions,
                    "summary": {
                        "assertions": report.assertions.len(),
                        "violated": violated,
                        "decisions": report.decisions,
                        "not_monotone": report.not_monotone,
                    },
                }),
            );
        }
    }
    Ok(if violated > 0 {
        Exit::Failure
    } else {
        Exit::Ok
    })
}

/// `main::tier0` → `main--tier0`: a file name for an assertion's files.
fn stem(id: &str) -> String {
    id.replace("::", "--")
}

fn write_out(dir: &Path, plan: Option<&[u8]>, report: &Report) -> Result<(), Fault> {
    let io = |path: &Path, e: std::io::Error| {
        Fault::usage(format!("cannot write `{}`: {e}", path.display()))
    };
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    if let Some(bytes) = plan {
        let path = dir.join("plan.json");
        output::write_atomic(&path, bytes).map_err(|e| io(&path, e))?;
    }
    for a in &report.assertions {
        let Some(c) = &a.counterexample else { continue };
        let change = dir.join(format!("{}.change.json", stem(&a.id)));
        output::write_atomic(&change, c.change.to_json().as_bytes()).map_err(|e| io(&change, e))?;
        let evidence = dir.join(format!("{}.evidence.json", stem(&a.id)));
        let text = serde_json::to_string_pretty(&c.evidence).unwrap_or_default() + "\n";
        output::write_atomic(&evidence, text.as_bytes()).map_err(|e| io(&evidence, e))?;
    }
    Ok(())
}

/// The command that reproduces a counterexample's decision.
fn command(id: &str, c: &Counterexample, plan: &str, dir: &str) -> Vec<String> {
    let stem = stem(id);
    vec![
        "writ".into(),
        "eval".into(),
        "--plan".into(),
        plan.into(),
        "--change".into(),
        format!("{dir}/{stem}.change.json"),
        "--evidence-json".into(),
        format!("{dir}/{stem}.evidence.json"),
        "--now".into(),
        format_rfc3339(c.time),
        "--insecure-unsigned-plan".into(),
    ]
}

fn location(origin: &writ_plan::ir::Origin, sources: &[writ_plan::ir::Source]) -> String {
    let path = sources
        .get(origin.source as usize)
        .map_or("?", |s| s.path.as_str());
    format!("{path}:{}:{}", origin.line, origin.column)
}

fn print_human(a: &AssertionResult, sources: &[writ_plan::ir::Source], plan: &str, dir: &str) {
    let at = location(&a.origin, sources);
    match &a.counterexample {
        None => {
            let what = if a.changes == 0 {
                "holds vacuously: no change is about it".to_string()
            } else {
                format!("holds ({})", plural(a.changes as usize, "change"))
            };
            println!("assert {} ... {what}  ({at})", a.id);
        }
        Some(c) => {
            println!("assert {} ... VIOLATED  ({at})", a.id);
            if !a.message.is_empty() {
                println!("  {}", a.message);
            }
            println!(
                "  claim: expect {}",
                c.claim_text.trim_start_matches("expect ")
            );
            let author = c.author_text();
            let labels = c.labels_text();
            println!(
                "  counterexample: {author} modifies `{}` (node `{}`{}) at {}, {labels}, {}",
                c.file,
                c.touched,
                if c.node == c.touched {
                    String::new()
                } else {
                    format!(", which reaches `{}`", c.node)
                },
                format_rfc3339(c.time),
                if c.emergency {
                    "flagged as an emergency"
                } else {
                    "not an emergency"
                },
            );
            println!("  decision: {}: {}", c.outcome.as_str(), c.why);
            println!("  reproduce:");
            println!("    {}", command(&a.id, c, plan, dir).join(" "));
        }
    }
    for n in &a.not_covered {
        println!("  not covered: {n}");
    }
}

fn json(
    a: &AssertionResult,
    sources: &[writ_plan::ir::Source],
    plan: &str,
    dir: &str,
) -> serde_json::Value {
    let source = sources.get(a.origin.source as usize);
    serde_json::json!({
        "id": a.id,
        "message": a.message,
        "file": source.map(|s| s.path.as_str()),
        "line": a.origin.line,
        "column": a.origin.column,
        "holds": a.holds(),
        "changes": a.changes,
        "not_covered": a.not_covered,
        "counterexample": a.counterexample.as_ref().map(|c| serde_json::json!({
            "claim": c.claim,
            "claim_text": c.claim_text,
            "node": c.node,
            "touched": c.touched,
            "file": c.file,
            "author": c.author,
            "author_class": c.author_class,
            "emergency": c.emergency,
            "labels": c.labels,
            "time": format_rfc3339(c.time),
            "outcome": c.outcome.as_str(),
            "why": c.why,
            "change": serde_json::from_str::<serde_json::Value>(&c.change.to_json()).unwrap_or_default(),
            "evidence": c.evidence,
            "command": command(&a.id, c, plan, dir),
        })),
    })
}

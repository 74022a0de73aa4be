//! `writ diff`: what a policy edit changes, for every node and author
//! class, before it lands.
//!
//! The comparison is `writ_runtime::diff` (on the change space,
//! `writ_runtime::space`); this file owns the command line (two plans, or
//! two policy folders compiled against one graph) and the three renderings
//! (human, `writ.diff/v1` JSON, Markdown for a pull-request comment).

use super::Exit;
use super::input::{self, Fault};
use super::output::{self, AnalysisFormat, DiagnosticFormat, md_cell};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use writ_runtime::Prepared;
use writ_runtime::delta::{Delta, forbid_status};
use writ_runtime::diff::{CellChange, PlanDiff, Tally, best_outcome_words};
use writ_runtime::proof::Status;

/// Compare two policies: the obligations, forbids and decisions that change.
///
/// OLD and NEW are two plans (from `writ plan`), or, with --graph, two
/// policy folders (or files) compiled against that graph. The plans must
/// embed the same graph. For every node, every author class either policy
/// can tell apart (owner, member of a team a policy names, outsider, agent,
/// unknown author, …) and every decision time either policy's windows
/// distinguish, a synthetic change touching that node alone is decided under
/// both with the strongest evidence each allows (every check passes,
/// everyone who may approve approves). Reported per node and author class:
/// obligations added and removed (and whether they can be met), forbids
/// that start or stop applying, rules that start or stop firing, and
/// decisions that flip (`can be allowed → denied`, `blocked → can be
/// allowed`, …), then summarised per node and per owner. The synthetic
/// changes carry no label and are not emergencies unless --label and
/// --emergency say so; changes touching several nodes are not compared
/// (docs/analysis.md). Plans' signatures are not checked: nothing
/// is decided for real.
///
/// Exit status: 0 no decision flips (obligations may still change), 1 a
/// decision flips (for CI gating), or a policy does not compile, or the
/// plans embed different graphs; 2 usage, or a file that cannot be read.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  writ diff old-plan.json new-plan.json
  writ diff --graph graph.json policies-main/ policies/
  writ diff --graph graph.json policies-main/ policies/ --format markdown > comment.md
  writ diff old-plan.json new-plan.json --format json")]
pub struct DiffArgs {
    /// The policy before: a plan, or with --graph a policy folder or file.
    #[arg(value_name = "OLD")]
    old: PathBuf,
    /// The policy after: a plan, or with --graph a policy folder or file.
    #[arg(value_name = "NEW")]
    new: PathBuf,
    /// Compile OLD and NEW as policies against this system graph.
    #[arg(long, value_name = "FILE")]
    graph: Option<PathBuf>,
    /// A label every synthetic change carries (repeatable; default none):
    /// compare the policies for changes labelled so.
    #[arg(long = "label", value_name = "LABEL")]
    labels: Vec<String>,
    /// Flag every synthetic change as an emergency.
    #[arg(long)]
    emergency: bool,
    /// Output format (`json`: one `writ.diff/v1` document, docs/cli.md;
    /// `markdown`: a pull-request comment).
    #[arg(long, value_enum, default_value_t = AnalysisFormat::Human)]
    format: AnalysisFormat,
}

/// The `format` field of `writ diff --format json`.
pub const DIFF_FORMAT: &str = "writ.diff/v1";

/// Runs `writ diff`.
pub fn run(args: DiffArgs) -> ExitCode {
    let sides = match (
        load(&args.old, args.graph.as_deref()),
        load(&args.new, args.graph.as_deref()),
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(f), _) | (_, Err(f)) => return f.report(),
    };
    let (old, new) = sides;
    let mut labels = args.labels.clone();
    labels.sort();
    labels.dedup();
    let options = writ_runtime::diff::Options {
        labels,
        emergency: args.emergency,
    };
    let diff = match writ_runtime::diff::diff(&old, &new, &options) {
        Ok(d) => d,
        Err(e) => return Fault::invalid(e.to_string()).report(),
    };
    let names = Names {
        old: (output::display_path(&args.old), old.digest().to_string()),
        new: (output::display_path(&args.new), new.digest().to_string()),
    };
    match args.format {
        AnalysisFormat::Human => print!("{}", human(&names, &diff)),
        AnalysisFormat::Markdown => print!("{}", markdown(&names, &diff)),
        AnalysisFormat::Json => output::print_versioned(DIFF_FORMAT, json(&names, &options, &diff)),
    }
    if diff.flipped() {
        Exit::Failure
    } else {
        Exit::Ok
    }
    .into()
}

/// How the two sides are named: (path as given, plan digest).
struct Names {
    old: (String, String),
    new: (String, String),
}

/// A side: a plan file, or policies compiled against `graph`.
fn load(path: &Path, graph: Option<&Path>) -> Result<Prepared, Fault> {
    let Some(graph) = graph else {
        return super::eval::load_plan(path, false);
    };
    let host = input::load_host(&[path.to_path_buf()], Some(graph)).map_err(Fault::usage)?;
    let plan = host.plan().map_err(|errors| {
        output::emit_diagnostics(&host.sources, &errors, DiagnosticFormat::Human);
        Fault::invalid(format!(
            "`{}` does not compile: {}",
            output::display_path(path),
            super::plural(errors.len(), "error")
        ))
    })?;
    Prepared::new(plan).map_err(|e| Fault::invalid(e.to_string()))
}

fn time(t: i64) -> String {
    writ_runtime::time::format_rfc3339(t)
}

/// When a cell's difference holds, as time regions: each decision time
/// tried stands for the region up to the next one (docs/analysis.md), so a
/// run of consecutive times reads `before B`, `from A until B` (B
/// excluded) or `from A on`; nothing when at every time tried.
fn when(c: &CellChange, times: &[i64]) -> String {
    let Some(at) = &c.at else {
        return String::new();
    };
    // Runs of consecutive indices into `times`.
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for t in at {
        let Some(i) = times.iter().position(|x| x == t) else {
            continue;
        };
        match runs.last_mut() {
            Some(run) if i == run.1 + 1 => run.1 = i,
            _ => runs.push((i, i)),
        }
    }
    let runs: Vec<String> = runs
        .iter()
        .map(|&(a, b)| match (a == 0, times.get(b + 1)) {
            (true, Some(end)) => format!("before {}", time(*end)),
            (false, Some(end)) => format!("from {} until {}", time(times[a]), time(*end)),
            (false, None) => format!("from {} on", time(times[a])),
            (true, None) => "at any time".to_string(),
        })
        .collect();
    format!(" {}", runs.join(", "))
}

fn authors(c: &CellChange) -> String {
    c.authors
        .iter()
        .map(|a| a.class.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

fn can(status: Status) -> &'static str {
    match status {
        Status::Satisfied => "can be met",
        Status::Missing => "nobody can meet it",
        Status::Failed => "fails",
    }
}

/// The lines of one cell's delta, `+` for what NEW adds and `-` for what it drops.
fn lines(d: &Delta) -> Vec<String> {
    let mut out = Vec::new();
    for f in &d.forbids_started {
        out.push(format!(
            "+ forbid `{}` applies ({}): {}",
            f.id,
            forbid_status(f.status),
            f.message
        ));
    }
    for f in &d.forbids_stopped {
        out.push(format!("- forbid `{}` no longer applies", f.id));
    }
    for o in &d.obligations_added {
        out.push(format!(
            "+ obligation {} ({}), imposed by {}",
            o.id,
            can(o.status),
            o.imposed_by.join(", ")
        ));
    }
    for o in &d.obligations_removed {
        out.push(format!(
            "- obligation {} (imposed by {})",
            o.id,
            o.imposed_by.join(", ")
        ));
    }
    for r in &d.rules_fired {
        out.push(format!("+ rule `{r}` fires"));
    }
    for r in &d.rules_stopped {
        out.push(format!("- rule `{r}` no longer fires"));
    }
    if out.is_empty() {
        // Only the reasons differ (e.g. an obligation's status).
        out.extend(d.reasons_added.iter().map(|r| format!("+ {r}")));
        out.extend(d.reasons_removed.iter().map(|r| format!("- {r}")));
    }
    out
}

fn outcome_line(d: &Delta) -> String {
    if d.flipped() {
        format!(
            "{} → {}",
            best_outcome_words(d.before),
            best_outcome_words(d.after)
        )
    } else {
        format!("still {}", best_outcome_words(d.after))
    }
}

fn headline(diff: &PlanDiff) -> String {
    let flipped = diff.flipped_cells();
    if diff.changes.is_empty() {
        return format!(
            "no difference: {} under each plan ({} × author classes × {})",
            super::plural(diff.cells, "decision"),
            super::plural(diff.nodes, "node"),
            super::plural(diff.times.len(), "decision time")
        );
    }
    format!(
        "{} differ, {} flip, in {} under each plan ({} × author classes × {})",
        plural_cells(diff.changed()),
        flipped,
        super::plural(diff.cells, "decision"),
        super::plural(diff.nodes, "node"),
        super::plural(diff.times.len(), "decision time")
    )
}

/// "1 cell (node × author class)", "3 cells (…)".
fn plural_cells(n: usize) -> String {
    format!("{} (node × author class × times)", super::plural(n, "cell"))
}

fn tally_text(t: &Tally) -> String {
    format!(
        "{} changed, {} flipped, obligations +{}/-{}, forbids +{}/-{}",
        t.changed,
        t.flipped,
        t.obligations_added,
        t.obligations_removed,
        t.forbids_started,
        t.forbids_stopped
    )
}

fn human(names: &Names, diff: &PlanDiff) -> String {
    let mut out = format!(
        "writ diff {} ({}) → {} ({})\n{}\n",
        names.old.0,
        names.old.1,
        names.new.0,
        names.new.1,
        headline(diff)
    );
    let mut node = "";
    for c in &diff.changes {
        if c.node != node {
            node = &c.node;
            out.push_str(&format!(
                "\n{} ({}, owners: {})\n",
                c.node,
                c.kind,
                c.owners.join(", ")
            ));
        }
        out.push_str(&format!(
            "  {}{}: {}\n",
            authors(c),
            when(c, &diff.times),
            outcome_line(&c.delta)
        ));
        for l in lines(&c.delta) {
            out.push_str(&format!("    {l}\n"));
        }
    }
    if !diff.changes.is_empty() {
        out.push_str("\nby node:\n");
        for ((id, kind), t) in diff.by_node() {
            out.push_str(&format!("  {id} ({kind}): {}\n", tally_text(&t)));
        }
        out.push_str("\nby owner:\n");
        for (owner, t) in diff.by_owner() {
            out.push_str(&format!("  {owner}: {}\n", tally_text(&t)));
        }
    }
    if !diff.uncovered.is_empty() {
        out.push_str(&format!(
            "\nnot compared (no file touches them alone): {}\n",
            diff.uncovered.join(", ")
        ));
    }
    out
}

fn markdown(names: &Names, diff: &PlanDiff) -> String {
    let mut out = format!(
        "### writ diff: {}\n\n`{}` (`{}`) → `{}` (`{}`)\n\n",
        headline(diff),
        md_cell(&names.old.0),
        names.old.1,
        md_cell(&names.new.0),
        names.new.1
    );
    if diff.changes.is_empty() {
        out.push_str("This edit changes no decision, obligation or forbid.\n");
    } else {
        out.push_str(
            "| owner | changed | flipped | obligations | forbids |\n|---|---|---|---|---|\n",
        );
        for (owner, t) in diff.by_owner() {
            out.push_str(&format!(
                "| `{}` | {} | {} | +{} / −{} | +{} / −{} |\n",
                md_cell(&owner),
                t.changed,
                t.flipped,
                t.obligations_added,
                t.obligations_removed,
                t.forbids_started,
                t.forbids_stopped
            ));
        }
        out.push_str("\n| node | author | decision | what changes |\n|---|---|---|---|\n");
        for c in &diff.changes {
            let decision = if c.delta.flipped() {
                format!("**{}**", outcome_line(&c.delta))
            } else {
                outcome_line(&c.delta)
            };
            out.push_str(&format!(
                "| `{}` ({}) | {}{} | {} | {} |\n",
                md_cell(&c.node),
                md_cell(&c.kind),
                md_cell(&authors(c)),
                md_cell(&when(c, &diff.times)),
                decision,
                lines(&c.delta)
                    .iter()
                    .map(|l| md_cell(l))
                    .collect::<Vec<_>>()
                    .join("<br>")
            ));
        }
    }
    if !diff.uncovered.is_empty() {
        out.push_str(&format!(
            "\nNot compared (no file touches them alone): {}\n",
            diff.uncovered
                .iter()
                .map(|n| format!("`{}`", md_cell(n)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    out
}

fn json(names: &Names, options: &writ_runtime::diff::Options, diff: &PlanDiff) -> Value {
    json!({
        "old": {"source": names.old.0, "digest": names.old.1},
        "new": {"source": names.new.0, "digest": names.new.1},
        "scenario": {
            "labels": options.labels,
            "emergency": options.emergency,
            "times": diff.times.iter().map(|t| time(*t)).collect::<Vec<_>>(),
        },
        "nodes": diff.nodes,
        "decisions": diff.cells,
        "changes": diff.changes.iter().map(|c| json!({
            "node": c.node,
            "kind": c.kind,
            "owners": c.owners,
            "authors": c.authors,
            "at": c.at.as_ref().map(|at| at.iter().map(|t| time(*t)).collect::<Vec<_>>()),
            "old": c.delta.before,
            "new": c.delta.after,
            "flipped": c.delta.flipped(),
            "delta": c.delta,
        })).collect::<Vec<_>>(),
        "summary": {
            "changed": diff.changed(),
            "flipped": diff.flipped_cells(),
            "flips": diff.flips(),
            "by_node": diff.by_node().into_iter().map(|((id, kind), t)| json!({
                "node": id, "kind": kind, "tally": t,
            })).collect::<Vec<_>>(),
            "by_owner": diff.by_owner().into_iter().map(|(owner, t)| json!({
                "owner": owner, "tally": t,
            })).collect::<Vec<_>>(),
        },
        "uncovered": diff.uncovered,
    })
}

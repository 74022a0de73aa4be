//! `writ change`: build a change file from git.

use crate::cli::output::{DiagnosticFormat, emit_diagnostics, usage_error, write_atomic};
use crate::cli::{EXIT_FAILURE, EXIT_USAGE};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use writ_diagnostics::SourceMap;
use writ_graph::change::{GitOptions, from_git};

/// Describe a change (a range of git commits) as a change file: its files
/// with their status (renames detected), its author (human or agent, matched
/// to a person of the graph), labels, the emergency flag and a digest that
/// approvals are bound to. Format: docs/change.md.
///
/// RANGE is BASE..HEAD (the diff from BASE to HEAD) or BASE...HEAD (the diff
/// from their merge base, as a pull request shows it).
#[derive(Debug, Args)]
#[command(after_long_help = "\
Examples:
  writ change main...HEAD --graph graph.json -o change.json
  writ change HEAD~1..HEAD --label hotfix --emergency
  writ change origin/main...HEAD --uploader ana --id PR-42 -o change.json")]
pub struct ChangeArgs {
    /// The revision range, e.g. `main...feature` or `HEAD~3..HEAD`.
    range: String,
    /// The git repository (default: the current directory).
    #[arg(long, default_value = ".")]
    repo: PathBuf,
    /// The graph whose people commit authors are resolved to (`-`: standard input).
    #[arg(long)]
    graph: Option<PathBuf>,
    /// The change id (default: BASE..HEAD abbreviated).
    #[arg(long)]
    id: Option<String>,
    /// A label (repeat for several).
    #[arg(long = "label")]
    labels: Vec<String>,
    /// Mark the change as an emergency (break-glass) change.
    #[arg(long)]
    emergency: bool,
    /// Who uploaded (pushed) the change: a person id of the graph, or
    /// `Name <email>` (repeatable). Uploaders count as contributors, so they
    /// never approve the change.
    #[arg(long = "uploader", value_name = "PERSON")]
    uploaders: Vec<String>,
    /// Write the change to this file instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value = "human")]
    format: DiagnosticFormat,
}

/// Runs `writ change`.
pub fn run(args: ChangeArgs) -> ExitCode {
    let mut map = SourceMap::new();
    let graph = match &args.graph {
        Some(path) => {
            let (g, diags) = match crate::cli::input::load_graph(&mut map, path) {
                Ok(loaded) => loaded,
                Err(fault) => return fault.report(),
            };
            if g.is_none() {
                emit_diagnostics(&map, &diags, args.format);
                return ExitCode::from(EXIT_FAILURE);
            }
            g
        }
        None => None,
    };
    let opts = GitOptions {
        repo: &args.repo,
        range: &args.range,
        graph: graph.as_ref(),
        id: args.id.clone(),
        labels: args.labels.clone(),
        emergency: args.emergency,
        uploaders: args.uploaders.clone(),
    };
    let (change, diags) = from_git(&mut map, &opts);
    if !diags.is_empty() {
        emit_diagnostics(&map, &diags, args.format);
    }
    let Some(change) = change else {
        return ExitCode::from(EXIT_USAGE);
    };
    let text = change.to_json();
    match &args.output {
        Some(path) => {
            if let Err(e) = write_atomic(path, text.as_bytes()) {
                usage_error(format!("cannot write `{}`: {e}", path.display()));
                return ExitCode::from(EXIT_USAGE);
            }
        }
        None => print!("{text}"),
    }
    ExitCode::SUCCESS
}

//! `writ check`: parse and check policy files, report diagnostics.

use super::output::{self, DiagnosticFormat};
use super::{EXIT_FAILURE, EXIT_USAGE, plural};
use std::path::PathBuf;
use std::process::ExitCode;

/// Check policy files for errors and report every problem found.
///
/// Reads every `*.writ` file under the given paths (a folder is a policy root:
/// `teams/payments.writ` below it is the module `teams::payments`) and reports
/// syntax, name and type problems with their stable codes. With `--graph`,
/// every node, kind, tag, attribute, team, person, check and edge kind is
/// also checked against the system graph.
///
/// Exit status: 0 no errors (warnings allowed), 1 errors found (or warnings
/// with --deny-warnings), 2 usage or I/O error.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  writ check policies/
  writ check --graph graph.json policies/
  writ check --format sarif policies/ > writ.sarif")]
pub struct CheckArgs {
    /// Policy files or folders to check (`-`: one policy on standard input).
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// The system graph to check names against (see docs/graph.md; `-`: standard input).
    #[arg(long, value_name = "FILE")]
    graph: Option<PathBuf>,
    /// Output format for diagnostics.
    #[arg(long, value_enum, default_value_t = DiagnosticFormat::Human)]
    format: DiagnosticFormat,
    /// Treat warnings as errors (exit 1 when any warning is reported).
    #[arg(long)]
    deny_warnings: bool,
}

/// Runs `writ check`.
pub fn run(args: CheckArgs) -> ExitCode {
    let host = match super::input::load_host(&args.paths, args.graph.as_deref()) {
        Ok(host) => host,
        Err(message) => {
            output::usage_error(message);
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let diagnostics = host.diagnostics();
    output::emit_diagnostics(&host.sources, &diagnostics, args.format);
    let (errors, warnings) = writ_diagnostics::count(&diagnostics);
    let checked = host
        .files()
        .iter()
        .filter(|f| !f.path(&host.db).starts_with("<std>"))
        .count();
    if args.format == DiagnosticFormat::Human {
        eprintln!(
            "checked {}{}: {}, {}",
            plural(checked, "file"),
            if args.graph.is_some() {
                " against the graph"
            } else {
                ""
            },
            plural(errors, "error"),
            plural(warnings, "warning")
        );
    }
    if errors > 0 || (args.deny_warnings && warnings > 0) {
        ExitCode::from(EXIT_FAILURE)
    } else {
        ExitCode::SUCCESS
    }
}

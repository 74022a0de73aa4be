//! `writ check`: parse and check policy files, report diagnostics.

use super::output::{self, DiagnosticFormat};
use super::{EXIT_FAILURE, EXIT_USAGE};
use std::path::PathBuf;
use std::process::ExitCode;
use writ_diagnostics::{Severity, SourceMap};

/// Check policy files for errors and report every problem found.
///
/// Reads every `*.writ` file under the given paths (folders are searched
/// recursively) and reports syntax and structure problems with their stable
/// codes. Exit status: 0 no errors (warnings allowed), 1 errors found,
/// 2 usage or I/O error.
///
/// Examples:
///   writ check policies/
///   writ check --format sarif policies/ > writ.sarif
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Policy files or folders to check.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Output format for diagnostics.
    #[arg(long, value_enum, default_value_t = DiagnosticFormat::Human)]
    format: DiagnosticFormat,
    /// Treat warnings as errors (exit 1 when any warning is reported).
    #[arg(long)]
    deny_warnings: bool,
}

/// Runs `writ check`.
pub fn run(args: CheckArgs) -> ExitCode {
    let paths = match output::policy_files(&args.paths) {
        Ok(paths) => paths,
        Err(message) => {
            output::usage_error(message);
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let mut files = SourceMap::new();
    let mut diagnostics = Vec::new();
    for path in &paths {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) => {
                output::usage_error(format!("cannot read `{}`: {e}", path.display()));
                return ExitCode::from(EXIT_USAGE);
            }
        };
        let id = files.add(output::display_path(path), text);
        diagnostics.extend(writ_syntax::parse(id, files.get(id).text()).diagnostics);
    }
    writ_diagnostics::sort(&mut diagnostics);
    output::emit_diagnostics(&files, &diagnostics, args.format);
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .count();
    if args.format == DiagnosticFormat::Human {
        eprintln!(
            "checked {} file{}: {errors} error{}, {warnings} warning{}",
            paths.len(),
            plural(paths.len()),
            plural(errors),
            plural(warnings)
        );
    }
    if errors > 0 || (args.deny_warnings && warnings > 0) {
        ExitCode::from(EXIT_FAILURE)
    } else {
        ExitCode::SUCCESS
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

//! `writ fmt`: format policy files in the canonical layout.

use super::output::{self, DiagnosticFormat};
use super::{EXIT_FAILURE, EXIT_USAGE};
use std::path::PathBuf;
use std::process::ExitCode;
use writ_diagnostics::SourceMap;

/// Format policy files in writ's canonical layout.
///
/// Rewrites each `*.writ` file under the given paths in place (atomically).
/// Clauses longer than the width (100 columns unless --width says otherwise)
/// wrap before each `or`/`and`, and call arguments and lists go one per line.
/// Comments are kept; formatting twice changes nothing. Files with syntax
/// errors are left untouched and their errors reported.
///
/// Exit status: 0 done (or, with --check, nothing to change), 1 some file
/// would change (--check) or has syntax errors, 2 usage or I/O error.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  writ fmt policies/
  writ fmt --check policies/      # in CI or a pre-commit hook
  writ fmt --stdin < a.writ       # for editors
  writ fmt --width 80 policies/   # wrap at 80 columns")]
pub struct FmtArgs {
    /// Policy files or folders to format.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Change nothing; list the files that would change and exit 1 if any.
    #[arg(long)]
    check: bool,
    /// Read one policy from stdin and write the formatted text to stdout.
    #[arg(long, conflicts_with_all = ["check"])]
    stdin: bool,
    /// The column clauses wrap at (the language server uses the default).
    #[arg(long, value_name = "COLUMNS", default_value_t = writ_syntax::format::DEFAULT_WIDTH)]
    width: usize,
}

/// Runs `writ fmt`.
pub fn run(args: FmtArgs) -> ExitCode {
    let options = writ_syntax::format::Options { width: args.width };
    if args.stdin {
        let text = match writ_diagnostics::limits::read_text_from(
            std::io::stdin(),
            writ_diagnostics::limits::Input::Policy,
        ) {
            Ok(text) => text,
            Err(e) => {
                output::usage_error(format!("cannot read stdin: {e}"));
                return ExitCode::from(EXIT_USAGE);
            }
        };
        return match writ_syntax::format::format_with(&text, options) {
            Ok(formatted) => {
                print!("{formatted}");
                ExitCode::SUCCESS
            }
            Err(diagnostics) => {
                let mut files = SourceMap::new();
                files.add("<stdin>", text);
                output::emit_diagnostics(&files, &diagnostics, DiagnosticFormat::Human);
                ExitCode::from(EXIT_FAILURE)
            }
        };
    }
    let paths = match super::input::policy_files(&args.paths) {
        Ok(paths) => paths,
        Err(message) => {
            output::usage_error(message);
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let mut failed = false;
    let mut changed = 0;
    for path in &paths {
        let text = match writ_diagnostics::limits::read_text(
            path,
            writ_diagnostics::limits::Input::Policy,
        ) {
            Ok(text) => text,
            Err(e) => {
                output::usage_error(format!("cannot read `{}`: {e}", path.display()));
                return ExitCode::from(EXIT_USAGE);
            }
        };
        let formatted = match writ_syntax::format::format_with(&text, options) {
            Ok(formatted) => formatted,
            Err(diagnostics) => {
                let mut files = SourceMap::new();
                files.add(output::display_path(path), text);
                output::emit_diagnostics(&files, &diagnostics, DiagnosticFormat::Human);
                eprintln!(
                    "not formatted: {} has syntax errors",
                    output::display_path(path)
                );
                failed = true;
                continue;
            }
        };
        if formatted == text {
            continue;
        }
        changed += 1;
        if args.check {
            println!("{}", output::display_path(path));
            failed = true;
        } else if let Err(e) = output::write_atomic(path, formatted.as_bytes()) {
            output::usage_error(format!("cannot write `{}`: {e}", path.display()));
            return ExitCode::from(EXIT_USAGE);
        }
    }
    if args.check && changed > 0 {
        eprintln!(
            "{changed} file{} would be reformatted",
            if changed == 1 { "" } else { "s" }
        );
    }
    if failed {
        ExitCode::from(EXIT_FAILURE)
    } else {
        ExitCode::SUCCESS
    }
}

//! `writ lsp`: the language server, over stdio.

use super::EXIT_USAGE;
use std::path::PathBuf;
use std::process::ExitCode;

/// Run the language server (LSP over stdin/stdout), for editors.
///
/// Diagnostics as you type, hover, completion, go to definition, references,
/// rename, symbols, folding, semantic tokens, formatting, "did you mean"
/// fixes and code lenses, on the same analysis as `writ check`.
///
/// Every `*.writ` file under the workspace folder is loaded (module names are
/// paths below it). The system graph comes from, first found: `--graph FILE`;
/// the initialization option `{ "graph": "path" }` (relative to the workspace
/// folder; the VS Code extension's `writ.graph` setting); `graph.json` at the
/// workspace folder. The graph file is watched: editing it re-checks policies.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  writ lsp
  writ lsp --graph systems/graph.json")]
pub struct LspArgs {
    /// The system graph to check policies against.
    #[arg(long, value_name = "FILE")]
    graph: Option<PathBuf>,
    /// Accepted for editors that pass it; stdio is the only transport.
    #[arg(long, hide = true)]
    stdio: bool,
}

/// Runs `writ lsp` until the client sends `exit`.
pub fn run(args: LspArgs) -> ExitCode {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        eprintln!(
            "writ lsp: the language server speaks LSP on stdin/stdout and is started by an \
             editor (docs/lsp.md); it now waits for a client. Press Ctrl-D or Ctrl-C to leave."
        );
    }
    let options = writ_lsp::Options {
        graph: args.graph,
        ..Default::default()
    };
    match writ_lsp::run_stdio(options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot start the language server: {e}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

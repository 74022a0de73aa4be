//! `writ explain`: render a proof for people.

use super::EXIT_USAGE;
use super::eval::ProofFormat;
use super::output;
use std::path::PathBuf;
use std::process::ExitCode;

/// Explain a decision: render a proof (from `writ eval --proof` or
/// `--format json`) for people.
///
/// Prints a summary line and the reasons, then for each rule that fired its
/// source with the bound nodes labelled, each instance's witness path (file →
/// touched node → edges → reached node) and the status of its obligations
/// (✓ satisfied, ✗ failed, … missing), then each forbid and why it did or did
/// not apply, and any rejected evidence. `--format markdown` renders a
/// pull-request comment. The proof quotes every item it cites, so no plan is
/// needed.
///
/// Exit status: 0 rendered, 2 the proof could not be read.
///
/// Examples:
///   writ explain proof.json
///   writ explain proof.json --format markdown > comment.md
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The proof file (`-` for standard input).
    proof: PathBuf,
    /// Output format (`json` re-prints the proof canonically).
    #[arg(long, value_enum, default_value_t = ProofFormat::Human)]
    format: ProofFormat,
}

/// Runs `writ explain`.
pub fn run(args: ExplainArgs) -> ExitCode {
    let text = if args.proof.as_os_str() == "-" {
        match writ_diagnostics::limits::read_text_from(
            std::io::stdin(),
            writ_diagnostics::limits::Input::Evidence,
        ) {
            Ok(s) => s,
            Err(e) => {
                output::usage_error(format!("cannot read standard input: {e}"));
                return ExitCode::from(EXIT_USAGE);
            }
        }
    } else {
        match writ_diagnostics::limits::read_text(
            &args.proof,
            writ_diagnostics::limits::Input::Evidence,
        ) {
            Ok(t) => t,
            Err(e) => {
                output::usage_error(format!("cannot read `{}`: {e}", args.proof.display()));
                return ExitCode::from(EXIT_USAGE);
            }
        }
    };
    // The format first, so a proof of another version gets a clear error
    // rather than a missing-field one.
    let format = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("format").and_then(|f| f.as_str()).map(str::to_string));
    if let Some(format) = format
        && format != writ_runtime::proof::PROOF_FORMAT
    {
        output::usage_error(format!(
            "proof format `{format}` is not supported (this writ reads `{}`; make the proof \
             again with `writ eval --format json`)",
            writ_runtime::proof::PROOF_FORMAT
        ));
        return ExitCode::from(EXIT_USAGE);
    }
    let proof: writ_runtime::Proof = match serde_json::from_str(&text) {
        Ok(p) => p,
        Err(e) => {
            output::usage_error(format!(
                "`{}` is not a writ proof: {e}",
                args.proof.display()
            ));
            return ExitCode::from(EXIT_USAGE);
        }
    };
    if proof.format != writ_runtime::proof::PROOF_FORMAT {
        output::usage_error(format!(
            "proof format `{}` is not supported (this writ reads `{}`)",
            proof.format,
            writ_runtime::proof::PROOF_FORMAT
        ));
        return ExitCode::from(EXIT_USAGE);
    }
    match args.format {
        ProofFormat::Human => print!("{}", writ_runtime::explain::human(&proof)),
        ProofFormat::Markdown => print!("{}", writ_runtime::explain::markdown(&proof)),
        ProofFormat::Json => print!("{}", writ_runtime::proof_json(&proof)),
    }
    ExitCode::SUCCESS
}

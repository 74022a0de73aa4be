//! `writ explain`: render a proof for people.

use super::input::{self, Fault};
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
/// pull-request comment; `--format html` one self-contained page (the
/// decision section of `writ report`, with the graph neighbourhood drawn,
/// marked as not verified: a proof file carries no signature). The proof
/// quotes every item it cites, so no plan is needed. A proof of the
/// previous format (`writ.proof/v3`) is read as the current one.
///
/// Exit status: 0 rendered, 1 not a proof (or of another format), 2 the
/// proof could not be read.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  writ explain proof.json
  writ explain proof.json --format markdown > comment.md
  writ explain proof.json --format html > decision.html")]
pub struct ExplainArgs {
    /// The proof file (`-` for standard input).
    proof: PathBuf,
    /// Output format (`json` re-prints the proof canonically).
    #[arg(long, value_enum, default_value_t = ExplainFormat::Human)]
    format: ExplainFormat,
}

/// How `writ explain` renders a proof.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExplainFormat {
    /// Summary, reasons, rule snippets with witness paths and obligation marks.
    Human,
    /// The proof (docs/proof.md), re-printed canonically.
    Json,
    /// Markdown for a pull-request comment.
    Markdown,
    /// One self-contained HTML page (docs/report.md).
    Html,
}

/// Runs `writ explain`.
pub fn run(args: ExplainArgs) -> ExitCode {
    let text = match input::read_text(&args.proof, writ_diagnostics::limits::Input::Evidence) {
        Ok(text) => text,
        Err(fault) => return fault.report(),
    };
    // The format first, so a proof of another version gets a clear error
    // rather than a missing-field one.
    // A proof of the previous format (`writ.proof/v3`) is read as the
    // current one: only how it names instances differs.
    let mut value = serde_json::from_str::<serde_json::Value>(&text).ok();
    let format =
        (value.as_ref()).and_then(|v| v.get("format").and_then(|f| f.as_str()).map(str::to_string));
    let upgraded = match (format, value.as_mut()) {
        (Some(f), Some(v)) if f == writ_runtime::proof::PROOF_FORMAT_V3 => {
            if let Err(e) = writ_runtime::proof::upgrade_v3(v) {
                return Fault::invalid(format!(
                    "`{}` is not a writ proof ({f}): {e}",
                    input::name(&args.proof)
                ))
                .report();
            }
            true
        }
        (Some(f), _) if f != writ_runtime::proof::PROOF_FORMAT => {
            return Fault::invalid(format!(
                "proof format `{f}` is not supported (this writ reads `{}` and `{}`; make the \
                 proof again with `writ eval --format json`)",
                writ_runtime::proof::PROOF_FORMAT,
                writ_runtime::proof::PROOF_FORMAT_V3
            ))
            .report();
        }
        _ => false,
    };
    let read = match (upgraded, value) {
        (true, Some(v)) => serde_json::from_value(v),
        _ => serde_json::from_str(&text),
    };
    let proof: writ_runtime::Proof = match read {
        Ok(p) => p,
        Err(e) => {
            return Fault::invalid(format!(
                "`{}` is not a writ proof: {e}",
                input::name(&args.proof)
            ))
            .report();
        }
    };
    // A proof without a string `format` field does not deserialise, so the
    // check above saw every proof that reaches here.
    match args.format {
        ExplainFormat::Human => print!("{}", writ_runtime::explain::human(&proof)),
        ExplainFormat::Markdown => print!("{}", writ_runtime::explain::markdown(&proof)),
        ExplainFormat::Json => print!("{}", writ_runtime::proof_json(&proof)),
        ExplainFormat::Html => print!(
            "{}",
            writ_report::explain(&proof, &input::name(&args.proof), writ_report::DOCS_URL)
        ),
    }
    ExitCode::SUCCESS
}

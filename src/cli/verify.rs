//! `writ verify`: check a signed evidence bundle.

use super::{EXIT_FAILURE, EXIT_USAGE};
use std::path::PathBuf;
use std::process::ExitCode;
use writ_evidence::bundle::{self, PlanContext};
use writ_evidence::context;

/// Verify a signed evidence bundle (DSSE envelope with an in-toto statement).
///
/// Checks the envelope's signature against the trusted keys (any one
/// suffices; key ids are ignored), the payload type and the statement and
/// predicate types inside the signed bytes, the subject against the change
/// digest, the plan digest (against --plan when given), and every approval
/// inside: its own signature (against the person's keys in the plan's graph
/// with --plan, else the key it records) and its binding to this change and
/// plan. Prints VALID or INVALID. Exit status: 0 valid, 1 invalid (a missing
/// or unreadable bundle is invalid), 2 unreadable trusted keys or plan.
///
/// Examples:
///   writ verify evidence/bundles/PR-42-1767225600-3f2a….intoto.json --trust runners.keys
///   writ verify bundle.json --trust runners.keys --plan plan.json
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The bundle file.
    bundle: PathBuf,
    /// Trusted runner keys: one `ed25519:<base64>` per line (an optional name before it; `#` comments).
    #[arg(long, value_name = "KEYS")]
    trust: PathBuf,
    /// The plan the decision must have been made under.
    #[arg(long, value_name = "FILE")]
    plan: Option<PathBuf>,
}

/// Runs `writ verify`.
pub fn run(args: VerifyArgs) -> ExitCode {
    let trusted = match writ_evidence::keys::read_trusted_keys(&args.trust) {
        Ok(keys) => keys,
        Err(e) => {
            eprintln!("error: trusted keys: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let plan = match &args.plan {
        None => None,
        Some(path) => match context::load_plan(path).and_then(|p| {
            let g = context::plan_graph(&p, path)?;
            Ok((p.digest(), g))
        }) {
            Ok(pg) => Some(pg),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(EXIT_USAGE);
            }
        },
    };
    let invalid = |why: String| {
        eprintln!("error: {}: {why}", args.bundle.display());
        println!("INVALID");
        ExitCode::from(EXIT_FAILURE)
    };
    let bytes =
        match writ_diagnostics::limits::read(&args.bundle, writ_diagnostics::limits::Input::Bundle)
        {
            Ok(b) => b,
            Err(e) => return invalid(format!("cannot read the bundle: {e}")),
        };
    let ctx = plan
        .as_ref()
        .map(|(digest, graph)| PlanContext { digest, graph });
    match bundle::verify_bundle(&bytes, &trusted, ctx) {
        Ok(report) => {
            eprintln!(
                "{}: signed by trusted key {}",
                args.bundle.display(),
                writ_evidence::keys::public_key_text(&report.signer)
            );
            eprintln!(
                "  {} for change {} ({}) under plan {}: {}",
                report.predicate_type,
                report.change_id,
                report.change_digest,
                report.plan_digest,
                report.outcome
            );
            if !report.approvals.is_empty() {
                eprintln!("  approvals verified: {}", report.approvals.join(", "));
            }
            for r in &report.refused {
                eprintln!("  approval refused by the runner: {r}");
            }
            println!("VALID");
            ExitCode::SUCCESS
        }
        Err(why) => invalid(why),
    }
}

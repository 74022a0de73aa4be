//! `writ evidence add`: record results produced elsewhere.

use super::output::ReportFormat;
use super::{EXIT_FAILURE, EXIT_USAGE};
use std::path::PathBuf;
use std::process::ExitCode;
use writ_evidence::ingest::{self, FailOn};
use writ_evidence::redact::Redactor;
use writ_evidence::store::{Attachment, CHECK_TYPE, CheckRecord, EvidenceDir, InputRef};

/// Manage the evidence folder.
#[derive(Debug, clap::Args)]
pub struct EvidenceArgs {
    #[command(subcommand)]
    command: EvidenceCommand,
}

#[derive(Debug, clap::Subcommand)]
enum EvidenceCommand {
    /// Record a result produced by another CI job as a check result.
    #[command(subcommand)]
    Add(AddCommand),
}

#[derive(Debug, clap::Subcommand)]
enum AddCommand {
    Junit(JunitArgs),
    Sarif(SarifArgs),
}

#[derive(Debug, clap::Args)]
struct Common {
    /// The report file (`-`: standard input).
    file: PathBuf,
    /// The check's name, as the graph lists it on the node.
    #[arg(long, value_name = "NAME")]
    check: String,
    /// The node's id.
    #[arg(long, value_name = "ID")]
    node: String,
    /// The evidence folder.
    #[arg(long, value_name = "DIR", default_value = "evidence")]
    evidence: PathBuf,
    /// The change the result is for: it is bound to its id and digest (a
    /// result for another change, or another digest of it, never counts).
    #[arg(long, value_name = "FILE")]
    change: PathBuf,
    /// The plan in force: the result is bound to its digest, and the node and
    /// check must exist in its graph.
    #[arg(long, value_name = "FILE")]
    plan: PathBuf,
    /// Sign the result with this private key (`writ keygen`). It counts only
    /// where the key is trusted for check results (a `results` line of the
    /// trust file).
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// An extra redaction pattern (regular expression) for the stored copy; repeatable.
    #[arg(long, value_name = "PATTERN")]
    redact: Vec<String>,
    /// Output format (`json`: one `writ.evidence-add/v1` document, docs/cli.md).
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    format: ReportFormat,
}

/// The `format` field of `writ evidence add … --format json`.
pub const EVIDENCE_ADD_FORMAT: &str = "writ.evidence-add/v1";

/// Record a JUnit XML report: test cases counted, failed when any test case
/// failed or errored, when there is none, or when all were skipped.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  writ evidence add junit target/junit.xml --check unit --node payments-api \\
      --change change.json --plan plan.json --key ci-results.key")]
struct JunitArgs {
    #[command(flatten)]
    common: Common,
}

/// Record a SARIF 2.1.0 log: findings counted by level and security
/// severity; failed when a finding reaches --fail-on.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  writ evidence add sarif scan.sarif --check sast --node payments-api --fail-on warning \\
      --change change.json --plan plan.json --key ci-results.key")]
struct SarifArgs {
    #[command(flatten)]
    common: Common,
    /// The lowest level that fails the check.
    #[arg(long, value_enum, default_value_t = Level::Error)]
    fail_on: Level,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum Level {
    Error,
    Warning,
    Note,
    Never,
}

/// Runs `writ evidence`.
pub fn run(args: EvidenceArgs) -> ExitCode {
    let EvidenceCommand::Add(add) = args.command;
    let result = match add {
        AddCommand::Junit(a) => add_report(a.common, "junit", ingest::junit),
        AddCommand::Sarif(a) => {
            let fail_on = match a.fail_on {
                Level::Error => FailOn::Error,
                Level::Warning => FailOn::Warning,
                Level::Note => FailOn::Note,
                Level::Never => FailOn::Never,
            };
            add_report(a.common, "sarif", move |b| ingest::sarif(b, fail_on))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err((code, message)) => {
            eprintln!("error: {message}");
            ExitCode::from(code)
        }
    }
}

fn add_report(
    args: Common,
    kind: &str,
    parse: impl Fn(&[u8]) -> Result<ingest::Ingested, ingest::IngestError>,
) -> Result<(), (u8, String)> {
    let usage = |e: String| (EXIT_USAGE, e);
    let shown = super::input::name(&args.file);
    let bytes = super::input::read(&args.file, writ_diagnostics::limits::Input::Evidence)
        .map_err(|f| (f.exit.code(), f.message))?;
    let ingested = parse(&bytes).map_err(|e| (EXIT_FAILURE, format!("{shown}:{e}")))?;
    let key = writ_evidence::keys::read_private_key(&args.key).map_err(|e| usage(e.to_string()))?;
    let plan_digest = {
        let plan_path = &args.plan;
        let plan = super::input::plan(plan_path).map_err(|f| (f.exit.code(), f.message))?;
        let graph = writ_evidence::context::plan_graph(&plan, plan_path)
            .map_err(|e| usage(e.to_string()))?;
        let node = graph.node_by_id(&args.node).ok_or_else(|| {
            (
                EXIT_FAILURE,
                format!("the plan's graph has no node `{}`", args.node),
            )
        })?;
        if !node.checks.iter().any(|c| c.name.value == args.check) {
            return Err((
                EXIT_FAILURE,
                format!(
                    "node `{}` has no check `{}` in the plan's graph",
                    args.node, args.check
                ),
            ));
        }
        plan.digest()
    };
    let change = super::input::change(&args.change).map_err(|f| (f.exit.code(), f.message))?;
    let redactor = Redactor::new(&args.redact).map_err(|e| usage(e.to_string()))?;
    let copy = redactor.redact(&bytes);
    let record = CheckRecord {
        kind: CHECK_TYPE.into(),
        check: args.check.clone(),
        node: args.node.clone(),
        source: format!("{kind}:{shown}"),
        change_id: Some(change.id.clone()),
        change_digest: Some(change.digest.clone()),
        plan_digest: Some(plan_digest),
        outcome: ingested.outcome.clone(),
        summary: Some(ingested.summary.clone()),
        run: None,
        counts: Some(ingested.counts.clone()),
        input: Some(InputRef {
            path: shown.clone(),
            sha256: writ_evidence::sha256_digest(&bytes),
        }),
        files: Vec::new(),
        recorded_at: writ_evidence::rfc3339(writ_evidence::now_unix()),
    };
    let dir = EvidenceDir::create(&args.evidence).map_err(|e| usage(e.to_string()))?;
    let attachment = Attachment {
        name: "report",
        bytes: &copy.bytes,
        total: bytes.len() as u64,
        truncated: false,
        redactions: copy.count,
    };
    let signed = dir
        .store_check(record, &[attachment], &key)
        .map_err(|e| usage(e.to_string()))?;
    let result = signed.result;
    let (passed, status) = match &result.outcome {
        writ_runtime::CheckOutcome::Passed => (true, "passed".to_string()),
        writ_runtime::CheckOutcome::Failed { reason } => (false, format!("failed: {reason}")),
    };
    match args.format {
        ReportFormat::Human => println!(
            "{} on {}: {status} ({})",
            args.check, args.node, ingested.summary
        ),
        ReportFormat::Json => super::output::print_versioned(
            EVIDENCE_ADD_FORMAT,
            serde_json::json!({
                "check": args.check,
                "node": args.node,
                "passed": passed,
                "status": status,
                "summary": ingested.summary,
                "digest": result.digest,
                "evidence": args.evidence.display().to_string(),
                "signer": writ_evidence::keys::public_key_text(&key.verifying_key()),
            }),
        ),
    }
    eprintln!(
        "recorded as {} in {}, signed by {} (counts where that key is trusted for results)",
        result.digest,
        args.evidence.display(),
        writ_evidence::keys::public_key_text(&key.verifying_key())
    );
    Ok(())
}

//! `writ ledger`: the decision ledger, a transparency log — verify it,
//! prove a record's inclusion, check a proof offline, and share the log
//! between CI runs on a git ref.

use super::output::{self, ReportFormat};
use super::{EXIT_FAILURE, EXIT_USAGE};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use writ_evidence::tlog;

/// Verify, prove and share the decision ledger of an evidence folder.
#[derive(Debug, clap::Args)]
pub struct LedgerArgs {
    #[command(subcommand)]
    command: LedgerCommand,
}

#[derive(Debug, clap::Subcommand)]
enum LedgerCommand {
    Verify(VerifyArgs),
    Prove(ProveArgs),
    CheckProof(CheckProofArgs),
    Pull(SyncArgs),
    Push(SyncArgs),
}

/// Verify the ledger: the hash chain, the Merkle tree, the signed
/// checkpoint, every bundle a record names, and consistency with a
/// checkpoint saved earlier.
///
/// Checks every record (complete, its digest, its sequence number, its link
/// to the previous record) and the head file; recomputes the RFC 6962 tree
/// and checks `ledger.checkpoint` (signed by a --trust key under the log's
/// name) against it; checks that every bundle a record names exists with
/// the digest recorded, and its `.proof` sidecar. With --since, the log must
/// still contain the saved checkpoint as a prefix: a log rewritten even by
/// the key holder fails. Save `ledger.checkpoint` after each verify and pass
/// it as --since next time. An incomplete last line left by an interrupted
/// append is reported but is not an error. Exit status: 0 intact, 1
/// tampered or damaged, 2 unreadable --trust or --since.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  writ ledger verify evidence/ --trust runners.keys
  writ ledger verify evidence/ --trust runners.keys --since audit/2026-q1.checkpoint")]
struct VerifyArgs {
    /// The evidence folder holding `ledger.jsonl`.
    dir: PathBuf,
    /// Keys trusted to sign checkpoints (one `ed25519:<base64>` per line).
    /// Without it, signatures are not checked (a note says so).
    #[arg(long, value_name = "KEYS")]
    trust: Option<PathBuf>,
    /// A signed checkpoint saved earlier: prove the log still extends it.
    #[arg(long, value_name = "CHECKPOINT")]
    since: Option<PathBuf>,
    /// Output format (`json`: one `writ.ledger-verify/v1` document, docs/cli.md).
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    format: ReportFormat,
}

/// The `format` field of `writ ledger verify --format json`.
pub const LEDGER_VERIFY_FORMAT: &str = "writ.ledger-verify/v1";

/// Print the inclusion proof of a record against the latest signed
/// checkpoint, for an auditor to check offline with `writ ledger check-proof`.
///
/// RECORD is a record number (`seq`, from 0) or the bundle path a record
/// names (`bundles/<name>.intoto.json`).
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  writ ledger prove evidence/ 41 > record-41.proof")]
struct ProveArgs {
    /// The evidence folder.
    dir: PathBuf,
    /// The record: its seq, or the bundle it names.
    record: String,
}

/// Check an inclusion proof offline: the checkpoint's signature by a trusted
/// key, the record's digest, and the audit path to the signed root; with
/// --bundle, that the record names that bundle. Prints VALID or INVALID.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  writ ledger check-proof record-41.proof --trust runners.keys --bundle b.intoto.json")]
struct CheckProofArgs {
    /// The proof file (`writ ledger prove` output or a `<bundle>.proof`; `-`: standard input).
    proof: PathBuf,
    /// Keys trusted to sign checkpoints.
    #[arg(long, value_name = "KEYS")]
    trust: PathBuf,
    /// The bundle the record must name.
    #[arg(long, value_name = "FILE")]
    bundle: Option<PathBuf>,
    /// Output format (`json`: one `writ.ledger-check-proof/v1` document, docs/cli.md).
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    format: ReportFormat,
}

/// The `format` field of `writ ledger check-proof --format json`.
pub const CHECK_PROOF_FORMAT: &str = "writ.ledger-check-proof/v1";

/// Share the log on a git ref: `pull` brings the shared log into the
/// evidence folder (it must extend the local one); `push` appends the local
/// records the shared log lacks, signs, and pushes (never forced; retried on
/// a lost race).
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  writ ledger pull evidence/ --repo origin
  writ ledger push evidence/ --repo origin --key runner.key
  writ ledger pull audit/ --repo https://git.example/evidence.git --trust runner.keys")]
struct SyncArgs {
    /// The evidence folder.
    dir: PathBuf,
    /// The git remote (a name or URL) holding the shared log.
    #[arg(long, value_name = "REMOTE")]
    repo: String,
    /// The ref the log lives on.
    #[arg(long, value_name = "REF", default_value = tlog::git::DEFAULT_REF)]
    git_ref: String,
    /// The runner's private key (push: signs the new checkpoint).
    #[arg(long, value_name = "KEY")]
    key: Option<PathBuf>,
    /// Pull: trusted checkpoint keys; the ref's whole history is checked
    /// first (linear, every checkpoint signed, each consistent with the next).
    #[arg(long, value_name = "KEYS")]
    trust: Option<PathBuf>,
}

/// Runs `writ ledger`.
pub fn run(args: LedgerArgs) -> ExitCode {
    match args.command {
        LedgerCommand::Verify(args) => verify(args),
        LedgerCommand::Prove(args) => prove(args),
        LedgerCommand::CheckProof(args) => check_proof(args),
        LedgerCommand::Pull(args) => sync(args, false),
        LedgerCommand::Push(args) => sync(args, true),
    }
}

fn invalid(what: &Path, why: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {}: {why}", what.display());
    println!("INVALID");
    ExitCode::from(EXIT_FAILURE)
}

fn usage(why: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {why}");
    ExitCode::from(EXIT_USAGE)
}

fn verify(args: VerifyArgs) -> ExitCode {
    let path = writ_evidence::ledger::ledger_path(&args.dir);
    if !args.dir.is_dir() {
        return usage(format!("`{}` is not a folder", args.dir.display()));
    }
    let trusted = match args
        .trust
        .as_deref()
        .map(writ_evidence::keys::read_trusted_keys)
    {
        None => None,
        Some(Ok(k)) => Some(k),
        Some(Err(e)) => return usage(format!("trusted keys: {e}")),
    };
    let since = match args
        .since
        .as_deref()
        .map(|p| super::input::read(p, writ_diagnostics::limits::Input::Key))
    {
        None => None,
        Some(Ok(b)) => Some(b),
        Some(Err(fault)) => return fault.report(),
    };
    let json = args.format == ReportFormat::Json;
    let refuse = |why: String| {
        if json {
            eprintln!("error: {}: {why}", path.display());
            output::print_versioned(
                LEDGER_VERIFY_FORMAT,
                serde_json::json!({"intact": false, "ledger": path.display().to_string(), "error": why}),
            );
            ExitCode::from(EXIT_FAILURE)
        } else {
            invalid(&path, why)
        }
    };
    // Fail closed: a folder without a ledger proves nothing.
    if !path.exists() {
        return refuse(
            "no ledger (no decision was recorded here, or the ledger was removed)".into(),
        );
    }
    let opts = tlog::VerifyOptions {
        trusted: trusted.as_deref(),
        since: since.as_deref(),
        skip_bundles: false,
    };
    match tlog::verify_log(&args.dir, opts) {
        Ok(report) => {
            for note in &report.notes {
                eprintln!("note: {}: {note}", path.display());
            }
            let root = writ_evidence::tlog::merkle::hex(&report.root);
            if json {
                output::print_versioned(
                    LEDGER_VERIFY_FORMAT,
                    serde_json::json!({
                        "intact": true,
                        "ledger": path.display().to_string(),
                        "records": report.records,
                        "root": format!("sha256:{root}"),
                        "checkpoint": report.checkpoint.as_ref().map(|(size, origin, signers)| {
                            serde_json::json!({"origin": origin, "size": size, "signers": signers})
                        }),
                        "bundles": report.bundles,
                        "proofs": report.proofs,
                        "consistent_since": report.since,
                        "notes": report.notes,
                        "error": null,
                    }),
                );
                return ExitCode::SUCCESS;
            }
            println!(
                "{}: {} records, chain intact, tree root sha256:{root}",
                path.display(),
                report.records,
            );
            if let Some((size, origin, signers)) = &report.checkpoint {
                let by = if signers.is_empty() {
                    "signature not checked".to_string()
                } else {
                    format!("signed by {}", signers.join(", "))
                };
                println!("checkpoint: log `{origin}`, {size} records, {by}");
            }
            println!(
                "bundles: {} present with their recorded digest, {} inclusion proofs checked",
                report.bundles, report.proofs
            );
            if let Some(size) = report.since {
                println!("consistent with the saved checkpoint of {size} records");
            }
            // Temporary files of killed writers: a note (the next run removes them).
            if let Ok(stale) =
                writ_evidence::store::EvidenceDir::open(&args.dir).and_then(|d| d.stale_temps())
            {
                for t in stale {
                    eprintln!(
                        "note: {}: temporary file left by a killed writer (the next `writ run` removes it)",
                        t.display()
                    );
                }
            }
            ExitCode::SUCCESS
        }
        Err(fault) => refuse(fault.to_string()),
    }
}

fn prove(args: ProveArgs) -> ExitCode {
    if !args.dir.is_dir() {
        return usage(format!("`{}` is not a folder", args.dir.display()));
    }
    let seq = match args.record.parse::<u64>() {
        Ok(n) => Ok(n),
        Err(_) => find_record(&args.dir, &args.record),
    };
    match seq.and_then(|seq| tlog::prove(&args.dir, seq).map_err(|f| f.to_string())) {
        Ok(proof) => {
            print!("{}", String::from_utf8_lossy(&proof.to_bytes()));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

/// The seq of the record naming bundle `name`.
fn find_record(dir: &Path, name: &str) -> Result<u64, String> {
    let report = writ_evidence::ledger::verify(dir).map_err(|f| f.to_string())?;
    let want = name.trim_start_matches("./");
    report
        .records
        .iter()
        .find(|r| r.entry.get("bundle").and_then(|b| b.as_str()) == Some(want))
        .map(|r| r.seq)
        .ok_or_else(|| format!("no record names bundle `{name}` (give a seq or `bundles/<name>`)"))
}

fn check_proof(args: CheckProofArgs) -> ExitCode {
    let trusted = match writ_evidence::keys::read_trusted_keys(&args.trust) {
        Ok(k) => k,
        Err(e) => return usage(format!("trusted keys: {e}")),
    };
    use writ_diagnostics::limits::Input;
    let bundle = match args
        .bundle
        .as_deref()
        .map(|b| super::input::read(b, Input::Bundle))
    {
        None => None,
        Some(Ok(b)) => Some(b),
        Some(Err(fault)) => return fault.report(),
    };
    let bytes = match super::input::read(&args.proof, Input::Evidence) {
        Ok(b) => b,
        Err(fault) => return fault.report(),
    };
    let checked = tlog::check_proof(&bytes, &trusted, bundle.as_deref());
    if args.format == ReportFormat::Json {
        let doc = match &checked {
            Ok(r) => serde_json::json!({
                "valid": true,
                "index": r.index,
                "record_digest": r.record.digest,
                "origin": r.origin,
                "size": r.size,
                "signers": r.signers,
                "error": null,
            }),
            Err(e) => serde_json::json!({"valid": false, "error": e.to_string()}),
        };
        output::print_versioned(CHECK_PROOF_FORMAT, doc);
    }
    match checked {
        Ok(r) => {
            eprintln!(
                "record {} ({}) is in log `{}` of {} records, checkpoint signed by {}",
                r.index,
                r.record.digest,
                r.origin,
                r.size,
                r.signers.join(", ")
            );
            if args.format == ReportFormat::Human {
                println!("VALID");
            }
            ExitCode::SUCCESS
        }
        Err(e) if args.format == ReportFormat::Json => {
            eprintln!("error: {}: {e}", super::input::name(&args.proof));
            ExitCode::from(EXIT_FAILURE)
        }
        Err(e) => invalid(&args.proof, e),
    }
}

fn sync(args: SyncArgs, push: bool) -> ExitCode {
    let key = match (&args.key, push) {
        (Some(p), _) => match writ_evidence::keys::read_private_key(p) {
            Ok(k) => Some(k),
            Err(e) => return usage(e),
        },
        (None, true) => return usage("`writ ledger push` needs --key to sign the new checkpoint"),
        (None, false) => None,
    };
    let remote = tlog::git::Remote {
        url: args.repo.clone(),
        git_ref: args.git_ref.clone(),
    };
    let trusted = match args
        .trust
        .as_deref()
        .map(writ_evidence::keys::read_trusted_keys)
    {
        None => None,
        Some(Ok(k)) => Some(k),
        Some(Err(e)) => return usage(format!("trusted keys: {e}")),
    };
    let result = if push {
        tlog::git::push(&args.dir, &remote, key.as_ref().expect("checked"))
    } else {
        tlog::git::pull(&args.dir, &remote, trusted.as_deref())
    };
    match result {
        Ok(msg) => {
            eprintln!("{msg}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

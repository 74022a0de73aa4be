//! `writ attest`: sign and verify in-toto statements about files (a release's
//! provenance); the format lives in `writ_evidence::attest`.

use super::input::{self, Fault};
use super::output::{self, ReportFormat};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use writ_diagnostics::limits::Input;
use writ_diagnostics::plural;
use writ_evidence::attest;
use writ_plan::signature::Role;

/// Sign or verify an in-toto statement about files, such as a release's provenance.
///
/// `writ attest sign` writes a DSSE envelope holding an in-toto statement
/// (https://in-toto.io/Statement/v1) whose subjects are the files' names and
/// sha256 digests, with a predicate (SLSA provenance by default), signed with
/// an ed25519 key from `writ keygen`. `writ attest verify` checks the
/// signature against keys you trust (`release` keys of a trust file, or
/// lines without a role) and each file against its subject. The
/// envelope is the same kind as evidence bundles: OpenSSL alone can check it
/// (examples/audit/dsse-verify-openssl.sh).
///
/// Exit status: 0 signed or verified, 1 verification failed, 2 usage or I/O error.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  writ attest sign writ-x86_64.tar.gz --key release.key --predicate provenance.json -o writ.intoto.json
  writ attest verify writ.intoto.json --trust release.pub writ-x86_64.tar.gz")]
pub struct AttestArgs {
    #[command(subcommand)]
    command: AttestCommand,
}

#[derive(Debug, clap::Subcommand)]
enum AttestCommand {
    Sign(SignArgs),
    Verify(VerifyArgs),
}

/// Sign a statement naming FILES by name and sha256.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  writ attest sign dist/*.tar.gz --key release.key -o provenance.intoto.json")]
struct SignArgs {
    /// The files the statement is about (each named by its file name).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The private key to sign with (from `writ keygen`).
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// The predicate: a JSON file (default: an empty object).
    #[arg(long, value_name = "FILE")]
    predicate: Option<PathBuf>,
    /// The predicate's type.
    #[arg(long, value_name = "URI", default_value = attest::SLSA_PROVENANCE)]
    predicate_type: String,
    /// Where to write the signed envelope.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: PathBuf,
}

/// Verify a signed statement and the files it names.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  writ attest verify provenance.intoto.json --trust release.pub writ-x86_64.tar.gz
  writ attest verify provenance.intoto.json --trust release.pub --format json")]
struct VerifyArgs {
    /// The signed envelope (from `writ attest sign`; `-` for standard input).
    envelope: PathBuf,
    /// The trusted public keys (a trust file, or `ed25519:` lines from `writ keygen`).
    #[arg(long, value_name = "FILE")]
    trust: PathBuf,
    /// Files to check against the statement's subjects (by file name).
    files: Vec<PathBuf>,
    /// Output format (`json`: a `writ.attest-verify/v1` document).
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    format: ReportFormat,
}

/// The `format` field of `writ attest verify --format json`.
pub const VERIFY_FORMAT: &str = "writ.attest-verify/v1";

/// Runs `writ attest`.
pub fn run(args: AttestArgs) -> ExitCode {
    let result = match args.command {
        AttestCommand::Sign(args) => sign(args),
        AttestCommand::Verify(args) => verify(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(fault) => fault.report(),
    }
}

/// Reads a file the statement is about: release archives, so the evidence
/// size limit (256 MiB).
fn read(path: &Path) -> Result<Vec<u8>, Fault> {
    input::read(path, Input::Evidence)
}

fn file_name(path: &Path) -> Result<String, Fault> {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_string)
        .ok_or_else(|| Fault::usage(format!("`{}` has no UTF-8 file name", path.display())))
}

fn sign(args: SignArgs) -> Result<(), Fault> {
    let key = writ_evidence::keys::read_private_key(&args.key).map_err(Fault::usage)?;
    let predicate = match &args.predicate {
        None => serde_json::json!({}),
        Some(path) => serde_json::from_slice(&read(path)?)
            .map_err(|e| Fault::invalid(format!("`{}` is not JSON: {e}", path.display())))?,
    };
    let mut subjects = Vec::new();
    for path in &args.files {
        subjects.push(attest::Subject::of(&file_name(path)?, &read(path)?));
    }
    let envelope =
        attest::sign(&subjects, &args.predicate_type, &predicate, &key).map_err(Fault::usage)?;
    let mut bytes = serde_json::to_vec_pretty(&envelope).expect("an envelope serialises");
    bytes.push(b'\n');
    output::write_atomic(&args.output, &bytes)
        .map_err(|e| Fault::usage(format!("cannot write `{}`: {e}", args.output.display())))?;
    eprintln!(
        "signed a statement about {} → {}",
        plural(subjects.len(), "file"),
        args.output.display()
    );
    Ok(())
}

fn verify(args: VerifyArgs) -> Result<(), Fault> {
    let trust = writ_plan::signature::read_trust_file(&args.trust).map_err(Fault::usage)?;
    let trusted = writ_plan::signature::keys_for(&trust, Role::Release, Role::Release);
    if trusted.is_empty() {
        return Err(Fault::usage(format!(
            "`{}` holds no release key (a line `release NAME ed25519:…`, or a key without a role)",
            args.trust.display()
        )));
    }
    let bytes = input::read(&args.envelope, Input::Bundle)?;
    let mut files = Vec::new();
    for path in &args.files {
        files.push((file_name(path)?, read(path)?));
    }
    let verified = match attest::verify(&bytes, &trusted, &files) {
        Ok(verified) => verified,
        Err(e) => {
            let why = format!("{}: {e}", input::name(&args.envelope));
            if args.format == ReportFormat::Json {
                output::print_versioned(
                    VERIFY_FORMAT,
                    serde_json::json!({"valid": false, "error": why}),
                );
            }
            return Err(Fault::invalid(why));
        }
    };
    let checked = |name: &str| files.iter().any(|(n, _)| n == name);
    match args.format {
        ReportFormat::Json => output::print_versioned(
            VERIFY_FORMAT,
            serde_json::json!({
                "valid": true,
                "keys": verified.keys.iter().map(writ_evidence::keys::public_key_text).collect::<Vec<_>>(),
                "predicate_type": verified.predicate_type,
                "subjects": verified.subjects.iter().map(|s| serde_json::json!({
                    "name": s.name,
                    "sha256": s.sha256,
                    "checked": checked(&s.name),
                })).collect::<Vec<_>>(),
            }),
        ),
        ReportFormat::Human => {
            for key in &verified.keys {
                println!(
                    "signed by trusted key {}",
                    writ_evidence::keys::public_key_text(key)
                );
            }
            println!("predicate: {}", verified.predicate_type);
            for subject in &verified.subjects {
                println!(
                    "  {} sha256:{}{}",
                    subject.name,
                    subject.sha256,
                    if checked(&subject.name) {
                        "  ✓ matches"
                    } else {
                        ""
                    }
                );
            }
            println!("VALID");
        }
    }
    Ok(())
}

//! `writ attest`: sign and verify in-toto statements about files (a release's
//! provenance); the format lives in `writ_evidence::attest`.

use super::{EXIT_FAILURE, EXIT_USAGE, output};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use writ_evidence::attest;

/// Sign or verify an in-toto statement about files, such as a release's provenance.
///
/// `writ attest sign` writes a DSSE envelope holding an in-toto statement
/// (https://in-toto.io/Statement/v1) whose subjects are the files' names and
/// sha256 digests, with a predicate (SLSA provenance by default), signed with
/// an ed25519 key from `writ keygen`. `writ attest verify` checks the
/// signature against keys you trust and each file against its subject. The
/// envelope is the same kind as evidence bundles: OpenSSL alone can check it
/// (examples/audit/dsse-verify-openssl.sh).
///
/// Exit status: 0 signed or verified, 1 verification failed, 2 usage or I/O error.
///
/// Examples:
///   writ attest sign writ-x86_64.tar.gz --key release.key --predicate provenance.json -o writ.intoto.json
///   writ attest verify writ.intoto.json --trust release.pub writ-x86_64.tar.gz
#[derive(Debug, clap::Args)]
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
///
/// Examples:
///   writ attest sign dist/*.tar.gz --key release.key --predicate provenance.json -o provenance.intoto.json
#[derive(Debug, clap::Args)]
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
///
/// Examples:
///   writ attest verify provenance.intoto.json --trust release.pub writ-x86_64.tar.gz
#[derive(Debug, clap::Args)]
struct VerifyArgs {
    /// The signed envelope (from `writ attest sign`).
    envelope: PathBuf,
    /// The trusted public keys (a trust file, or `ed25519:` lines from `writ keygen`).
    #[arg(long, value_name = "FILE")]
    trust: PathBuf,
    /// Files to check against the statement's subjects (by file name).
    files: Vec<PathBuf>,
}

/// Runs `writ attest`.
pub fn run(args: AttestArgs) -> ExitCode {
    let result = match args.command {
        AttestCommand::Sign(args) => sign(args),
        AttestCommand::Verify(args) => verify(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err((code, message)) => {
            eprintln!("error: {message}");
            ExitCode::from(code)
        }
    }
}

type Failure = (u8, String);

fn usage(message: String) -> Failure {
    (EXIT_USAGE, message)
}

fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| usage(format!("cannot read `{}`: {e}", path.display())))
}

fn file_name(path: &Path) -> Result<String, Failure> {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_string)
        .ok_or_else(|| usage(format!("`{}` has no UTF-8 file name", path.display())))
}

fn sign(args: SignArgs) -> Result<(), Failure> {
    let key = writ_evidence::keys::read_private_key(&args.key).map_err(usage)?;
    let predicate = match &args.predicate {
        None => serde_json::json!({}),
        Some(path) => serde_json::from_slice(&read(path)?)
            .map_err(|e| usage(format!("`{}` is not JSON: {e}", path.display())))?,
    };
    let mut subjects = Vec::new();
    for path in &args.files {
        subjects.push(attest::Subject::of(&file_name(path)?, &read(path)?));
    }
    let envelope =
        attest::sign(&subjects, &args.predicate_type, &predicate, &key).map_err(usage)?;
    let mut bytes = serde_json::to_vec_pretty(&envelope).expect("an envelope serialises");
    bytes.push(b'\n');
    output::write_atomic(&args.output, &bytes)
        .map_err(|e| usage(format!("cannot write `{}`: {e}", args.output.display())))?;
    eprintln!(
        "signed a statement about {} file{} → {}",
        subjects.len(),
        if subjects.len() == 1 { "" } else { "s" },
        args.output.display()
    );
    Ok(())
}

fn verify(args: VerifyArgs) -> Result<(), Failure> {
    let trusted = writ_evidence::keys::read_trusted_keys(&args.trust).map_err(usage)?;
    let bytes = read(&args.envelope)?;
    let mut files = Vec::new();
    for path in &args.files {
        files.push((file_name(path)?, read(path)?));
    }
    let verified = attest::verify(&bytes, &trusted, &files)
        .map_err(|e| (EXIT_FAILURE, format!("{}: {e}", args.envelope.display())))?;
    for key in &verified.keys {
        println!(
            "signed by trusted key {}",
            writ_evidence::keys::public_key_text(key)
        );
    }
    println!("predicate: {}", verified.predicate_type);
    for subject in &verified.subjects {
        let checked = files.iter().any(|(name, _)| *name == subject.name);
        println!(
            "  {} sha256:{}{}",
            subject.name,
            subject.sha256,
            if checked { "  ✓ matches" } else { "" }
        );
    }
    println!("VALID");
    Ok(())
}

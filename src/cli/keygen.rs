//! `writ keygen`: make an ed25519 key pair.

use super::output::ReportFormat;
use super::{EXIT_FAILURE, EXIT_USAGE};
use std::path::PathBuf;
use std::process::ExitCode;

/// Make an ed25519 key pair for signing approvals, plans or evidence bundles.
///
/// Writes the private key to FILE with mode 0600 (refusing to replace an
/// existing file unless --force) and prints the public key on stdout as the
/// graph writes keys, `ed25519:<base64>`: paste it into the person's `keys`
/// in the graph, or into a trusted keys file for `writ verify --trust`.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  writ keygen -o ~/.writ/ana.key
  writ keygen -o ci-runner.key >> trusted-runners.keys")]
pub struct KeygenArgs {
    /// Where to write the private key.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: PathBuf,
    /// Replace FILE if it exists.
    #[arg(long)]
    force: bool,
    /// Output format: `human` prints the public key line; `json` one
    /// `writ.keygen/v1` document (docs/cli.md).
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    format: ReportFormat,
}

/// The `format` field of `writ keygen --format json`.
pub const KEYGEN_FORMAT: &str = "writ.keygen/v1";

/// Runs `writ keygen`.
pub fn run(args: KeygenArgs) -> ExitCode {
    let key = match writ_evidence::keys::generate() {
        Ok(key) => key,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    if let Err(e) = writ_evidence::keys::write_private_key(&args.output, &key, args.force) {
        eprintln!("error: {e}");
        return ExitCode::from(EXIT_USAGE);
    }
    let public = writ_evidence::keys::public_key_text(&key.verifying_key());
    match args.format {
        ReportFormat::Human => println!("{public}"),
        ReportFormat::Json => super::output::print_versioned(
            KEYGEN_FORMAT,
            serde_json::json!({
                "public_key": public,
                "private_key_file": args.output.display().to_string(),
            }),
        ),
    }
    eprintln!(
        "private key written to {} (mode 600)",
        args.output.display()
    );
    ExitCode::SUCCESS
}

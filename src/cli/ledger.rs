//! `writ ledger`: the hash-chained decision ledger.

use super::EXIT_FAILURE;
use std::path::PathBuf;
use std::process::ExitCode;

/// Inspect the decision ledger of an evidence folder.
#[derive(Debug, clap::Args)]
pub struct LedgerArgs {
    #[command(subcommand)]
    command: LedgerCommand,
}

#[derive(Debug, clap::Subcommand)]
enum LedgerCommand {
    Verify(VerifyArgs),
}

/// Verify the ledger: every record complete, its digest, its sequence number
/// and its link to the previous record, and the head file.
///
/// Detects an edited, deleted, reordered or truncated record and says where
/// (line and byte offset). An incomplete last line left by an interrupted
/// append (which never returned) is reported but is not an error; the next
/// append removes it. Exit status: 0 intact, 1 tampered or damaged.
///
/// Example:
///   writ ledger verify evidence/
#[derive(Debug, clap::Args)]
struct VerifyArgs {
    /// The evidence folder holding `ledger.jsonl`.
    dir: PathBuf,
}

/// Runs `writ ledger`.
pub fn run(args: LedgerArgs) -> ExitCode {
    match args.command {
        LedgerCommand::Verify(args) => {
            let path = writ_evidence::ledger::ledger_path(&args.dir);
            if !args.dir.is_dir() {
                eprintln!("error: `{}` is not a folder", args.dir.display());
                return ExitCode::from(super::EXIT_USAGE);
            }
            // Fail closed: a folder without a ledger proves nothing.
            if !path.exists() {
                eprintln!(
                    "error: {}: no ledger (no decision was recorded here, or the ledger was removed)",
                    path.display()
                );
                println!("INVALID");
                return ExitCode::from(EXIT_FAILURE);
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
            match writ_evidence::ledger::verify(&args.dir) {
                Ok(report) => {
                    for note in &report.notes {
                        eprintln!("note: {}: {note}", path.display());
                    }
                    let last = report
                        .records
                        .last()
                        .map_or("empty".to_string(), |r| format!("head {}", r.digest));
                    println!(
                        "{}: {} records, chain intact ({last})",
                        path.display(),
                        report.records.len()
                    );
                    ExitCode::SUCCESS
                }
                Err(fault) => {
                    eprintln!("error: {}: {fault}", path.display());
                    println!("INVALID");
                    ExitCode::from(EXIT_FAILURE)
                }
            }
        }
    }
}

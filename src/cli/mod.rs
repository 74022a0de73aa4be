//! Command-line interface: argument definitions and dispatch to one module per
//! verb, and the one exit-code table every verb follows ([`Exit`]).

mod approve;
mod attest;
mod change;
mod check;
mod completions;
mod diff;
mod eval;
mod evidence;
mod explain;
mod fmt;
mod graph;
mod init;
mod input;
mod keygen;
mod ledger;
mod lsp;
mod man;
mod output;
mod plan;
mod prove;
mod replay;
mod report;
mod run;
mod test;
mod trust;
mod verify;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// The exit status of every verb: one table, documented in `writ --help` and
/// docs/cli.md, tested per verb by `tests/cli_conformance.rs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// 0: success: the input is valid, the change is allowed, the output was written.
    Ok,
    /// 1: the input was read and found wanting: errors in a policy or graph,
    /// an invalid file, a denied change, a failed test, an invalid signature,
    /// files that need formatting.
    Failure,
    /// 2: bad usage (unknown flag, missing argument, `-` twice), or a file
    /// could not be read or written.
    Usage,
    /// 3: the decision is pending: evidence is still missing.
    Pending,
}

impl Exit {
    /// The process exit status.
    pub const fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::Failure => 1,
            Exit::Usage => 2,
            Exit::Pending => 3,
        }
    }

    /// The status for a decision's outcome: allow 0, deny 1, pending 3.
    pub const fn of_outcome(outcome: writ_runtime::Outcome) -> Exit {
        match outcome {
            writ_runtime::Outcome::Allow => Exit::Ok,
            writ_runtime::Outcome::Deny => Exit::Failure,
            writ_runtime::Outcome::Pending => Exit::Pending,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit.code())
    }
}

/// Exit code: the input was read and checked and something is wrong with it.
pub const EXIT_FAILURE: u8 = Exit::Failure.code();
/// Exit code: bad usage, or a file could not be read or written.
pub const EXIT_USAGE: u8 = Exit::Usage.code();
/// Exit code: the decision is pending (evidence still missing).
pub const EXIT_PENDING: u8 = Exit::Pending.code();

/// The exit-code table, as `writ --help` prints it (and docs/cli.md shows it).
const EXIT_TABLE: &str = "\
Exit status (every command):
  0  success: valid input, the change is allowed, the output was written
  1  the input was read and found wanting: errors, an invalid file, a denied
     change, a failed test, an invalid signature, files that need formatting
  2  bad usage (unknown flag, missing argument, `-` given twice), or a file
     could not be read or written
  3  the decision is pending: evidence is still missing (eval, run)

`-` reads standard input wherever a command reads a file (once per command).
`--format json` prints a versioned JSON document: its `format` field names its
shape (`writ.<command>/v1`, docs/cli.md).";

/// The one pluralisation helper: "1 check", "2 checks".
pub use writ_diagnostics::plural;

/// The version `--version` prints: the package version, and the git commit
/// it was built from when the build could read it (build.rs).
const VERSION: &str = match option_env!("WRIT_GIT_COMMIT") {
    Some(_) => concat!(
        env!("CARGO_PKG_VERSION"),
        " (commit ",
        env!("WRIT_GIT_COMMIT"),
        ")"
    ),
    None => env!("CARGO_PKG_VERSION"),
};

/// writ: policy as code for changes. Does this change meet the bar to ship?
///
/// Policies (*.writ) state which checks and approvals a change needs, based on
/// what it can reach in the system graph. writ checks them, compiles them into
/// a signed plan, decides changes and emits signed, verifiable evidence.
#[derive(Debug, Parser)]
#[command(
    name = "writ",
    version = VERSION,
    propagate_version = true,
    max_term_width = 100,
    after_long_help = EXIT_TABLE
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Check(check::CheckArgs),
    Fmt(fmt::FmtArgs),
    Plan(plan::PlanArgs),
    Graph(graph::GraphArgs),
    Init(init::InitArgs),
    Change(change::ChangeArgs),
    Eval(eval::EvalArgs),
    Explain(explain::ExplainArgs),
    Test(test::TestArgs),
    Prove(prove::ProveArgs),
    Run(run::RunArgs),
    Evidence(evidence::EvidenceArgs),
    Keygen(keygen::KeygenArgs),
    Approve(approve::ApproveArgs),
    Verify(verify::VerifyArgs),
    Report(report::ReportArgs),
    Replay(replay::ReplayArgs),
    Diff(diff::DiffArgs),
    Ledger(ledger::LedgerArgs),
    Lsp(lsp::LspArgs),
    Attest(attest::AttestArgs),
    Completions(completions::CompletionsArgs),
    Man(man::ManArgs),
}

/// Parses the process's command line and runs it: the binary's `main`.
pub fn main() -> ExitCode {
    if let Err(fault) = input::stdin_at_most_once(std::env::args_os().skip(1)) {
        return fault.report();
    }
    run(Cli::parse())
}

/// Runs the parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Check(args) => check::run(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Plan(args) => plan::run(args),
        Command::Graph(args) => graph::run(args),
        Command::Init(args) => init::run(args),
        Command::Change(args) => change::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Test(args) => test::run(args),
        Command::Prove(args) => prove::run(args),
        Command::Run(args) => run::run(args),
        Command::Evidence(args) => evidence::run(args),
        Command::Keygen(args) => keygen::run(args),
        Command::Approve(args) => approve::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Report(args) => report::run(args),
        Command::Replay(args) => replay::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Ledger(args) => ledger::run(args),
        Command::Lsp(args) => lsp::run(args),
        Command::Attest(args) => attest::run(args),
        Command::Completions(args) => completions::run(args),
        Command::Man(args) => man::run(args),
    }
}

//! Command-line interface: argument definitions and dispatch to one module per verb.
//!
//! Exit codes are shared by every verb: 0 success, 1 the input was checked and
//! found wanting (errors, a denied change, files that need formatting), 2 usage
//! or I/O errors. `writ eval` adds 3 for a pending decision.

mod approve;
mod change;
mod check;
mod eval;
mod evidence;
mod explain;
mod fmt;
mod graph;
mod init;
mod keygen;
mod ledger;
mod lsp;
mod output;
mod plan;
mod run;
mod test;
mod trust;
mod verify;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Exit code: the input was read and checked and something is wrong with it.
pub const EXIT_FAILURE: u8 = 1;
/// Exit code: bad usage, or a file could not be read or written.
pub const EXIT_USAGE: u8 = 2;

/// writ: policy as code for changes. Does this change meet the bar to ship?
///
/// Policies (*.writ) state which checks and approvals a change needs, based on
/// what it can reach in the system graph. writ checks them, compiles them into
/// a signed plan, decides changes and emits signed, verifiable evidence.
#[derive(Debug, Parser)]
#[command(name = "writ", version, propagate_version = true, max_term_width = 100)]
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
    Run(run::RunArgs),
    Evidence(evidence::EvidenceArgs),
    Keygen(keygen::KeygenArgs),
    Approve(approve::ApproveArgs),
    Verify(verify::VerifyArgs),
    Ledger(ledger::LedgerArgs),
    Lsp(lsp::LspArgs),
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
        Command::Run(args) => run::run(args),
        Command::Evidence(args) => evidence::run(args),
        Command::Keygen(args) => keygen::run(args),
        Command::Approve(args) => approve::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Ledger(args) => ledger::run(args),
        Command::Lsp(args) => lsp::run(args),
    }
}

//! `writ completions`: shell completion scripts, generated from the clap
//! definitions (clap_complete), so they always list every verb and flag.

use clap::CommandFactory;
use std::process::ExitCode;

/// Print a shell completion script for writ.
///
/// The script completes every command, flag and value writ knows. Install it
/// where your shell looks for completions, or source it from your shell's
/// start-up file.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  writ completions bash > ~/.local/share/bash-completion/completions/writ
  writ completions zsh > ~/.zfunc/_writ
  writ completions fish > ~/.config/fish/completions/writ.fish
  writ completions powershell >> $PROFILE")]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

/// Runs `writ completions`.
pub fn run(args: CompletionsArgs) -> ExitCode {
    let mut command = super::Cli::command();
    let mut stdout = std::io::stdout().lock();
    clap_complete::generate(args.shell, &mut command, "writ", &mut stdout);
    ExitCode::SUCCESS
}

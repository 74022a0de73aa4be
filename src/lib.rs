//! The `writ` command line as a library: the clap definitions and the verbs
//! (`cli`), so tests walk the same command tree the binary parses
//! (`writ::cli::Cli::command()`). The binary is `src/main.rs`.

pub mod cli;

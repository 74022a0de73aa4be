//! `writ man`: manual pages (roff), generated from the clap definitions
//! (clap_mangen): one page per command, `writ.1`, `writ-check.1`,
//! `writ-graph-check.1`, …

use super::input::Fault;
use super::output;
use clap::CommandFactory;
use std::path::PathBuf;
use std::process::ExitCode;

/// Print or write the manual pages of writ.
///
/// Without --out, prints the page of COMMAND (default: `writ` itself) on
/// standard output. With --out, writes a page for every command into DIR,
/// named `writ-<command>.1`, ready for `man -l` or a MANPATH folder.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  writ man | man -l -
  writ man graph check | man -l -
  writ man --out /usr/local/share/man/man1")]
pub struct ManArgs {
    /// The command whose page to print, e.g. `graph check` (default: writ).
    command: Vec<String>,
    /// Write every page into this folder instead (created if needed).
    #[arg(long, value_name = "DIR", conflicts_with = "command")]
    out: Option<PathBuf>,
}

/// Every command in the tree, depth first: the root, then each subcommand
/// (hidden ones and `help` left out) with its display name `writ-a-b`.
fn pages(command: &clap::Command, out: &mut Vec<clap::Command>) {
    out.push(command.clone());
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        pages(sub, out);
    }
}

/// The roff page of `command`: clap_mangen's sections, with the examples
/// (`after_long_help`) as an EXAMPLES section kept line for line (`.nf`),
/// not filled into a paragraph.
fn render(command: clap::Command) -> Result<Vec<u8>, Fault> {
    let examples = command.get_after_long_help().map(|e| e.to_string());
    let has_arguments = command.get_arguments().any(|a| !a.is_hide_set());
    let has_subcommands = command.get_subcommands().any(|s| !s.is_hide_set());
    let man = clap_mangen::Man::new(command)
        .source(format!("writ {}", super::VERSION))
        .manual("writ manual");
    let mut bytes = Vec::new();
    let fault = |e: std::io::Error| Fault::usage(format!("cannot render the manual page: {e}"));
    man.render_title(&mut bytes).map_err(fault)?;
    man.render_name_section(&mut bytes).map_err(fault)?;
    man.render_synopsis_section(&mut bytes).map_err(fault)?;
    man.render_description_section(&mut bytes).map_err(fault)?;
    if has_arguments {
        man.render_options_section(&mut bytes).map_err(fault)?;
    }
    if has_subcommands {
        man.render_subcommands_section(&mut bytes).map_err(fault)?;
    }
    if let Some(examples) = examples {
        bytes.extend_from_slice(b".SH EXAMPLES\n.nf\n");
        for line in examples.lines().skip_while(|l| l.ends_with(':')) {
            bytes.extend_from_slice(roff_line(line).as_bytes());
            bytes.push(b'\n');
        }
        bytes.extend_from_slice(b".fi\n");
    }
    man.render_version_section(&mut bytes).map_err(fault)?;
    Ok(bytes)
}

/// One line of text escaped for roff: backslashes and dashes escaped, a
/// leading `.` or `'` (a control character) neutralised.
fn roff_line(line: &str) -> String {
    let escaped = line.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with(['.', '\'']) {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

fn man(args: ManArgs) -> Result<(), Fault> {
    let mut root = super::Cli::command().disable_help_subcommand(true);
    root.build();
    let Some(dir) = args.out else {
        let mut page = &root;
        for name in &args.command {
            page = page.find_subcommand(name).ok_or_else(|| {
                Fault::usage(format!(
                    "`{}` has no command `{name}`",
                    page.get_display_name().unwrap_or(page.get_name())
                ))
            })?;
        }
        use std::io::Write;
        std::io::stdout()
            .lock()
            .write_all(&render(page.clone())?)
            .map_err(|e| Fault::usage(format!("cannot write the page: {e}")))?;
        return Ok(());
    };
    std::fs::create_dir_all(&dir)
        .map_err(|e| Fault::usage(format!("cannot create `{}`: {e}", dir.display())))?;
    let mut all = Vec::new();
    pages(&root, &mut all);
    for command in all {
        let name = command
            .get_display_name()
            .unwrap_or(command.get_name())
            .to_string();
        let path = dir.join(format!("{name}.1"));
        output::write_atomic(&path, &render(command)?)
            .map_err(|e| Fault::usage(format!("cannot write `{}`: {e}", path.display())))?;
    }
    eprintln!("manual pages written to {}", dir.display());
    Ok(())
}

/// Runs `writ man`.
pub fn run(args: ManArgs) -> ExitCode {
    match man(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(fault) => fault.report(),
    }
}

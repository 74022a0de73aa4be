//! The command tree of the `writ` binary, read from its clap-generated
//! `--help` (so it follows the clap definitions in `src/cli`): shared by the
//! CLI reference generator (`tests/cli_reference.rs`) and the end-to-end
//! coverage check (`tests/e2e_fintech.rs`).

#![allow(dead_code)]

use std::process::Command;

pub const WRIT: &str = env!("CARGO_BIN_EXE_writ");

/// `writ PATH… --help`, as clap renders it when not writing to a terminal
/// (100 columns, no colour).
pub fn help(path: &[String]) -> String {
    let out = Command::new(WRIT)
        .args(path)
        .arg("--help")
        .env("NO_COLOR", "1")
        .env_remove("COLUMNS")
        .output()
        .expect("run writ --help");
    assert!(out.status.success(), "writ {path:?} --help failed");
    String::from_utf8(out.stdout).expect("help is UTF-8")
}

/// The subcommands listed under `Commands:` in a help text (without `help`).
pub fn subcommands(help: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in help.lines() {
        if line == "Commands:" {
            inside = true;
            continue;
        }
        if !inside {
            continue;
        }
        if line.is_empty() || !line.starts_with(' ') {
            break;
        }
        // `  name   description`; continuation lines are indented further
        if let Some(rest) = line.strip_prefix("  ")
            && !rest.starts_with(' ')
        {
            let name = rest.split_whitespace().next().unwrap_or_default();
            if name != "help" {
                out.push(name.to_string());
            }
        }
    }
    out
}

/// Every command path, depth first in the order `--help` lists them, with
/// its help text: `[]` (writ itself), `["check"]`, `["graph"]`,
/// `["graph", "check"]`, …
pub fn tree() -> Vec<(Vec<String>, String)> {
    fn walk(path: Vec<String>, out: &mut Vec<(Vec<String>, String)>) {
        let text = help(&path);
        let children = subcommands(&text);
        out.push((path.clone(), text));
        for child in children {
            let mut p = path.clone();
            p.push(child);
            walk(p, out);
        }
    }
    let mut out = Vec::new();
    walk(Vec::new(), &mut out);
    out
}

/// The leaf commands: the ones that do something (not groups of subcommands).
/// `writ plan` both does something and groups `plan verify`, so it is a leaf
/// too.
pub fn leaves() -> Vec<Vec<String>> {
    tree()
        .into_iter()
        .filter(|(path, text)| {
            !path.is_empty()
                && (subcommands(text).is_empty() || text.contains("Options:\n      --"))
        })
        .map(|(path, _)| path)
        .collect()
}

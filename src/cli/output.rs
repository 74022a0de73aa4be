//! Shared plumbing for verbs: input discovery, diagnostic output, atomic writes.

use std::io::Write;
use std::path::{Path, PathBuf};
use writ_diagnostics::render::termcolor::{BufferedStandardStream, ColorChoice};
use writ_diagnostics::{Diagnostic, SourceMap, render};

/// How diagnostics are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DiagnosticFormat {
    /// Rendered source snippets on stderr (colour on a terminal).
    Human,
    /// One JSON document on stdout: `{"format": "writ.diagnostics/v1",
    /// "diagnostics": [...], "summary": {...}}`.
    Json,
    /// A SARIF 2.1.0 log on stdout, for CI code scanning.
    Sarif,
}

/// How a verb prints its report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// Text for people.
    Human,
    /// One JSON document on stdout; its `format` field names its shape and
    /// version (`writ.<command>/v1`, docs/cli.md).
    Json,
}

/// How an analysis (`writ replay`, `writ diff`) prints its report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum AnalysisFormat {
    /// Text for people.
    Human,
    /// One JSON document on stdout; its `format` field names its shape and
    /// version (`writ.<command>/v1`, docs/cli.md).
    Json,
    /// Markdown for a pull-request comment.
    Markdown,
}

/// Text safe inside a Markdown table cell: the proof renderer's escaping
/// (`writ_runtime::explain::md_escape`: `|`, `<`, `>`), newlines folded.
pub fn md_cell(text: &str) -> String {
    writ_runtime::explain::md_escape(text).replace('\n', " ")
}

/// Prints `value` (a JSON object) on stdout with its `format` field set to
/// `format`, the name and version of its shape.
pub fn print_versioned(format: &str, mut value: serde_json::Value) {
    if let Some(object) = value.as_object_mut() {
        object.insert("format".into(), format.into());
    }
    print_json(&value);
}

/// The `format` field of the JSON diagnostics document.
pub const DIAGNOSTICS_FORMAT: &str = "writ.diagnostics/v1";

/// Prints `diagnostics` in `format`. Human output goes to stderr, machine
/// output to stdout.
pub fn emit_diagnostics(files: &SourceMap, diagnostics: &[Diagnostic], format: DiagnosticFormat) {
    match format {
        DiagnosticFormat::Human => {
            let choice = if std::env::var_os("NO_COLOR").is_some()
                || !std::io::IsTerminal::is_terminal(&std::io::stderr())
            {
                ColorChoice::Never
            } else {
                ColorChoice::Auto
            };
            // Buffered: codespan writes a rendered line in many small
            // pieces, and unbuffered stderr made each one a system call (a
            // graph minified onto one 1 MB line took 84 s for 33 warnings).
            let mut stderr = BufferedStandardStream::stderr(choice);
            let _ = render::human(&mut stderr, files, diagnostics);
            let _ = std::io::Write::flush(&mut stderr);
        }
        DiagnosticFormat::Json => {
            let mut value = render::json(files, diagnostics);
            if let Some(object) = value.as_object_mut() {
                object.insert("format".into(), DIAGNOSTICS_FORMAT.into());
            }
            print_json(&value)
        }
        DiagnosticFormat::Sarif => print_json(&render::sarif(
            files,
            diagnostics,
            env!("CARGO_PKG_VERSION"),
        )),
    }
}

/// Pretty-prints a JSON value on stdout.
pub fn print_json(value: &serde_json::Value) {
    let mut stdout = std::io::stdout().lock();
    let _ = serde_json::to_writer_pretty(&mut stdout, value);
    let _ = writeln!(stdout);
}

/// The `*.writ` files named by `paths`: files as given, folders searched
/// with the one policy-file walk ([`writ_analysis::files::policy_files_in`]:
/// hidden folders, `target` and `node_modules` skipped), sorted and
/// deduplicated. A folder that cannot be walked is an error.
pub fn policy_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut found = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path)
            .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        if meta.is_dir() {
            let walked = writ_analysis::files::policy_files_in(path);
            if let Some(e) = walked.errors.first() {
                return Err(format!("cannot read folder `{}`: {e}", path.display()));
            }
            found.extend(walked.files);
        } else {
            found.push(path.clone());
        }
    }
    found.sort();
    found.dedup();
    Ok(found)
}

/// A path as shown in diagnostics: relative paths stay as given, without `./`.
pub fn display_path(path: &Path) -> String {
    let shown = path.display().to_string();
    shown
        .strip_prefix("./")
        .map(str::to_string)
        .unwrap_or(shown)
}

/// Writes `bytes` to `path` atomically (temp file + fsync + rename + folder
/// fsync), keeping the mode of the file it replaces (new files: 0644).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode() & 0o7777);
    writ_evidence::fsutil::write_atomic(path, bytes, mode)
}

/// Prints an error about usage or I/O to stderr in the tool's style.
pub fn usage_error(message: impl std::fmt::Display) {
    eprintln!("error: {message}");
}

/// A policy workspace loaded from the command line: every `*.writ` file under
/// `paths` (a folder is a policy root: module names are paths below it; a
/// file's root is its folder) and an optional graph file.
pub fn load_host(paths: &[PathBuf], graph: Option<&Path>) -> Result<writ_analysis::Host, String> {
    let mut policies = Vec::new();
    for root in paths {
        if super::input::is_stdin(root) {
            // Standard input is one policy file, the module `main`.
            let text = super::input::read_text(root, writ_diagnostics::limits::Input::Policy)
                .map_err(|f| f.message)?;
            policies.push((super::input::name(root), "main".to_string(), text));
            continue;
        }
        let meta = std::fs::metadata(root)
            .map_err(|e| format!("cannot read `{}`: {e}", root.display()))?;
        let (base, files) = if meta.is_dir() {
            (root.clone(), policy_files(std::slice::from_ref(root))?)
        } else {
            (
                root.parent().map(Path::to_path_buf).unwrap_or_default(),
                vec![root.clone()],
            )
        };
        for file in files {
            let text =
                writ_diagnostics::limits::read_text(&file, writ_diagnostics::limits::Input::Policy)
                    .map_err(|e| format!("cannot read `{}`: {e}", file.display()))?;
            let module = writ_analysis::module_name(&base, &file);
            policies.push((display_path(&file), module, text));
        }
    }
    policies.sort();
    policies.dedup_by(|a, b| a.0 == b.0);
    let graph = match graph {
        Some(path) => {
            let text = super::input::read_text(path, writ_diagnostics::limits::Input::Graph)
                .map_err(|f| format!("graph: {}", f.message))?;
            Some((super::input::name(path), text))
        }
        None => None,
    };
    Ok(writ_analysis::Host::new(policies, graph))
}

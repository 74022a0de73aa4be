//! Shared plumbing for verbs: diagnostic output, reports, atomic writes
//! (what a verb reads is `input.rs`).

use std::io::Write;
use std::path::Path;
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

/// Like [`write_atomic`], with the content written by `write` (buffered)
/// instead of held in memory whole.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode() & 0o7777);
    writ_evidence::fsutil::write_atomic_with(path, mode, write)
}

/// Prints an error about usage or I/O to stderr in the tool's style.
pub fn usage_error(message: impl std::fmt::Display) {
    eprintln!("error: {message}");
}

//! Renderers: terminal text (codespan-reporting), JSON and SARIF 2.1.0.

use crate::{Diagnostic, Label, Severity, SourceMap, codes};
use codespan_reporting::diagnostic as cs;
use codespan_reporting::term;
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub use codespan_reporting::term::termcolor;

/// Source lines longer than this many bytes are not quoted in terminal
/// output: the label becomes a note with its location. A graph minified onto
/// one line would otherwise be printed whole for every diagnostic in it
/// (27 MB of output for 31 warnings on a 880 KB line).
pub(crate) const LONGEST_QUOTED_LINE: usize = 1024;

/// Whether every line `label` covers is short enough to quote.
fn quotable(files: &SourceMap, label: &Label) -> bool {
    let file = files.get(label.file);
    let lines = file.lines();
    let first = lines.line_of(label.span.start as usize);
    let last = lines.line_of(label.span.end as usize);
    (first..=last).all(|line| {
        lines
            .line_range(line)
            .is_none_or(|range| range.len() <= LONGEST_QUOTED_LINE)
    })
}

fn to_codespan(files: &SourceMap, diagnostic: &Diagnostic) -> cs::Diagnostic<crate::FileId> {
    let severity = match diagnostic.severity {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
        Severity::Note => cs::Severity::Note,
    };
    let mut labels = Vec::new();
    let mut unquoted = Vec::new();
    let all = std::iter::once((true, &diagnostic.primary))
        .chain(diagnostic.secondary.iter().map(|l| (false, l)));
    for (primary, label) in all {
        if !quotable(files, label) {
            let file = files.get(label.file);
            let at = file.line_col(label.span.start as usize);
            let what = if label.message.is_empty() {
                String::new()
            } else {
                format!(": {}", label.message)
            };
            unquoted.push(format!(
                "at {}:{}:{}{what} (the line is too long to show)",
                file.name(),
                at.line,
                at.column
            ));
            continue;
        }
        let made = if primary {
            cs::Label::primary(label.file, label.span.range())
        } else {
            cs::Label::secondary(label.file, label.span.range())
        };
        labels.push(made.with_message(&label.message));
    }
    let mut notes: Vec<String> = diagnostic
        .notes
        .iter()
        .map(|n| format!("note: {n}"))
        .collect();
    if let Some(help) = &diagnostic.help {
        notes.push(format!("help: {help}"));
    }
    unquoted.append(&mut notes);
    let notes = unquoted;
    cs::Diagnostic::new(severity)
        .with_code(diagnostic.code.id())
        .with_message(&diagnostic.message)
        .with_labels(labels)
        .with_notes(notes)
}

/// Renders diagnostics for a terminal (or any `WriteColor`), in the given order.
pub fn human(
    writer: &mut dyn termcolor::WriteColor,
    files: &SourceMap,
    diagnostics: &[Diagnostic],
) -> std::io::Result<()> {
    let config = term::Config::default();
    for diagnostic in diagnostics {
        term::emit_to_write_style(writer, &config, files, &to_codespan(files, diagnostic))
            .map_err(std::io::Error::other)?;
    }
    Ok(())
}

/// Renders diagnostics as plain text without colour (used by snapshot tests).
pub fn human_string(files: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    let config = term::Config::default();
    let mut out = String::new();
    for diagnostic in diagnostics {
        match term::emit_into_string(&config, files, &to_codespan(files, diagnostic)) {
            Ok(text) => out.push_str(&text),
            Err(e) => out.push_str(&format!("<cannot render {}: {e}>\n", diagnostic.code)),
        }
    }
    out
}

fn location(files: &SourceMap, label: &Label) -> Value {
    let file = files.get(label.file);
    let start = file.line_col(label.span.start as usize);
    let end = file.line_col(label.span.end as usize);
    json!({
        "file": file.name(),
        "line": start.line,
        "column": start.column,
        "end_line": end.line,
        "end_column": end.column,
        "byte_start": label.span.start,
        "byte_end": label.span.end,
    })
}

/// One diagnostic as a JSON object: code, severity, message, file, 1-based
/// line/column (in Unicode scalar values) and end line/column, labels, notes,
/// help and suggested fixes.
pub(crate) fn json_value(files: &SourceMap, diagnostic: &Diagnostic) -> Value {
    let mut object = location(files, &diagnostic.primary);
    let map = object.as_object_mut().expect("location is an object");
    map.insert("code".into(), json!(diagnostic.code.id()));
    map.insert("severity".into(), json!(diagnostic.severity.as_str()));
    map.insert("message".into(), json!(diagnostic.message));
    map.insert("label".into(), json!(diagnostic.primary.message));
    let secondary: Vec<Value> = diagnostic
        .secondary
        .iter()
        .map(|l| {
            let mut v = location(files, l);
            v["message"] = json!(l.message);
            v
        })
        .collect();
    map.insert("related".into(), Value::Array(secondary));
    map.insert("notes".into(), json!(diagnostic.notes));
    map.insert("help".into(), json!(diagnostic.help));
    let fixes: Vec<Value> = diagnostic
        .suggestions
        .iter()
        .map(|s| {
            let mut v = location(files, &Label::new(s.file, s.span, ""));
            v["title"] = json!(s.title);
            v["replacement"] = json!(s.replacement);
            v
        })
        .collect();
    map.insert("fixes".into(), Value::Array(fixes));
    object
}

/// The JSON document for a run: `{"diagnostics": [...], "summary": {...}}`.
pub fn json(files: &SourceMap, diagnostics: &[Diagnostic]) -> Value {
    let (errors, warnings) = crate::count(diagnostics);
    json!({
        "diagnostics": diagnostics.iter().map(|d| json_value(files, d)).collect::<Vec<_>>(),
        "summary": { "errors": errors, "warnings": warnings, "files": files.iter().count() },
    })
}

fn sarif_location(files: &SourceMap, label: &Label) -> Value {
    let file = files.get(label.file);
    let start = file.line_col(label.span.start as usize);
    let end = file.line_col(label.span.end as usize);
    json!({
        "physicalLocation": {
            "artifactLocation": { "uri": uri_of(file.name()) },
            "region": {
                "startLine": start.line,
                "startColumn": start.column,
                "endLine": end.line,
                "endColumn": end.column,
            }
        }
    })
}

/// A relative URI reference for a path: forward slashes, percent-encoding for
/// characters that may not appear in a URI.
fn uri_of(path: &str) -> String {
    let path = path.replace('\\', "/");
    let path = path.strip_prefix("./").unwrap_or(&path);
    let mut out = String::new();
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/:@!$&'()*+,;=".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A SARIF 2.1.0 log with one run whose rules are the codes that occur.
pub fn sarif(files: &SourceMap, diagnostics: &[Diagnostic], tool_version: &str) -> Value {
    let used: BTreeMap<&str, codes::Code> =
        diagnostics.iter().map(|d| (d.code.id(), d.code)).collect();
    let index: BTreeMap<&str, usize> = used.keys().enumerate().map(|(i, k)| (*k, i)).collect();
    let rules: Vec<Value> = used
        .values()
        .map(|code| {
            json!({
                "id": code.id(),
                "name": code.id(),
                "shortDescription": { "text": code.title() },
                "defaultConfiguration": { "level": sarif_level(code.severity()) },
                "helpUri": format!("https://writ.invalid/docs/language#{}", code.id().to_lowercase()),
            })
        })
        .collect();
    let results: Vec<Value> = diagnostics
        .iter()
        .map(|d| {
            let mut text = d.message.clone();
            if let Some(help) = &d.help {
                text.push_str(&format!("\nhelp: {help}"));
            }
            let mut result = json!({
                "ruleId": d.code.id(),
                "ruleIndex": index[d.code.id()],
                "level": sarif_level(d.severity),
                "message": { "text": text },
                "locations": [sarif_location(files, &d.primary)],
            });
            if !d.secondary.is_empty() {
                result["relatedLocations"] = Value::Array(
                    d.secondary
                        .iter()
                        .enumerate()
                        .map(|(i, l)| {
                            let mut v = sarif_location(files, l);
                            v["id"] = json!(i);
                            v["message"] = json!({ "text": l.message });
                            v
                        })
                        .collect(),
                );
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "writ",
                "version": tool_version,
                "informationUri": "https://writ.invalid/",
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

fn sarif_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Span, codes};

    fn sample() -> (SourceMap, Vec<Diagnostic>) {
        let mut files = SourceMap::new();
        let file = files.add(
            "policies/main.writ",
            "rule a {\n  require approval secrity\n}\n",
        );
        let d = Diagnostic::new(
            codes::E0201,
            file,
            Span::new(28, 35),
            "unknown chain `secrity`",
        )
        .with_label("not defined")
        .with_replacement("security");
        (files, vec![d])
    }

    /// A label on a line too long to quote (a minified graph) becomes a
    /// note with its location; a label on a short line is still quoted.
    #[test]
    fn lines_too_long_to_quote_become_located_notes() {
        let mut files = SourceMap::new();
        let long = format!("{{\"teams\": [{}]}}\n", "{\"id\": \"x\"},".repeat(400));
        assert!(long.len() > LONGEST_QUOTED_LINE);
        let minified = files.add("graph.json", long.clone());
        let short = files.add("policies/main.writ", "rule a {\n  require approval x\n}\n");
        let d = Diagnostic::new(codes::E0201, minified, Span::new(11, 12), "a problem")
            .with_label("here")
            .with_secondary(short, Span::new(28, 29), "used here");
        let text = human_string(&files, &[d]);
        assert!(text.len() < LONGEST_QUOTED_LINE, "{text}");
        assert!(
            text.contains("at graph.json:1:12: here (the line is too long to show)"),
            "{text}"
        );
        assert!(text.contains("require approval x"), "{text}");
        assert!(text.contains("used here"), "{text}");
    }

    #[test]
    fn json_has_positions_and_fix() {
        let (files, ds) = sample();
        let v = json(&files, &ds);
        let d = &v["diagnostics"][0];
        assert_eq!(d["code"], "E0201");
        assert_eq!(d["line"], 2);
        assert_eq!(d["column"], 20);
        assert_eq!(d["end_column"], 27);
        assert_eq!(d["fixes"][0]["replacement"], "security");
        assert_eq!(v["summary"]["errors"], 1);
    }

    #[test]
    fn sarif_refers_to_rules_by_index() {
        let (files, ds) = sample();
        let v = sarif(&files, &ds, "0.1.0");
        let run = &v["runs"][0];
        assert_eq!(v["version"], "2.1.0");
        assert_eq!(run["tool"]["driver"]["rules"][0]["id"], "E0201");
        assert_eq!(run["results"][0]["ruleIndex"], 0);
        let region = &run["results"][0]["locations"][0]["physicalLocation"]["region"];
        assert_eq!(region["startLine"], 2);
        assert_eq!(region["startColumn"], 20);
    }

    #[test]
    fn human_rendering_shows_code_and_help() {
        let (files, ds) = sample();
        let text = human_string(&files, &ds);
        assert!(
            text.contains("error[E0201]: unknown chain `secrity`"),
            "{text}"
        );
        assert!(text.contains("help: did you mean `security`?"), "{text}");
        assert!(text.contains("policies/main.writ:2:20"), "{text}");
    }

    #[test]
    fn uris_are_escaped() {
        assert_eq!(uri_of("./a b/c#d.writ"), "a%20b/c%23d.writ");
    }
}

//! Results produced elsewhere: JUnit XML and SARIF 2.1.0.
//!
//! Both are read defensively: a malformed file is an error with its line and
//! column; a report with nothing in it is a failed check (a missing result is
//! never a pass). XML is read with quick-xml, which does not fetch or expand
//! external entities.

use serde_json::{Value, json};
use std::collections::BTreeMap;
use writ_runtime::CheckOutcome;

/// What a report says.
#[derive(Clone, Debug, PartialEq)]
pub struct Ingested {
    /// Passed or failed with the reason.
    pub outcome: CheckOutcome,
    /// One line of counts.
    pub summary: String,
    /// The counts, as JSON, for the stored record.
    pub counts: Value,
}

/// A parse error with its position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IngestError {
    /// 1-based line (0 when unknown).
    pub line: usize,
    /// 1-based column (0 when unknown).
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for IngestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}: {}", self.line, self.column, self.message)
        } else {
            write!(f, "{}", self.message)
        }
    }
}

fn line_col(bytes: &[u8], offset: usize) -> (usize, usize) {
    let at = writ_diagnostics::LineIndex::from_bytes(bytes).line_col_lossy(bytes, offset);
    (at.line as usize, at.column as usize)
}

/// Reads a JUnit XML report (`<testsuites>` or `<testsuite>` at the root;
/// test cases are counted from `<testcase>` elements, not from the suite
/// attributes). Failed when a test case failed or errored, when there is no
/// test case, or when every test case was skipped.
/// The deepest nesting of XML elements in a JUnit report (real reports nest
/// three or four: `testsuites`, `testsuite`, `testcase`, `failure`). The reader
/// does not recurse; the limit keeps hostile reports from being walked at all.
pub(crate) const MAX_XML_DEPTH: usize = 64;

/// The deepest nesting of a SARIF log (serde_json refuses past 128 anyway;
/// this reports it as E0902 with a position, a little before).
pub(crate) const MAX_SARIF_DEPTH: usize = 100;

pub fn junit(bytes: &[u8]) -> Result<Ingested, IngestError> {
    let bytes = bytes
        .strip_prefix(writ_diagnostics::limits::BOM.as_bytes())
        .unwrap_or(bytes);
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut buf = Vec::new();
    let (mut tests, mut failures, mut errors, mut skipped) = (0u64, 0u64, 0u64, 0u64);
    let mut failed_names: Vec<String> = Vec::new();
    let mut depth = 0usize;
    let mut root_seen = false;
    // State of the test case being read: its name and depth, and its verdict so far.
    let mut case: Option<(String, usize, u8)> = None; // 0 ok, 1 failure, 2 error, 3 skipped
    let err = |reader: &quick_xml::Reader<&[u8]>, message: String| {
        let (line, column) = line_col(bytes, reader.error_position() as usize);
        IngestError {
            line,
            column,
            message,
        }
    };
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| err(&reader, format!("not well-formed XML: {e}")))?;
        let (start, empty) = match &event {
            Event::Start(e) => (Some(e.clone().into_owned()), false),
            Event::Empty(e) => (Some(e.clone().into_owned()), true),
            Event::End(_) => {
                if let Some((name, d, verdict)) = &case {
                    if *d == depth {
                        tally(
                            *verdict,
                            name,
                            &mut failures,
                            &mut errors,
                            &mut skipped,
                            &mut failed_names,
                        );
                        case = None;
                    }
                }
                depth = depth.saturating_sub(1);
                (None, false)
            }
            Event::Eof => break,
            _ => (None, false),
        };
        if let Some(e) = start {
            let local = e.local_name();
            let name = local.as_ref();
            if !root_seen {
                root_seen = true;
                if name != b"testsuites" && name != b"testsuite" {
                    let pos = line_col(bytes, reader.buffer_position() as usize);
                    return Err(IngestError {
                        line: pos.0,
                        column: pos.1,
                        message: format!(
                            "not a JUnit report: the root element is <{}>, expected <testsuites> or <testsuite>",
                            String::from_utf8_lossy(name)
                        ),
                    });
                }
            }
            if !empty {
                depth += 1;
                if depth > MAX_XML_DEPTH {
                    return Err(err(
                        &reader,
                        format!(
                            "error[E0902]: XML elements nested more than {MAX_XML_DEPTH} levels deep"
                        ),
                    ));
                }
            }
            match name {
                b"testcase" if case.is_none() => {
                    tests += 1;
                    let attr = |key: &str| {
                        e.try_get_attribute(key)
                            .ok()
                            .flatten()
                            .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
                    };
                    let label = match (attr("classname"), attr("name")) {
                        (Some(c), Some(n)) if !c.is_empty() => format!("{c}::{n}"),
                        (_, Some(n)) => n,
                        _ => format!("test case {tests}"),
                    };
                    if empty {
                        // <testcase/>: passed.
                    } else {
                        case = Some((label, depth, 0));
                    }
                }
                b"failure" | b"error" | b"skipped" => {
                    if let Some((_, _, verdict)) = &mut case {
                        let v = match name {
                            b"failure" => 1,
                            b"error" => 2,
                            _ => 3,
                        };
                        // A failure or error outranks a skip.
                        if *verdict == 0 || (*verdict == 3 && v != 3) {
                            *verdict = v;
                        }
                    }
                }
                _ => {}
            }
        }
        buf.clear();
    }
    if !root_seen {
        return Err(IngestError {
            line: 0,
            column: 0,
            message: "not a JUnit report: no XML element".into(),
        });
    }
    if depth > 0 {
        let (line, column) = line_col(bytes, bytes.len());
        return Err(IngestError {
            line,
            column,
            message: "the report is truncated: elements are not closed".into(),
        });
    }
    let passed = tests - failures - errors - skipped;
    let summary = format!(
        "{tests} tests: {passed} passed, {failures} failed, {errors} errors, {skipped} skipped"
    );
    let outcome = if failures + errors > 0 {
        let mut names = failed_names
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if failed_names.len() > 5 {
            names.push_str(", …");
        }
        CheckOutcome::Failed {
            reason: format!("{} of {tests} tests failed: {names}", failures + errors),
        }
    } else if tests == 0 {
        CheckOutcome::Failed {
            reason: "the report holds no test case".into(),
        }
    } else if passed == 0 {
        CheckOutcome::Failed {
            reason: "every test case was skipped".into(),
        }
    } else {
        CheckOutcome::Passed
    };
    Ok(Ingested {
        outcome,
        summary,
        counts: json!({"tests": tests, "passed": passed, "failures": failures, "errors": errors, "skipped": skipped}),
    })
}

fn tally(
    verdict: u8,
    name: &str,
    failures: &mut u64,
    errors: &mut u64,
    skipped: &mut u64,
    names: &mut Vec<String>,
) {
    match verdict {
        1 => {
            *failures += 1;
            names.push(name.to_string());
        }
        2 => {
            *errors += 1;
            names.push(name.to_string());
        }
        3 => *skipped += 1,
        _ => {}
    }
}

/// The SARIF level at which findings fail the check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FailOn {
    /// Findings of level `error`.
    Error,
    /// `warning` or worse.
    Warning,
    /// `note` or worse.
    Note,
    /// Never (the check records the counts only).
    Never,
}

/// Reads a SARIF 2.1.0 log. Findings are counted by level (`error`,
/// `warning`, `note`, `none`; a result's level defaults to its rule's
/// configured level, then to `warning`; a result whose `kind` is not `fail`
/// has level `none`), and by security severity (`critical` ≥ 9.0, `high`
/// ≥ 7.0, `medium` ≥ 4.0, `low` > 0) when rules or results carry the
/// `security-severity` property. Suppressed results are counted apart and
/// never fail the check. Failed when a finding reaches `fail_on`.
pub fn sarif(bytes: &[u8], fail_on: FailOn) -> Result<Ingested, IngestError> {
    let bytes = bytes
        .strip_prefix(writ_diagnostics::limits::BOM.as_bytes())
        .unwrap_or(bytes);
    if let Some(at) = writ_diagnostics::limits::json_too_deep(bytes, MAX_SARIF_DEPTH) {
        let (line, column) = line_col(bytes, at);
        return Err(IngestError {
            line,
            column,
            message: format!("error[E0902]: JSON nested more than {MAX_SARIF_DEPTH} levels deep"),
        });
    }
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| IngestError {
        line: e.line(),
        column: e.column(),
        message: format!("not valid JSON: {e}"),
    })?;
    let bad = |message: String| IngestError {
        line: 0,
        column: 0,
        message,
    };
    let version = doc.get("version").and_then(Value::as_str).unwrap_or("");
    if version != "2.1.0" {
        return Err(bad(format!(
            "not a SARIF 2.1.0 log: version is `{version}`"
        )));
    }
    let runs = doc
        .get("runs")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("not a SARIF log: `runs` is missing or not an array".into()))?;
    let mut levels: BTreeMap<&str, u64> =
        [("error", 0), ("warning", 0), ("note", 0), ("none", 0)].into();
    let mut severities: BTreeMap<&str, u64> = BTreeMap::new();
    let mut suppressed = 0u64;
    let mut tools = Vec::new();
    for (ri, run) in runs.iter().enumerate() {
        let driver = run.pointer("/tool/driver");
        if let Some(name) = driver.and_then(|d| d.get("name")).and_then(Value::as_str) {
            tools.push(name.to_string());
        } else {
            return Err(bad(format!("runs[{ri}]: `tool.driver.name` is missing")));
        }
        let rules: Vec<&Value> = driver
            .and_then(|d| d.get("rules"))
            .and_then(Value::as_array)
            .map(|r| r.iter().collect())
            .unwrap_or_default();
        let results = match run.get("results") {
            None | Some(Value::Null) => continue,
            Some(Value::Array(r)) => r,
            Some(_) => return Err(bad(format!("runs[{ri}]: `results` is not an array"))),
        };
        for (i, result) in results.iter().enumerate() {
            if !result.is_object() {
                return Err(bad(format!("runs[{ri}].results[{i}] is not an object")));
            }
            let rule = result
                .get("ruleIndex")
                .and_then(Value::as_u64)
                .and_then(|ix| rules.get(ix as usize).copied())
                .or_else(|| {
                    let id = result.get("ruleId").and_then(Value::as_str)?;
                    rules
                        .iter()
                        .copied()
                        .find(|r| r.get("id").and_then(Value::as_str) == Some(id))
                });
            let kind = result.get("kind").and_then(Value::as_str).unwrap_or("fail");
            let level = if kind != "fail" {
                "none"
            } else {
                result
                    .get("level")
                    .and_then(Value::as_str)
                    .or_else(|| {
                        rule.and_then(|r| r.pointer("/defaultConfiguration/level"))
                            .and_then(Value::as_str)
                    })
                    .unwrap_or("warning")
            };
            let level = match level {
                "error" => "error",
                "warning" => "warning",
                "note" => "note",
                "none" => "none",
                other => {
                    return Err(bad(format!(
                        "runs[{ri}].results[{i}]: unknown level `{other}`"
                    )));
                }
            };
            let is_suppressed = result
                .get("suppressions")
                .and_then(Value::as_array)
                .is_some_and(|s| {
                    !s.is_empty()
                        && s.iter().all(|x| {
                            matches!(
                                x.get("status").and_then(Value::as_str),
                                None | Some("accepted")
                            )
                        })
                });
            if is_suppressed {
                suppressed += 1;
                continue;
            }
            *levels.entry(level).or_default() += 1;
            let sev = result
                .pointer("/properties/security-severity")
                .or_else(|| rule.and_then(|r| r.pointer("/properties/security-severity")))
                .and_then(|v| {
                    v.as_f64()
                        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
                });
            if let Some(s) = sev {
                let bucket = if s >= 9.0 {
                    "critical"
                } else if s >= 7.0 {
                    "high"
                } else if s >= 4.0 {
                    "medium"
                } else if s > 0.0 {
                    "low"
                } else {
                    "none"
                };
                *severities.entry(bucket).or_default() += 1;
            }
        }
    }
    if runs.is_empty() {
        return Err(bad(
            "the SARIF log has no run: no tool reported anything".into()
        ));
    }
    let total: u64 = levels.values().sum();
    let mut summary = format!(
        "{total} findings: {} error, {} warning, {} note, {} none",
        levels["error"], levels["warning"], levels["note"], levels["none"]
    );
    if !severities.is_empty() {
        let order = ["critical", "high", "medium", "low", "none"];
        let parts: Vec<String> = order
            .iter()
            .filter_map(|k| severities.get(k).map(|n| format!("{n} {k}")))
            .collect();
        summary.push_str(&format!(" (security severity: {})", parts.join(", ")));
    }
    if suppressed > 0 {
        summary.push_str(&format!("; {suppressed} suppressed"));
    }
    let failing = match fail_on {
        FailOn::Error => levels["error"],
        FailOn::Warning => levels["error"] + levels["warning"],
        FailOn::Note => levels["error"] + levels["warning"] + levels["note"],
        FailOn::Never => 0,
    };
    let outcome = if failing > 0 {
        CheckOutcome::Failed {
            reason: format!("{failing} finding(s) at or above the failing level: {summary}"),
        }
    } else {
        CheckOutcome::Passed
    };
    Ok(Ingested {
        outcome,
        summary: format!("{}: {summary}", tools.join(", ")),
        counts: json!({"levels": levels, "security_severity": severities, "suppressed": suppressed, "tools": tools}),
    })
}

//! The evidence folder.
//!
//! ```text
//! DIR/
//!   approvals/<person>-<digest12>.json   signed approvals (DSSE envelopes)
//!   checks/<node>.<check>.<id12>.json    one check result per (node, check)
//!   logs/<node>.<check>.<id12>.<stream>  redacted stdout/stderr, ingested reports
//!   bundles/<seq>-<change>.intoto.json   signed evidence bundles (DSSE)
//!   bundles/<seq>-<change>.vsa.json      SLSA verification summaries (DSSE)
//!   ledger.jsonl, ledger.head            the hash-chained decision ledger
//! ```
//!
//! Every file except the ledger is written atomically (temporary file,
//! fsync, rename, folder fsync). A check result records the sha256 of each
//! log it refers to; loading refuses a folder whose logs do not match.
//! `<id12>` is the start of sha256(`node` NUL `check`), so distinct pairs
//! never share a file even when their readable parts do.

use crate::approval::{ApprovalRecord, read_approval};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use writ_graph::{Change, Graph};
use writ_runtime::{CheckOutcome, CheckResult, Evidence};

/// The `type` of a check result file.
pub const CHECK_TYPE: &str = "writ.check-result/v1";

/// A stored check result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckRecord {
    /// Always [`CHECK_TYPE`].
    #[serde(rename = "type")]
    pub kind: String,
    /// The check's name.
    pub check: String,
    /// The node's id.
    pub node: String,
    /// `run`, `junit:<file>` or `sarif:<file>`.
    pub source: String,
    /// The change it was produced for, if bound to one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_id: Option<String>,
    /// That change's digest; a result for another digest is stale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_digest: Option<String>,
    /// The plan in force when it ran, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_digest: Option<String>,
    /// Passed or failed with the reason.
    pub outcome: CheckOutcome,
    /// One line: counts, findings by severity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// How the check ran, for `run`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<RunInfo>,
    /// Counts from an ingested report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counts: Option<serde_json::Value>,
    /// The ingested file as it was given (its sha256 before redaction).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<InputRef>,
    /// Stored files (redacted logs, redacted copies of reports).
    pub files: Vec<FileRef>,
    /// When the result was recorded, RFC 3339.
    pub recorded_at: String,
}

/// How a check ran.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunInfo {
    /// Program and arguments (redacted).
    pub argv: Vec<String>,
    /// Exit code, if it exited.
    pub exit_code: Option<i32>,
    /// Signal that ended it, if any.
    pub signal: Option<i32>,
    /// Killed at its time limit.
    pub timed_out: bool,
    /// The time limit, seconds.
    pub timeout_secs: f64,
    /// Start, RFC 3339.
    pub started_at: String,
    /// Wall time, milliseconds.
    pub duration_ms: u64,
}

/// An ingested input file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputRef {
    /// The path it was read from.
    pub path: String,
    /// sha256 of its bytes as read.
    pub sha256: String,
}

/// A file stored beside a check result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRef {
    /// `stdout`, `stderr` or `report`.
    pub name: String,
    /// Path relative to the evidence folder.
    pub path: String,
    /// sha256 of the stored (redacted) bytes.
    pub sha256: String,
    /// Size of the stored bytes.
    pub bytes: u64,
    /// Bytes the producer wrote in total.
    pub total: u64,
    /// Cut at the capture cap.
    pub truncated: bool,
    /// Redactions made before storing.
    pub redactions: usize,
}

/// A file to store with a check result.
#[derive(Clone, Debug)]
pub struct Attachment<'a> {
    /// `stdout`, `stderr`, `report`.
    pub name: &'a str,
    /// The redacted bytes.
    pub bytes: &'a [u8],
    /// Bytes written in total by the producer.
    pub total: u64,
    /// Cut at the cap.
    pub truncated: bool,
    /// Redactions made.
    pub redactions: usize,
}

/// An evidence folder.
#[derive(Clone, Debug)]
pub struct EvidenceDir {
    root: PathBuf,
}

/// What a folder holds for one change.
#[derive(Clone, Debug, Default)]
pub struct Loaded {
    /// The decision engine's input.
    pub evidence: Evidence,
    /// The approvals, with their envelopes and signature verdicts.
    pub approvals: Vec<ApprovalRecord>,
    /// Results left out (bound to another change digest) and why.
    pub notes: Vec<String>,
}

/// A filesystem-safe rendering of an id.
pub fn slug(id: &str) -> String {
    let s: String = id
        .chars()
        .take(60)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() { "_".into() } else { s }
}

fn io(what: String) -> impl FnOnce(std::io::Error) -> String {
    move |e| format!("{what}: {e}")
}

/// Reads a file of the evidence folder, capped at the limit of its kind.
fn read(path: &Path, input: writ_diagnostics::limits::Input) -> Result<Vec<u8>, String> {
    writ_diagnostics::limits::read(path, input)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))
}

impl EvidenceDir {
    /// Opens `root`, creating it and its subfolders if needed.
    pub fn create(root: &Path) -> Result<EvidenceDir, String> {
        for sub in ["", "approvals", "checks", "logs", "bundles"] {
            let dir = root.join(sub);
            crate::fsutil::create_dir_all_durable(&dir)
                .map_err(io(format!("cannot create `{}`", dir.display())))?;
        }
        Ok(EvidenceDir {
            root: root.to_path_buf(),
        })
    }

    /// Opens an existing folder.
    pub fn open(root: &Path) -> Result<EvidenceDir, String> {
        if !root.is_dir() {
            return Err(format!(
                "`{}` is not an evidence folder (no such folder)",
                root.display()
            ));
        }
        Ok(EvidenceDir {
            root: root.to_path_buf(),
        })
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file stem for a (node, check) pair.
    pub fn stem(node: &str, check: &str) -> String {
        let id = writ_plan::sha256_hex(format!("{node}\0{check}").as_bytes());
        format!("{}.{}.{}", slug(node), slug(check), &id[..12])
    }

    /// Stores a check result and its attachments (attachments first, so a
    /// stored result never points at a missing log). Returns the result as
    /// the decision engine sees it.
    pub fn store_check(
        &self,
        mut record: CheckRecord,
        attachments: &[Attachment<'_>],
    ) -> Result<CheckResult, String> {
        let stem = Self::stem(&record.node, &record.check);
        record.files.clear();
        for a in attachments {
            let rel = format!("logs/{stem}.{}", a.name);
            let path = self.root.join(&rel);
            crate::fsutil::write_atomic(&path, a.bytes, 0o644)
                .map_err(io(format!("cannot write `{}`", path.display())))?;
            record.files.push(FileRef {
                name: a.name.into(),
                path: rel,
                sha256: crate::sha256_digest(a.bytes),
                bytes: a.bytes.len() as u64,
                total: a.total,
                truncated: a.truncated,
                redactions: a.redactions,
            });
        }
        let mut bytes = serde_json::to_vec_pretty(&record).expect("a record serialises");
        bytes.push(b'\n');
        let path = self.root.join(format!("checks/{stem}.json"));
        crate::fsutil::write_atomic(&path, &bytes, 0o644)
            .map_err(io(format!("cannot write `{}`", path.display())))?;
        Ok(to_result(&record, crate::sha256_digest(&bytes)))
    }

    /// Stores an approval file; returns its path.
    pub fn store_approval(&self, person: &str, bytes: &[u8]) -> Result<PathBuf, String> {
        let digest = writ_plan::sha256_hex(bytes);
        let path = self
            .root
            .join(format!("approvals/{}-{}.json", slug(person), &digest[..12]));
        crate::fsutil::write_atomic(&path, bytes, 0o644)
            .map_err(io(format!("cannot write `{}`", path.display())))?;
        Ok(path)
    }

    /// Stores a bundle file under `bundles/`; returns its path.
    pub fn store_bundle(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, String> {
        let path = self.root.join("bundles").join(name);
        crate::fsutil::write_atomic(&path, bytes, 0o644)
            .map_err(io(format!("cannot write `{}`", path.display())))?;
        Ok(path)
    }

    /// Reads every check result and approval for `change`: approvals are
    /// verified against the graph's keys; check results bound to another
    /// digest of the change are left out with a note. A malformed file, or a
    /// log that does not match its recorded sha256, is an error naming it.
    pub fn load(&self, graph: &Graph, change: &Change) -> Result<Loaded, String> {
        let mut loaded = Loaded::default();
        for path in json_files(&self.root.join("checks"))? {
            let bytes = read(&path, writ_diagnostics::limits::Input::Evidence)?;
            let record: CheckRecord = serde_json::from_slice(&bytes)
                .map_err(|e| format!("`{}`: not a check result: {e}", path.display()))?;
            if record.kind != CHECK_TYPE {
                return Err(format!(
                    "`{}`: type `{}`, expected `{CHECK_TYPE}`",
                    path.display(),
                    record.kind
                ));
            }
            for f in &record.files {
                if f.path.contains("..") || f.path.starts_with('/') {
                    return Err(format!(
                        "`{}`: file path `{}` leaves the evidence folder",
                        path.display(),
                        f.path
                    ));
                }
                let stored = writ_diagnostics::limits::read(
                    &self.root.join(&f.path),
                    writ_diagnostics::limits::Input::Evidence,
                )
                .map_err(|e| format!("`{}` refers to `{}`: {e}", path.display(), f.path))?;
                let actual = crate::sha256_digest(&stored);
                if actual != f.sha256 {
                    return Err(format!(
                        "`{}` was modified after it was recorded: sha256 is {actual}, `{}` records {}",
                        f.path,
                        path.display(),
                        f.sha256
                    ));
                }
            }
            if let Some(d) = &record.change_digest {
                if *d != change.digest {
                    loaded.notes.push(format!(
                        "`{}` ({} on {}) left out: recorded for change digest {d}, the change is {}",
                        path.display(),
                        record.check,
                        record.node,
                        change.digest
                    ));
                    continue;
                }
            }
            loaded
                .evidence
                .checks
                .push(to_result(&record, crate::sha256_digest(&bytes)));
        }
        for path in json_files(&self.root.join("approvals"))? {
            let bytes = read(&path, writ_diagnostics::limits::Input::Approval)?;
            let record =
                read_approval(&bytes, graph).map_err(|e| format!("`{}`: {e}", path.display()))?;
            loaded.evidence.approvals.push(record.to_evidence());
            loaded.approvals.push(record);
        }
        Ok(loaded)
    }
}

fn to_result(record: &CheckRecord, digest: String) -> CheckResult {
    CheckResult {
        check: record.check.clone(),
        node: record.node.clone(),
        outcome: record.outcome.clone(),
        digest,
        source: record.source.clone(),
        summary: record.summary.clone(),
    }
}

fn json_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot read `{}`: {e}", dir.display())),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(io(format!("cannot read `{}`", dir.display())))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.ends_with(".json") && !name.starts_with('.') {
            out.push(entry.path());
        }
    }
    out.sort();
    Ok(out)
}

/// A check result record for a run, bound to `change` and the plan.
pub fn record_for_run(
    run: &crate::runner::CheckRun,
    change: Option<&Change>,
    plan_digest: Option<&str>,
) -> CheckRecord {
    CheckRecord {
        kind: CHECK_TYPE.into(),
        check: run.spec.check.clone(),
        node: run.spec.node.clone(),
        source: "run".into(),
        change_id: change.map(|c| c.id.clone()),
        change_digest: change.map(|c| c.digest.clone()),
        plan_digest: plan_digest.map(str::to_string),
        outcome: run.outcome.clone(),
        summary: None,
        run: Some(RunInfo {
            argv: run.spec.argv.clone(),
            exit_code: run.exit_code,
            signal: run.signal,
            timed_out: run.timed_out,
            timeout_secs: run.spec.timeout.as_secs_f64(),
            started_at: crate::rfc3339(run.started_at),
            duration_ms: run.duration.as_millis() as u64,
        }),
        counts: None,
        input: None,
        files: Vec::new(),
        recorded_at: crate::rfc3339(crate::now_unix()),
    }
}

/// Stores a finished run with its redacted stdout and stderr.
pub fn store_run(
    dir: &EvidenceDir,
    run: &crate::runner::CheckRun,
    change: Option<&Change>,
    plan_digest: Option<&str>,
) -> Result<CheckResult, String> {
    let record = record_for_run(run, change, plan_digest);
    let out = [
        Attachment {
            name: "stdout",
            bytes: &run.stdout.bytes,
            total: run.stdout.total,
            truncated: run.stdout.truncated,
            redactions: run.stdout.redactions,
        },
        Attachment {
            name: "stderr",
            bytes: &run.stderr.bytes,
            total: run.stderr.total,
            truncated: run.stderr.truncated,
            redactions: run.stderr.redactions,
        },
    ];
    dir.store_check(record, &out)
}

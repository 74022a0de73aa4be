//! The evidence folder.
//!
//! ```text
//! DIR/
//!   approvals/<person>-<digest12>.json   signed approvals (DSSE envelopes)
//!   checks/<node>.<check>.<id12>.json    one check result per (node, check): a
//!                                        record; `writ run` decides from what it observed
//!   logs/<node>.<check>.<id12>.<stream>  redacted stdout/stderr, ingested reports
//!   bundles/<seq>-<change>.intoto.json   signed evidence bundles (DSSE)
//!   bundles/<seq>-<change>.vsa.json      SLSA verification summaries (DSSE)
//!   ledger.jsonl, ledger.head            the hash-chained decision ledger
//! ```
//!
//! Every file except the ledger is written atomically (temporary file,
//! fsync, rename, folder fsync). The folder is hostile input: a symbolic
//! link in it (a subfolder, the ledger files, a record or log) is refused,
//! never followed for writing ([`crate::fsutil::write_atomic_beneath`]), and
//! temporary files left by killed runs are removed when it is opened for
//! writing ([`EvidenceDir::create`]). A check result is a DSSE envelope
//! signed by whoever produced it (the runner that ran the check, or whoever
//! imported a report with `writ evidence add`), bound to the change id, the
//! change digest and the plan digest; loading counts it only when its
//! signature verifies against a key trusted for check results
//! ([`ResultTrust`]) and its binding matches. It records the sha256 of each
//! log it refers to; loading refuses a folder whose logs do not match.
//! `<id12>` is the start of sha256(`node` NUL `check`), so distinct pairs
//! never share a file even when their readable parts do.

mod error;

pub use error::{CheckRejected, IoOp, StoreError};

use crate::approval::{ApprovalRecord, read_approval};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use writ_graph::{Change, Graph};
use writ_runtime::{CheckOutcome, CheckResult, Evidence};

/// The folder and its subfolders.
const SUBFOLDERS: &[&str] = &["", "approvals", "checks", "logs", "bundles"];
/// The ledger's files.
const LEDGER_FILES: &[&str] = &["ledger.jsonl", "ledger.head"];

/// The `type` of a check result file.
pub const CHECK_TYPE: &str = "writ.check-result/v1";

/// The DSSE payload type of a signed check result.
pub const CHECK_PAYLOAD_TYPE: &str = "application/vnd.writ.check-result.v1+json";

/// Which check results count: those signed by one of `keys` (runner and
/// `results` keys of the trust file; the runner's own key in `writ run`)
/// and bound to this plan (and to the change being decided).
#[derive(Clone, Debug)]
pub struct ResultTrust {
    /// The plan in force.
    pub plan_digest: String,
    /// Keys trusted to sign check results.
    pub keys: Vec<ed25519_dalek::VerifyingKey>,
}

/// A check result with the envelope that signs it.
#[derive(Clone, Debug, PartialEq)]
pub struct SignedCheck {
    /// The decision engine's view (its digest is sha256 of the signed payload).
    pub result: CheckResult,
    /// The signed record.
    pub record: CheckRecord,
    /// The DSSE envelope, as stored and as copied into bundles.
    pub envelope: crate::dsse::Envelope,
}

/// Verifies a signed check result against `trust` and binds it to `change`:
/// the one rule of which check results count, used by the evidence folder
/// and by `writ verify` re-deriving a bundle. `Err` says why it does not count.
pub(crate) fn open_check(
    envelope: &crate::dsse::Envelope,
    trust: &ResultTrust,
    change: &Change,
) -> Result<SignedCheck, CheckRejected> {
    let verified =
        crate::dsse::verify(envelope, CHECK_PAYLOAD_TYPE, &trust.keys, 1).map_err(|e| match e {
            crate::dsse::DsseError::NoTrustedKeys => CheckRejected::NoTrustedKeys,
            other => CheckRejected::Signature(other),
        })?;
    // Types and bindings are read from the verified bytes only.
    let record: CheckRecord =
        serde_json::from_slice(&verified.payload).map_err(CheckRejected::Payload)?;
    if record.kind != CHECK_TYPE {
        return Err(CheckRejected::Type(record.kind));
    }
    if record.change_id.as_deref() != Some(change.id.as_str()) {
        return Err(CheckRejected::Change {
            recorded: record.change_id,
            change: change.id.clone(),
        });
    }
    if record.change_digest.as_deref() != Some(change.digest.as_str()) {
        return Err(CheckRejected::Stale {
            recorded: record.change_digest,
            change: change.digest.clone(),
        });
    }
    if record.plan_digest.as_deref() != Some(trust.plan_digest.as_str()) {
        return Err(CheckRejected::Plan {
            recorded: record.plan_digest,
            in_force: trust.plan_digest.clone(),
        });
    }
    let result = to_result(&record, crate::sha256_digest(&verified.payload));
    Ok(SignedCheck {
        result,
        record,
        envelope: envelope.clone(),
    })
}

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
    /// Whether it ran in the sandbox (false in records written before the
    /// sandbox existed, which ran unsandboxed).
    #[serde(default)]
    pub sandboxed: bool,
    /// Whether it had the network (true in records written before the
    /// sandbox existed, which had it).
    #[serde(default = "yes")]
    pub network: bool,
}

fn yes() -> bool {
    true
}

/// The `source` of a result of `writ run`: `run` for a sandboxed check
/// without network (the default), `run+network` for a sandboxed check the
/// graph gave the network, `run-unsandboxed` for a check run with
/// `--no-sandbox`. The decision's proof and the bundle carry it, so a policy
/// reader or an auditor sees how each result was produced.
pub(crate) fn run_source(sandboxed: bool, network: bool) -> &'static str {
    match (sandboxed, network) {
        (true, false) => "run",
        (true, true) => "run+network",
        (false, _) => "run-unsandboxed",
    }
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
    /// The check results that count, with their envelopes (in the order of
    /// `evidence.checks`).
    pub checks: Vec<SignedCheck>,
    /// Results left out (unsigned, untrusted, bound elsewhere) and why.
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

/// The error of `op` on `path`, for `map_err`.
fn io(op: IoOp, path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |error| StoreError::Io {
        op,
        path: path.to_path_buf(),
        error,
    }
}

impl EvidenceDir {
    /// Opens `root`, creating it and its subfolders if needed; refuses a
    /// folder holding symbolic links where it writes ([`Self::refuse_links`]);
    /// removes temporary files of writers that are gone.
    pub fn create(root: &Path) -> Result<EvidenceDir, StoreError> {
        for sub in SUBFOLDERS {
            let dir = root.join(sub);
            crate::fsutil::create_dir_all_durable(&dir).map_err(io(IoOp::Create, &dir))?;
        }
        let dir = EvidenceDir {
            root: root.to_path_buf(),
        };
        dir.refuse_links()?;
        for stale in dir.stale_temps()? {
            std::fs::remove_file(&stale).map_err(io(IoOp::Remove, &stale))?;
        }
        Ok(dir)
    }

    /// Refuses the folder when it, a subfolder, `ledger.jsonl` or
    /// `ledger.head` is a symbolic link (or a subfolder is not a folder):
    /// writing through one would write outside the folder.
    pub fn refuse_links(&self) -> Result<(), StoreError> {
        for sub in SUBFOLDERS.iter().chain(LEDGER_FILES) {
            let path = self.root.join(sub);
            let meta = match std::fs::symlink_metadata(&path) {
                Ok(m) => m,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(io(IoOp::Inspect, &path)(e)),
            };
            if meta.file_type().is_symlink() {
                return Err(StoreError::Link(path));
            }
            if SUBFOLDERS.contains(sub) && !meta.is_dir() {
                return Err(StoreError::NotFolder(path));
            }
        }
        Ok(())
    }

    /// Temporary files (`.NAME.tmp.PID.N`) in the folder and its subfolders
    /// whose writer is gone: what a killed run left.
    pub fn stale_temps(&self) -> Result<Vec<PathBuf>, StoreError> {
        let mut out = Vec::new();
        for sub in SUBFOLDERS {
            let dir = self.root.join(sub);
            out.extend(crate::fsutil::stale_temps(&dir).map_err(io(IoOp::Read, &dir))?);
        }
        Ok(out)
    }

    /// Opens an existing folder.
    pub fn open(root: &Path) -> Result<EvidenceDir, StoreError> {
        if !root.is_dir() {
            return Err(StoreError::NoSuchFolder(root.to_path_buf()));
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
        key: &ed25519_dalek::SigningKey,
    ) -> Result<SignedCheck, StoreError> {
        let stem = Self::stem(&record.node, &record.check);
        record.files.clear();
        for a in attachments {
            let rel = format!("logs/{stem}.{}", a.name);
            self.write(&rel, a.bytes)?;
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
        let payload = serde_json::to_vec(&record).expect("a record serialises");
        let envelope = crate::dsse::sign(CHECK_PAYLOAD_TYPE, &payload, key);
        let mut bytes = serde_json::to_vec_pretty(&envelope).expect("an envelope serialises");
        bytes.push(b'\n');
        self.write(&format!("checks/{stem}.json"), &bytes)?;
        Ok(SignedCheck {
            result: to_result(&record, crate::sha256_digest(&payload)),
            record,
            envelope,
        })
    }

    /// Stores an approval file; returns its path.
    pub fn store_approval(&self, person: &str, bytes: &[u8]) -> Result<PathBuf, StoreError> {
        let digest = writ_plan::sha256_hex(bytes);
        let rel = format!("approvals/{}-{}.json", slug(person), &digest[..12]);
        self.write(&rel, bytes)?;
        Ok(self.root.join(rel))
    }

    /// Stores a bundle file under `bundles/`; returns its path.
    pub fn store_bundle(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, StoreError> {
        let rel = format!("bundles/{}", slug_file(name));
        self.write(&rel, bytes)?;
        Ok(self.root.join(rel))
    }

    /// Writes `rel` under the folder atomically, following no link.
    fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), StoreError> {
        crate::fsutil::write_atomic_beneath(&self.root, rel, bytes, 0o644)
            .map_err(io(IoOp::Write, &self.root.join(rel)))
    }

    /// Reads every check result and approval for `change`: approvals are
    /// verified against the graph's keys; a check result counts only when it
    /// is signed by a key of `trust` and bound to this change and plan
    /// ([`open_check`]); the others are left out with a note. A malformed
    /// file, or a log that does not match its recorded sha256, is an error
    /// naming it, and so is a symbolic link (the folder's own, a subfolder,
    /// a record, a log).
    pub fn load(
        &self,
        graph: &Graph,
        change: &Change,
        trust: &ResultTrust,
    ) -> Result<Loaded, StoreError> {
        self.refuse_links()?;
        let mut loaded = Loaded::default();
        for path in json_files(&self.root.join("checks"))? {
            let bytes = read_no_follow(&path, writ_diagnostics::limits::Input::Evidence)?;
            let Ok(envelope) = crate::dsse::parse(&bytes) else {
                if serde_json::from_slice::<CheckRecord>(&bytes).is_ok() {
                    loaded.notes.push(format!(
                        "`{}` left out: an unsigned check result (written by an older writ); \
                         run the check again",
                        path.display()
                    ));
                    continue;
                }
                return Err(StoreError::NotSignedCheck(path));
            };
            let signed = match open_check(&envelope, trust, change) {
                Ok(signed) => signed,
                Err(why) => {
                    loaded
                        .notes
                        .push(format!("`{}` left out: {why}", path.display()));
                    continue;
                }
            };
            for f in &signed.record.files {
                if f.path.contains("..") || f.path.starts_with('/') {
                    return Err(StoreError::Escapes {
                        record: path,
                        file: f.path.clone(),
                    });
                }
                let stored = read_no_follow(
                    &self.root.join(&f.path),
                    writ_diagnostics::limits::Input::Evidence,
                )
                .map_err(|e| StoreError::Attachment {
                    record: path.clone(),
                    file: f.path.clone(),
                    error: Box::new(e),
                })?;
                let actual = crate::sha256_digest(&stored);
                if actual != f.sha256 {
                    return Err(StoreError::Modified {
                        file: f.path.clone(),
                        record: path,
                        actual,
                        recorded: f.sha256.clone(),
                    });
                }
            }
            loaded.evidence.checks.push(signed.result.clone());
            loaded.checks.push(signed);
        }
        for path in json_files(&self.root.join("approvals"))? {
            let bytes = read_no_follow(&path, writ_diagnostics::limits::Input::Approval)?;
            let record =
                read_approval(&bytes, graph).map_err(|e| StoreError::Approval(path.clone(), e))?;
            loaded.evidence.approvals.push(record.to_evidence());
            loaded.approvals.push(record);
        }
        Ok(loaded)
    }
}

/// Reads a file, refusing a symbolic link in its last component (a link
/// planted in the folder could import a record from elsewhere), and stopping
/// past the size limit of its kind (E0901).
fn read_no_follow(
    path: &Path,
    input: writ_diagnostics::limits::Input,
) -> Result<Vec<u8>, StoreError> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .map_err(|e| {
            if e.raw_os_error() == Some(libc::ELOOP) {
                StoreError::ReadLink(path.to_path_buf())
            } else {
                io(IoOp::Read, path)(e)
            }
        })?;
    writ_diagnostics::limits::read_from(file, input)
        .map_err(|e| StoreError::Limit(path.to_path_buf(), e))
}

/// A file name kept to one path component.
fn slug_file(name: &str) -> String {
    name.replace(['/', '\0'], "_")
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

fn json_files(dir: &Path) -> Result<Vec<PathBuf>, StoreError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io(IoOp::Read, dir)(e)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(io(IoOp::Read, dir))?;
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
pub(crate) fn record_for_run(
    run: &crate::runner::CheckRun,
    change: &Change,
    plan_digest: &str,
) -> CheckRecord {
    CheckRecord {
        kind: CHECK_TYPE.into(),
        check: run.spec.check.clone(),
        node: run.spec.node.clone(),
        source: run_source(run.sandboxed, run.spec.network).into(),
        change_id: Some(change.id.clone()),
        change_digest: Some(change.digest.clone()),
        plan_digest: Some(plan_digest.to_string()),
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
            sandboxed: run.sandboxed,
            network: run.spec.network || !run.sandboxed,
        }),
        counts: None,
        input: None,
        files: Vec::new(),
        recorded_at: crate::rfc3339(crate::now_unix()),
    }
}

/// Stores a finished run with its redacted stdout and stderr, signed with
/// the runner's `key` and bound to `change` and the plan.
pub fn store_run(
    dir: &EvidenceDir,
    run: &crate::runner::CheckRun,
    change: &Change,
    plan_digest: &str,
    key: &ed25519_dalek::SigningKey,
) -> Result<SignedCheck, StoreError> {
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
    dir.store_check(record, &out, key)
}

//! The evidence folder's errors: why the folder could not be opened, read
//! or written ([`StoreError`]), and why a signed check result does not count
//! ([`CheckRejected`]). The messages are the ones `writ run`, `writ eval`,
//! `writ approve` and `writ verify` print.

use std::fmt;
use std::path::PathBuf;

/// What was being done to a path when the operating system refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IoOp {
    /// Creating a folder.
    Create,
    /// Removing a stale temporary file.
    Remove,
    /// Reading a file's metadata (without following a link).
    Inspect,
    /// Reading a file or listing a folder.
    Read,
    /// Writing a file atomically.
    Write,
}

impl IoOp {
    /// The verb, as in "cannot create `…`".
    fn verb(self) -> &'static str {
        match self {
            IoOp::Create => "create",
            IoOp::Remove => "remove",
            IoOp::Inspect => "inspect",
            IoOp::Read => "read",
            IoOp::Write => "write",
        }
    }
}

/// Why the evidence folder could not be opened, read or written.
#[derive(Debug)]
pub enum StoreError {
    /// The operating system refused an operation on a path.
    Io {
        /// What was being done.
        op: IoOp,
        /// To which path.
        path: PathBuf,
        /// Why not.
        error: std::io::Error,
    },
    /// A file went past the size limit of its kind (E0901) or could not be
    /// read to the end.
    Limit(PathBuf, writ_diagnostics::limits::ReadError),
    /// A file to read is a symbolic link (refused, never followed).
    ReadLink(PathBuf),
    /// A subfolder or ledger file is a symbolic link (refused for writing).
    Link(PathBuf),
    /// A subfolder is not a folder.
    NotFolder(PathBuf),
    /// The evidence folder does not exist.
    NoSuchFolder(PathBuf),
    /// A file in `checks/` is not a signed check result.
    NotSignedCheck(PathBuf),
    /// A check result names a file outside the folder.
    Escapes {
        /// The check result.
        record: PathBuf,
        /// The path it names.
        file: String,
    },
    /// A file a check result refers to could not be read.
    Attachment {
        /// The check result.
        record: PathBuf,
        /// The path it names.
        file: String,
        /// Why it could not be read.
        error: Box<StoreError>,
    },
    /// A file a check result refers to does not have the recorded sha256.
    Modified {
        /// The path the check result names.
        file: String,
        /// The check result.
        record: PathBuf,
        /// The file's sha256 now.
        actual: String,
        /// The sha256 the check result records.
        recorded: String,
    },
    /// An approval file could not be read or verified.
    Approval(PathBuf, crate::approval::ApprovalError),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Io { op, path, error } => {
                write!(f, "cannot {} `{}`: {error}", op.verb(), path.display())
            }
            StoreError::Limit(path, e) => write!(f, "cannot read `{}`: {e}", path.display()),
            StoreError::ReadLink(path) => write!(
                f,
                "cannot read `{}`: a symbolic link; refused",
                path.display()
            ),
            StoreError::Link(path) => write!(
                f,
                "`{}` is a symbolic link; the evidence folder must not hold links \
                 (refusing to write through it)",
                path.display()
            ),
            StoreError::NotFolder(path) => write!(f, "`{}` is not a folder", path.display()),
            StoreError::NoSuchFolder(path) => write!(
                f,
                "`{}` is not an evidence folder (no such folder)",
                path.display()
            ),
            StoreError::NotSignedCheck(path) => {
                write!(f, "`{}`: not a signed check result", path.display())
            }
            StoreError::Escapes { record, file } => write!(
                f,
                "`{}`: file path `{file}` leaves the evidence folder",
                record.display()
            ),
            StoreError::Attachment {
                record,
                file,
                error,
            } => write!(f, "`{}` refers to `{file}`: {error}", record.display()),
            StoreError::Modified {
                file,
                record,
                actual,
                recorded,
            } => write!(
                f,
                "`{file}` was modified after it was recorded: sha256 is {actual}, `{}` records {recorded}",
                record.display()
            ),
            StoreError::Approval(path, e) => write!(f, "`{}`: {e}", path.display()),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<StoreError> for String {
    fn from(e: StoreError) -> String {
        e.to_string()
    }
}

/// Why a signed check result does not count ([`super::open_check`]).
#[derive(Debug)]
pub enum CheckRejected {
    /// The trust file lists no key for check results.
    NoTrustedKeys,
    /// The signature is not by a key trusted for check results.
    Signature(crate::dsse::DsseError),
    /// The signed payload is not a check result.
    Payload(serde_json::Error),
    /// The record's type is not a check result's.
    Type(String),
    /// The record is bound to another change (or none).
    Change {
        /// The change id it records.
        recorded: Option<String>,
        /// The change being decided.
        change: String,
    },
    /// The record is for another digest of the change (or none).
    Stale {
        /// The change digest it records.
        recorded: Option<String>,
        /// The change's digest.
        change: String,
    },
    /// The record is bound to another plan (or none).
    Plan {
        /// The plan digest it records.
        recorded: Option<String>,
        /// The plan in force.
        in_force: String,
    },
}

impl fmt::Display for CheckRejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckRejected::NoTrustedKeys => f.write_str(
                "no key is trusted for check results (add `runner` or `results` keys to the \
                 trust file)",
            ),
            CheckRejected::Signature(e) => write!(
                f,
                "its signature is not by a key trusted for check results: {e}"
            ),
            CheckRejected::Payload(e) => {
                write!(f, "the signed payload is not a check result: {e}")
            }
            CheckRejected::Type(kind) => {
                write!(f, "type `{kind}`, expected `{}`", super::CHECK_TYPE)
            }
            CheckRejected::Change { recorded, change } => match recorded {
                Some(c) => write!(f, "bound to change `{c}`, not `{change}`"),
                None => write!(f, "bound to change (none), not `{change}`"),
            },
            CheckRejected::Stale { recorded, change } => write!(
                f,
                "stale: recorded for change digest {}, the change is {change}",
                recorded.as_deref().unwrap_or("(none)")
            ),
            CheckRejected::Plan { recorded, in_force } => write!(
                f,
                "recorded under plan {}, not the plan in force ({in_force})",
                recorded.as_deref().unwrap_or("(none)")
            ),
        }
    }
}

impl std::error::Error for CheckRejected {}

impl From<CheckRejected> for String {
    fn from(e: CheckRejected) -> String {
        e.to_string()
    }
}

//! Why sharing the log through git failed: the typed error of
//! [`super::push`], [`super::pull`] and [`super::verify_history`]. Each
//! variant's `Display` is the message `writ ledger push|pull` prints.

use crate::ledger::{Fault, RecordError};
use crate::tlog::CheckpointRejected;
use crate::tlog::merkle::MerkleError;
use std::fmt;

/// Why a push, a pull or a history check failed.
#[derive(Debug)]
pub enum SyncError {
    /// git could not be started or waited for.
    Spawn(std::io::Error),
    /// git's standard input could not be written.
    Stdin(std::io::Error),
    /// git ran and failed.
    Git {
        /// The arguments after the repository options.
        args: String,
        /// What git printed on standard error, trimmed.
        stderr: String,
    },
    /// The bare cache repository could not be created (git's message).
    CacheInit(String),
    /// A file or folder could not be read, written, created or removed.
    Io {
        /// What was being done: `write \`synced\``, `read the ledger`, …
        action: String,
        /// Why.
        error: std::io::Error,
    },
    /// `--repo NAME` is not a path, and no repository is here to name a remote of.
    NoRepository(String),
    /// `--repo NAME` is neither a path nor a remote of this repository.
    NotRemote(String),
    /// A path holds a newline (git's batch protocol cannot name it).
    PathNewline(String),
    /// `git cat-file --batch` stopped before every object was printed.
    BatchEnded,
    /// `git cat-file --batch` printed a header writ does not read.
    BatchHeader {
        /// The header line.
        header: String,
        /// The object asked for.
        spec: String,
    },
    /// The fetched ref is not a commit.
    NotCommit,
    /// The shared log's checkpoint is refused.
    SharedCheckpoint(CheckpointRejected),
    /// The shared log does not match its own checkpoint.
    SharedMismatch(CheckpointRejected),
    /// The checkpoint this folder last saw (`synced`) is refused.
    Synced(CheckpointRejected),
    /// The shared log no longer extends what this folder last saw.
    Rewritten(CheckpointRejected),
    /// A bundle file the shared log lists is missing from it.
    LostFile(String),
    /// The shared log holds a file outside `bundles/`.
    Outside(String),
    /// The history of the ref does not check.
    History {
        /// The ref.
        git_ref: String,
        /// Why.
        error: Box<SyncError>,
    },
    /// The folder holds records the shared log lacks (a pull refuses).
    LocalAhead {
        /// Records in the folder.
        local: usize,
        /// Records in the shared log.
        shared: usize,
    },
    /// Other runners kept pushing first for longer than the patience.
    GaveUp {
        /// Attempts made.
        attempts: u32,
        /// Time spent.
        elapsed: std::time::Duration,
    },
    /// A local record does not parse.
    LocalRecord(RecordError),
    /// Appending or signing in the local ledger failed.
    Ledger(Fault),
    /// A saved pending record does not parse.
    Pending(serde_json::Error),
    /// A commit has more or fewer parents than a linear history allows.
    NotLinear(String),
    /// The ref has no commits.
    NoCommits,
    /// A commit holds no checkpoint.
    NoCheckpoint(String),
    /// A commit's checkpoint is refused or does not match the newest log.
    CommitCheckpoint {
        /// The commit.
        commit: String,
        /// Why.
        error: CheckpointRejected,
    },
    /// A commit's checkpoint is not consistent with the one before.
    CommitConsistency {
        /// The commit.
        commit: String,
        /// Why.
        error: MerkleError,
    },
    /// A commit's log is not larger than its parent's.
    DidNotGrow {
        /// The commit.
        commit: String,
        /// The parent's size.
        before: u64,
        /// The commit's size.
        after: u64,
    },
}

impl SyncError {
    /// An I/O failure while doing `action` (`"write `synced`"`).
    pub(super) fn io(action: impl Into<String>) -> impl FnOnce(std::io::Error) -> SyncError {
        let action = action.into();
        move |error| SyncError::Io { action, error }
    }

    /// Whether git refused the push because another runner pushed first.
    pub(super) fn lost_race(&self) -> bool {
        let SyncError::Git { stderr, .. } = self else {
            return false;
        };
        [
            "rejected",
            "non-fast-forward",
            "fetch first",
            "failed to update ref",
            "cannot lock ref",
        ]
        .iter()
        .any(|m| stderr.contains(m))
    }

    /// Whether git's fetch failed because the remote has no such ref yet.
    pub(super) fn no_remote_ref(&self) -> bool {
        matches!(self, SyncError::Git { stderr, .. } if stderr.contains("couldn't find remote ref"))
    }
}

impl fmt::Display for SyncError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyncError::Spawn(e) => write!(f, "cannot run git: {e}"),
            SyncError::Stdin(e) => write!(f, "cannot write to git: {e}"),
            SyncError::Git { args, stderr } => write!(f, "`git {args}` failed: {stderr}"),
            SyncError::CacheInit(stderr) => {
                write!(f, "cannot create the cache repository: {stderr}")
            }
            SyncError::Io { action, error } => write!(f, "cannot {action}: {error}"),
            SyncError::NoRepository(name) => write!(
                f,
                "`{name}` is not a path, and there is no git repository here to name a remote of"
            ),
            SyncError::NotRemote(name) => write!(
                f,
                "`{name}` is neither a path nor a remote of this repository"
            ),
            SyncError::PathNewline(path) => write!(f, "a path with a newline: {path:?}"),
            SyncError::BatchEnded => f.write_str("`git cat-file --batch` ended early"),
            SyncError::BatchHeader { header, spec } => {
                write!(f, "`git cat-file --batch` printed `{header}` for {spec}")
            }
            SyncError::NotCommit => f.write_str("the fetched ref is not a commit"),
            SyncError::SharedCheckpoint(e) => write!(f, "the shared checkpoint: {e}"),
            SyncError::SharedMismatch(e) => {
                write!(f, "the shared log does not match its checkpoint: {e}")
            }
            SyncError::Synced(e) => write!(f, "`synced`: {e}"),
            SyncError::Rewritten(e) => write!(
                f,
                "the shared log was rewritten since this folder last synced: {e}"
            ),
            SyncError::LostFile(path) => write!(f, "the shared log lost `{path}`"),
            SyncError::Outside(path) => {
                write!(f, "the shared log holds a file outside bundles/: `{path}`")
            }
            SyncError::History { git_ref, error } => write!(f, "the history of {git_ref}: {error}"),
            SyncError::LocalAhead { local, shared } => write!(
                f,
                "the evidence folder holds records the shared log lacks ({local} local, {shared} \
                 shared); `writ ledger push` moves them on top"
            ),
            SyncError::GaveUp { attempts, elapsed } => write!(
                f,
                "gave up after {attempts} attempts in {elapsed:?}: other runners keep pushing \
                 first; the records stay in the evidence folder, push again later"
            ),
            SyncError::LocalRecord(e) => write!(f, "a local record is damaged: {e}"),
            SyncError::Ledger(fault) => fault.fmt(f),
            SyncError::Pending(e) => write!(f, "`pending.jsonl`: {e}"),
            SyncError::NotLinear(commit) => {
                write!(f, "commit {commit} breaks the linear history")
            }
            SyncError::NoCommits => f.write_str("the ref has no commits"),
            SyncError::NoCheckpoint(commit) => write!(f, "commit {commit} has no checkpoint"),
            SyncError::CommitCheckpoint { commit, error } => write!(f, "commit {commit}: {error}"),
            SyncError::CommitConsistency { commit, error } => {
                write!(f, "commit {commit}: {error}")
            }
            SyncError::DidNotGrow {
                commit,
                before,
                after,
            } => write!(
                f,
                "commit {commit}: the log did not grow ({before} then {after})"
            ),
        }
    }
}

impl std::error::Error for SyncError {}

impl From<SyncError> for String {
    fn from(e: SyncError) -> String {
        e.to_string()
    }
}

//! The append-only, hash-chained decision ledger.
//!
//! `ledger.jsonl` holds one record per line:
//!
//! ```text
//! {"seq":0,"prev":"sha256:000…","time":"2026-…Z","entry":{…},"digest":"sha256:…"}
//! ```
//!
//! `digest` is the sha256 of the line's bytes up to (not including) the
//! `,"digest":` that ends it, so it covers `seq`, `prev`, `time` and `entry`
//! exactly as written; `prev` is the previous record's digest ([`GENESIS`]
//! for the first). `ledger.head` (written atomically after each append) holds
//! the seq and digest of the last record whose append completed, so removing
//! records from the end is detected too.
//!
//! **Append** takes an exclusive `flock` on the ledger, reads only its tail
//! (from the line before the last newline), removes an incomplete
//! trailing line (the remains of an append that was interrupted, which never
//! returned), checks the last record and the head (bringing a head that lags
//! by one up to date), writes the new line in one `write`, fsyncs the file (and its folder when the file is new), then
//! replaces `ledger.head`. An append returns only after both are durable.
//!
//! **Verify** checks every line: complete, valid JSON of the record shape,
//! its digest, its `seq` (0, 1, 2, …) and its `prev`, then the head. Rules for
//! the end of the file:
//! - a final fragment without a newline whose seq the head does not claim is
//!   an interrupted append: reported, not an error (the next append removes it);
//! - the head may lag the last record by one (a crash between the two fsyncs);
//! - a head that names a record the ledger does not have means records were
//!   removed from the end (truncation): an error, as is any other mismatch.

use serde::{Deserialize, Serialize};
use std::fs::OpenOptions;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

/// The ledger's file name in the evidence folder.
pub const LEDGER_FILE: &str = "ledger.jsonl";
/// The head file's name.
pub const HEAD_FILE: &str = "ledger.head";
/// `prev` of the first record.
pub const GENESIS: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

const DIGEST_KEY: &[u8] = b",\"digest\":\"sha256:";
const SUFFIX_LEN: usize = DIGEST_KEY.len() + 64 + 2;

/// One ledger record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// Position, from 0.
    pub seq: u64,
    /// The previous record's digest.
    pub prev: String,
    /// When it was appended, RFC 3339 UTC.
    pub time: String,
    /// What is recorded (a decision).
    pub entry: serde_json::Value,
    /// sha256 of the line up to `,"digest":`.
    pub digest: String,
}

/// What `ledger.head` holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Head {
    /// The last committed record's seq.
    pub seq: u64,
    /// Its digest.
    pub digest: String,
}

/// Where the ledger of an evidence folder is.
pub fn ledger_path(dir: &Path) -> PathBuf {
    dir.join(LEDGER_FILE)
}

fn head_path(dir: &Path) -> PathBuf {
    dir.join(HEAD_FILE)
}

/// A problem found in a ledger: where, and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    /// 1-based line, when the problem is on a line.
    pub line: Option<usize>,
    /// Byte offset of that line (or of the problem).
    pub offset: u64,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line} (byte {}): {}", self.offset, self.message),
            None => write!(f, "{}", self.message),
        }
    }
}

/// A ledger that verified.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// Every complete record, in order.
    pub records: Vec<Record>,
    /// Notes that are not errors (an interrupted append, a lagging head).
    pub notes: Vec<String>,
}

/// Why a line is not a ledger record ([`parse_line`]).
#[derive(Debug)]
pub enum RecordError {
    /// It does not end with the digest member.
    NoDigest,
    /// The digest is not lowercase hex.
    DigestNotHex,
    /// The content does not hash to the digest it claims.
    Modified {
        /// sha256 of the content, hex.
        computed: String,
        /// The digest the line claims, hex.
        claimed: String,
    },
    /// The line is not a record's JSON.
    Json(serde_json::Error),
}

impl std::fmt::Display for RecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecordError::NoDigest => {
                f.write_str("not a ledger record: it must end with `,\"digest\":\"sha256:<hex>\"}`")
            }
            RecordError::DigestNotHex => f.write_str("the digest is not lowercase hex"),
            RecordError::Modified { computed, claimed } => write!(
                f,
                "the record was modified: its content hashes to sha256:{computed}, it claims sha256:{claimed}"
            ),
            RecordError::Json(e) => write!(f, "not a ledger record: {e}"),
        }
    }
}

/// Parses one record line (without its newline), checking its digest and
/// shape; `Err` says what is wrong.
pub(crate) fn parse_line(line: &[u8]) -> Result<Record, RecordError> {
    let n = line.len();
    if n <= SUFFIX_LEN
        || &line[n - SUFFIX_LEN..n - SUFFIX_LEN + DIGEST_KEY.len()] != DIGEST_KEY
        || &line[n - 2..] != b"\"}"
    {
        return Err(RecordError::NoDigest);
    }
    let hex = &line[n - 66..n - 2];
    if !hex
        .iter()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
    {
        return Err(RecordError::DigestNotHex);
    }
    let computed = writ_plan::sha256_hex(&line[..n - SUFFIX_LEN]);
    if computed.as_bytes() != hex {
        return Err(RecordError::Modified {
            computed,
            claimed: String::from_utf8_lossy(hex).into_owned(),
        });
    }
    serde_json::from_slice::<Record>(line).map_err(RecordError::Json)
}

/// Reads `ledger.head` of evidence folder `dir` (`None` when there is none).
pub(crate) fn read_head(dir: &Path) -> Result<Option<Head>, Fault> {
    match std::fs::read(head_path(dir)) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| Fault {
            line: None,
            offset: 0,
            message: format!("`{HEAD_FILE}` is damaged: {e}"),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Fault {
            line: None,
            offset: 0,
            message: format!("cannot read `{HEAD_FILE}`: {e}"),
        }),
    }
}

/// Verifies the ledger of evidence folder `dir` (see the module docs for the rules).
pub fn verify(dir: &Path) -> Result<Report, Fault> {
    let path = ledger_path(dir);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => {
            return Err(Fault {
                line: None,
                offset: 0,
                message: format!("cannot read `{}`: {e}", path.display()),
            });
        }
    };
    verify_bytes(&bytes, read_head(dir)?)
}

/// Verifies ledger bytes against a head.
pub(crate) fn verify_bytes(bytes: &[u8], head: Option<Head>) -> Result<Report, Fault> {
    let mut records: Vec<Record> = Vec::new();
    let mut notes = Vec::new();
    let mut offset = 0usize;
    let mut torn: Option<(usize, usize)> = None;
    let mut line_no = 0;
    while offset < bytes.len() {
        line_no += 1;
        let Some(len) = bytes[offset..].iter().position(|&b| b == b'\n') else {
            torn = Some((line_no, offset));
            break;
        };
        let line = &bytes[offset..offset + len];
        let at = |message: String| Fault {
            line: Some(line_no),
            offset: offset as u64,
            message,
        };
        let record = parse_line(line).map_err(|e| at(e.to_string()))?;
        let expected_seq = records.len() as u64;
        let expected_prev = records.last().map_or(GENESIS, |r| r.digest.as_str());
        if record.seq != expected_seq {
            let why = if record.seq > expected_seq {
                format!(
                    "record {expected_seq} is missing (deleted): found seq {} where {expected_seq} was expected",
                    record.seq
                )
            } else {
                format!(
                    "found seq {} where {expected_seq} was expected (records reordered or duplicated)",
                    record.seq
                )
            };
            return Err(at(why));
        }
        if record.prev != expected_prev {
            return Err(at(format!(
                "`prev` is {}, but the previous record's digest is {expected_prev}: the previous record was edited, or records were removed or reordered",
                record.prev
            )));
        }
        records.push(record);
        offset += len + 1;
    }
    let count = records.len() as u64;
    let end = Fault {
        line: None,
        offset: bytes.len() as u64,
        message: String::new(),
    };
    match head {
        None if count >= 2 => {
            return Err(Fault {
                message: format!("`{HEAD_FILE}` is missing, but the ledger has {count} records"),
                ..end
            });
        }
        None => {}
        Some(head) => {
            if head.seq >= count {
                return Err(Fault {
                    message: format!(
                        "truncated: `{HEAD_FILE}` records that record {} was committed, but the ledger ends {}",
                        head.seq,
                        if count == 0 {
                            "before its first record".to_string()
                        } else {
                            format!("at record {}", count - 1)
                        }
                    ),
                    line: torn.map(|t| t.0),
                    offset: torn.map_or(bytes.len(), |t| t.1) as u64,
                });
            }
            if head.seq + 2 < count {
                return Err(Fault {
                    message: format!(
                        "`{HEAD_FILE}` records record {}, but the ledger has {count} records",
                        head.seq
                    ),
                    ..end
                });
            }
            let r = &records[head.seq as usize];
            if r.digest != head.digest {
                return Err(Fault {
                    line: Some(head.seq as usize + 1),
                    offset: 0,
                    message: format!(
                        "record {} has digest {}, but `{HEAD_FILE}` recorded {}: it was edited (or the ledger replaced)",
                        head.seq, r.digest, head.digest
                    ),
                });
            }
            if head.seq + 1 < count {
                notes.push(format!(
                    "record {} is complete but `{HEAD_FILE}` was not yet updated (an append was interrupted after writing it)",
                    count - 1
                ));
            }
        }
    }
    if let Some((line, at)) = torn {
        notes.push(format!(
            "line {line} (byte {at}): an incomplete record of {} bytes, left by an interrupted append that never returned; the next append removes it",
            bytes.len() - at
        ));
    }
    Ok(Report { records, notes })
}

/// The result of an append.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Appended {
    /// The new record's seq.
    pub seq: u64,
    /// Its digest.
    pub digest: String,
}

fn io_fault(what: &str, e: std::io::Error) -> Fault {
    Fault {
        line: None,
        offset: 0,
        message: format!("{what}: {e}"),
    }
}

/// Appends `entry` to the ledger of `dir` (created if needed) and returns
/// once the record and the head are on disk.
pub fn append(dir: &Path, entry: &serde_json::Value) -> Result<Appended, Fault> {
    append_with(dir, entry, |_, _, _| Ok(())).map(|(a, ())| a)
}

/// The reader of a ledger's whole bytes that [`append_with`] hands its
/// callback (called only if the callback needs every record).
pub(crate) type ReadAll<'a> = &'a dyn Fn() -> Result<Vec<u8>, Fault>;

/// Like [`append`], then, still holding the ledger's lock, calls `after`
/// with the new record's line (with its newline), a reader of the whole
/// ledger (every record, the new one last) and the new record: the
/// transparency log signs its checkpoint there, so two appends never
/// interleave their checkpoints. An error from `after` is returned, but the
/// record stays appended (it is durable already).
pub(crate) fn append_with<T>(
    dir: &Path,
    entry: &serde_json::Value,
    after: impl FnOnce(&[u8], ReadAll<'_>, &Appended) -> Result<T, Fault>,
) -> Result<(Appended, T), Fault> {
    crate::fsutil::create_dir_all_durable(dir)
        .map_err(|e| io_fault("cannot create the evidence folder", e))?;
    let path = ledger_path(dir);
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .mode(0o644)
        .open(&path)
        .map_err(|e| io_fault(&format!("cannot open `{}`", path.display()), e))?;
    // SAFETY: flock on a file descriptor we own; no memory is involved.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
        return Err(io_fault(
            "cannot lock the ledger",
            std::io::Error::last_os_error(),
        ));
    }
    let len = file
        .metadata()
        .map_err(|e| io_fault("cannot read the ledger", e))?
        .len();
    if len == 0 {
        // A new (or empty) file: make its folder entry durable.
        crate::fsutil::sync_dir(dir).map_err(|e| io_fault("cannot sync the evidence folder", e))?;
    }
    // Only the file's tail is read: from the newline before the last
    // complete record (or the start) to the end.
    let (tail_start, mut tail) = read_tail(&mut file, len)?;
    let complete = tail_start
        + tail
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i as u64 + 1);
    if complete < len {
        file.set_len(complete)
            .map_err(|e| io_fault("cannot remove an interrupted append", e))?;
        file.sync_all()
            .map_err(|e| io_fault("cannot sync the ledger", e))?;
        tail.truncate((complete - tail_start) as usize);
    }
    let last = if complete == 0 {
        None
    } else {
        let end = tail.len() - 1;
        let start = tail[..end]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let record = parse_line(&tail[start..end]).map_err(|message| {
            let offset = tail_start + start as u64;
            // The line number only on this error path: it needs the whole file.
            let line_no = std::fs::read(&path).ok().map(|all| {
                all[..offset as usize]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count()
                    + 1
            });
            Fault {
                line: line_no,
                offset,
                message: format!("the last record is damaged, refusing to append: {message}"),
            }
        })?;
        Some(record)
    };
    let head = read_head(dir)?;
    let next = last.as_ref().map_or(0, |r| r.seq + 1);
    match (&head, &last) {
        (Some(h), _) if h.seq >= next => {
            return Err(Fault {
                line: None,
                offset: complete,
                message: format!(
                    "refusing to append: `{HEAD_FILE}` records record {} but the ledger ends before it (truncated); run `writ ledger verify`",
                    h.seq
                ),
            });
        }
        (Some(h), Some(l))
            if h.seq + 1 < l.seq
                || (h.seq == l.seq && h.digest != l.digest)
                || (h.seq + 1 == l.seq && h.digest != l.prev) =>
        {
            return Err(Fault {
                line: None,
                offset: complete,
                message: "refusing to append: the ledger does not match `ledger.head`; run `writ ledger verify`".into(),
            });
        }
        (None, Some(l)) if l.seq >= 1 => {
            return Err(Fault {
                line: None,
                offset: complete,
                message: format!(
                    "refusing to append: `{HEAD_FILE}` is missing; run `writ ledger verify`"
                ),
            });
        }
        _ => {}
    }
    // The head may lag by one (a crash after the record's fsync, before the
    // head's). Bring it up to date first, so it never lags by more than one.
    if let Some(l) = &last {
        if head.as_ref().is_none_or(|h| h.seq < l.seq) {
            write_head(dir, l.seq, &l.digest)?;
        }
    }
    let prev = last
        .as_ref()
        .map_or(GENESIS.to_string(), |r| r.digest.clone());
    let (line, digest) = record_line(next, &prev, &crate::rfc3339(crate::now_unix()), entry)?;
    file.write_all(&line)
        .map_err(|e| io_fault("cannot write the ledger", e))?;
    file.sync_all()
        .map_err(|e| io_fault("cannot sync the ledger", e))?;
    write_head(dir, next, &digest)?;
    let appended = Appended { seq: next, digest };
    let read_all = || std::fs::read(&path).map_err(|e| io_fault("cannot read the ledger", e));
    let extra = after(&line, &read_all, &appended)?;
    drop(file);
    Ok((appended, extra))
}

/// Reads the end of the ledger (`len` bytes long): from the start of the
/// line before the last newline, or from the start of the file, to its end.
/// Returns where the tail starts and its bytes.
fn read_tail(file: &mut std::fs::File, len: u64) -> Result<(u64, Vec<u8>), Fault> {
    let mut want: u64 = 64 * 1024;
    loop {
        let start = len.saturating_sub(want);
        let mut buf = vec![0u8; (len - start) as usize];
        file.seek(SeekFrom::Start(start))
            .and_then(|_| file.read_exact(&mut buf))
            .map_err(|e| io_fault("cannot read the ledger", e))?;
        let enough = start == 0
            || buf
                .iter()
                .rposition(|&b| b == b'\n')
                .is_some_and(|last| buf[..last].contains(&b'\n'));
        if enough {
            return Ok((start, buf));
        }
        want = want.saturating_mul(4);
    }
}

/// The bytes of a record line (ending in a newline) and its digest: record
/// `seq` after the record whose digest is `prev`, appended at `time`.
pub fn record_line(
    seq: u64,
    prev: &str,
    time: &str,
    entry: &serde_json::Value,
) -> Result<(Vec<u8>, String), Fault> {
    let mut line = format!(
        "{{\"seq\":{seq},\"prev\":{},\"time\":{},\"entry\":{}",
        serde_json::Value::String(prev.to_string()),
        serde_json::Value::String(time.to_string()),
        serde_json::to_string(entry)
            .map_err(|e| io_fault("cannot serialise the entry", std::io::Error::other(e)))?
    )
    .into_bytes();
    let hex = writ_plan::sha256_hex(&line);
    line.extend_from_slice(DIGEST_KEY);
    line.extend_from_slice(hex.as_bytes());
    line.extend_from_slice(b"\"}\n");
    Ok((line, format!("sha256:{hex}")))
}

/// The complete lines of ledger bytes (without their newlines); a final
/// fragment without a newline (an interrupted append) is not a line.
pub(crate) fn complete_lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    bytes[..complete]
        .split_inclusive(|&b| b == b'\n')
        .map(|l| &l[..l.len() - 1])
}

fn write_head(dir: &Path, seq: u64, digest: &str) -> Result<(), Fault> {
    let mut bytes = serde_json::to_vec(&Head {
        seq,
        digest: digest.to_string(),
    })
    .expect("a head serialises");
    bytes.push(b'\n');
    crate::fsutil::write_atomic(&head_path(dir), &bytes, 0o644)
        .map_err(|e| io_fault("cannot write the ledger head", e))
}

//! Input limits: the one place that reads files with a size cap, strips a
//! leading UTF-8 byte order mark, and measures the nesting of JSON before a
//! recursive reader sees it.
//!
//! Every file writ reads (policies, graphs, changes, approvals, evidence,
//! plans, bundles, keys) goes through [`read`] or [`read_text`] with its
//! [`Input`] kind: the read stops one byte past the kind's limit, so a 400 MB
//! approval costs at most its limit in memory, and an oversized file is the
//! error E0901 naming the file and the limit. `docs/language.md` ("Input
//! limits") lists the limits.
//!
//! BOM policy: a leading UTF-8 byte order mark is accepted and dropped on every
//! input before it is parsed ([`strip_bom`]); nowhere else is U+FEFF special.
//! Evidence files are read byte for byte (their sha256 is recorded) and
//! their parsers drop the mark; bundles are signed artifacts, verified byte
//! for byte.

use crate::codes;
use std::fmt;
use std::io::Read;
use std::path::Path;

/// One mebibyte.
const MIB: u64 = 1024 * 1024;

/// The kinds of files writ reads, each with its size limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    /// A policy file (`*.writ`).
    Policy,
    /// A system graph (`graph.json`), or a file an importer reads
    /// (CODEOWNERS, a Backstage catalog).
    Graph,
    /// A change file.
    Change,
    /// A signed approval.
    Approval,
    /// Check evidence: a check record, a log, a JUnit or SARIF report, a proof.
    Evidence,
    /// A compiled plan (it embeds the graph and the sources).
    Plan,
    /// An evidence bundle (DSSE envelope).
    Bundle,
    /// A key, a trust file or a detached signature.
    Key,
}

impl Input {
    /// The largest file of this kind writ reads, in bytes.
    pub const fn limit(self) -> u64 {
        match self {
            Input::Policy => 8 * MIB,
            Input::Graph => 256 * MIB,
            Input::Change => 64 * MIB,
            Input::Approval => MIB,
            Input::Evidence => 256 * MIB,
            Input::Plan | Input::Bundle => 512 * MIB,
            Input::Key => MIB,
        }
    }

    /// Whether [`read`] drops a leading byte order mark: every kind but
    /// evidence (kept byte for byte, its sha256 is recorded; its parsers drop
    /// the mark) and bundles (signed artifacts, verified byte for byte).
    pub const fn drops_bom(self) -> bool {
        !matches!(self, Input::Evidence | Input::Bundle)
    }

    /// What the file is, for messages ("approval file").
    pub const fn noun(self) -> &'static str {
        match self {
            Input::Policy => "policy file",
            Input::Graph => "graph file",
            Input::Change => "change file",
            Input::Approval => "approval file",
            Input::Evidence => "evidence file",
            Input::Plan => "plan file",
            Input::Bundle => "evidence bundle",
            Input::Key => "key file",
        }
    }
}

/// Why a bounded read failed.
#[derive(Debug)]
pub enum ReadError {
    /// The file could not be opened or read.
    Io(std::io::Error),
    /// The file is larger than its kind allows (E0901).
    TooLarge {
        /// What kind of file it is.
        input: Input,
    },
    /// The file is not UTF-8 ([`read_text`] only); the offset of the first bad byte.
    NotUtf8 {
        /// Bytes before the first invalid sequence.
        valid_up_to: usize,
        /// The file's bytes (for showing where).
        bytes: Vec<u8>,
    },
}

impl ReadError {
    /// The stable code of a size overflow (E0901); `None` for other errors,
    /// which each reader reports with its own code.
    pub fn code(&self) -> Option<crate::Code> {
        matches!(self, ReadError::TooLarge { .. }).then_some(codes::E0901)
    }

    /// The help line for a size overflow.
    pub fn help(&self) -> Option<&'static str> {
        matches!(self, ReadError::TooLarge { .. }).then_some(
            "writ refuses larger files to bound its memory; check that this is the file you meant",
        )
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "{e}"),
            ReadError::TooLarge { input } => write!(
                f,
                "the {} is larger than the limit of {} MiB ({})",
                input.noun(),
                input.limit() / MIB,
                codes::E0901
            ),
            ReadError::NotUtf8 { valid_up_to, .. } => {
                write!(f, "not valid UTF-8 (at byte {valid_up_to})")
            }
        }
    }
}

impl std::error::Error for ReadError {}

/// Reads the file at `path`, at most `input.limit()` bytes of it; a longer
/// file is [`ReadError::TooLarge`] after reading one byte past the limit.
pub fn read(path: &Path, input: Input) -> Result<Vec<u8>, ReadError> {
    let file = std::fs::File::open(path).map_err(ReadError::Io)?;
    // Sized from the file's length (one allocation, no copies as it grows).
    let size = file.metadata().map_or(0, |m| m.len());
    read_sized(file, input, size)
}

/// [`read`] from any reader (standard input, for instance).
pub fn read_from(reader: impl Read, input: Input) -> Result<Vec<u8>, ReadError> {
    read_sized(reader, input, 0)
}

/// [`read_from`] into a buffer sized for `expected` bytes (a hint).
fn read_sized(reader: impl Read, input: Input, expected: u64) -> Result<Vec<u8>, ReadError> {
    let limit = input.limit();
    let mut bytes = Vec::with_capacity(expected.min(limit).saturating_add(1) as usize);
    reader
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge { input });
    }
    if input.drops_bom() && bytes.starts_with(BOM.as_bytes()) {
        bytes.drain(..BOM.len());
    }
    Ok(bytes)
}

/// [`read`], then UTF-8; a leading byte order mark is dropped, whatever the kind.
pub fn read_text(path: &Path, input: Input) -> Result<String, ReadError> {
    text(read(path, input)?)
}

/// [`read_from`], then UTF-8, without a leading byte order mark.
pub fn read_text_from(reader: impl Read, input: Input) -> Result<String, ReadError> {
    text(read_from(reader, input)?)
}

/// Bytes already read within their limit ([`read`], [`read_from`]) as UTF-8
/// text, without a leading byte order mark; the bytes become the text, not
/// a copy of it.
pub fn text(mut bytes: Vec<u8>) -> Result<String, ReadError> {
    if bytes.starts_with(BOM.as_bytes()) {
        bytes.drain(..BOM.len());
    }
    String::from_utf8(bytes).map_err(|e| ReadError::NotUtf8 {
        valid_up_to: e.utf8_error().valid_up_to(),
        bytes: e.into_bytes(),
    })
}

/// The UTF-8 byte order mark.
pub const BOM: &str = "\u{feff}";

/// `text` without a leading byte order mark, and how many bytes were dropped
/// (to shift spans back to the original text when needed).
pub fn strip_bom(text: &str) -> (&str, usize) {
    match text.strip_prefix(BOM) {
        Some(rest) => (rest, BOM.len()),
        None => (text, 0),
    }
}

/// The deepest nesting of JSON arrays and objects in a plan (checked by
/// [`json_too_deep`] before serde reads it). Plans of policies at the
/// nesting limit stay well inside it.
pub const MAX_JSON_DEPTH: usize = 512;

/// Scans JSON `bytes` without recursion; returns the offset of the first `[`
/// or `{` that opens a level past `max`, or `None`. Brackets inside strings do
/// not count; the scan does not validate (the real parser does that).
pub fn json_too_deep(bytes: &[u8], max: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_stop_one_byte_past_the_limit() {
        let limit = Input::Approval.limit() as usize;
        let fine = vec![b' '; limit];
        assert_eq!(read_from(&fine[..], Input::Approval).unwrap().len(), limit);
        // An endless reader: the read must stop, not exhaust memory.
        let endless = std::io::repeat(b'x');
        let e = read_from(endless, Input::Approval).unwrap_err();
        assert!(matches!(e, ReadError::TooLarge { .. }));
        assert_eq!(e.code(), Some(codes::E0901));
        assert!(e.to_string().contains("E0901") && e.to_string().contains("1 MiB"));
    }

    #[test]
    fn a_leading_bom_is_dropped() {
        let bytes = b"\xef\xbb\xbf{}".to_vec();
        assert_eq!(read_text_from(&bytes[..], Input::Graph).unwrap(), "{}");
        assert_eq!(read_from(&bytes[..], Input::Approval).unwrap(), b"{}");
        assert_eq!(read_text_from(&bytes[..], Input::Evidence).unwrap(), "{}");
        // Evidence keeps its bytes: its sha256 is recorded.
        assert_eq!(read_from(&bytes[..], Input::Evidence).unwrap(), bytes);
        assert_eq!(strip_bom("\u{feff}x"), ("x", 3));
        assert_eq!(strip_bom("x\u{feff}"), ("x\u{feff}", 0));
    }

    #[test]
    fn json_depth_ignores_strings() {
        assert_eq!(json_too_deep(b"[[[]]]", 3), None);
        assert_eq!(json_too_deep(b"[[[[]]]]", 3), Some(3));
        assert_eq!(json_too_deep(br#"["[[[[\"[[[["]"#, 1), None);
    }
}

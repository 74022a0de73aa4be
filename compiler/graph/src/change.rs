//! The change: what is being proposed, by whom, touching which files.
//!
//! This file owns the change model ([`Change`], [`ChangeFile`], [`Identity`]),
//! its digest and the change file reader: [`Change::parse`] reads a change
//! file and validates it, reporting problems with their location. The JSON
//! format and the digest are specified in `docs/change.md`. Building a change
//! from git ([`from_git`]) is in `change/git.rs`.

use crate::decode::{DecodeCodes, Decoder};
use crate::json::{self, Kind, Value};
use crate::model::PrincipalKind;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use std::path::Path;
use writ_diagnostics::{Diagnostic, FileId, SourceMap, Span, codes};

mod git;
pub use git::{AGENT_TRAILER, GitOptions, from_git};

/// The change format version.
pub const CHANGE_VERSION: u32 = 1;

/// Who made (part of) a change.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Identity {
    /// The person of the graph this identity resolved to, if any.
    pub id: Option<String>,
    /// The name git recorded.
    pub name: String,
    /// The email git recorded.
    pub email: String,
    /// Human or agent.
    #[serde(serialize_with = "ser_kind")]
    pub kind: PrincipalKind,
}

fn ser_kind<S: serde::Serializer>(k: &PrincipalKind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(k.as_str())
}

/// How a file changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileStatus {
    /// New file.
    Added,
    /// Content (or mode) changed.
    Modified,
    /// Removed.
    Deleted,
    /// Moved from `old_path` (possibly with edits).
    Renamed,
}

impl FileStatus {
    /// The lowercase name used in the JSON format.
    pub fn as_str(self) -> &'static str {
        match self {
            FileStatus::Added => "added",
            FileStatus::Modified => "modified",
            FileStatus::Deleted => "deleted",
            FileStatus::Renamed => "renamed",
        }
    }

    fn parse(s: &str) -> Option<FileStatus> {
        Some(match s {
            "added" => FileStatus::Added,
            "modified" => FileStatus::Modified,
            "deleted" => FileStatus::Deleted,
            "renamed" => FileStatus::Renamed,
            _ => return None,
        })
    }
}

/// One changed file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ChangeFile {
    /// Repository-relative path after the change (for deletions: the removed path).
    pub path: String,
    /// How it changed.
    pub status: FileStatus,
    /// For renames: the path before the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_path: Option<String>,
}

/// A proposed change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Format version (1).
    pub version: u32,
    /// Identifier chosen by whoever built the change (e.g. a pull request).
    pub id: String,
    /// Base commit (full object id, or any string for hand-written changes).
    pub base: String,
    /// Head commit.
    pub head: String,
    /// Tree object id of the head commit (covered by the digest).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_tree: Option<String>,
    /// The author of the change (see `docs/change.md` for agents).
    pub author: Identity,
    /// Every author and co-author of a commit in the range, sorted.
    pub contributors: Vec<Identity>,
    /// Changed files, sorted by path.
    pub files: Vec<ChangeFile>,
    /// Labels, sorted.
    pub labels: Vec<String>,
    /// Whether the change claims an emergency (break-glass) path.
    pub emergency: bool,
    /// RFC 3339 time of the change (the head commit's committer date).
    pub timestamp: String,
    /// `sha256:<hex>` over the head tree and the file set ([`Change::compute_digest`]).
    pub digest: String,
}

/// Appends `bytes` as lowercase hex to `out` through a lookup table (no
/// formatting machinery: the digest is computed on every decision).
fn push_hex(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(bytes.len() * 2);
    for b in bytes {
        out.push(HEX[(b >> 4) as usize] as char);
        out.push(HEX[(b & 15) as usize] as char);
    }
}

impl Change {
    /// The digest of what makes an approval stale: the head tree and the
    /// file set. `sha256` over `"writ-change-v1\0"`, then `"tree\0" TREE "\0"`
    /// (empty TREE when unknown), then for each file in path order
    /// `STATUS "\0" PATH "\0" OLD_PATH "\0"` (empty OLD_PATH unless renamed).
    pub fn compute_digest(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"writ-change-v1\0tree\0");
        h.update(self.head_tree.as_deref().unwrap_or("").as_bytes());
        h.update(b"\0");
        let mut hash_file = |f: &ChangeFile| {
            h.update(f.status.as_str().as_bytes());
            h.update(b"\0");
            h.update(f.path.as_bytes());
            h.update(b"\0");
            h.update(f.old_path.as_deref().unwrap_or("").as_bytes());
            h.update(b"\0");
        };
        // A parsed change's files are usually in order already: hash them in
        // place; otherwise through a sorted list of references.
        if self.files.is_sorted() {
            self.files.iter().for_each(&mut hash_file);
        } else {
            let mut files: Vec<&ChangeFile> = self.files.iter().collect();
            files.sort();
            files.into_iter().for_each(hash_file);
        }
        const PREFIX: &str = "sha256:";
        let mut out = String::with_capacity(PREFIX.len() + 64);
        out.push_str(PREFIX);
        push_hex(&mut out, &h.finalize());
        out
    }

    /// Every path the change touches: each file's path and, for renames,
    /// its old path (moving a file out of a node changes that node too).
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files
            .iter()
            .flat_map(|f| std::iter::once(f.path.as_str()).chain(f.old_path.as_deref()))
    }

    /// The change as pretty JSON (fields in a fixed order, lists sorted).
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Reads and validates a change file, adding it to `map`.
    pub fn load(map: &mut SourceMap, path: &Path) -> (Option<Change>, Vec<Diagnostic>) {
        let name = path.display().to_string();
        match writ_diagnostics::limits::read_text(path, writ_diagnostics::limits::Input::Change) {
            Ok(text) => Change::parse(map, name, text),
            Err(e) => {
                let file = map.add(name, String::new());
                let mut d = Diagnostic::new(
                    e.code().unwrap_or(codes::E0601),
                    file,
                    Span::empty(0),
                    format!("cannot read the change file: {e}"),
                );
                if let Some(help) = e.help() {
                    d = d.with_help(help);
                }
                (None, vec![d])
            }
        }
    }

    /// Parses and validates change text, adding it to `map` as `name`.
    pub fn parse(
        map: &mut SourceMap,
        name: impl Into<String>,
        text: impl Into<String>,
    ) -> (Option<Change>, Vec<Diagnostic>) {
        let file = map.add(name, text.into());
        parse_change(file, map.get(file).text())
    }
}

const CHANGE_CODES: DecodeCodes = DecodeCodes {
    invalid: codes::E0602,
    unknown: codes::E0603,
    missing: codes::E0604,
    duplicate: codes::E0602,
};

const CHANGE_FIELDS: &[&str] = &[
    "version",
    "id",
    "base",
    "head",
    "head_tree",
    "author",
    "contributors",
    "files",
    "labels",
    "emergency",
    "timestamp",
    "digest",
];

/// Parses change text that is the content of `file`.
pub fn parse_change(file: FileId, text: &str) -> (Option<Change>, Vec<Diagnostic>) {
    let root = match json::parse(text) {
        Ok(v) => v,
        Err(e) => {
            let code = if e.too_deep {
                codes::E0902
            } else {
                codes::E0601
            };
            let mut d = Diagnostic::new(code, file, e.span, e.message).with_label("here");
            if let Some(h) = e.help {
                d = d.with_help(h);
            }
            return (None, vec![d]);
        }
    };
    let mut r = Decoder::new(file, CHANGE_CODES);
    let change = read_change(&mut r, &root);
    let mut diags = r.diags;
    writ_diagnostics::sort(&mut diags);
    if diags.iter().any(Diagnostic::is_error) {
        return (None, diags);
    }
    (change, diags)
}

fn read_identity(r: &mut Decoder, v: &Value, what: &str) -> Option<Identity> {
    let o = r.object(v, what, &["id", "name", "email", "kind"])?;
    let mut id = None;
    if let Some(i) = o.get("id")
        && !matches!(i.kind, Kind::Null)
    {
        id = r.string(i, "`id`").map(|s| s.value);
    }
    let name = o
        .get("name")
        .and_then(|n| r.string(n, "`name`"))
        .map(|s| s.value)
        .unwrap_or_default();
    let email = o
        .get("email")
        .and_then(|n| r.string(n, "`email`"))
        .map(|s| s.value)
        .unwrap_or_default();
    let kind_v = r.require(&o, "kind", what)?;
    let kind_s = r.string(kind_v, "`kind`")?;
    let kind = match kind_s.value.as_str() {
        "human" => PrincipalKind::Human,
        "agent" => PrincipalKind::Agent,
        other => {
            r.error(
                codes::E0602,
                kind_s.span,
                format!("unknown author kind `{other}`"),
            )
            .help = Some("the kind is \"human\" or \"agent\"".into());
            return None;
        }
    };
    if id.is_none() && name.is_empty() && email.is_empty() {
        r.error(
            codes::E0604,
            v.span,
            format!("{what} has neither `id`, `name` nor `email`"),
        );
    }
    Some(Identity {
        id,
        name,
        email,
        kind,
    })
}

fn read_change(r: &mut Decoder, root: &Value) -> Option<Change> {
    let o = r.object(root, "the change", CHANGE_FIELDS)?;
    if let Some(v) = r.require(&o, "version", "the change")
        && let Some(n) = r.int(v, "`version`")
        && n != i64::from(CHANGE_VERSION)
    {
        r.error(
            codes::E0602,
            v.span,
            format!("change format version {n} is not supported"),
        );
    }
    let req_str = |r: &mut Decoder, key: &str| {
        r.require(&o, key, "the change")
            .and_then(|v| r.string(v, &format!("`{key}`")))
    };
    let id = req_str(r, "id");
    let base = req_str(r, "base");
    let head = req_str(r, "head");
    let timestamp = req_str(r, "timestamp");
    if let Some(t) = &timestamp
        && !is_rfc3339(t)
    {
        r.error(
            codes::E0607,
            t.span,
            format!("`{}` is not an RFC 3339 timestamp", t.value),
        )
        .help = Some("write e.g. \"2026-05-01T12:00:00Z\" or \"2026-05-01T14:00:00+02:00\"".into());
    }
    let head_tree = o
        .get("head_tree")
        .and_then(|v| r.string(v, "`head_tree`"))
        .map(|s| s.value);
    let author = r
        .require(&o, "author", "the change")
        .and_then(|v| read_identity(r, v, "the author"));
    let mut contributors = Vec::new();
    if let Some(v) = o.get("contributors") {
        for item in r.array(v, "`contributors`") {
            if let Some(i) = read_identity(r, item, "a contributor") {
                contributors.push(i);
            }
        }
    }
    let mut files: Vec<(ChangeFile, Span)> = Vec::new();
    if let Some(v) = r.require(&o, "files", "the change") {
        for item in r.array(v, "`files`") {
            if let Some(f) = read_file(r, item) {
                files.push((f, item.span));
            }
        }
    }
    files.sort_by(|a, b| a.0.path.cmp(&b.0.path));
    for w in files.windows(2) {
        if w[0].0.path == w[1].0.path {
            let (first, second) = if w[0].1.start < w[1].1.start {
                (w[0].1, w[1].1)
            } else {
                (w[1].1, w[0].1)
            };
            let file = r.file;
            r.error(
                codes::E0606,
                second,
                format!("`{}` is listed twice", w[1].0.path),
            )
            .secondary
            .push(writ_diagnostics::Label::new(
                file,
                first,
                "first listed here",
            ));
        }
    }
    let mut labels = Vec::new();
    if let Some(v) = o.get("labels") {
        labels = r
            .strings(v, "`labels`")
            .into_iter()
            .map(|s| s.value)
            .collect();
        labels.sort();
        labels.dedup();
    }
    let emergency = o
        .get("emergency")
        .and_then(|v| r.bool(v, "`emergency`"))
        .unwrap_or(false);
    let digest_v = o.get("digest").and_then(|v| r.string(v, "`digest`"));
    let mut change = Change {
        version: CHANGE_VERSION,
        id: id?.value,
        base: base?.value,
        head: head?.value,
        head_tree,
        author: author?,
        contributors,
        files: files.into_iter().map(|(f, _)| f).collect(),
        labels,
        emergency,
        timestamp: timestamp?.value,
        digest: String::new(),
    };
    change.contributors.sort();
    change.contributors.dedup();
    change.digest = change.compute_digest();
    if let Some(d) = digest_v
        && d.value != change.digest
    {
        let msg = "the recorded digest does not match the change's head tree and files";
        r.error(codes::E0608, d.span, msg)
            .notes
            .push(format!("computed {}", change.digest));
    }
    Some(change)
}

fn read_file(r: &mut Decoder, v: &Value) -> Option<ChangeFile> {
    let o = r.object(v, "a changed file", &["path", "status", "old_path"])?;
    let path = r
        .require(&o, "path", "a changed file")
        .and_then(|p| r.string(p, "`path`"));
    let status_v = r
        .require(&o, "status", "a changed file")
        .and_then(|s| r.string(s, "`status`"));
    let old_path = o.get("old_path").and_then(|p| r.string(p, "`old_path`"));
    let path = path?;
    for p in std::iter::once(&path).chain(old_path.as_ref()) {
        if p.value.is_empty()
            || p.value.starts_with('/')
            || p.value.split('/').any(|s| s == ".." || s == ".")
            || p.value.contains('\0')
        {
            r.error(
                codes::E0602,
                p.span,
                format!("`{}` is not a repository-relative path", p.value),
            );
        }
    }
    let status_s = status_v?;
    let Some(status) = FileStatus::parse(&status_s.value) else {
        r.error(
            codes::E0605,
            status_s.span,
            format!("unknown file status `{}`", status_s.value),
        )
        .help = Some("a status is \"added\", \"modified\", \"deleted\" or \"renamed\"".into());
        return None;
    };
    match (status, &old_path) {
        (FileStatus::Renamed, None) => {
            r.error(
                codes::E0605,
                status_s.span,
                format!("renamed file `{}` has no `old_path`", path.value),
            );
            return None;
        }
        (FileStatus::Renamed, Some(_)) | (_, None) => {}
        (_, Some(op)) => {
            r.error(
                codes::E0605,
                op.span,
                format!(
                    "`old_path` is only allowed on renamed files, `{}` is {}",
                    path.value,
                    status.as_str()
                ),
            );
            return None;
        }
    }
    Some(ChangeFile {
        path: path.value,
        status,
        old_path: old_path.map(|s| s.value),
    })
}

/// Whether `s` is an RFC 3339 date-time (`YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`)
/// naming a real calendar instant.
pub fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 20 {
        return false;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let (Some(year), Some(month), Some(day), Some(hour), Some(min), Some(sec)) = (
        num(0..4),
        num(5..7),
        num(8..10),
        num(11..13),
        num(14..16),
        num(17..19),
    ) else {
        return false;
    };
    if b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't')
        || b[13] != b':'
        || b[16] != b':'
    {
        return false;
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&month)
        || day == 0
        || day > days[month as usize - 1]
        || hour > 23
        || min > 59
        || sec > 60
    {
        return false;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match &s[i..] {
        "Z" | "z" => true,
        rest if rest.len() == 6
            && matches!(rest.as_bytes()[0], b'+' | b'-')
            && rest.as_bytes()[3] == b':' =>
        {
            matches!((num(i + 1..i + 3), num(i + 4..i + 6)), (Some(h), Some(m)) if h < 24 && m < 60)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_accepts_real_instants_only() {
        for ok in [
            "2026-05-01T12:00:00Z",
            "2024-02-29T23:59:60+01:00",
            "2026-05-01T12:00:00.123-07:30",
        ] {
            assert!(is_rfc3339(ok), "{ok}");
        }
        for bad in [
            "2026-05-01",
            "2025-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-05-01 12:00:00Z",
            "2026-05-01T12:00:00",
            "2026-05-01T12:00:00+1:00",
            "2026-05-01T12:00:00.Z",
            "２０２６-05-01T12:00:00Z",
        ] {
            assert!(!is_rfc3339(bad), "{bad}");
        }
    }

    /// The digest as it was computed before the lookup-table hex: a sorted
    /// list of references and `format!` of each byte.
    fn old_digest(c: &Change) -> String {
        let mut files: Vec<&ChangeFile> = c.files.iter().collect();
        files.sort();
        let mut h = Sha256::new();
        h.update(b"writ-change-v1\0tree\0");
        h.update(c.head_tree.as_deref().unwrap_or("").as_bytes());
        h.update(b"\0");
        for f in files {
            h.update(f.status.as_str().as_bytes());
            h.update(b"\0");
            h.update(f.path.as_bytes());
            h.update(b"\0");
            h.update(f.old_path.as_deref().unwrap_or("").as_bytes());
            h.update(b"\0");
        }
        let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        format!("sha256:{hex}")
    }

    /// A change of `files` over `head_tree`, its other fields fixed.
    fn bare_change(head_tree: Option<&str>, files: Vec<ChangeFile>) -> Change {
        Change {
            version: 1,
            id: "x".into(),
            base: "b".into(),
            head: "h".into(),
            head_tree: head_tree.map(Into::into),
            author: Identity {
                id: None,
                name: "n".into(),
                email: "e".into(),
                kind: PrincipalKind::Human,
            },
            contributors: vec![],
            files,
            labels: vec![],
            emergency: false,
            timestamp: "2026-01-01T00:00:00Z".into(),
            digest: String::new(),
        }
    }

    #[test]
    fn digest_matches_the_formatted_hex_on_several_changes() {
        let f = |p: &str, s, old: Option<&str>| ChangeFile {
            path: p.into(),
            status: s,
            old_path: old.map(Into::into),
        };
        let base = bare_change(None, vec![]);
        let file_sets = [
            vec![],
            vec![f(
                "services/d3/svc-17/src/handler.rs",
                FileStatus::Modified,
                None,
            )],
            vec![
                f("b/x.rs", FileStatus::Deleted, None),
                f("a/y.rs", FileStatus::Added, None),
                f("c/z.rs", FileStatus::Renamed, Some("c/old.rs")),
            ],
            vec![
                f("a", FileStatus::Added, None),
                f("a", FileStatus::Added, None),
                f("é/ü", FileStatus::Modified, None),
            ],
        ];
        let mut seen = std::collections::BTreeSet::new();
        for files in file_sets {
            for tree in [
                None,
                Some(""),
                Some("4b825dc642cb6eb9a060e54bf8d69288fbee4904"),
            ] {
                let mut c = base.clone();
                c.files = files.clone();
                c.head_tree = tree.map(Into::into);
                let d = c.compute_digest();
                assert_eq!(d, old_digest(&c));
                assert!(d.starts_with("sha256:") && d.len() == 7 + 64, "{d}");
                assert!(
                    d[7..]
                        .bytes()
                        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
                );
                c.files.reverse();
                assert_eq!(c.compute_digest(), d, "unsorted files hash as sorted");
                seen.insert(d);
            }
        }
        // None and Some("") hash alike; every other combination differs.
        assert_eq!(seen.len(), 4 * 2);
    }

    #[test]
    fn digest_ignores_order_but_not_content() {
        let f = |p: &str, s| ChangeFile {
            path: p.into(),
            status: s,
            old_path: None,
        };
        let mut c = bare_change(
            Some("t"),
            vec![f("a", FileStatus::Added), f("b", FileStatus::Modified)],
        );
        let d1 = c.compute_digest();
        c.files.reverse();
        c.labels.push("l".into());
        c.id = "other".into();
        assert_eq!(
            c.compute_digest(),
            d1,
            "order, labels and id are not covered"
        );
        c.files[0].status = FileStatus::Deleted;
        assert_ne!(c.compute_digest(), d1);
        c.files[0].status = FileStatus::Modified;
        c.head_tree = Some("t2".into());
        assert_ne!(c.compute_digest(), d1);
        assert!(d1.starts_with("sha256:") && d1.len() == 7 + 64);
    }
}

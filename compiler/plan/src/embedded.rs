//! The system graph a plan embeds, kept as its canonical JSON text.
//!
//! A plan carries its graph as JSON (the graph file format, docs/graph.md),
//! written compactly with every object's keys sorted. The plan keeps that
//! text as it is — it is written straight into the plan's bytes, digested
//! as it is, and handed as it is to the graph loader — instead of building
//! a JSON tree only to serialise it again.

use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

/// The embedded graph: canonical compact JSON text (see [`check_canonical`]).
#[derive(Clone)]
pub struct EmbeddedGraph {
    raw: Repr,
    /// The node ids in file order, read on first use.
    ids: OnceLock<Vec<String>>,
    /// The number of nodes, when known without the ids (see
    /// [`EmbeddedGraph::know_node_count`]).
    count: OnceLock<usize>,
}

/// How the text is held.
#[derive(Clone)]
enum Repr {
    /// As serde_json read it or as a writer made it: known to be JSON.
    Raw(Box<RawValue>),
    /// Text the graph crate's canonical writer made
    /// ([`EmbeddedGraph::from_document`]): JSON by construction, so it is
    /// not scanned again to wrap it as a [`RawValue`] (38 MB at 100,000
    /// nodes); it is written as serde_json writes a raw value (see
    /// [`RAW_VALUE_TOKEN`]). Debug builds check it.
    Canonical(String),
    /// A range of plan bytes that [`crate::load`] accepted before, found
    /// again by their digest (see [`EmbeddedGraph::from_accepted_bytes`]):
    /// known to be JSON (and UTF-8) without a parser having to scan it
    /// again, and shared with whoever holds the plan's bytes (tens of
    /// megabytes are not copied). The range is known to lie within the
    /// bytes; it is read as text only when asked for ([`EmbeddedGraph::as_str`]
    /// checks its UTF-8 then), which `writ eval` never does.
    Accepted {
        bytes: Arc<Vec<u8>>,
        range: std::ops::Range<usize>,
    },
    /// A range of plan text that serde_json read as a raw value while
    /// [`crate::load_shared`] read the plan from it: JSON (and UTF-8) by
    /// that parse, shared with the plan's text instead of copied (31 MB
    /// at 100,000 services), and read as text without any scan (the range
    /// lies on character boundaries: it is where the parser found it).
    Shared {
        text: Arc<String>,
        range: std::ops::Range<usize>,
    },
}

thread_local! {
    /// The plan text [`crate::load_shared`] is reading on this thread: a
    /// graph deserialized meanwhile borrows its raw value from it and
    /// keeps it as a range of it ([`Repr::Shared`]).
    static SHARING: std::cell::RefCell<Option<Arc<String>>> =
        const { std::cell::RefCell::new(None) };
}

/// Runs `read` (a deserialization from `text`'s own bytes, borrowed) with
/// `text` as the text a graph deserialized meanwhile is kept as a range of;
/// the text is forgotten after, even if `read` panics.
pub(crate) fn sharing<R>(text: &Arc<String>, read: impl FnOnce() -> R) -> R {
    struct Forget;
    impl Drop for Forget {
        fn drop(&mut self) {
            SHARING.with(|s| s.borrow_mut().take());
        }
    }
    SHARING.with(|s| *s.borrow_mut() = Some(text.clone()));
    let _forget = Forget;
    read()
}

/// Where `raw` lies in `text`, when it is a part of that very string (by
/// address: the deserializer borrowed it from there). A range inside
/// `text`'s bounds and on its character boundaries is those very bytes, so
/// they are not compared again (31 MB at 100,000 services).
fn range_within(text: &str, raw: &str) -> Option<std::ops::Range<usize>> {
    let start = (raw.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
    let range = start..start.checked_add(raw.len())?;
    text.get(range.clone())?;
    Some(range)
}

impl EmbeddedGraph {
    /// Wraps canonical JSON text; refuses text that is not canonical JSON.
    pub fn from_canonical(text: String) -> Result<EmbeddedGraph, String> {
        let ids = check_canonical(&text)?;
        let raw = raw_value(text)?;
        Ok(EmbeddedGraph {
            raw: Repr::Raw(raw),
            ids: OnceLock::from(ids),
            count: OnceLock::new(),
        })
    }

    /// The graph text of plan bytes that [`crate::load`] accepted before:
    /// `range` of `bytes`, those very bytes (matched again by their sha256)
    /// as [`crate::reload_accepted_around_graph`] found it; shared, not
    /// copied, and not scanned again (not even for UTF-8 until its text is
    /// read). Writing a plan holding it checks that it is JSON (an error
    /// otherwise); nothing else reads it as JSON without a parser's checks.
    /// `None` when the range is not within `bytes`.
    pub(crate) fn from_accepted_bytes(
        bytes: Arc<Vec<u8>>,
        range: std::ops::Range<usize>,
    ) -> Option<EmbeddedGraph> {
        bytes.get(range.clone())?;
        Some(EmbeddedGraph {
            raw: Repr::Accepted { bytes, range },
            ids: OnceLock::new(),
            count: OnceLock::new(),
        })
    }

    /// The canonical JSON of a graph document (see
    /// [`writ_graph::Document::to_canonical_json`]). That writer is canonical
    /// by construction, so the text is not checked again here (debug builds
    /// do check it); the node ids come from the document.
    pub fn from_document(doc: &writ_graph::Document) -> Result<EmbeddedGraph, String> {
        let text = doc.to_canonical_json();
        let ids: Vec<String> = doc.nodes.iter().map(|n| n.id.to_string()).collect();
        debug_assert_eq!(check_canonical(&text).as_ref(), Ok(&ids));
        Ok(EmbeddedGraph {
            raw: Repr::Canonical(text),
            ids: OnceLock::from(ids),
            count: OnceLock::new(),
        })
    }

    /// The JSON text.
    pub fn as_str(&self) -> &str {
        match &self.raw {
            Repr::Raw(raw) => raw.get(),
            Repr::Canonical(text) => text,
            // Bytes `load` accepted (matched by their sha256): UTF-8, never
            // the empty fallback. Checked on every call (one pass; without
            // `unsafe` a check cannot be remembered): nothing in a decision
            // reads the text.
            Repr::Accepted { bytes, range } => bytes
                .get(range.clone())
                .and_then(|b| std::str::from_utf8(b).ok())
                .unwrap_or(""),
            // The range was checked against this text when it was made.
            Repr::Shared { text, range } => text.get(range.clone()).unwrap_or(""),
        }
    }

    /// Where this graph's text lies in `text`, when it is kept as a range
    /// of that very string (read by [`crate::load_shared`] from it): the
    /// graph's place in the plan's bytes, known without searching them.
    pub fn range_in(&self, text: &Arc<String>) -> Option<std::ops::Range<usize>> {
        match &self.raw {
            Repr::Shared { text: own, range } if Arc::ptr_eq(own, text) => Some(range.clone()),
            _ => None,
        }
    }

    /// sha256 of the text, hex (what a plan records as `graph_sha256`).
    pub fn digest(&self) -> String {
        crate::sha256_hex(self.as_str().as_bytes())
    }

    /// Checks that the text is canonical (see [`check_canonical`]) and
    /// remembers the node ids it reads on the way.
    pub(crate) fn verify_canonical(&self) -> Result<(), String> {
        let ids = check_canonical(self.as_str())?;
        let _ = self.ids.set(ids);
        Ok(())
    }

    /// Records the number of nodes of this text when it is known without
    /// reading it (from a graph parsed from this very text and kept in a
    /// cache checked against the plan's digest); ignored when already
    /// known. The ids are still read from the text if asked for.
    pub fn know_node_count(&self, count: usize) {
        let _ = self.count.set(count);
    }

    /// The `id` of each entry of the graph's `nodes` array, in order (an
    /// entry without a string `id` gives an empty string). Node sets of the
    /// plan index into this list.
    pub fn node_ids(&self) -> &[String] {
        self.ids.get_or_init(|| read_node_ids(self.as_str()))
    }

    /// The number of entries of the graph's `nodes` array.
    pub fn node_count(&self) -> usize {
        *self.count.get_or_init(|| self.node_ids().len())
    }
}

impl PartialEq for EmbeddedGraph {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for EmbeddedGraph {}

impl std::fmt::Debug for EmbeddedGraph {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = self.as_str();
        match text.char_indices().nth(80) {
            Some((cut, _)) => write!(f, "EmbeddedGraph({}… {} bytes)", &text[..cut], text.len()),
            None => write!(f, "EmbeddedGraph({text})"),
        }
    }
}

impl Serialize for EmbeddedGraph {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.raw {
            Repr::Raw(raw) => raw.serialize(serializer),
            // Both known to be JSON: written as it is, as a raw value.
            Repr::Canonical(_) | Repr::Shared { .. } => {
                use serde::ser::SerializeStruct as _;
                let mut s = serializer.serialize_struct(RAW_VALUE_TOKEN, 1)?;
                s.serialize_field(RAW_VALUE_TOKEN, self.as_str())?;
                s.end()
            }
            Repr::Accepted { .. } => {
                let raw: &RawValue =
                    serde_json::from_str(self.as_str()).map_err(S::Error::custom)?;
                raw.serialize(serializer)
            }
        }
    }
}

impl<'de> Deserialize<'de> for EmbeddedGraph {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Within `load_shared`, the raw value is borrowed from the plan's
        // text (it reads from a slice of it) and kept as a range of it.
        if let Some(text) = SHARING.with(|s| s.borrow().clone()) {
            let raw = <&RawValue>::deserialize(deserializer)?;
            let raw = match range_within(&text, raw.get()) {
                Some(range) => Repr::Shared { text, range },
                None => Repr::Raw(raw.to_owned()),
            };
            return Ok(EmbeddedGraph {
                raw,
                ids: OnceLock::new(),
                count: OnceLock::new(),
            });
        }
        Ok(EmbeddedGraph {
            raw: Repr::Raw(Box::<RawValue>::deserialize(deserializer)?),
            ids: OnceLock::new(),
            count: OnceLock::new(),
        })
    }
}

/// The struct name by which serde_json's serialisers (to text and to a
/// `Value`) recognise a raw value and write its text as it is: what
/// `RawValue`'s own `Serialize` sends (serde_json 1.0.154, `raw.rs`). The
/// test `canonical_text_is_written_as_a_raw_value` fails if a serde_json
/// update changes it (the graph would then be written as an object).
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// The text as a raw JSON value; without spare capacity serde_json keeps
/// the allocation instead of copying the text.
fn raw_value(mut text: String) -> Result<Box<RawValue>, String> {
    text.shrink_to_fit();
    RawValue::from_string(text).map_err(|e| e.to_string())
}

/// Node ids of any JSON text, without the canonical checks (for a graph
/// whose text was not verified; empty when the text is not a graph object).
fn read_node_ids(text: &str) -> Vec<String> {
    #[derive(Deserialize)]
    struct Graph {
        #[serde(default)]
        nodes: Vec<Node>,
    }
    #[derive(Deserialize)]
    struct Node {
        #[serde(default)]
        id: Option<serde_json::Value>,
    }
    serde_json::from_str::<Graph>(text).map_or_else(
        |_| Vec::new(),
        |g| {
            g.nodes
                .into_iter()
                .map(|n| match n.id {
                    Some(serde_json::Value::String(s)) => s,
                    _ => String::new(),
                })
                .collect()
        },
    )
}

/// Maximum nesting the canonical check accepts (as serde_json's parser).
const MAX_DEPTH: usize = 128;

/// Checks that `text` is canonical JSON — exactly the bytes serde_json
/// writes for the tree it parses to: no whitespace, object keys in strictly
/// increasing byte order (so none repeats), strings escaped only where
/// serde_json escapes (`\"`, `\\`, the short escapes, lowercase `\u00xx` for
/// other control characters), and numbers as integers without sign or
/// leading zero noise (a fraction or an exponent is never canonical here: a
/// graph holds none). Returns the ids of the top-level `nodes` entries.
pub(crate) fn check_canonical(text: &str) -> Result<Vec<String>, String> {
    let mut c = Checker {
        text,
        b: text.as_bytes(),
        pos: 0,
        ids: Vec::new(),
    };
    c.value(0, Place::Top)?;
    if c.pos != c.b.len() {
        return Err(c.fail("text after the value"));
    }
    Ok(c.ids)
}

/// Where a value sits, as far as node ids are concerned.
#[derive(Clone, Copy, PartialEq)]
enum Place {
    Top,
    Nodes,
    Node,
    NodeId,
    Other,
}

struct Checker<'a> {
    text: &'a str,
    b: &'a [u8],
    pos: usize,
    ids: Vec<String>,
}

impl<'a> Checker<'a> {
    fn fail(&self, what: &str) -> String {
        format!("{what} at byte {}", self.pos)
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize, place: Place) -> Result<(), String> {
        match self.peek() {
            Some(b'{') => self.object(depth + 1, place),
            Some(b'[') => self.array(depth + 1, place),
            Some(b'"') => {
                let s = self.string()?;
                if place == Place::NodeId
                    && let Some(last) = self.ids.last_mut()
                {
                    *last = s.into_owned();
                }
                Ok(())
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'n') => self.literal(b"null"),
            _ => Err(self.fail("expected a value")),
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), String> {
        if self.b[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(self.fail("expected a value"))
        }
    }

    fn number(&mut self) -> Result<(), String> {
        let start = self.pos;
        let negative = self.eat(b'-');
        let digits = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        let text = std::str::from_utf8(&self.b[digits..self.pos]).unwrap_or("");
        let canonical = match text.as_bytes() {
            [] => false,
            [b'0'] => !negative,
            [b'0', ..] => false,
            _ if negative => format!("-{text}").parse::<i64>().is_ok(),
            _ => text.parse::<u64>().is_ok(),
        };
        if !canonical || matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
            self.pos = start;
            return Err(self.fail("a number not in canonical form"));
        }
        Ok(())
    }

    /// A string at the cursor; returns it decoded (borrowed when it has no escape).
    fn string(&mut self) -> Result<Cow<'a, str>, String> {
        self.pos += 1;
        let start = self.pos;
        let mut out = String::new();
        let mut chunk = self.pos;
        let mut escaped_any = false;
        loop {
            let Some(b) = self.peek() else {
                return Err(self.fail("an unterminated string"));
            };
            match b {
                b'"' => {
                    let end = self.pos;
                    self.pos += 1;
                    if !escaped_any {
                        return Ok(Cow::Borrowed(&self.text[start..end]));
                    }
                    out.push_str(&self.text[chunk..end]);
                    return Ok(Cow::Owned(out));
                }
                b'\\' => {
                    escaped_any = true;
                    out.push_str(&self.text[chunk..self.pos]);
                    let escaped = match self.b.get(self.pos + 1) {
                        Some(b'"') => Some('"'),
                        Some(b'\\') => Some('\\'),
                        Some(b'b') => Some('\u{8}'),
                        Some(b'f') => Some('\u{c}'),
                        Some(b'n') => Some('\n'),
                        Some(b'r') => Some('\r'),
                        Some(b't') => Some('\t'),
                        Some(b'u') => self.control_escape(),
                        _ => None,
                    };
                    let Some(ch) = escaped else {
                        return Err(self.fail("an escape serde_json would not write"));
                    };
                    out.push(ch);
                    self.pos += if ch < '\u{20}' && !"\u{8}\u{c}\n\r\t".contains(ch) {
                        6
                    } else {
                        2
                    };
                    chunk = self.pos;
                }
                0..=0x1f => return Err(self.fail("an unescaped control character")),
                _ => self.pos += 1,
            }
        }
    }

    /// `\u00xx` (lowercase hex) for a control character without a short escape.
    fn control_escape(&self) -> Option<char> {
        let hex = self.b.get(self.pos + 2..self.pos + 6)?;
        let lower_hex = |b: &u8| b.is_ascii_digit() || (b'a'..=b'f').contains(b);
        if !hex.iter().all(lower_hex) {
            return None;
        }
        let code = u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
        let ch = char::from_u32(code)?;
        (ch < '\u{20}' && !"\u{8}\u{c}\n\r\t".contains(ch)).then_some(ch)
    }

    fn array(&mut self, depth: usize, place: Place) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(self.fail("nesting too deep"));
        }
        self.pos += 1;
        if self.eat(b']') {
            return Ok(());
        }
        let item = if place == Place::Nodes {
            Place::Node
        } else {
            Place::Other
        };
        loop {
            if item == Place::Node {
                self.ids.push(String::new());
            }
            self.value(depth, item)?;
            if self.eat(b']') {
                return Ok(());
            }
            if !self.eat(b',') {
                return Err(self.fail("expected `,` or `]`"));
            }
        }
    }

    fn object(&mut self, depth: usize, place: Place) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(self.fail("nesting too deep"));
        }
        self.pos += 1;
        if self.eat(b'}') {
            return Ok(());
        }
        let mut previous: Option<Cow<'a, str>> = None;
        loop {
            if self.peek() != Some(b'"') {
                return Err(self.fail("expected a key"));
            }
            let key = self.string()?;
            if previous.as_ref().is_some_and(|p| *p >= key) {
                return Err(self.fail("keys not in sorted order"));
            }
            if !self.eat(b':') {
                return Err(self.fail("expected `:`"));
            }
            let inner = match (place, key.as_ref()) {
                (Place::Top, "nodes") => Place::Nodes,
                (Place::Node, "id") => Place::NodeId,
                _ => Place::Other,
            };
            self.value(depth, inner)?;
            previous = Some(key);
            if self.eat(b'}') {
                return Ok(());
            }
            if !self.eat(b',') {
                return Err(self.fail("expected `,` or `}`"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_json_output_is_canonical() {
        for text in [
            r#"{"a":1,"b":[true,false,null],"c":{"d":"e"}}"#,
            r#"{"$schema":"x","nodes":[{"id":"n1"},{"id":"a\"b"}],"version":1}"#,
            r#"[-9223372036854775808,18446744073709551615,0,-1,12]"#,
            r#""\u0000\u001f\b\f\n\r\t\"\\ é /""#,
            "{}",
            "[]",
        ] {
            let v: serde_json::Value = serde_json::from_str(text).unwrap();
            assert_eq!(
                serde_json::to_string(&v).unwrap(),
                text,
                "the fixture itself"
            );
            assert!(check_canonical(text).is_ok(), "{text}");
        }
        for c in 0u32..0x800 {
            let Some(ch) = char::from_u32(c) else {
                continue;
            };
            let text = serde_json::to_string(&ch.to_string()).unwrap();
            assert!(check_canonical(&text).is_ok(), "{text}");
        }
    }

    #[test]
    fn canonical_text_is_written_as_a_raw_value() {
        // A document's canonical text is held unscanned and written through
        // serde_json's raw-value token: it must come out exactly as a
        // checked `RawValue` of the same text does, inside a larger value,
        // to text and to a `Value` (not as an object keyed by the token).
        let text = r#"{"version":1,"nodes":[{"id":"a\"é\u0001","kind":"service"},{"id":"b","kind":"service"}],"unowned_paths":["x/**"]}"#;
        let (doc, diags) = writ_graph::Document::parse(writ_diagnostics::FileId(0), text);
        assert!(diags.is_empty(), "{diags:?}");
        let unscanned = EmbeddedGraph::from_document(&doc.unwrap()).unwrap();
        assert!(matches!(unscanned.raw, Repr::Canonical(_)));
        let checked = EmbeddedGraph::from_canonical(unscanned.as_str().to_string()).unwrap();
        assert!(matches!(checked.raw, Repr::Raw(_)));
        assert_eq!(unscanned.node_ids(), ["a\"é\u{1}", "b"]);
        let wrap = |g: &EmbeddedGraph| serde_json::json!({"graph": g, "n": 1});
        let bytes = |g: &EmbeddedGraph| serde_json::to_vec(&(1, g, "z")).unwrap();
        assert_eq!(bytes(&unscanned), bytes(&checked));
        let expected = format!("[1,{},\"z\"]", unscanned.as_str());
        assert_eq!(String::from_utf8(bytes(&unscanned)).unwrap(), expected);
        assert_eq!(wrap(&unscanned), wrap(&checked));
        assert!(
            !String::from_utf8(bytes(&unscanned))
                .unwrap()
                .contains(RAW_VALUE_TOKEN)
        );
    }

    #[test]
    fn node_ids_are_read_in_order() {
        let ids = check_canonical(
            r#"{"nodes":[{"id":"b","x":{"id":"no"}},{"kind":"k"},{"id":"a\\n"}],"other":{"nodes":[{"id":"no"}]}}"#,
        )
        .unwrap();
        assert_eq!(ids, ["b", "", "a\\n"]);
        let g =
            EmbeddedGraph::from_canonical(r#"{"nodes":[{"id":"z"},{"id":"y"}]}"#.into()).unwrap();
        assert_eq!(g.node_ids(), ["z", "y"]);
        let unverified: EmbeddedGraph =
            serde_json::from_str(r#"{"nodes":[{"id":"z"},{"id":7}]}"#).unwrap();
        assert_eq!(unverified.node_count(), 2);
        assert_eq!(unverified.node_ids(), ["z", ""]);
    }

    #[test]
    fn other_spellings_are_refused() {
        for text in [
            r#"{"a":1, "b":2}"#,
            r#"{ "a":1}"#,
            "[1 ]",
            "\n{}",
            r#"{"b":1,"a":2}"#,
            r#"{"a":1,"a":2}"#,
            r#""\/""#,
            r#""\u0041""#,
            r#""\u000A""#,
            r#""\u000a""#,
            r#""\u001F""#,
            r#""\ud834\udd1e""#,
            "1.0",
            "1e3",
            "-0",
            "01",
            "+1",
            "18446744073709551616",
            "-9223372036854775809",
            "tru",
            r#"{"a":}"#,
            "[1,]",
            r#""unterminated"#,
            "\"tab\tinside\"",
            "{}{}",
            "",
        ] {
            assert!(check_canonical(text).is_err(), "{text:?} accepted");
        }
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        assert!(check_canonical(&deep).is_err());
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(check_canonical(&ok).is_ok());
    }
}

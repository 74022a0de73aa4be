//! A JSON writer that writes, byte for byte, what `serde_json`'s
//! `to_writer` writes (compact: no whitespace, `"key":value`, the same
//! string escapes), without building the value first. A proof is compact
//! JSON since `writ.proof/v3` (docs/proof.md § Format versions). The
//! proof's JSON is written straight from the decision's index form with it
//! (`eval/json.rs`); parts that are small and rare are handed to
//! `serde_json` ([`JsonWriter::serde`]), which keeps them identical too. Records a proof repeats are laid out once by the
//! writer itself and cut at their values ([`Template`]); strings already
//! escaped ([`escape_into`]) are copied as they are.

use serde::Serialize;

/// Whether any of the 8 bytes of `w` must be escaped in a JSON string
/// (below 0x20, `"` or `\\`), tested 8 bytes at a time.
#[inline]
fn needs_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    below_space | zero(w ^ (ONES * u64::from(b'"'))) | zero(w ^ (ONES * u64::from(b'\\'))) != 0
}

/// Marks a hole while a [`Template`] is laid out (never part of JSON the
/// writer writes: a control character in a string is escaped).
const HOLE: char = '\u{1}';

/// The JSON writer: a buffer, the current depth and whether the container
/// being written has a value yet.
pub(crate) struct JsonWriter {
    out: String,
    depth: usize,
    first: bool,
    /// Reused by [`JsonWriter::serde`].
    tmp: Vec<u8>,
    /// While a [`Template`] is laid out: the depth at each hole.
    holes: Vec<usize>,
}

/// A record laid out once, as the writer lays it out as an element of a
/// container at a given depth, and cut at its holes: writing one is
/// copying its pieces ([`JsonWriter::piece`]) with the values between them, a
/// few copies instead of a separator and a key per field. (The depth no
/// longer changes the bytes since the layout is compact; it is kept so a
/// template is only reused where it was laid out.)
#[derive(Clone, Debug)]
pub(crate) struct Template {
    /// The depth of the container it is an element of.
    depth: usize,
    pieces: Vec<String>,
    /// The depth at each hole (for `JsonWriter::at_hole`).
    depths: Vec<usize>,
}

impl Template {
    /// The depth of the container it was laid out as an element of.
    pub(crate) fn depth(&self) -> usize {
        self.depth
    }

    /// The depth at hole `i`.
    pub(crate) fn depth_at(&self, i: usize) -> usize {
        self.depths[i]
    }

    /// Piece `i`'s text (to join with its neighbours' and with values a
    /// proof knows into fewer, larger pieces: `eval/json_runs.rs`); empty
    /// past the last.
    pub(crate) fn text(&self, i: usize) -> &str {
        self.pieces.get(i).map_or("", String::as_str)
    }

    /// The record `f` writes as a (not first) element of a container at
    /// `depth`, calling [`JsonWriter::hole`] or [`JsonWriter::str_hole`] where a
    /// value goes.
    pub(crate) fn new(depth: usize, f: impl FnOnce(&mut JsonWriter)) -> Template {
        let mut w = JsonWriter {
            out: String::new(),
            depth,
            first: false,
            tmp: Vec::new(),
            holes: Vec::new(),
        };
        f(&mut w);
        let pieces: Vec<String> = w.out.split(HOLE).map(String::from).collect();
        debug_assert_eq!(pieces.len(), w.holes.len() + 1);
        Template {
            depth,
            pieces,
            depths: w.holes,
        }
    }
}

impl JsonWriter {
    /// A writer into `buf`, emptied first (its capacity is kept: a caller
    /// writing many proofs reuses one buffer).
    pub(crate) fn reuse(mut buf: String) -> JsonWriter {
        buf.clear();
        JsonWriter {
            out: buf,
            depth: 0,
            first: true,
            tmp: Vec::new(),
            holes: Vec::new(),
        }
    }

    /// Room for `additional` more bytes.
    pub(crate) fn reserve(&mut self, additional: usize) {
        self.out.reserve(additional);
    }

    /// The current depth (for [`Template::new`]).
    pub(crate) fn depth(&self) -> usize {
        self.depth
    }

    /// The text written, followed by a newline (as `writ eval` prints it).
    pub(crate) fn finish(mut self) -> String {
        self.out.push('\n');
        self.out
    }

    /// Before a key or an array element: `,` unless it is the container's
    /// first (compact JSON: no newline, no indent).
    #[inline]
    fn sep(&mut self) {
        if !std::mem::replace(&mut self.first, false) {
            self.out.push(',');
        }
    }

    /// `{`.
    pub(crate) fn open_object(&mut self) {
        self.out.push('{');
        self.depth += 1;
        self.first = true;
    }

    /// `}`.
    pub(crate) fn close_object(&mut self) {
        self.close('}');
    }

    /// `[`.
    pub(crate) fn open_array(&mut self) {
        self.out.push('[');
        self.depth += 1;
        self.first = true;
    }

    /// `]`.
    pub(crate) fn close_array(&mut self) {
        self.close(']');
    }

    fn close(&mut self, c: char) {
        self.depth -= 1;
        self.out.push(c);
        // The container just closed is a value of its parent.
        self.first = false;
    }

    /// An object key, ready for its value: `quoted` is the key already
    /// quoted and followed by `:`, as [`key!`] writes it.
    pub(crate) fn key(&mut self, quoted: &str) {
        self.sep();
        self.out.push_str(quoted);
    }

    /// Ready for the next element of an array.
    pub(crate) fn elem(&mut self) {
        self.sep();
    }

    /// A string value, escaped as `serde_json` escapes it.
    pub(crate) fn str(&mut self, s: &str) {
        self.out.push('"');
        escape_into(&mut self.out, s);
        self.out.push('"');
    }

    /// Text written as it is: JSON already laid out and escaped (a
    /// string's escaped content, a template's piece).
    #[inline]
    pub(crate) fn raw(&mut self, s: &str) {
        self.out.push_str(s);
    }

    /// A string value already escaped (by [`escape_into`]): its quotes
    /// and the text copied.
    #[inline]
    pub(crate) fn quoted(&mut self, escaped: &str) {
        self.out.push('"');
        self.out.push_str(escaped);
        self.out.push('"');
    }

    /// An array of strings already escaped.
    pub(crate) fn quoted_strs<'s>(&mut self, items: impl IntoIterator<Item = &'s str>) {
        self.out.push('[');
        let mut empty = true;
        for s in items {
            if !empty {
                self.out.push(',');
            }
            empty = false;
            self.out.push('"');
            self.out.push_str(s);
            self.out.push('"');
        }
        self.out.push(']');
        self.first = false;
    }

    /// Piece `i` of template `t` ([`Template`]); piece 0 of a record
    /// starts an element of the current container (its `,` left out on
    /// the first).
    #[inline]
    pub(crate) fn piece(&mut self, t: &Template, i: usize) {
        let text = t.pieces[i].as_str();
        if i == 0 && self.first && text.starts_with(',') {
            self.out.push_str(&text[1..]);
        } else {
            self.out.push_str(text);
        }
        self.first = false;
    }

    /// A record's first piece as an element of the current container:
    /// its leading `,` left out on the container's first element.
    #[inline]
    pub(crate) fn lead(&mut self, text: &str) {
        match text.strip_prefix(',') {
            Some(rest) if self.first => self.out.push_str(rest),
            _ => self.out.push_str(text),
        }
        self.first = false;
    }

    /// Writes hole `i` of template `t` with `f`, at the depth the hole
    /// has in the template (for values laid out by the writer itself).
    #[cfg(test)]
    pub(crate) fn at_hole(&mut self, t: &Template, i: usize, f: impl FnOnce(&mut JsonWriter)) {
        let depth = self.depth;
        self.depth = t.depths[i];
        self.first = false;
        f(self);
        self.depth = depth;
        self.first = false;
    }

    /// In a template being laid out ([`Template::new`]): a value goes here.
    pub(crate) fn hole(&mut self) {
        self.out.push(HOLE);
        self.holes.push(self.depth);
    }

    /// In a template being laid out: a string value goes here (its quotes
    /// are part of the template).
    pub(crate) fn str_hole(&mut self) {
        self.out.push('"');
        self.hole();
        self.out.push('"');
    }

    /// An unsigned number, as `serde_json` writes it: below 10,000 (most
    /// of a proof's positions) one copy of four bytes from [`LEFT`] cut
    /// to the number's length, below 100,000,000 that and four digits
    /// from [`DIGITS`], written where it is called (no call to copy a few
    /// bytes, no UTF-8 check); larger ones out of line.
    #[inline(always)]
    pub(crate) fn u32(&mut self, n: u32) {
        if n < 10_000 {
            self.short(n);
        } else if n < 100_000_000 {
            self.short(n / 10_000);
            self.four(n % 10_000);
        } else {
            self.long(n);
        }
    }

    /// `n` (at least 100,000,000).
    #[inline(never)]
    fn long(&mut self, n: u32) {
        self.short(n / 100_000_000);
        self.four(n / 10_000 % 10_000);
        self.four(n % 10_000);
    }

    /// `n` (below 10,000) without leading zeros: its four bytes in
    /// [`LEFT`], the ones past its length cut off again.
    #[inline(always)]
    fn short(&mut self, n: u32) {
        let at = 4 * n as usize;
        let len = 1 + usize::from(n >= 10) + usize::from(n >= 100) + usize::from(n >= 1000);
        self.out.push_str(LEFT.get(at..at + 4).unwrap_or("0000"));
        self.out.truncate(self.out.len() - (4 - len));
    }

    /// `n` (below 10,000) as four digits, leading zeros kept.
    #[inline(always)]
    fn four(&mut self, n: u32) {
        let at = 4 * n as usize;
        self.out.push_str(DIGITS.get(at..at + 4).unwrap_or("0000"));
    }

    /// `null`.
    pub(crate) fn null(&mut self) {
        self.out.push_str("null");
    }

    /// A string or `null`.
    pub(crate) fn opt_str(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.str(s),
            None => self.null(),
        }
    }

    /// An array of strings.
    pub(crate) fn strs<'s>(&mut self, items: impl IntoIterator<Item = &'s str>) {
        self.open_array();
        for s in items {
            self.elem();
            self.str(s);
        }
        self.close_array();
    }

    /// Any value, as `serde_json::to_writer` writes it (compact).
    pub(crate) fn serde<T: Serialize + ?Sized>(&mut self, v: &T) {
        let mut tmp = std::mem::take(&mut self.tmp);
        tmp.clear();
        // serde_json writes UTF-8 only.
        match serde_json::to_writer(&mut tmp, v)
            .ok()
            .and(std::str::from_utf8(&tmp).ok())
        {
            Some(text) => self.out.push_str(text),
            // Serialising the proof's own types cannot fail; if it ever
            // did, `null` keeps the JSON well-formed.
            None => self.null(),
        }
        self.tmp = tmp;
        self.first = false;
    }
}

/// The numbers below 10,000 four bytes each, `n` at `4n`: right-aligned
/// with leading zeros (`DIGITS`: `0000`, `0001`, … `9999`) or left-aligned,
/// padded with zeros (`LEFT`: `0000`, `1000`, … `9999`, `n`'s digits then
/// as many zeros as it is shorter than four), for [`JsonWriter::u32`].
const fn digit_table(left: bool) -> [u8; 40_000] {
    let mut t = [b'0'; 40_000];
    let mut n = 0;
    while n < 10_000 {
        let len = if n >= 1000 {
            4
        } else if n >= 100 {
            3
        } else if n >= 10 {
            2
        } else {
            1
        };
        let end = if left { 4 * n + len } else { 4 * n + 4 };
        let mut m = n;
        let mut i = end;
        while i > end - len {
            i -= 1;
            t[i] = b'0' + (m % 10) as u8;
            m /= 10;
        }
        n += 1;
    }
    t
}

/// The right-aligned table ([`digit_table`]).
static DIGITS: &str = {
    static TABLE: [u8; 40_000] = digit_table(false);
    match std::str::from_utf8(&TABLE) {
        Ok(s) => s,
        // Evaluated at compile time: the digits are ASCII.
        Err(_) => panic!("the digits table is ASCII"),
    }
};

/// The left-aligned table ([`digit_table`]).
static LEFT: &str = {
    static TABLE: [u8; 40_000] = digit_table(true);
    match std::str::from_utf8(&TABLE) {
        Ok(s) => s,
        // Evaluated at compile time: the digits are ASCII.
        Err(_) => panic!("the digits table is ASCII"),
    }
};

/// Appends `s` to `out` escaped as `serde_json` escapes a string's
/// content (no quotes).
pub(crate) fn escape_into(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Runs that need no escape (most of every id, glob and
        // command) are skipped eight bytes at a time.
        while let Some(c) = bytes.get(i..i + 8) {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            if needs_escape(u64::from_le_bytes(w)) {
                break;
            }
            i += 8;
        }
        let Some(&b) = bytes.get(i) else {
            break;
        };
        i += 1;
        let esc = ESCAPE[b as usize];
        if esc == 0 {
            continue;
        }
        // `b` is ASCII, so `i - 1` and `i` are character boundaries.
        out.push_str(&s[start..i - 1]);
        start = i;
        match esc {
            b'u' => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(char::from(HEX[(b >> 4) as usize]));
                out.push(char::from(HEX[(b & 0xf) as usize]));
            }
            c => {
                out.push('\\');
                out.push(char::from(c));
            }
        }
    }
    out.push_str(&s[start..]);
}

/// A key as [`JsonWriter::key`] takes it: `key!("node")` is `"node":`
/// with its quotes (a plain ASCII name, never escaped).
macro_rules! key {
    ($name:literal) => {
        concat!("\"", $name, "\":")
    };
}
pub(crate) use key;

/// Per byte: 0 to copy it, else the letter after its backslash (`u` for
/// `\u00XX`), as `serde_json` escapes.
static ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = b'u';
        i += 1;
    }
    t[0x08] = b'b';
    t[0x09] = b't';
    t[0x0a] = b'n';
    t[0x0c] = b'f';
    t[0x0d] = b'r';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

#[cfg(test)]
mod tests {
    use super::*;

    /// Strings with every kind of escape come out as `serde_json` writes them.
    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let all: String = (0u8..0x80).map(char::from).collect();
        for s in [
            "",
            "plain",
            "quote \" and \\ backslash",
            "tab\tnew\nline\r\u{8}\u{c}\u{1}\u{1f}\u{7f}",
            "ünïcødé ✓ 𝄞",
            "abcdefgh\"ijklmnop",
            "abcdefghijklmno\\",
            "abcdefg\u{1f}hijklmnopqrstuvw",
            "éééééééééé\nééé",
            "services/d3/svc-17/src/handler.rs",
            all.as_str(),
        ] {
            let mut p = JsonWriter::reuse(String::new());
            p.str(s);
            assert_eq!(p.out, serde_json::to_string(s).unwrap(), "{s:?}");
        }
    }

    /// Numbers are written as `serde_json` writes them, at every length.
    #[test]
    fn numbers_are_written_as_serde_json_writes_them() {
        let mut all = vec![0, 9, 10, 11, 99, 100, 101, 999, 1000, 4_294_967_295];
        for k in 0..10 {
            let p = 10u32.pow(k);
            all.extend([p, p - 1, p + 1, p.saturating_mul(7).saturating_add(3)]);
        }
        all.extend((0..2000).chain((0..64).map(|i| 0x9e37_79b9u32.wrapping_mul(i))));
        for n in all {
            let mut p = JsonWriter::reuse(String::new());
            p.u32(n);
            assert_eq!(p.out, serde_json::to_string(&n).unwrap(), "{n}");
        }
    }

    /// Nested and empty containers, numbers and serde values are laid out
    /// as `serde_json`'s compact writer lays them out.
    #[test]
    fn layout_matches_serde_json() {
        let inner = serde_json::json!({"a": [1, 2], "b": {}, "c": [], "d": null});
        let expected = serde_json::json!({
            "x": [],
            "y": {},
            "z": [{"k": 0, "v": [inner.clone(), "s"]}, 4294967295u32],
            "w": inner,
        });
        // Keys in sorted order, as a `serde_json::Value` map keeps them.
        let mut p = JsonWriter::reuse(String::new());
        p.open_object();
        p.key(key!("w"));
        p.serde(&inner);
        p.key(key!("x"));
        p.open_array();
        p.close_array();
        p.key(key!("y"));
        p.open_object();
        p.close_object();
        p.key(key!("z"));
        p.open_array();
        p.elem();
        p.open_object();
        p.key(key!("k"));
        p.u32(0);
        p.key(key!("v"));
        p.open_array();
        p.elem();
        p.serde(&inner);
        p.elem();
        p.str("s");
        p.close_array();
        p.close_object();
        p.elem();
        p.u32(u32::MAX);
        p.close_array();
        p.close_object();
        let mut want = serde_json::to_string(&expected).unwrap();
        want.push('\n');
        assert_eq!(p.finish(), want);
    }

    /// A template filled in writes what the writer writes field by field,
    /// as the first element of an array (its `,` left out) and as a later
    /// one, with a value the writer lays out at the hole's depth.
    #[test]
    fn a_filled_template_is_the_record_written_field_by_field() {
        let record = |p: &mut JsonWriter, id: &str, n: u32| {
            p.elem();
            p.open_object();
            p.key(key!("id"));
            p.str(id);
            p.key(key!("n"));
            p.u32(n);
            p.key(key!("list"));
            p.strs(["a", id]);
            p.close_object();
        };
        let mut want = JsonWriter::reuse(String::new());
        want.open_object();
        want.key(key!("items"));
        want.open_array();
        record(&mut want, "x\"y", 1);
        record(&mut want, "z", 22);
        want.close_array();
        want.close_object();

        let mut p = JsonWriter::reuse(String::from("left over"));
        p.open_object();
        p.key(key!("items"));
        p.open_array();
        let t = Template::new(p.depth(), |t| {
            t.elem();
            t.open_object();
            t.key(key!("id"));
            t.str_hole();
            t.key(key!("n"));
            t.hole();
            t.key(key!("list"));
            t.hole();
            t.close_object();
        });
        for (id, n) in [("x\"y", 1), ("z", 22)] {
            let mut escaped = String::new();
            escape_into(&mut escaped, id);
            p.piece(&t, 0);
            p.raw(&escaped);
            p.piece(&t, 1);
            p.u32(n);
            p.piece(&t, 2);
            p.at_hole(&t, 2, |p| p.quoted_strs(["a", escaped.as_str()]));
            p.piece(&t, 3);
        }
        p.close_array();
        p.close_object();
        assert_eq!(p.finish(), want.finish());
    }

    /// Deep nesting is laid out as `serde_json` lays it out.
    #[test]
    fn deep_nesting_matches_serde_json() {
        let mut v = serde_json::json!("leaf");
        for _ in 0..100 {
            v = serde_json::json!([v, 1]);
        }
        let mut p = JsonWriter::reuse(String::new());
        fn write(p: &mut JsonWriter, v: &serde_json::Value) {
            match v {
                serde_json::Value::Array(items) => {
                    p.open_array();
                    for x in items {
                        p.elem();
                        write(p, x);
                    }
                    p.close_array();
                }
                serde_json::Value::String(s) => p.str(s),
                other => p.serde(other),
            }
        }
        write(&mut p, &v);
        let mut want = serde_json::to_string(&v).unwrap();
        want.push('\n');
        assert_eq!(p.finish(), want);
    }
}

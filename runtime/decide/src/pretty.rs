//! A pretty JSON writer that writes, byte for byte, what `serde_json`'s
//! `to_writer_pretty` writes (two-space indent, `"key": value`, `[]` and
//! `{}` for empty containers, the same string escapes), without building
//! the value first. The proof's JSON is written straight from the decision's
//! index form with it (`eval/json.rs`); parts that are small and rare are
//! handed to `serde_json` and re-indented ([`Pretty::serde`]), which keeps
//! them identical too.

use serde::Serialize;

/// Spaces for indentation, written in slices.
const SPACES: &[u8; 128] = &[b' '; 128];

/// The JSON writer: a buffer, the current depth and whether the container
/// being written has a value yet.
pub(crate) struct Pretty {
    out: Vec<u8>,
    depth: usize,
    first: bool,
    /// Reused by [`Pretty::serde`].
    tmp: Vec<u8>,
}

impl Pretty {
    /// A writer with room for `capacity` bytes.
    pub(crate) fn with_capacity(capacity: usize) -> Pretty {
        Pretty {
            out: Vec::with_capacity(capacity),
            depth: 0,
            first: true,
            tmp: Vec::new(),
        }
    }

    /// The text written, followed by a newline (as `writ eval` prints it).
    pub(crate) fn finish(mut self) -> String {
        self.out.push(b'\n');
        // Only `str`s and ASCII are ever written, and escapes keep UTF-8.
        String::from_utf8(self.out).unwrap_or_default()
    }

    fn indent(&mut self) {
        let mut n = self.depth * 2;
        while n > 0 {
            let k = n.min(SPACES.len());
            self.out.extend_from_slice(&SPACES[..k]);
            n -= k;
        }
    }

    /// Before a key or an array element: the separator and the indent.
    fn sep(&mut self) {
        if self.first {
            self.out.push(b'\n');
        } else {
            self.out.extend_from_slice(b",\n");
        }
        self.first = false;
        self.indent();
    }

    /// `{`.
    pub(crate) fn open_object(&mut self) {
        self.out.push(b'{');
        self.depth += 1;
        self.first = true;
    }

    /// `}`.
    pub(crate) fn close_object(&mut self) {
        self.close(b'}');
    }

    /// `[`.
    pub(crate) fn open_array(&mut self) {
        self.out.push(b'[');
        self.depth += 1;
        self.first = true;
    }

    /// `]`.
    pub(crate) fn close_array(&mut self) {
        self.close(b']');
    }

    fn close(&mut self, c: u8) {
        self.depth -= 1;
        if !self.first {
            self.out.push(b'\n');
            self.indent();
        }
        self.out.push(c);
        // The container just closed is a value of its parent.
        self.first = false;
    }

    /// An object key (a plain ASCII name, never escaped), ready for its value.
    pub(crate) fn key(&mut self, k: &str) {
        self.sep();
        self.out.push(b'"');
        self.out.extend_from_slice(k.as_bytes());
        self.out.extend_from_slice(b"\": ");
    }

    /// Ready for the next element of an array.
    pub(crate) fn elem(&mut self) {
        self.sep();
    }

    /// A string value, escaped as `serde_json` escapes it.
    pub(crate) fn str(&mut self, s: &str) {
        self.out.push(b'"');
        self.str_part(s);
        self.out.push(b'"');
    }

    /// Part of a string value (the quotes are the caller's), escaped.
    pub(crate) fn str_part(&mut self, s: &str) {
        let bytes = s.as_bytes();
        let mut start = 0;
        for (i, &b) in bytes.iter().enumerate() {
            let esc = ESCAPE[b as usize];
            if esc == 0 {
                continue;
            }
            self.out.extend_from_slice(&bytes[start..i]);
            match esc {
                b'u' => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    self.out.extend_from_slice(b"\\u00");
                    self.out.push(HEX[(b >> 4) as usize]);
                    self.out.push(HEX[(b & 0xf) as usize]);
                }
                c => self.out.extend_from_slice(&[b'\\', c]),
            }
            start = i + 1;
        }
        self.out.extend_from_slice(&bytes[start..]);
    }

    /// An unsigned number.
    pub(crate) fn u32(&mut self, n: u32) {
        let mut buf = [0u8; 10];
        let mut i = buf.len();
        let mut n = n;
        loop {
            i -= 1;
            buf[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.out.extend_from_slice(&buf[i..]);
    }

    /// `null`.
    pub(crate) fn null(&mut self) {
        self.out.extend_from_slice(b"null");
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

    /// Any value, as `serde_json::to_writer_pretty` writes it at this depth
    /// (written at depth 0, then every line indented).
    pub(crate) fn serde<T: Serialize + ?Sized>(&mut self, v: &T) {
        let mut tmp = std::mem::take(&mut self.tmp);
        tmp.clear();
        if serde_json::to_writer_pretty(&mut tmp, v).is_err() {
            // Serialising the proof's own types cannot fail; if it ever
            // did, `null` keeps the JSON well-formed.
            self.null();
            self.tmp = tmp;
            return;
        }
        let mut lines = tmp.split(|&b| b == b'\n');
        if let Some(first) = lines.next() {
            self.out.extend_from_slice(first);
        }
        for line in lines {
            self.out.push(b'\n');
            self.indent();
            self.out.extend_from_slice(line);
        }
        self.tmp = tmp;
        self.first = false;
    }
}

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
            all.as_str(),
        ] {
            let mut p = Pretty::with_capacity(0);
            p.str(s);
            let ours = String::from_utf8(p.out).unwrap();
            assert_eq!(ours, serde_json::to_string(s).unwrap(), "{s:?}");
        }
    }

    /// Nested and empty containers, numbers and re-indented serde values
    /// are laid out as `serde_json`'s pretty printer lays them out.
    #[test]
    fn layout_matches_serde_json_pretty() {
        let inner = serde_json::json!({"a": [1, 2], "b": {}, "c": [], "d": null});
        let expected = serde_json::json!({
            "x": [],
            "y": {},
            "z": [{"k": 0, "v": [inner.clone(), "s"]}, 4294967295u32],
            "w": inner,
        });
        // Keys in sorted order, as a `serde_json::Value` map keeps them.
        let mut p = Pretty::with_capacity(0);
        p.open_object();
        p.key("w");
        p.serde(&inner);
        p.key("x");
        p.open_array();
        p.close_array();
        p.key("y");
        p.open_object();
        p.close_object();
        p.key("z");
        p.open_array();
        p.elem();
        p.open_object();
        p.key("k");
        p.u32(0);
        p.key("v");
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
        let mut want = serde_json::to_string_pretty(&expected).unwrap();
        want.push('\n');
        assert_eq!(p.finish(), want);
    }
}

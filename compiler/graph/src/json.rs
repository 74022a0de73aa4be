//! A small, strict JSON parser (RFC 8259) that keeps the byte span of every
//! value and object key.
//!
//! serde_json reports where a *syntax* error is, but the graph loader also
//! needs positions for *semantic* errors (a duplicate node id, an edge to a
//! node that does not exist), so it parses into a spanned tree first and
//! validates that tree. The parser is iterative over strings and numbers,
//! recursive over nesting with a depth limit, and never panics on any input.
//! Strings without escapes and numbers borrow from the text.
//!
//! [`parse_streaming`] parses the same grammar with the same errors but hands
//! the elements of the root object's `nodes` array to a callback one at a
//! time instead of keeping them in the tree, so a large graph never exists as
//! one whole-file tree (the graph loader's memory peak).

use std::borrow::Cow;
use writ_diagnostics::Span;

/// Maximum nesting of arrays and objects (guards the stack on hostile input).
pub const MAX_DEPTH: usize = 128;

/// A JSON value with the span of its text.
#[derive(Clone, Debug, PartialEq)]
pub struct Value<'a> {
    /// Bytes of the value in the source, from its first to its last character.
    pub span: Span,
    /// The value itself.
    pub kind: Kind<'a>,
}

/// The shape of a JSON value.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind<'a> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, kept as its source text so integers stay exact.
    Number(&'a str),
    /// A string with escapes decoded.
    String(Cow<'a, str>),
    /// An array.
    Array(Vec<Value<'a>>),
    /// An object, members in source order (duplicates kept for the caller to report).
    Object(Vec<Member<'a>>),
}

/// One `"key": value` member of an object.
#[derive(Clone, Debug, PartialEq)]
pub struct Member<'a> {
    /// The decoded key.
    pub key: Cow<'a, str>,
    /// Span of the key, quotes included.
    pub key_span: Span,
    /// The value.
    pub value: Value<'a>,
}

impl Value<'_> {
    /// A human name for the value's type ("a string", "an object", …).
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            Kind::Null => "null",
            Kind::Bool(_) => "a boolean",
            Kind::Number(_) => "a number",
            Kind::String(_) => "a string",
            Kind::Array(_) => "an array",
            Kind::Object(_) => "an object",
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::String(s) => Some(s),
            _ => None,
        }
    }
}

/// A syntax error: where and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// The offending bytes (empty at end of input).
    pub span: Span,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when there is an obvious fix.
    pub help: Option<String>,
    /// The input nests deeper than [`MAX_DEPTH`] (reported as E0902, not as
    /// a syntax error).
    pub too_deep: bool,
}

/// Parses a whole document: exactly one value, surrounded by whitespace.
pub fn parse(text: &str) -> Result<Value<'_>, SyntaxError> {
    Parser::new(text, None).document()
}

/// The key of the root object whose array [`parse_streaming`] streams.
pub(crate) const STREAMED_KEY: &str = "nodes";

/// Parses a whole document like [`parse`], except that the elements of the
/// array under the root object's first [`STREAMED_KEY`] member are passed to
/// `element`, in order, as soon as each is parsed, and left out of the tree
/// (that member's value is returned as an empty array spanning the whole
/// array's text). Returns the tree and whether such an array was streamed.
///
/// Syntax is checked exactly as by [`parse`], with the same errors: a syntax
/// error anywhere (even after elements were handed out) makes the result an
/// error, and the caller must then discard what the elements gave it.
pub(crate) fn parse_streaming<'a>(
    text: &'a str,
    element: &mut dyn FnMut(Value<'a>),
) -> Result<(Value<'a>, bool), SyntaxError> {
    let mut p = Parser::new(text, Some(element));
    let root = p.document()?;
    Ok((root, p.streamed))
}

struct Parser<'a, 'f> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    /// Elements of the arrays being parsed, innermost last: each array's
    /// elements are moved out at its end into a vector of exactly their
    /// number (no growing per array).
    items: Vec<Value<'a>>,
    /// The same for the members of the objects being parsed.
    members: Vec<Member<'a>>,
    /// Where the streamed array's elements go (see [`parse_streaming`]).
    sink: Option<&'f mut dyn FnMut(Value<'a>)>,
    /// The next value is the root object's first [`STREAMED_KEY`] member.
    stream_next: bool,
    /// An array was streamed (at most one is).
    streamed: bool,
}

impl<'a, 'f> Parser<'a, 'f> {
    fn new(text: &'a str, sink: Option<&'f mut dyn FnMut(Value<'a>)>) -> Parser<'a, 'f> {
        Parser {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            items: Vec::new(),
            members: Vec::new(),
            sink,
            stream_next: false,
            streamed: false,
        }
    }

    /// Exactly one value, surrounded by whitespace.
    fn document(&mut self) -> Result<Value<'a>, SyntaxError> {
        // A leading byte order mark is dropped, as on every input
        // (`writ_diagnostics::limits`); spans stay offsets into `text`.
        self.pos = writ_diagnostics::limits::strip_bom(self.text).1;
        self.skip_ws()?;
        let value = self.value(0)?;
        self.skip_ws()?;
        if self.pos < self.bytes.len() {
            return Err(self.err_here("unexpected text after the end of the document", None));
        }
        Ok(value)
    }

    fn err(&self, start: usize, end: usize, message: &str, help: Option<&str>) -> SyntaxError {
        SyntaxError {
            span: Span::new(start, end),
            message: message.to_string(),
            help: help.map(str::to_string),
            too_deep: false,
        }
    }

    fn too_deep(&self) -> SyntaxError {
        SyntaxError {
            too_deep: true,
            ..self.err_here(
                &format!("arrays and objects nested more than {MAX_DEPTH} levels deep"),
                Some("flatten the data; no field of writ's formats nests this deep"),
            )
        }
    }

    /// An error at the character under the cursor (or at the end).
    fn err_here(&self, message: &str, help: Option<&str>) -> SyntaxError {
        let end = self.char_end(self.pos);
        self.err(self.pos, end, message, help)
    }

    fn char_end(&self, pos: usize) -> usize {
        match self.text.get(pos..).and_then(|s| s.chars().next()) {
            Some(c) => pos + c.len_utf8(),
            None => pos,
        }
    }

    fn skip_ws(&mut self) -> Result<(), SyntaxError> {
        while let Some(&b) = self.bytes.get(self.pos) {
            match b {
                b' ' | b'\t' | b'\n' | b'\r' => self.pos += 1,
                b'/' if matches!(self.bytes.get(self.pos + 1), Some(b'/' | b'*')) => {
                    return Err(self.err(
                        self.pos,
                        self.pos + 2,
                        "comments are not allowed in JSON",
                        Some("describe nodes with a \"description\" field instead"),
                    ));
                }
                _ => break,
            }
        }
        Ok(())
    }

    fn value(&mut self, depth: usize) -> Result<Value<'a>, SyntaxError> {
        let start = self.pos;
        // Only the value right after the streamed key may be streamed.
        let stream = std::mem::take(&mut self.stream_next);
        let Some(&b) = self.bytes.get(self.pos) else {
            return Err(self.err_here("unexpected end of input: expected a value", None));
        };
        match b {
            b'{' => self.object(depth),
            b'[' => self.array(depth, stream),
            b'"' => {
                let s = self.string()?;
                Ok(Value {
                    span: Span::new(start, self.pos),
                    kind: Kind::String(s),
                })
            }
            b'-' | b'0'..=b'9' => self.number(),
            b't' => self.literal("true", Kind::Bool(true)),
            b'f' => self.literal("false", Kind::Bool(false)),
            b'n' => self.literal("null", Kind::Null),
            b'\'' => Err(self.err_here(
                "strings must use double quotes",
                Some("replace the single quotes with double quotes"),
            )),
            b']' | b'}' => Err(self.err_here("expected a value", None)),
            _ => {
                // Report the whole bare word, e.g. an unquoted identifier.
                let mut end = self.char_end(start);
                while end < self.bytes.len()
                    && (self.bytes[end].is_ascii_alphanumeric() || self.bytes[end] == b'_')
                {
                    end += 1;
                }
                let help = if end > start + 1 && self.bytes[start].is_ascii_alphabetic() {
                    Some("strings must be quoted")
                } else {
                    None
                };
                Err(self.err(start, end, "expected a value", help))
            }
        }
    }

    fn literal(&mut self, word: &str, kind: Kind<'a>) -> Result<Value<'a>, SyntaxError> {
        let start = self.pos;
        if self.bytes[start..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(Value {
                span: Span::new(start, self.pos),
                kind,
            })
        } else {
            let mut end = self.char_end(start);
            while end < self.bytes.len() && self.bytes[end].is_ascii_alphanumeric() {
                end += 1;
            }
            Err(self.err(
                start,
                end,
                "expected a value",
                Some("strings must be quoted"),
            ))
        }
    }

    fn number(&mut self) -> Result<Value<'a>, SyntaxError> {
        let start = self.pos;
        let bytes = self.bytes;
        let mut i = self.pos;
        if bytes.get(i) == Some(&b'-') {
            i += 1;
        }
        let digits = |i: &mut usize| {
            let s = *i;
            while bytes.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            *i - s
        };
        let int_start = i;
        let n = digits(&mut i);
        if n == 0 {
            return Err(self.err(start, i.max(start + 1), "invalid number", None));
        }
        if n > 1 && bytes[int_start] == b'0' {
            return Err(self.err(start, i, "numbers must not have leading zeros", None));
        }
        if bytes.get(i) == Some(&b'.') {
            i += 1;
            if digits(&mut i) == 0 {
                return Err(self.err(start, i, "invalid number: expected digits after `.`", None));
            }
        }
        if matches!(bytes.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(bytes.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            if digits(&mut i) == 0 {
                return Err(self.err(start, i, "invalid number: expected an exponent", None));
            }
        }
        self.pos = i;
        Ok(Value {
            span: Span::new(start, i),
            kind: Kind::Number(&self.text[start..i]),
        })
    }

    /// Parses a string starting at the opening quote; leaves `pos` after the closing one.
    fn string(&mut self) -> Result<Cow<'a, str>, SyntaxError> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        let mut chunk = self.pos;
        let mut escaped = false;
        loop {
            let Some(&b) = self.bytes.get(self.pos) else {
                return Err(self.err(start, self.pos, "unterminated string", None));
            };
            match b {
                b'"' => {
                    let text: &'a str = self.text;
                    let end = self.pos;
                    self.pos += 1;
                    if !escaped {
                        return Ok(Cow::Borrowed(&text[chunk..end]));
                    }
                    out.push_str(&text[chunk..end]);
                    return Ok(Cow::Owned(out));
                }
                b'\\' => {
                    escaped = true;
                    out.push_str(&self.text[chunk..self.pos]);
                    self.escape(&mut out)?;
                    chunk = self.pos;
                }
                b'\n' | b'\r' => {
                    return Err(self.err(start, self.pos, "unterminated string", None));
                }
                0..=0x1f => {
                    return Err(
                        self.err_here("control characters must be escaped in strings", None)
                    );
                }
                _ => self.pos += 1,
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<(), SyntaxError> {
        let start = self.pos;
        let Some(&c) = self.bytes.get(self.pos + 1) else {
            return Err(self.err(start, self.pos + 1, "unterminated string", None));
        };
        self.pos += 2;
        let simple = match c {
            b'"' => Some('"'),
            b'\\' => Some('\\'),
            b'/' => Some('/'),
            b'b' => Some('\u{8}'),
            b'f' => Some('\u{c}'),
            b'n' => Some('\n'),
            b'r' => Some('\r'),
            b't' => Some('\t'),
            b'u' => None,
            _ => {
                let end = self.char_end(start + 1);
                return Err(self.err(start, end, "invalid escape sequence", None));
            }
        };
        if let Some(ch) = simple {
            out.push(ch);
            return Ok(());
        }
        let hi = self.hex4(start)?;
        let code = if (0xD800..0xDC00).contains(&hi) {
            if self.bytes.get(self.pos) == Some(&b'\\')
                && self.bytes.get(self.pos + 1) == Some(&b'u')
            {
                self.pos += 2;
                let lo = self.hex4(start)?;
                if !(0xDC00..0xE000).contains(&lo) {
                    return Err(self.err(start, self.pos, "invalid surrogate pair", None));
                }
                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
            } else {
                return Err(self.err(start, self.pos, "unpaired surrogate", None));
            }
        } else if (0xDC00..0xE000).contains(&hi) {
            return Err(self.err(start, self.pos, "unpaired surrogate", None));
        } else {
            hi
        };
        match char::from_u32(code) {
            Some(ch) => {
                out.push(ch);
                Ok(())
            }
            None => Err(self.err(start, self.pos, "invalid unicode escape", None)),
        }
    }

    fn hex4(&mut self, escape_start: usize) -> Result<u32, SyntaxError> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = self
                .bytes
                .get(self.pos)
                .and_then(|b| (*b as char).to_digit(16));
            match d {
                Some(d) => {
                    v = v * 16 + d;
                    self.pos += 1;
                }
                None => {
                    let end = self.char_end(self.pos).max(self.pos);
                    return Err(self.err(
                        escape_start,
                        end,
                        "invalid unicode escape: expected 4 hex digits",
                        None,
                    ));
                }
            }
        }
        Ok(v)
    }

    /// Parses an array; with `stream`, its elements go to the sink, not
    /// into the tree (see [`parse_streaming`]).
    fn array(&mut self, depth: usize, stream: bool) -> Result<Value<'a>, SyntaxError> {
        let start = self.pos;
        if depth >= MAX_DEPTH {
            return Err(self.too_deep());
        }
        let stream = stream && self.sink.is_some();
        self.streamed |= stream;
        self.pos += 1;
        let base = self.items.len();
        self.skip_ws()?;
        if self.bytes.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(Value {
                span: Span::new(start, self.pos),
                kind: Kind::Array(Vec::new()),
            });
        }
        loop {
            self.skip_ws()?;
            if self.bytes.get(self.pos) == Some(&b']') {
                return Err(self.err_here(
                    "trailing comma in array",
                    Some("remove the comma before `]`"),
                ));
            }
            let item = self.value(depth + 1)?;
            match self.sink.as_mut().filter(|_| stream) {
                Some(sink) => sink(item),
                None => self.items.push(item),
            }
            self.skip_ws()?;
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    let items = self.items.split_off(base);
                    return Ok(Value {
                        span: Span::new(start, self.pos),
                        kind: Kind::Array(items),
                    });
                }
                None => {
                    return Err(self.err(start, start + 1, "unclosed array: expected `]`", None));
                }
                Some(_) => {
                    return Err(self.err_here(
                        "expected `,` or `]` after an array element",
                        Some("array elements are separated by commas"),
                    ));
                }
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value<'a>, SyntaxError> {
        let start = self.pos;
        if depth >= MAX_DEPTH {
            return Err(self.too_deep());
        }
        self.pos += 1;
        let base = self.members.len();
        self.skip_ws()?;
        if self.bytes.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            return Ok(Value {
                span: Span::new(start, self.pos),
                kind: Kind::Object(Vec::new()),
            });
        }
        loop {
            self.skip_ws()?;
            match self.bytes.get(self.pos) {
                Some(b'"') => {}
                Some(b'}') => {
                    return Err(self.err_here(
                        "trailing comma in object",
                        Some("remove the comma before `}`"),
                    ));
                }
                None => {
                    return Err(self.err(start, start + 1, "unclosed object: expected `}`", None));
                }
                Some(_) => {
                    return Err(self.err_here(
                        "expected a member name in double quotes",
                        Some("object keys must be strings"),
                    ));
                }
            }
            let key_start = self.pos;
            let key = self.string()?;
            let key_span = Span::new(key_start, self.pos);
            self.skip_ws()?;
            if self.bytes.get(self.pos) != Some(&b':') {
                return Err(self.err_here("expected `:` after the member name", None));
            }
            self.pos += 1;
            self.skip_ws()?;
            // The root object's first `nodes` member is streamed.
            self.stream_next = depth == 0
                && !self.streamed
                && key == STREAMED_KEY
                && !self.members[base..].iter().any(|m| m.key == STREAMED_KEY);
            let value = self.value(depth + 1)?;
            self.members.push(Member {
                key,
                key_span,
                value,
            });
            self.skip_ws()?;
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    let members = self.members.split_off(base);
                    return Ok(Value {
                        span: Span::new(start, self.pos),
                        kind: Kind::Object(members),
                    });
                }
                None => {
                    return Err(self.err(start, start + 1, "unclosed object: expected `}`", None));
                }
                Some(_) => {
                    return Err(self.err_here(
                        "expected `,` or `}` after an object member",
                        Some("members are separated by commas"),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Value<'_> {
        parse(text).unwrap_or_else(|e| panic!("{text}: {e:?}"))
    }

    #[test]
    fn parses_every_kind_with_spans() {
        let v = ok(r#" {"a": [1, -2.5e3, true, null], "b\n": "x\u00e9\ud83d\ude00"} "#);
        assert_eq!(v.span, Span::new(1, 61));
        let Kind::Object(m) = &v.kind else { panic!() };
        assert_eq!(m[0].key, "a");
        assert_eq!(m[0].key_span, Span::new(2, 5));
        assert_eq!(m[1].key, "b\n");
        assert_eq!(m[1].value.as_str(), Some("xé😀"));
        let Kind::Array(items) = &m[0].value.kind else {
            panic!()
        };
        assert_eq!(items[1].kind, Kind::Number("-2.5e3"));
        assert_eq!(items[1].span, Span::new(11, 17));
    }

    #[test]
    fn rejects_what_rfc_8259_rejects() {
        for bad in [
            "",
            "[1,]",
            "{\"a\":1,}",
            "01",
            "1.",
            "-",
            "'x'",
            "[1 2]",
            "{a:1}",
            "\"\\x\"",
            "\"\\ud800\"",
            "\"a\nb\"",
            "// c\n1",
            "1 2",
            "[",
            "{\"a\"",
            "tru",
            "\"\u{1}\"",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should fail");
        }
    }

    #[test]
    fn a_leading_bom_is_dropped() {
        let v = parse("\u{feff}{\"a\": 1}").unwrap();
        assert_eq!(v.span, Span::new(3, 11));
        assert!(parse("{}\u{feff}").is_err(), "only a leading BOM");
    }

    #[test]
    fn depth_is_limited() {
        let deep = "[".repeat(MAX_DEPTH + 1);
        let e = parse(&deep).unwrap_err();
        assert!(e.too_deep, "{e:?}");
        let fine = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&fine).is_ok());
    }
}

//! Typed, error-accumulating reading of a spanned JSON tree.
//!
//! Used by the graph loader and the change loader: every problem becomes a
//! diagnostic with the span of the offending value, and reading goes on so
//! that one run reports every error.

use crate::json::{Kind, Value};
use crate::model::{Interner, Name, Spanned};
use writ_diagnostics::{Code, Diagnostic, FileId, Span, did_you_mean};

/// The codes a decoder uses for its four generic problems.
#[derive(Clone, Copy)]
pub(crate) struct DecodeCodes {
    /// Wrong type or invalid value.
    pub invalid: Code,
    /// Unknown field.
    pub unknown: Code,
    /// Missing field.
    pub missing: Code,
    /// Same field twice.
    pub duplicate: Code,
}

pub(crate) struct Decoder {
    pub file: FileId,
    pub diags: Vec<Diagnostic>,
    pub codes: DecodeCodes,
    /// Where the strings read as [`Name`]s are shared from.
    names: Interner,
}

/// An object's members, looked up by key.
pub(crate) struct Obj<'v> {
    pub span: Span,
    members: Vec<(&'v str, &'v Value<'v>)>,
}

impl<'v> Obj<'v> {
    pub fn get(&self, key: &str) -> Option<&'v Value<'v>> {
        self.members
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
    }
}

impl Decoder {
    pub fn new(file: FileId, codes: DecodeCodes) -> Decoder {
        Decoder {
            file,
            diags: Vec::new(),
            codes,
            names: Interner::default(),
        }
    }

    pub fn error(&mut self, code: Code, span: Span, message: impl Into<String>) -> &mut Diagnostic {
        self.diags
            .push(Diagnostic::new(code, self.file, span, message));
        self.diags.last_mut().expect("just pushed")
    }

    fn type_error(&mut self, v: &Value, what: &str, expected: &str) {
        let msg = format!("{what} must be {expected}, found {}", v.type_name());
        let code = self.codes.invalid;
        self.error(code, v.span, msg).primary.message = format!("expected {expected}");
    }

    /// Reads an object, reporting unknown and duplicate keys.
    pub fn object<'v>(
        &mut self,
        v: &'v Value<'v>,
        what: &str,
        allowed: &[&str],
    ) -> Option<Obj<'v>> {
        let Kind::Object(members) = &v.kind else {
            self.type_error(v, what, "an object");
            return None;
        };
        let mut out: Vec<(&'v str, &'v Value<'v>)> = Vec::with_capacity(members.len());
        for m in members {
            if !allowed.contains(&m.key.as_ref()) {
                let mut d = Diagnostic::new(
                    self.codes.unknown,
                    self.file,
                    m.key_span,
                    format!("unknown field `{}` in {what}", m.key),
                )
                .with_label("not a field of this object");
                if let Some(s) = did_you_mean(&m.key, allowed.iter().copied()) {
                    d = d.with_replacement(format!("\"{s}\""));
                    d.help = Some(format!("did you mean `{s}`?"));
                } else {
                    d = d.with_note(format!("the fields of {what} are: {}", allowed.join(", ")));
                }
                self.diags.push(d);
                continue;
            }
            if let Some(first) = members.iter().find(|o| o.key == m.key)
                && !std::ptr::eq(first, m)
            {
                let d = Diagnostic::new(
                    self.codes.duplicate,
                    self.file,
                    m.key_span,
                    format!("field `{}` appears twice in {what}", m.key),
                )
                .with_label("second occurrence")
                .with_secondary(self.file, first.key_span, "first occurrence");
                self.diags.push(d);
                continue;
            }
            out.push((m.key.as_ref(), &m.value));
        }
        Some(Obj {
            span: v.span,
            members: out,
        })
    }

    /// A required field; reports it missing at the object.
    pub fn require<'v>(&mut self, obj: &Obj<'v>, key: &str, what: &str) -> Option<&'v Value<'v>> {
        let v = obj.get(key);
        if v.is_none() {
            let code = self.codes.missing;
            let span = Span::new(obj.span.start as usize, obj.span.start as usize + 1);
            self.error(code, span, format!("{what} has no `{key}` field"))
                .primary
                .message = format!("`{key}` is required here");
        }
        v
    }

    pub fn string(&mut self, v: &Value, what: &str) -> Option<Spanned<String>> {
        self.text(v, what, |_, s| s.to_string())
    }

    /// A string, as a [`Name`] shared with every other use of its text.
    pub fn name(&mut self, v: &Value, what: &str) -> Option<Spanned<Name>> {
        self.text(v, what, |r, s| r.names.intern(s))
    }

    /// The `Name` of `text`, shared with every other use of it.
    pub fn intern(&mut self, text: &str) -> Name {
        self.names.intern(text)
    }

    fn text<T>(
        &mut self,
        v: &Value,
        what: &str,
        make: impl FnOnce(&mut Self, &str) -> T,
    ) -> Option<Spanned<T>> {
        match &v.kind {
            Kind::String(s) => Some(Spanned::new(make(self, s), v.span)),
            _ => {
                self.type_error(v, what, "a string");
                None
            }
        }
    }

    pub fn array<'v>(&mut self, v: &'v Value<'v>, what: &str) -> &'v [Value<'v>] {
        match &v.kind {
            Kind::Array(items) => items,
            _ => {
                self.type_error(v, what, "an array");
                &[]
            }
        }
    }

    /// An array of strings; non-strings are reported and skipped.
    pub fn strings(&mut self, v: &Value, what: &str) -> Vec<Spanned<String>> {
        self.texts(v, what, |_, s| s.to_string())
    }

    /// An array of strings as shared [`Name`]s; non-strings are reported
    /// and skipped.
    pub fn names(&mut self, v: &Value, what: &str) -> Vec<Spanned<Name>> {
        self.texts(v, what, |r, s| r.names.intern(s))
    }

    fn texts<T>(
        &mut self,
        v: &Value,
        what: &str,
        mut make: impl FnMut(&mut Self, &str) -> T,
    ) -> Vec<Spanned<T>> {
        let items = self.array(v, what);
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            match &item.kind {
                Kind::String(s) => out.push(Spanned::new(make(self, s), item.span)),
                _ => self.type_error(item, &format!("each entry of {what}"), "a string"),
            }
        }
        out
    }

    pub fn bool(&mut self, v: &Value, what: &str) -> Option<bool> {
        match v.kind {
            Kind::Bool(b) => Some(b),
            _ => {
                self.type_error(v, what, "a boolean");
                None
            }
        }
    }

    pub fn int(&mut self, v: &Value, what: &str) -> Option<i64> {
        match &v.kind {
            Kind::Number(n) => match n.parse::<i64>() {
                Ok(i) => Some(i),
                Err(_) => {
                    let code = self.codes.invalid;
                    self.error(
                        code,
                        v.span,
                        format!("{what} must be a whole number that fits in 64 bits"),
                    )
                    .primary
                    .message = "not a 64-bit integer".into();
                    None
                }
            },
            _ => {
                self.type_error(v, what, "a whole number");
                None
            }
        }
    }
}

//! The one HTML writer: every piece of text that reaches the page goes
//! through [`Html::text`] or [`Html::attr`], which escape it; markup is
//! only ever written from `&'static str` literals ([`Html::raw`]), so no
//! user-supplied string (node id, check name, commit message, reason) can
//! become markup.

use std::fmt::Write;

/// An HTML document under construction.
#[derive(Debug, Default)]
pub struct Html {
    out: String,
}

/// Escapes `s` for HTML text and double-quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_escaped(&mut out, s);
    out
}

fn push_escaped(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than tab and newline are not
            // allowed in HTML text: shown as the replacement character.
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
}

impl Html {
    /// An empty document.
    pub fn new() -> Html {
        Html::default()
    }

    /// Markup written by this crate (a literal, never user input).
    pub fn raw(&mut self, markup: &'static str) -> &mut Html {
        self.out.push_str(markup);
        self
    }

    /// Text, escaped.
    pub fn text(&mut self, text: &str) -> &mut Html {
        push_escaped(&mut self.out, text);
        self
    }

    /// A number (never needs escaping).
    pub fn num(&mut self, n: impl std::fmt::Display) -> &mut Html {
        let _ = write!(self.out, "{n}");
        self
    }

    /// ` name="value"`, the value escaped. `name` is a literal of this crate.
    pub fn attr(&mut self, name: &'static str, value: &str) -> &mut Html {
        self.out.push(' ');
        self.out.push_str(name);
        self.out.push_str("=\"");
        push_escaped(&mut self.out, value);
        self.out.push('"');
        self
    }

    /// `<tag attrs…>text</tag>` for a literal tag with a class and escaped text.
    pub fn elem(&mut self, tag: &'static str, class: &str, text: &str) -> &mut Html {
        self.out.push('<');
        self.out.push_str(tag);
        if !class.is_empty() {
            self.attr("class", class);
        }
        self.out.push('>');
        self.text(text);
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push('>');
        self
    }

    /// The document so far.
    pub fn as_str(&self) -> &str {
        &self.out
    }

    /// The finished document.
    pub fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_attributes_are_escaped() {
        let mut h = Html::new();
        h.raw("<p")
            .attr("title", "\"><script>alert(1)</script>")
            .raw(">");
        h.text("<script>alert('x')</script> & \u{7}");
        h.raw("</p>");
        assert_eq!(
            h.finish(),
            "<p title=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\">&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; \u{FFFD}</p>"
        );
    }
}

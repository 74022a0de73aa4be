//! The registry of stable diagnostic codes.
//!
//! A code never changes meaning once released. Ranges:
//! `E01xx` lexical, `E02xx` syntax, `E03xx` names and modules, `E04xx` types and
//! the graph, `E05xx` graph files, `E06xx` changes, `E07xx` plans, `E08xx`
//! runtime evidence. Warnings use `W` with the same ranges.
//! `docs/language.md` lists every code; a test keeps the two in step.

use crate::Severity;
use std::fmt;

/// A stable diagnostic code with its default severity and a one-line title.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Code {
    id: &'static str,
    severity: Severity,
    title: &'static str,
}

impl Code {
    /// The code itself, e.g. `"E0201"`.
    pub const fn id(self) -> &'static str {
        self.id
    }

    /// The severity diagnostics with this code get by default.
    pub const fn severity(self) -> Severity {
        self.severity
    }

    /// A one-line description of the class of problem.
    pub const fn title(self) -> &'static str {
        self.title
    }

    /// Looks a code up by its id.
    pub fn lookup(id: &str) -> Option<Code> {
        ALL.iter().copied().find(|c| c.id == id)
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id)
    }
}

macro_rules! codes {
    ($($(#[$doc:meta])* $name:ident = $severity:ident, $title:literal;)*) => {
        $(
            $(#[$doc])*
            pub const $name: Code = Code {
                id: stringify!($name),
                severity: Severity::$severity,
                title: $title,
            };
        )*
        /// Every code, in order.
        pub const ALL: &[Code] = &[$($name),*];
    };
}

codes! {
    // ---- lexical (E01xx) ----
    /// A character that starts no token.
    E0101 = Error, "invalid character";
    /// A string literal with no closing quote on its line.
    E0102 = Error, "unterminated string literal";
    /// A backslash escape the language does not define.
    E0103 = Error, "invalid escape sequence";
    /// An integer that is too large or has a letter suffix that is no duration unit.
    E0104 = Error, "invalid number literal";
    /// A date or date-time that is not a real calendar instant.
    E0105 = Error, "invalid date literal";
    /// A duration that overflows.
    E0106 = Error, "invalid duration literal";

    // ---- syntax (E02xx) ----
    /// A token the grammar does not allow here.
    E0201 = Error, "unexpected token";
    /// The file ended in the middle of a construct.
    E0202 = Error, "unexpected end of file";
    /// A doc comment that documents nothing.
    E0203 = Error, "dangling doc comment";
    /// A clause in the wrong place, such as `for` after `require`.
    E0204 = Error, "misplaced clause";
    /// A construct without a clause it needs, such as `forbid` without `when`.
    E0205 = Error, "missing clause";
    /// A clause that may appear once appears twice.
    E0206 = Error, "duplicate clause";
    /// An approval count of zero, or a depth limit of zero.
    E0207 = Error, "invalid count";
    /// An unknown field or value in a `test` block.
    E0208 = Error, "invalid test statement";
    /// A rule with no clauses at all.
    W0201 = Warning, "empty rule";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_sorted_and_well_formed() {
        let mut seen = std::collections::BTreeSet::new();
        for code in ALL {
            assert!(seen.insert(code.id), "duplicate code {}", code.id);
        }
        for code in ALL {
            let (letter, digits) = code.id.split_at(1);
            assert!(matches!(letter, "E" | "W"), "{}", code.id);
            assert_eq!(digits.len(), 4, "{}", code.id);
            assert!(digits.chars().all(|c| c.is_ascii_digit()), "{}", code.id);
            assert_eq!(letter == "W", code.severity == Severity::Warning, "{}", code.id);
        }
        assert_eq!(Code::lookup("E0201"), Some(E0201));
        assert_eq!(Code::lookup("E9999"), None);
    }
}

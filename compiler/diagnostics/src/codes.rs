//! The registry of stable diagnostic codes.
//!
//! A code never changes meaning once released. Ranges:
//! `E01xx` lexical, `E02xx` syntax, `E03xx` names and modules, `E04xx` types and
//! the graph, `E05xx` graph files, `E06xx` changes, `E07xx` plans, `E08xx`
//! runtime evidence, `E09xx` input limits (every reader). Warnings use `W` with the same ranges.
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
    /// Expressions nested deeper than the limit (`writ_syntax::MAX_NESTING`).
    E0209 = Error, "nesting too deep";
    /// An unknown decision in an assertion's `expect decision`.
    E0210 = Error, "invalid assertion";
    /// A rule with no clauses at all.
    W0201 = Warning, "empty rule";

    // ---- names and modules (E03xx) ----
    /// A name that is not defined: no variable, item, import or node kind has it.
    E0301 = Error, "unknown name";
    /// Two items of one module share a name.
    E0302 = Error, "duplicate definition";
    /// A `use` of a module that does not exist.
    E0303 = Error, "unknown module";
    /// A `use` of an item its module does not declare.
    E0304 = Error, "unknown item in module";
    /// A `let` that refers to itself, directly or through others.
    E0305 = Error, "cyclic definition";
    /// A name used as the wrong kind of item (a rule where a chain is expected).
    E0306 = Error, "wrong kind of item";
    /// A chain given the wrong number of arguments.
    E0307 = Error, "wrong number of arguments";
    /// An import whose name is already taken in the module.
    E0308 = Error, "conflicting import";
    /// An import that nothing uses.
    W0301 = Warning, "unused import";

    // ---- types and the graph (E04xx) ----
    /// A node id the graph does not have.
    E0401 = Error, "unknown node";
    /// A node kind the graph does not have.
    E0402 = Error, "unknown node kind";
    /// A tag no node of the graph carries.
    E0403 = Error, "unknown tag";
    /// An attribute no node of the graph has.
    E0404 = Error, "unknown attribute";
    /// A team the graph does not have.
    E0405 = Error, "unknown team";
    /// A person the graph does not have.
    E0406 = Error, "unknown person";
    /// A check no node of the graph defines.
    E0407 = Error, "unknown check";
    /// An edge kind the graph does not have.
    E0408 = Error, "unknown edge kind";
    /// A value of the wrong type.
    E0409 = Error, "type mismatch";
    /// A field or method that does not exist.
    E0410 = Error, "unknown field or method";
    /// Wrong arguments to a built-in method.
    E0411 = Error, "invalid arguments";
    /// A selector filter that depends on the change (filters are resolved against the graph at compile time).
    E0412 = Error, "dynamic selector filter";
    /// A `by` entry of an assertion that is no author class.
    E0413 = Error, "unknown author class";
    /// Something an assertion's `for` or `when` uses that `writ prove`
    /// cannot enumerate (changed files, node sets of the change).
    E0414 = Error, "not provable";
    /// An assertion that does not hold: `writ prove` and the language
    /// server give the counterexample.
    E0415 = Error, "assertion violated";
    /// A selector that matches no node of this graph.
    W0401 = Warning, "selector matches nothing";
    /// A rule or forbid that can never fire on this graph.
    W0402 = Warning, "can never fire";
    /// A rule whose every instance and obligation another rule already imposes.
    W0403 = Warning, "rule shadowed";
    /// An approval chain that not enough people can satisfy.
    W0404 = Warning, "unsatisfiable approval chain";
    /// A forbid that no emergency path can lift.
    W0405 = Warning, "forbid cannot be lifted";

    // ---- graph files (E05xx) ----
    /// The graph file is not well-formed JSON.
    E0501 = Error, "invalid graph file syntax";
    /// The graph file cannot be read, or is not UTF-8.
    E0502 = Error, "cannot read graph file";
    /// A value of the wrong type, or a value outside what the field allows.
    E0503 = Error, "invalid value";
    /// A field the graph format does not define.
    E0504 = Error, "unknown field";
    /// A required field is absent.
    E0505 = Error, "missing field";
    /// Two nodes, teams or people share an id.
    E0506 = Error, "duplicate id";
    /// An edge or a global-file rule names a node that does not exist.
    E0507 = Error, "unknown node";
    /// An owner or team member that is neither a team nor a person.
    E0508 = Error, "unknown owner";
    /// A path glob that does not compile.
    E0509 = Error, "invalid path glob";
    /// A public key that is not a valid ed25519 key.
    E0510 = Error, "invalid public key";
    /// A node kind or edge kind that is neither built in nor declared.
    E0511 = Error, "unknown kind";
    /// An id with characters the format does not allow.
    E0512 = Error, "invalid id";
    /// A `version` this build of writ does not understand.
    E0513 = Error, "unsupported graph format version";
    /// The same field twice in one object.
    E0514 = Error, "duplicate field";
    /// A check without a command, or with an invalid timeout.
    E0515 = Error, "invalid check";
    /// More edge kinds than the index supports (64).
    E0516 = Error, "too many edge kinds";
    /// One email address given to two people.
    E0517 = Error, "ambiguous email";
    /// An alias declared by two principals, or naming another principal.
    E0518 = Error, "ambiguous alias";
    /// A CODEOWNERS line that cannot be imported.
    E0520 = Error, "invalid CODEOWNERS entry";
    /// A YAML document that does not parse, or an entity without kind or name.
    E0521 = Error, "invalid Backstage entity";
    /// `cargo metadata` failed or printed something unexpected.
    E0522 = Error, "cannot read cargo metadata";
    /// A workspace manifest (`package.json`, `pnpm-workspace.yaml`, `go.work`,
    /// `go.mod`, `go list -json` output, `pyproject.toml`) that cannot be read.
    E0523 = Error, "invalid workspace manifest";
    /// A telemetry export (Jaeger dependencies, OpenTelemetry service graph)
    /// that cannot be read.
    E0524 = Error, "invalid telemetry export";
    /// The same value twice in a list (tags, owners, paths, edge targets).
    W0501 = Warning, "duplicate list entry";
    /// A node with an edge to itself.
    W0502 = Warning, "self edge";
    /// A CODEOWNERS construct that GitHub ignores or that writ cannot express.
    W0520 = Warning, "CODEOWNERS construct ignored";
    /// A Backstage reference to an entity that is not in the imported catalog.
    W0521 = Warning, "unresolved Backstage reference";
    /// A Backstage entity whose kind Backstage does not define (a typo).
    W0522 = Warning, "unknown Backstage kind";
    /// A team without members: no approval it must give can be given.
    W0530 = Warning, "team without members";
    /// A node without owners: an owners' review of it can never be given.
    W0531 = Warning, "node without owners";
    /// Owners none of whom can sign an approval (no human with a key).
    W0532 = Warning, "no owner can sign";

    // ---- changes (E06xx) ----
    /// The change file is not well-formed JSON.
    E0601 = Error, "invalid change file syntax";
    /// A change field with the wrong type or an invalid value.
    E0602 = Error, "invalid change field";
    /// A field the change format does not define.
    E0603 = Error, "unknown change field";
    /// A required change field is absent.
    E0604 = Error, "missing change field";
    /// A file entry whose status and `old_path` disagree.
    E0605 = Error, "invalid file status";
    /// The same path listed twice in a change.
    E0606 = Error, "duplicate file in change";
    /// A timestamp that is not RFC 3339.
    E0607 = Error, "invalid timestamp";
    /// The recorded digest is not the digest of the change's contents.
    E0608 = Error, "change digest mismatch";
    /// A git command failed while building a change.
    E0609 = Error, "git failed";
    /// A revision range that is not `BASE..HEAD` or `BASE...HEAD`.
    E0610 = Error, "invalid revision range";
    /// The change author matches no person of the graph.
    W0601 = Warning, "unknown change author";

    // ---- plans (E07xx) ----
    /// The plan file is not JSON, is truncated, or is not a plan.
    E0701 = Error, "invalid plan file";
    /// A plan format this build of writ does not read.
    E0702 = Error, "unsupported plan format";
    /// The plan's bytes are not the canonical bytes of its content: it was edited.
    E0703 = Error, "plan modified";
    /// The plan's node sets do not fit its embedded graph.
    E0704 = Error, "inconsistent plan";
    /// The plan's signature is missing, malformed, for another plan, or by an untrusted key.
    E0705 = Error, "plan signature rejected";
    /// The plan's signature is outside its validity window: expired, or issued in the future.
    E0706 = Error, "plan signature expired";

    // ---- input limits (E09xx), for every reader ----
    /// A file larger than the limit for its kind (`writ_diagnostics::limits`).
    E0901 = Error, "file too large";
    /// Input nested deeper than its reader allows: JSON or YAML nesting, XML
    /// elements, `{…}` alternations in a path glob.
    E0902 = Error, "input nested too deeply";
    /// A path glob longer than the limit (`writ_graph::paths::MAX_GLOB_LEN`).
    E0903 = Error, "path glob too long";
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
            assert_eq!(
                letter == "W",
                code.severity == Severity::Warning,
                "{}",
                code.id
            );
        }
        assert_eq!(Code::lookup("E0201"), Some(E0201));
        assert_eq!(Code::lookup("E9999"), None);
    }
}

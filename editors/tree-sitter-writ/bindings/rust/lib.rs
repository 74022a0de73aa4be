//! The writ grammar for tree-sitter: the generated parser (`src/parser.c`,
//! from `grammar.js`) as a [`LanguageFn`], and its queries.
//!
//! Editors (Helix, Neovim, GitHub) use the grammar through their own loaders;
//! this crate exists so Rust code, and the test that holds the grammar to the
//! compiler's (`tests/agreement.rs`), can parse with it.
//!
//! ```
//! let mut parser = tree_sitter::Parser::new();
//! parser.set_language(&tree_sitter_writ::LANGUAGE.into()).expect("ABI matches");
//! let tree = parser.parse("rule r { when true }", None).expect("a tree");
//! assert!(!tree.root_node().has_error());
//! ```

use tree_sitter_language::LanguageFn;

unsafe extern "C" {
    fn tree_sitter_writ() -> *const ();
}

/// The writ language, for `tree_sitter::Parser::set_language`.
// SAFETY: `tree_sitter_writ` is the generated parser's entry point, which
// returns a pointer to a static `TSLanguage`.
pub const LANGUAGE: LanguageFn = unsafe { LanguageFn::from_raw(tree_sitter_writ) };

/// The highlight query (`queries/highlights.scm`).
pub const HIGHLIGHTS_QUERY: &str = include_str!("../../queries/highlights.scm");
/// The fold query (`queries/folds.scm`).
pub const FOLDS_QUERY: &str = include_str!("../../queries/folds.scm");
/// The indent query (`queries/indents.scm`).
pub const INDENTS_QUERY: &str = include_str!("../../queries/indents.scm");
/// The text-object query (`queries/textobjects.scm`).
pub const TEXTOBJECTS_QUERY: &str = include_str!("../../queries/textobjects.scm");

/// The node types the grammar produces (`src/node-types.json`).
pub const NODE_TYPES: &str = include_str!("../../src/node-types.json");

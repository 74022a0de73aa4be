//! writ's syntax: lexing, parsing, the syntax tree, structural validation and
//! formatting of policy files.
//!
//! Invariants: parsing never fails and never panics ([`parse`] always returns a
//! tree plus diagnostics); this crate knows nothing of salsa, the system graph
//! or LSP.

pub mod ast;
mod depth;
pub mod format;
pub mod lexer;
mod parser;
mod validate;

pub use depth::MAX_NESTING;
pub use parser::{Parse, parse};

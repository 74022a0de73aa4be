//! Importers: CODEOWNERS, Backstage catalogs and `cargo metadata` into the
//! native graph format.
//!
//! Each importer returns a [`crate::Document`] and diagnostics; documents
//! merge with [`crate::Document::merge`], which is deterministic (the result
//! is sorted and does not depend on input order). How each importer maps its
//! source onto path claims (layers and priorities) is documented in
//! `docs/graph.md`.

pub mod backstage;
pub mod cargo;
pub mod codeowners;

/// Replaces characters that ids do not allow with `-`.
pub(crate) fn sanitize_id(raw: &str) -> String {
    let mut s: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-:/@#+~".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    if !s.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '@') {
        s.insert(0, 'x');
    }
    s.truncate(256);
    s
}

/// Number of `/`-separated segments in a repository-relative directory
/// (`""` and `"."` have depth 0).
pub(crate) fn depth(dir: &str) -> i64 {
    let dir = dir.trim_matches('/');
    if dir.is_empty() || dir == "." {
        0
    } else {
        dir.split('/').count() as i64
    }
}

/// The claim glob for everything under a repository-relative directory.
pub(crate) fn dir_glob(dir: &str) -> String {
    let dir = dir.trim_matches('/');
    if dir.is_empty() || dir == "." {
        "**".to_string()
    } else {
        format!("{dir}/**")
    }
}

//! Importers: CODEOWNERS, Backstage catalogs, `cargo metadata`, npm / pnpm /
//! yarn workspaces, Go modules (`go list -json`, `go.work`), Python (uv)
//! workspaces and telemetry service graphs into the native graph format.
//!
//! Each importer returns a [`crate::Document`] and diagnostics; documents
//! merge with [`crate::Document::merge`], which is deterministic (the result
//! is sorted and does not depend on input order). How each importer maps its
//! source onto path claims (layers and priorities) is documented in
//! `docs/graph.md`.

pub mod backstage;
pub mod cargo;
pub mod codeowners;
pub mod go;
pub mod npm;
pub mod python;
pub mod telemetry;
pub mod workspace;

use crate::model::{AttrValue, CheckDecl, EdgeDecl, Name, NodeDecl, PathDecl, Spanned};

/// One manifest file of a workspace (a `package.json`, `go.mod`,
/// `pyproject.toml`) handed to an importer.
#[derive(Clone, Copy, Debug)]
pub struct Manifest<'a> {
    /// Its id in the source map (for diagnostics).
    pub file: writ_diagnostics::FileId,
    /// Its text.
    pub text: &'a str,
    /// Its directory relative to the repository root (`""` for the root).
    pub dir: &'a str,
}

/// A workspace member as a node: owns its directory (claims in `layer`,
/// priority = directory depth, so a file belongs to its innermost member),
/// `source` attribute, optional version and test command.
pub(crate) fn member_node(
    name: &str,
    kind: &str,
    dir: &str,
    layer: &str,
    version: Option<&str>,
    test: Option<Vec<String>>,
) -> NodeDecl {
    let mut n = NodeDecl {
        id: Spanned::bare(sanitize_id(name).into()),
        kind: Spanned::bare(kind.into()),
        ..Default::default()
    };
    n.attributes
        .insert("source".into(), Spanned::bare(AttrValue::Str(layer.into())));
    if let Some(v) = version {
        n.attributes
            .insert("version".into(), Spanned::bare(AttrValue::Str(v.into())));
    }
    n.paths
        .push(PathDecl::ranked(dir_glob(dir), depth(dir), layer));
    if let Some(run) = test {
        n.checks.push(CheckDecl {
            name: Spanned::bare("test".into()),
            run: run.into_iter().map(Name::from).collect(),
            timeout_secs: Some(1800),
            network: false,
            redact: Vec::new(),
            span: writ_diagnostics::Span::default(),
        });
    }
    n
}

/// An edge `kind` to the node of `name`.
pub(crate) fn edge(kind: &str, name: &str) -> EdgeDecl {
    EdgeDecl {
        kind: Spanned::bare(kind.into()),
        to: Spanned::bare(sanitize_id(name).into()),
    }
}

/// Whether a repository-relative directory matches one of a workspace's
/// member globs (`packages/*`, `apps/**`, `!excluded`); negations win.
pub(crate) fn dir_matches(dir: &str, globs: &[String]) -> bool {
    let compile = |g: &str| {
        globset::GlobBuilder::new(g.trim_start_matches("./").trim_end_matches('/'))
            .literal_separator(true)
            .build()
            .ok()
            .map(|g| g.compile_matcher())
    };
    let mut included = false;
    for g in globs {
        if let Some(neg) = g.strip_prefix('!') {
            if compile(neg).is_some_and(|m| m.is_match(dir)) {
                return false;
            }
        } else if compile(g).is_some_and(|m| m.is_match(dir)) {
            included = true;
        }
    }
    included
}

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

/// The directories of workspace members: the folders of `files` (the
/// repository's tracked files, relative to its root) named `manifest`
/// (`package.json`, `pyproject.toml`) that match the member `globs`, sorted.
pub(crate) fn member_dirs(files: &[String], manifest: &str, globs: &[String]) -> Vec<String> {
    let mut dirs: Vec<String> = files
        .iter()
        .filter_map(|f| match f.rsplit_once('/') {
            Some((dir, name)) if name == manifest => Some(dir.to_string()),
            _ => None,
        })
        .filter(|dir| dir_matches(dir, globs))
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs
}

/// The files git tracks in the work tree of `repo`, relative to its root,
/// sorted, and that root. Runs `git` without a shell.
pub fn tracked_files(repo: &std::path::Path) -> Result<(std::path::PathBuf, Vec<String>), String> {
    let git = |args: &[&str]| -> Result<Vec<u8>, String> {
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(repo)
            .args(args)
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "`git {}` failed in `{}`: {}",
                args.join(" "),
                repo.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(out.stdout)
    };
    let top = String::from_utf8_lossy(&git(&["rev-parse", "--show-toplevel"])?)
        .trim()
        .to_string();
    let files = git(&["ls-files", "-z", "--full-name", "--", ":/"])?;
    let mut list: Vec<String> = files
        .split(|b| *b == 0)
        .filter(|f| !f.is_empty())
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect();
    list.sort();
    Ok((std::path::PathBuf::from(top), list))
}

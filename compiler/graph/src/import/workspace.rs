//! Finding and importing the workspaces of a repository from its tracked
//! files: npm / pnpm / yarn (root `package.json` `workspaces`,
//! `pnpm-workspace.yaml`), Go (`go.work`, or a root `go.mod`) and Python (uv
//! `[tool.uv.workspace]`, or a root `pyproject.toml` project). Used by `writ
//! init` and `writ graph import`; each file is read through the input
//! limits and added to the source map, so diagnostics point into it.

use crate::import::{Manifest, go, member_dirs, npm, python};
use crate::model::Document;
use std::path::Path;
use writ_diagnostics::{Diagnostic, FileId, SourceMap, Span, codes, limits};

/// What one importer found: the document, its diagnostics and a one-line
/// summary for people.
#[derive(Debug)]
pub struct Imported {
    /// The imported graph fragment.
    pub doc: Document,
    /// Problems found on the way.
    pub diags: Vec<Diagnostic>,
    /// E.g. `npm workspaces: 3 packages`.
    pub summary: String,
}

fn read(map: &mut SourceMap, root: &Path, rel: &str) -> Result<FileId, Box<Diagnostic>> {
    match limits::read_text(&root.join(rel), limits::Input::Graph) {
        Ok(text) => Ok(map.add(rel, text)),
        Err(e) => {
            let file = map.add(rel, String::new());
            Err(Box::new(Diagnostic::new(
                e.code().unwrap_or(codes::E0523),
                file,
                Span::empty(0),
                format!("cannot read `{rel}`: {e}"),
            )))
        }
    }
}

/// Reads the manifests `dir/name` for each member directory.
fn manifests(
    map: &mut SourceMap,
    root: &Path,
    dirs: &[String],
    name: &str,
    diags: &mut Vec<Diagnostic>,
) -> Vec<(FileId, String)> {
    let mut out = Vec::new();
    for d in dirs {
        let rel = if d.is_empty() {
            name.to_string()
        } else {
            format!("{d}/{name}")
        };
        match read(map, root, &rel) {
            Ok(id) => out.push((id, d.clone())),
            Err(e) => diags.push(*e),
        }
    }
    out
}

fn as_manifests<'a>(map: &'a SourceMap, read: &'a [(FileId, String)]) -> Vec<Manifest<'a>> {
    read.iter()
        .map(|(id, dir)| Manifest {
            file: *id,
            text: map.get(*id).text(),
            dir,
        })
        .collect()
}

/// npm, pnpm or yarn workspaces, if the repository declares some.
pub fn npm(map: &mut SourceMap, root: &Path, files: &[String]) -> Option<Imported> {
    let mut diags = Vec::new();
    let mut globs = Vec::new();
    if files.iter().any(|f| f == "pnpm-workspace.yaml") {
        match read(map, root, "pnpm-workspace.yaml") {
            Ok(id) => {
                let (g, d) = npm::pnpm_workspace_globs(id, map.get(id).text());
                globs.extend(g);
                diags.extend(d);
            }
            Err(e) => diags.push(*e),
        }
    }
    if globs.is_empty() && files.iter().any(|f| f == "package.json") {
        match read(map, root, "package.json") {
            Ok(id) => {
                let (g, d) = npm::workspace_globs(id, map.get(id).text());
                globs.extend(g);
                diags.extend(d);
            }
            Err(e) => diags.push(*e),
        }
    }
    if globs.is_empty() {
        return (!diags.is_empty()).then(|| Imported {
            doc: Document::default(),
            diags,
            summary: "package.json: no workspaces".into(),
        });
    }
    let dirs = member_dirs(files, "package.json", &globs);
    let read = manifests(map, root, &dirs, "package.json", &mut diags);
    let (doc, d) = npm::import(&as_manifests(map, &read));
    diags.extend(d);
    Some(Imported {
        summary: format!("npm workspaces: {} packages", doc.nodes.len()),
        doc,
        diags,
    })
}

/// Go modules: those a `go.work` uses, or the root module.
pub fn go(map: &mut SourceMap, root: &Path, files: &[String]) -> Option<Imported> {
    let mut diags = Vec::new();
    let dirs: Vec<String> = if files.iter().any(|f| f == "go.work") {
        match read(map, root, "go.work") {
            Ok(id) => go::work_uses(map.get(id).text())
                .into_iter()
                .filter(|d| {
                    let m = if d.is_empty() {
                        "go.mod".to_string()
                    } else {
                        format!("{d}/go.mod")
                    };
                    files.contains(&m)
                })
                .collect(),
            Err(e) => {
                diags.push(*e);
                Vec::new()
            }
        }
    } else if files.iter().any(|f| f == "go.mod") {
        vec![String::new()]
    } else {
        return None;
    };
    let read = manifests(map, root, &dirs, "go.mod", &mut diags);
    let (doc, d) = go::import_go_work(&as_manifests(map, &read));
    diags.extend(d);
    Some(Imported {
        summary: format!("Go modules: {}", doc.nodes.len()),
        doc,
        diags,
    })
}

/// Python projects: a uv workspace's members, or the root project.
pub fn python(map: &mut SourceMap, root: &Path, files: &[String]) -> Option<Imported> {
    if !files.iter().any(|f| f == "pyproject.toml") {
        return None;
    }
    let mut diags = Vec::new();
    let id = match read(map, root, "pyproject.toml") {
        Ok(id) => id,
        Err(e) => {
            return Some(Imported {
                doc: Document::default(),
                diags: vec![*e],
                summary: "pyproject.toml unreadable".into(),
            });
        }
    };
    let (globs, d) = python::workspace_globs(id, map.get(id).text());
    diags.extend(d);
    let mut dirs = member_dirs(files, "pyproject.toml", &globs);
    // a single project at the root (a workspace's root project is usually
    // only its umbrella, so it is left out then)
    let root_is_project = map.get(id).text().lines().any(|l| l.trim() == "[project]");
    if globs.is_empty() && root_is_project {
        dirs.insert(0, String::new());
    }
    let read = manifests(map, root, &dirs, "pyproject.toml", &mut diags);
    let (doc, d) = python::import(&as_manifests(map, &read));
    diags.extend(d);
    Some(Imported {
        summary: format!("Python projects: {}", doc.nodes.len()),
        doc,
        diags,
    })
}

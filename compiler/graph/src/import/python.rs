//! Python workspaces (uv) into graph nodes.
//!
//! Members come from the root `pyproject.toml` `[tool.uv.workspace]`
//! `members` (globs) and `exclude` ([`workspace_globs`]). Each member's
//! `pyproject.toml` `[project] name` becomes a node (kind `library`, layer
//! `python`, priority = directory depth) with a `test` check (`uv run
//! --package NAME pytest`). A dependency (`[project] dependencies`,
//! `[project.optional-dependencies]`, `[dependency-groups]` as
//! `dev_depends_on`) naming another member — names compared as PEP 503
//! normalises them — is an edge. The root project itself is a member when it
//! has a `[project]` table.

use crate::import::{Manifest, edge, member_node};
use crate::model::Document;
use std::collections::BTreeMap;
use toml::{Table, Value};
use writ_diagnostics::{Diagnostic, FileId, Span, codes};

fn bad(file: FileId, msg: impl Into<String>) -> Diagnostic {
    Diagnostic::new(codes::E0523, file, Span::empty(0), msg)
}

/// PEP 503: lower case, runs of `-`, `_`, `.` become one `-`.
pub(crate) fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// The distribution name a requirement string names (`numpy>=1.26` →
/// `numpy`, `scoring[extra] ; python_version > "3"` → `scoring`).
fn requirement_name(req: &str) -> &str {
    let end = req
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(req.len());
    &req[..end]
}

fn parse(file: FileId, text: &str) -> Result<Table, Box<Diagnostic>> {
    text.parse::<Table>().map_err(|e| {
        Box::new(bad(
            file,
            format!("pyproject.toml is not valid TOML: {}", e.message()),
        ))
    })
}

/// `(members, exclude)` globs of a root `pyproject.toml`'s
/// `[tool.uv.workspace]`, as one list with excludes prefixed by `!`.
pub fn workspace_globs(file: FileId, text: &str) -> (Vec<String>, Vec<Diagnostic>) {
    let t = match parse(file, text) {
        Ok(t) => t,
        Err(d) => return (Vec::new(), vec![*d]),
    };
    let ws = t
        .get("tool")
        .and_then(|t| t.get("uv"))
        .and_then(|u| u.get("workspace"));
    let list = |key: &str| -> Vec<String> {
        ws.and_then(|w| w.get(key))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut globs = list("members");
    globs.extend(list("exclude").into_iter().map(|e| format!("!{e}")));
    (globs, Vec::new())
}

/// Imports the members' `pyproject.toml` files.
pub fn import(members: &[Manifest<'_>]) -> (Document, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut parsed: Vec<(&Manifest<'_>, Table, String)> = Vec::new();
    for m in members {
        match parse(m.file, m.text) {
            Ok(t) => {
                let name = t
                    .get("project")
                    .and_then(|p| p.get("name"))
                    .and_then(Value::as_str)
                    .map(str::to_string);
                match name {
                    Some(n) if !n.trim().is_empty() => parsed.push((m, t, n)),
                    _ => diags.push(bad(
                        m.file,
                        format!("the pyproject.toml in `{}` has no `[project] name`; it is not imported", m.dir),
                    )),
                }
            }
            Err(d) => diags.push(*d),
        }
    }
    // normalised name → node id (the name as written)
    let ids: BTreeMap<String, String> = parsed
        .iter()
        .map(|(_, _, n)| (normalize_name(n), n.clone()))
        .collect();
    let mut doc = Document::default();
    for (m, t, name) in &parsed {
        let project = t.get("project");
        let mut n = member_node(
            name,
            "library",
            m.dir,
            "python",
            project
                .and_then(|p| p.get("version"))
                .and_then(Value::as_str),
            Some(
                ["uv", "run", "--package", name, "pytest"]
                    .map(String::from)
                    .to_vec(),
            ),
        );
        n.description = project
            .and_then(|p| p.get("description"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let strings = |v: Option<&Value>| -> Vec<String> {
            v.and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut deps: Vec<(&str, String)> = strings(project.and_then(|p| p.get("dependencies")))
            .into_iter()
            .map(|d| ("depends_on", d))
            .collect();
        for (kind, table) in [
            (
                "depends_on",
                project.and_then(|p| p.get("optional-dependencies")),
            ),
            ("dev_depends_on", t.get("dependency-groups")),
        ] {
            for v in table
                .and_then(Value::as_table)
                .into_iter()
                .flat_map(|t| t.values())
            {
                deps.extend(strings(Some(v)).into_iter().map(|d| (kind, d)));
            }
        }
        for (kind, req) in deps {
            if let Some(id) = ids.get(&normalize_name(requirement_name(&req)))
                && id != name
            {
                n.edges.push(edge(kind, id));
            }
        }
        doc.nodes.push(n);
    }
    doc.normalize();
    (doc, diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_requirements() {
        assert_eq!(normalize_name("Scoring_Core.lib"), "scoring-core-lib");
        assert_eq!(requirement_name("numpy>=1.26"), "numpy");
        assert_eq!(
            requirement_name("scoring[fast] ; python_version > '3'"),
            "scoring"
        );
    }

    #[test]
    fn uv_workspace_globs() {
        let (g, d) = workspace_globs(
            FileId(0),
            "[tool.uv.workspace]\nmembers = [\"ml/*\"]\nexclude = [\"ml/old\"]\n",
        );
        assert!(d.is_empty());
        assert_eq!(g, ["ml/*", "!ml/old"]);
        assert_eq!(workspace_globs(FileId(0), "[tool").1[0].code.id(), "E0523");
    }
}

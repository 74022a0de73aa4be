//! Go modules into graph nodes: one node per module of the workspace (kind
//! `component`, a `library` when no package of it is `main`), owning the
//! module's directory (layer `go`, priority = directory depth), with a
//! `test` check (`go test PATH/...`), and `depends_on` edges between
//! workspace modules.
//!
//! Two inputs:
//! - [`import_go_list`]: the output of `go list -json ./...` (or `go list
//!   -deps -json`), the toolchain's own machine-readable view: a stream of
//!   JSON package objects with `ImportPath`, `Module` (`Path`, `Dir`,
//!   `Main`), `Name` and `Imports`. A package importing a package of another
//!   workspace module is an edge between the modules;
//! - [`import_go_work`]: without a toolchain, `go.work` (`use` directives)
//!   and each module's `go.mod` (`module`, `require`): a `require` of another
//!   workspace module is an edge.
//!
//! JSON is read with serde_json (nesting limited to 128).

use crate::import::{Manifest, edge, member_node};
use crate::model::Document;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use writ_diagnostics::{Diagnostic, FileId, Span, codes};

fn bad(file: FileId, msg: impl Into<String>) -> Diagnostic {
    Diagnostic::new(codes::E0523, file, Span::empty(0), msg)
}

/// The module a package path belongs to: the longest module path that is
/// the package path or a prefix of it followed by `/`.
fn owner_module<'m>(modules: &'m BTreeSet<String>, pkg: &str) -> Option<&'m str> {
    modules
        .iter()
        .filter(|m| pkg == m.as_str() || pkg.starts_with(&format!("{m}/")))
        .max_by_key(|m| m.len())
        .map(String::as_str)
}

fn test_cmd(dir: &str) -> Vec<String> {
    let target = if dir.is_empty() {
        "./...".to_string()
    } else {
        format!("./{dir}/...")
    };
    vec!["go".into(), "test".into(), target]
}

/// Imports `go list -json` output (the content of `file`); `root` is the
/// repository root the module directories are made relative to.
pub fn import_go_list(file: FileId, text: &str, root: &Path) -> (Document, Vec<Diagnostic>) {
    let mut packages = Vec::new();
    for item in serde_json::Deserializer::from_str(text).into_iter::<Value>() {
        match item {
            Ok(v) => packages.push(v),
            Err(e) => {
                return (
                    Document::default(),
                    vec![bad(
                        file,
                        format!("`go list -json` output is not a JSON stream: {e}"),
                    )],
                );
            }
        }
    }
    // workspace modules: the main modules of the listed packages
    let mut dirs: BTreeMap<String, String> = BTreeMap::new();
    let mut has_main: BTreeSet<String> = BTreeSet::new();
    for p in &packages {
        let Some(m) = p.get("Module") else { continue };
        if m.get("Main").and_then(Value::as_bool) != Some(true) {
            continue;
        }
        let (Some(path), Some(dir)) = (
            m.get("Path").and_then(Value::as_str),
            m.get("Dir").and_then(Value::as_str),
        ) else {
            continue;
        };
        let rel = Path::new(dir)
            .strip_prefix(root)
            .unwrap_or(Path::new(dir))
            .to_string_lossy()
            .replace('\\', "/");
        dirs.insert(path.to_string(), rel);
        if p.get("Name").and_then(Value::as_str) == Some("main") {
            has_main.insert(path.to_string());
        }
    }
    let modules: BTreeSet<String> = dirs.keys().cloned().collect();
    let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for p in &packages {
        let Some(from) = p
            .get("Module")
            .and_then(|m| m.get("Path"))
            .and_then(Value::as_str)
            .filter(|m| modules.contains(*m))
        else {
            continue;
        };
        let from = owner_module(&modules, from).unwrap_or(from);
        for imp in p
            .get("Imports")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(to) = imp.as_str().and_then(|i| owner_module(&modules, i))
                && to != from
            {
                edges.entry(from).or_default().insert(to);
            }
        }
    }
    let mut doc = Document::default();
    for (path, dir) in &dirs {
        let kind = if has_main.contains(path) {
            "component"
        } else {
            "library"
        };
        let mut n = member_node(path, kind, dir, "go", None, Some(test_cmd(dir)));
        for to in edges.get(path.as_str()).into_iter().flatten() {
            n.edges.push(edge("depends_on", to));
        }
        doc.nodes.push(n);
    }
    doc.normalize();
    (doc, Vec::new())
}

/// The directories a `go.work` file `use`s (relative to its directory,
/// `./` dropped), in the order written.
pub fn work_uses(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_block = false;
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or("").trim();
        let dir = if in_block {
            if line == ")" {
                in_block = false;
                continue;
            }
            line
        } else if let Some(rest) = line.strip_prefix("use") {
            let rest = rest.trim();
            if rest == "(" {
                in_block = true;
                continue;
            }
            rest
        } else {
            continue;
        };
        let dir = dir
            .trim_matches('"')
            .trim_start_matches("./")
            .trim_end_matches('/');
        if !dir.is_empty() || line == "." {
            out.push(if dir == "." {
                String::new()
            } else {
                dir.to_string()
            });
        }
    }
    out
}

/// `module` and `require`d module paths of a `go.mod`.
fn go_mod(text: &str) -> (Option<String>, Vec<String>) {
    let mut module = None;
    let mut requires = Vec::new();
    let mut in_require = false;
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or("").trim();
        if in_require {
            if line == ")" {
                in_require = false;
            } else if let Some(path) = line.split_whitespace().next() {
                requires.push(path.to_string());
            }
        } else if let Some(rest) = line.strip_prefix("module ") {
            module = Some(rest.trim().trim_matches('"').to_string());
        } else if let Some(rest) = line.strip_prefix("require") {
            let rest = rest.trim();
            if rest == "(" {
                in_require = true;
            } else if let Some(path) = rest.split_whitespace().next() {
                requires.push(path.to_string());
            }
        }
    }
    (module, requires)
}

/// Imports the `go.mod` files of the modules a `go.work` uses (each
/// [`Manifest`] is one `go.mod`, its `dir` the module directory).
pub fn import_go_work(mods: &[Manifest<'_>]) -> (Document, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut parsed = Vec::new();
    for m in mods {
        match go_mod(m.text) {
            (Some(path), requires) => parsed.push((m, path, requires)),
            (None, _) => diags.push(bad(
                m.file,
                format!(
                    "the go.mod in `{}` has no `module` line; it is not imported",
                    m.dir
                ),
            )),
        }
    }
    let modules: BTreeSet<String> = parsed.iter().map(|(_, p, _)| p.clone()).collect();
    let mut doc = Document::default();
    for (m, path, requires) in &parsed {
        let mut n = member_node(path, "component", m.dir, "go", None, Some(test_cmd(m.dir)));
        for r in requires {
            if modules.contains(r) && r != path {
                n.edges.push(edge("depends_on", r));
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
    fn go_work_use_directives() {
        assert_eq!(
            work_uses(
                "go 1.22\n\nuse (\n\t./services/billing // billing\n\t./libs/money\n)\nuse ./tools\n"
            ),
            ["services/billing", "libs/money", "tools"]
        );
    }

    #[test]
    fn go_mod_module_and_requires() {
        let (m, r) = go_mod(
            "module example.com/a\n\ngo 1.22\n\nrequire (\n\texample.com/b v0.0.0\n)\nrequire golang.org/x/text v0.14.0\n",
        );
        assert_eq!(m.as_deref(), Some("example.com/a"));
        assert_eq!(r, ["example.com/b", "golang.org/x/text"]);
    }
}

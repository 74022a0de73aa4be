//! npm, pnpm and yarn workspaces into graph nodes.
//!
//! Members are found from the root `package.json` `workspaces` (an array, or
//! yarn's `{"packages": [...]}`) or from `pnpm-workspace.yaml` `packages`
//! ([`workspace_globs`], [`pnpm_workspace_globs`]; `!` excludes). Each member
//! `package.json` becomes a node named after its `name` (kind `component`;
//! `library` when it is not `private`), owning its directory (layer `npm`,
//! priority = directory depth), with a `test` check (`npm test --workspace
//! NAME`) when it has a `test` script. `dependencies`, `peerDependencies`
//! and `optionalDependencies` on another member become `depends_on` edges,
//! `devDependencies` `dev_depends_on`; dependencies outside the workspace
//! are not modelled (as with cargo).
//!
//! JSON is read with serde_json (nesting limited to 128); YAML's nesting is
//! measured before it is loaded (E0902, as for Backstage).

use crate::import::{Manifest, edge, member_node};
use crate::model::Document;
use serde_json::Value;
use std::collections::BTreeSet;
use writ_diagnostics::{Diagnostic, FileId, Span, codes};

fn bad(file: FileId, msg: impl Into<String>) -> Diagnostic {
    Diagnostic::new(codes::E0523, file, Span::empty(0), msg)
}

/// The member globs of a root `package.json` (`workspaces` as an array or as
/// `{"packages": [...]}`); empty when it declares none.
pub fn workspace_globs(file: FileId, text: &str) -> (Vec<String>, Vec<Diagnostic>) {
    let v: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            return (
                Vec::new(),
                vec![bad(file, format!("package.json is not JSON: {e}"))],
            );
        }
    };
    let ws = v.get("workspaces");
    let list = ws
        .and_then(Value::as_array)
        .or_else(|| ws.and_then(|w| w.get("packages")).and_then(Value::as_array));
    let globs = list
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    (globs, Vec::new())
}

/// The member globs of a `pnpm-workspace.yaml` (`packages:`).
pub fn pnpm_workspace_globs(file: FileId, text: &str) -> (Vec<String>, Vec<Diagnostic>) {
    use saphyr::{LoadableYamlNode, Yaml};
    if crate::import::backstage::too_deep(text).is_some() {
        return (
            Vec::new(),
            vec![Diagnostic::new(
                codes::E0902,
                file,
                Span::empty(0),
                "pnpm-workspace.yaml nested too deep",
            )],
        );
    }
    let docs = match Yaml::load_from_str(text) {
        Ok(d) => d,
        Err(e) => {
            return (
                Vec::new(),
                vec![bad(
                    file,
                    format!("pnpm-workspace.yaml: invalid YAML: {}", e.info()),
                )],
            );
        }
    };
    let mut globs = Vec::new();
    for d in &docs {
        if let Some(seq) = d.as_mapping_get("packages").and_then(Yaml::as_vec) {
            globs.extend(seq.iter().filter_map(Yaml::as_str).map(str::to_string));
        }
    }
    (globs, Vec::new())
}

/// Imports the member `package.json` files of a workspace.
pub fn import(members: &[Manifest<'_>]) -> (Document, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut parsed: Vec<(&Manifest<'_>, Value, String)> = Vec::new();
    for m in members {
        match serde_json::from_str::<Value>(m.text) {
            Ok(v) => match v.get("name").and_then(Value::as_str) {
                Some(name) if !name.is_empty() => {
                    let name = name.to_string();
                    parsed.push((m, v, name));
                }
                _ => diags.push(bad(
                    m.file,
                    format!(
                        "the package.json in `{}` has no `name`; it is not imported",
                        m.dir
                    ),
                )),
            },
            Err(e) => diags.push(bad(m.file, format!("package.json is not JSON: {e}"))),
        }
    }
    let names: BTreeSet<&str> = parsed.iter().map(|(_, _, n)| n.as_str()).collect();
    let mut doc = Document::default();
    for (m, v, name) in &parsed {
        let private = v.get("private").and_then(Value::as_bool).unwrap_or(false);
        let test = v
            .get("scripts")
            .and_then(|s| s.get("test"))
            .is_some()
            .then(|| {
                ["npm", "test", "--workspace", name]
                    .map(String::from)
                    .to_vec()
            });
        let mut n = member_node(
            name,
            if private { "component" } else { "library" },
            m.dir,
            "npm",
            v.get("version").and_then(Value::as_str),
            test,
        );
        n.description = v
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_string);
        for (field, kind) in [
            ("dependencies", "depends_on"),
            ("peerDependencies", "depends_on"),
            ("optionalDependencies", "depends_on"),
            ("devDependencies", "dev_depends_on"),
        ] {
            if let Some(deps) = v.get(field).and_then(Value::as_object) {
                for dep in deps.keys() {
                    if dep != name && names.contains(dep.as_str()) {
                        n.edges.push(edge(kind, dep));
                    }
                }
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
    fn globs_from_npm_yarn_and_pnpm() {
        let f = FileId(0);
        assert_eq!(
            workspace_globs(f, r#"{"workspaces": ["web/*"]}"#).0,
            ["web/*"]
        );
        assert_eq!(
            workspace_globs(f, r#"{"workspaces": {"packages": ["apps/*"]}}"#).0,
            ["apps/*"]
        );
        assert!(workspace_globs(f, r#"{"name": "x"}"#).0.is_empty());
        assert_eq!(workspace_globs(f, "{").1[0].code.id(), "E0523");
        assert_eq!(
            pnpm_workspace_globs(f, "packages:\n  - 'packages/*'\n  - '!packages/old'\n").0,
            ["packages/*", "!packages/old"]
        );
    }
}

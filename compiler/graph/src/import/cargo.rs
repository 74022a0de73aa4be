//! `cargo metadata` into graph nodes: one node per workspace member (kind
//! `library` when it has a library target, `component` otherwise), owning
//! its package directory (layer `cargo`, priority = directory depth, so a
//! file belongs to its innermost package), with a `test` check, and
//! `depends_on` / `dev_depends_on` edges between members.

use crate::import::{depth, dir_glob, sanitize_id};
use crate::model::*;
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use writ_diagnostics::{Diagnostic, FileId, Span, codes};

/// Runs `cargo metadata --format-version 1 --no-deps` for the workspace of
/// `manifest` (a `Cargo.toml`, or `None` for the current directory) and
/// returns its JSON output.
pub fn run_cargo_metadata(manifest: Option<&Path>) -> Result<String, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args([
        "metadata",
        "--format-version",
        "1",
        "--no-deps",
        "--offline",
    ]);
    if let Some(m) = manifest {
        cmd.arg("--manifest-path").arg(m);
    }
    let out = cmd.output().map_err(|e| format!("cannot run cargo: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!("`cargo metadata` failed: {}", err.trim()));
    }
    String::from_utf8(out.stdout)
        .map_err(|_| "`cargo metadata` printed text that is not UTF-8".into())
}

/// Imports `cargo metadata` JSON (the content of `file`).
pub fn import(file: FileId, text: &str) -> (Document, Vec<Diagnostic>) {
    let fail = |msg: String| {
        (
            Document::default(),
            vec![Diagnostic::new(codes::E0522, file, Span::empty(0), msg)],
        )
    };
    let meta: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return fail(format!("cargo metadata is not JSON: {e}")),
    };
    let Some(root) = meta.get("workspace_root").and_then(Value::as_str) else {
        return fail("cargo metadata has no `workspace_root`".into());
    };
    // Sets, not lists: membership is asked once per package and per
    // dependency (linear in the metadata, not quadratic).
    let members: std::collections::BTreeSet<&str> = meta
        .get("workspace_members")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let packages: Vec<&Value> = meta
        .get("packages")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter(|p| {
                    p.get("id")
                        .and_then(Value::as_str)
                        .is_some_and(|id| members.contains(&id))
                })
                .collect()
        })
        .unwrap_or_default();
    let names: std::collections::BTreeSet<&str> = packages
        .iter()
        .filter_map(|p| p.get("name").and_then(Value::as_str))
        .collect();
    let mut doc = Document::default();
    for p in &packages {
        let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
        let manifest = p
            .get("manifest_path")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let dir = Path::new(manifest).parent().unwrap_or(Path::new(""));
        let rel = dir
            .strip_prefix(root)
            .unwrap_or(dir)
            .to_string_lossy()
            .replace('\\', "/");
        let has_lib = p
            .get("targets")
            .and_then(Value::as_array)
            .is_some_and(|ts| {
                ts.iter().any(|t| {
                    t.get("kind").and_then(Value::as_array).is_some_and(|k| {
                        k.iter().any(|k| {
                            matches!(
                                k.as_str(),
                                Some(
                                    "lib"
                                        | "rlib"
                                        | "proc-macro"
                                        | "dylib"
                                        | "cdylib"
                                        | "staticlib"
                                )
                            )
                        })
                    })
                })
            });
        let mut n = NodeDecl {
            id: Spanned::bare(sanitize_id(name).into()),
            kind: Spanned::bare(if has_lib { "library" } else { "component" }.into()),
            description: p
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_string),
            ..Default::default()
        };
        n.attributes.insert(
            "source".into(),
            Spanned::bare(AttrValue::Str("cargo".into())),
        );
        if let Some(v) = p.get("version").and_then(Value::as_str) {
            n.attributes
                .insert("version".into(), Spanned::bare(AttrValue::Str(v.into())));
        }
        n.paths
            .push(PathDecl::ranked(dir_glob(&rel), depth(&rel), "cargo"));
        n.checks.push(CheckDecl {
            name: Spanned::bare("test".into()),
            run: vec!["cargo".into(), "test".into(), "-p".into(), name.into()],
            timeout_secs: Some(1800),
            network: false,
            redact: Vec::new(),
            span: Span::default(),
        });
        for d in p
            .get("dependencies")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(dep) = d.get("name").and_then(Value::as_str) else {
                continue;
            };
            // only dependencies on other members (by path) become edges
            if !names.contains(&dep) || d.get("path").is_none() || dep == name {
                continue;
            }
            let kind = if d.get("kind").and_then(Value::as_str) == Some("dev") {
                "dev_depends_on"
            } else {
                "depends_on"
            };
            n.edges.push(EdgeDecl {
                kind: Spanned::bare(kind.into()),
                to: Spanned::bare(sanitize_id(dep).into()),
            });
        }
        doc.nodes.push(n);
    }
    doc.normalize();
    (doc, Vec::new())
}

//! `writ init`: start writ in an existing repository. Detects what the
//! repository already says about itself (CODEOWNERS, Backstage catalogs,
//! Cargo / npm / Go / Python workspaces, telemetry exports), builds the graph with the importers, writes a starter
//! policy on the standard library with a policy test, runs `writ check` and
//! `writ test` on them, and prints what is left to fill in — the graph
//! checks (W0530-W0532) and importer warnings — as a to-do list.

use super::output::{display_path, usage_error, write_atomic};
use super::{EXIT_FAILURE, EXIT_USAGE};
use std::path::PathBuf;
use std::process::{Command, ExitCode};
use writ_diagnostics::{Diagnostic, SourceMap};
use writ_graph::import::{backstage, cargo, codeowners, telemetry, workspace};
use writ_graph::{Document, Graph};

/// Start writ in an existing git repository.
///
/// Finds CODEOWNERS (.github/, the root or docs/, as GitHub does), the
/// Backstage catalogs git tracks (catalog-info.yaml; folders named test,
/// tests, testdata, fixtures or __fixtures__ are skipped), Cargo, npm / pnpm
/// / yarn, Go and Python (uv) workspaces and telemetry exports (Jaeger
/// dependencies, OpenTelemetry service graph); imports them into one graph; writes the graph, a starter
/// policy (owners review what a change touches, on std::approvals) and a
/// policy test; runs `writ check` and `writ test`; and prints a to-do list:
/// teams without members, nodes without owners, owners who cannot sign,
/// catalog typos and references that resolve nowhere.
///
/// Existing files are never overwritten without --force; files are written
/// atomically. Exit status: 0 written and checked, 1 the generated policy
/// does not check or its test fails, 2 usage or I/O error.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  writ init
  writ init path/to/repo --force")]
pub struct InitArgs {
    /// The repository (any folder of a git work tree; default: here).
    #[arg(default_value = ".")]
    repo: PathBuf,
    /// Where to write the graph, relative to the repository.
    #[arg(long, default_value = "writ/graph.json")]
    graph: PathBuf,
    /// Where to write the starter policy, relative to the repository.
    #[arg(long, default_value = "writ/policy")]
    policy: PathBuf,
    /// A telemetry export to import as `calls` edges (a Jaeger dependencies
    /// export or OpenTelemetry service-graph metrics as OTLP JSON), relative
    /// to the repository; tracked files named jaeger-dependencies.json or
    /// service-graph.json are found without it.
    #[arg(long, value_name = "FILE")]
    telemetry: Vec<PathBuf>,
    /// Overwrite files that already exist.
    #[arg(long)]
    force: bool,
}

/// Folder names whose catalogs are test data, not the repository's own.
const TEST_FOLDERS: &[&str] = &[
    "test",
    "tests",
    "testdata",
    "fixtures",
    "fixture",
    "__fixtures__",
];

/// Telemetry exports found by name.
const TELEMETRY: &[&str] = &["jaeger-dependencies.json", "service-graph.json"];

/// Where GitHub looks for CODEOWNERS, in its order.
const CODEOWNERS: &[&str] = &[".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];

fn is_catalog(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    matches!(name, "catalog-info.yaml" | "catalog-info.yml")
        && !path.split('/').any(|seg| TEST_FOLDERS.contains(&seg))
}

/// Runs `writ init`.
pub fn run(args: InitArgs) -> ExitCode {
    let (root, files) = match writ_graph::import::tracked_files(&args.repo) {
        Ok(t) => t,
        Err(e) => {
            usage_error(format!(
                "{e}\nhelp: run `writ init` inside a git repository"
            ));
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let graph_path = root.join(&args.graph);
    let policy_dir = root.join(&args.policy);
    let policy_path = policy_dir.join("main.writ");
    if !args.force {
        for p in [&graph_path, &policy_path] {
            if p.exists() {
                usage_error(format!(
                    "`{}` exists; writ init does not overwrite files (use --force)",
                    display_path(p)
                ));
                return ExitCode::from(EXIT_USAGE);
            }
        }
    }

    // ---- detect and import ----
    let mut map = SourceMap::new();
    let mut diags: Vec<Diagnostic> = Vec::new();
    let mut doc = Document::default();
    let mut found: Vec<String> = Vec::new();
    if files.iter().any(|f| f == "Cargo.toml") {
        match cargo::run_cargo_metadata(Some(&root.join("Cargo.toml"))) {
            Ok(text) => {
                let id = map.add("<cargo metadata>", text);
                let (d, more) = cargo::import(id, map.get(id).text());
                found.push(format!("Cargo workspace: {} crates", d.nodes.len()));
                doc.merge(d);
                diags.extend(more);
            }
            Err(e) => found.push(format!("Cargo.toml, but no workspace: {e}")),
        }
    }
    for found_ws in [
        workspace::npm(&mut map, &root, &files),
        workspace::go(&mut map, &root, &files),
        workspace::python(&mut map, &root, &files),
    ]
    .into_iter()
    .flatten()
    {
        found.push(found_ws.summary);
        doc.merge(found_ws.doc);
        diags.extend(found_ws.diags);
    }
    if let Some(co) = CODEOWNERS.iter().find(|c| files.iter().any(|f| f == *c)) {
        match writ_diagnostics::limits::read_text(
            &root.join(co),
            writ_diagnostics::limits::Input::Graph,
        ) {
            Ok(text) => {
                let id = map.add(*co, text);
                let (d, more) = codeowners::import(id, map.get(id).text());
                found.push(format!("{co}: {} owner sets", d.nodes.len()));
                doc.merge(d);
                diags.extend(more);
            }
            Err(e) => {
                usage_error(format!("cannot read `{co}`: {e}"));
                return ExitCode::from(EXIT_USAGE);
            }
        }
    }
    let catalogs: Vec<&String> = files.iter().filter(|f| is_catalog(f)).collect();
    let skipped = files
        .iter()
        .filter(|f| f.ends_with("catalog-info.yaml") || f.ends_with("catalog-info.yml"))
        .count()
        - catalogs.len();
    if !catalogs.is_empty() {
        let mut ids = Vec::new();
        for c in &catalogs {
            match writ_diagnostics::limits::read_text(
                &root.join(c),
                writ_diagnostics::limits::Input::Graph,
            ) {
                Ok(text) => ids.push((map.add(c.as_str(), text), c.as_str())),
                Err(e) => {
                    usage_error(format!("cannot read `{c}`: {e}"));
                    return ExitCode::from(EXIT_USAGE);
                }
            }
        }
        let dirs: Vec<&str> = ids
            .iter()
            .map(|(_, c)| c.rsplit_once('/').map_or("", |(d, _)| d))
            .collect();
        let catalog: Vec<backstage::CatalogFile<'_>> = ids
            .iter()
            .zip(&dirs)
            .map(|((id, _), dir)| backstage::CatalogFile {
                file: *id,
                text: map.get(*id).text(),
                dir,
            })
            .collect();
        let (d, more) = backstage::import_with(&catalog, &doc);
        found.push(format!(
            "Backstage: {} catalog files ({skipped} in test folders skipped)",
            catalogs.len()
        ));
        doc.merge(d);
        diags.extend(more);
    }
    let mut exports: Vec<String> = files
        .iter()
        .filter(|f| {
            let name = f.rsplit('/').next().unwrap_or(f);
            TELEMETRY.contains(&name) && !f.split('/').any(|seg| TEST_FOLDERS.contains(&seg))
        })
        .cloned()
        .collect();
    exports.extend(
        args.telemetry
            .iter()
            .map(|p| p.to_string_lossy().into_owned()),
    );
    for t in &exports {
        match writ_diagnostics::limits::read_text(
            &root.join(t),
            writ_diagnostics::limits::Input::Graph,
        ) {
            Ok(text) => {
                let id = map.add(t.as_str(), text);
                let (d, more) = telemetry::import(id, map.get(id).text(), &doc);
                let calls: usize = d.nodes.iter().map(|n| n.edges.len()).sum();
                found.push(format!("telemetry {t}: {calls} calls"));
                doc.merge(d);
                diags.extend(more);
            }
            Err(e) => {
                usage_error(format!("cannot read `{t}`: {e}"));
                return ExitCode::from(EXIT_USAGE);
            }
        }
    }
    if found.is_empty() {
        found.push("no CODEOWNERS, catalog or workspace: the graph starts empty".into());
    }
    println!("writ init in {}", display_path(&root));
    for f in &found {
        println!("  found {f}");
    }

    // Nodes no importer gave owners (cargo crates) get the CODEOWNERS owners
    // of the files they own.
    for (node, owners) in codeowners_owners(&doc, &files) {
        println!(
            "  owners of `{node}` from CODEOWNERS: {}",
            owners.join(", ")
        );
        if let Some(n) = doc.nodes.iter_mut().find(|n| n.id.value == node) {
            n.owners = owners
                .into_iter()
                .map(|o| writ_graph::Spanned::bare(o.into()))
                .collect();
        }
    }

    let text = doc.to_json();
    let (graph, load) = Graph::parse(&mut map, display_path(&graph_path), text.clone());
    let Some(graph) = graph else {
        super::output::emit_diagnostics(&map, &load, super::output::DiagnosticFormat::Human);
        eprintln!("the imported graph has errors; nothing written");
        return ExitCode::from(EXIT_FAILURE);
    };
    diags.extend(load);
    diags.extend(writ_graph::lint::lint(&graph));

    // ---- write ----
    let policy = starter_policy(&graph, &files);
    for (path, bytes) in [
        (&graph_path, text.as_bytes()),
        (&policy_path, policy.as_bytes()),
    ] {
        if let Some(dir) = path.parent()
            && let Err(e) = std::fs::create_dir_all(dir)
        {
            usage_error(format!("cannot create `{}`: {e}", display_path(dir)));
            return ExitCode::from(EXIT_USAGE);
        }
        if let Err(e) = write_atomic(path, bytes) {
            usage_error(format!("cannot write `{}`: {e}", display_path(path)));
            return ExitCode::from(EXIT_USAGE);
        }
        println!("  wrote {}", display_path(path));
    }

    // ---- check and test, as the user would ----
    let exe = std::env::current_exe().unwrap_or_else(|_| "writ".into());
    let mut ok = true;
    for verb in ["check", "test"] {
        let mut cmd = Command::new(&exe);
        cmd.arg(verb);
        if verb == "check" {
            cmd.arg("--graph").arg(&graph_path).arg(&policy_dir);
        } else {
            cmd.arg(&policy_dir).arg("--graph").arg(&graph_path);
        }
        let status = cmd.status();
        let passed = status.as_ref().is_ok_and(|s| s.success());
        println!("  writ {verb}: {}", if passed { "ok" } else { "FAILED" });
        ok &= passed;
    }

    // ---- to-do ----
    writ_diagnostics::sort(&mut diags);
    let todo: Vec<&Diagnostic> = diags.iter().filter(|d| !d.is_error()).collect();
    if todo.is_empty() {
        println!("\nnothing left to fill in: every node has owners who can sign");
    } else {
        println!("\nto do ({}):", todo.len());
        for d in todo {
            println!("- [{}] {}", d.code.id(), d.message);
            if let Some(h) = &d.help {
                println!("    fix: {h}");
            }
        }
    }
    println!(
        "\nthen: `writ graph check {}` until the list is empty, and `writ plan` (docs/getting-started.md)",
        display_path(&graph_path)
    );
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILURE)
    }
}

/// For each node without owners: the owners of the CODEOWNERS nodes that
/// claim the same tracked files (sorted, deterministic).
fn codeowners_owners(doc: &Document, files: &[String]) -> Vec<(String, Vec<String>)> {
    let (Some(graph), _) = Graph::from_document(None, doc.clone()) else {
        return Vec::new();
    };
    let mut out: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        Default::default();
    for f in files {
        let touched = graph.touched([f.as_str()]);
        let nodes: Vec<&writ_graph::Node> = touched.nodes.iter().map(|&i| graph.node(i)).collect();
        for n in nodes.iter().filter(|n| n.owners.is_empty()) {
            for c in nodes
                .iter()
                .filter(|c| c.id.value.starts_with("codeowners:"))
            {
                out.entry(n.id.to_string())
                    .or_default()
                    .extend(c.owners.iter().map(|o| o.to_string()));
            }
        }
    }
    out.into_iter()
        .filter(|(_, o)| !o.is_empty())
        .map(|(n, o)| (n, o.into_iter().collect()))
        .collect()
}

/// The starter policy: owners review what a change touches, with one test on
/// a file of the repository that some node owns.
fn starter_policy(graph: &Graph, files: &[String]) -> String {
    let mut out = String::from(
        "//! Starter policy written by `writ init`: the owners of every node a\n\
         //! change touches review it. Grow it from the standard library\n\
         //! (docs/stdlib/README.md): std::reach for tiers, std::emergency for\n\
         //! break-glass, std::validation for checks.\n\
         \n\
         use std::approvals::{owners_review}\n\
         \n\
         /// The owners of each touched node review the change.\n\
         rule touched_owners {\n  for n in change.touches(any)\n  require approval owners_review(n)\n}\n",
    );
    let owned = files.iter().find(|f| {
        let t = graph.touched([f.as_str()]);
        !t.nodes.is_empty()
    });
    if let Some(f) = owned {
        out.push_str(&format!(
            "\ntest \"a change to {f} needs its owners' review\" {{\n  change {{\n    touches {}\n  }}\n  expect fires touched_owners\n}}\n",
            serde_json::to_string(f).unwrap_or_default()
        ));
    }
    out
}

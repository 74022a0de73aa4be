//! `writ graph import …`: CODEOWNERS, Backstage catalogs, Cargo, npm, Go and
//! Python workspaces and telemetry exports into a graph, merged into an
//! existing one (`--merge`, whose nodes, teams and aliases the importers
//! resolve references against) and validated before it is written.

use super::write_out;
use crate::cli::output::{DiagnosticFormat, emit_diagnostics, usage_error};
use crate::cli::{EXIT_FAILURE, EXIT_USAGE, input};
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use writ_diagnostics::{Diagnostic, SourceMap};
use writ_graph::import::{backstage, cargo, codeowners, go, telemetry, workspace};
use writ_graph::{Document, Graph};

/// Where imported graphs go.
#[derive(Debug, Args)]
pub(super) struct ImportOutput {
    /// Merge into this existing graph file (entries with the same id are
    /// combined; the result is sorted and deterministic).
    #[arg(long)]
    merge: Option<PathBuf>,
    /// Write to this file instead of standard output (may equal --merge).
    #[arg(short, long)]
    output: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub(super) enum ImportCommand {
    /// Import a CODEOWNERS file (GitHub semantics: the last matching pattern
    /// wins, an entry with no owners makes files unowned; GitLab
    /// `[Section][N]` sections combine).
    #[command(after_long_help = "\
Examples:
  writ graph import codeowners .github/CODEOWNERS -o graph.json
  writ graph import codeowners CODEOWNERS --merge graph.json -o graph.json")]
    Codeowners {
        /// The CODEOWNERS file (`-`: standard input).
        file: PathBuf,
        #[command(flatten)]
        out: ImportOutput,
    },
    /// Import Backstage catalog files (catalog-info.yaml): Component, API,
    /// Resource, System, Group and User entities with their relations. A
    /// component owns the directory of its catalog file.
    #[command(after_long_help = "\
Examples:
  writ graph import backstage services/*/catalog-info.yaml --root . -o graph.json")]
    Backstage {
        /// The catalog files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The repository root that component directories are relative to.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        #[command(flatten)]
        out: ImportOutput,
    },
    /// Import the current Cargo workspace: one node per member crate owning
    /// its directory, with `depends_on` edges between members.
    #[command(after_long_help = "\
Examples:
  writ graph import cargo --merge graph.json -o graph.json
  writ graph import cargo --manifest-path ../service/Cargo.toml")]
    Cargo {
        /// The workspace's Cargo.toml (default: found from the current directory).
        #[arg(long)]
        manifest_path: Option<PathBuf>,
        #[command(flatten)]
        out: ImportOutput,
    },
    /// Import an npm, pnpm or yarn workspace: one node per member package
    /// (found from package.json `workspaces` or pnpm-workspace.yaml among
    /// the files git tracks) owning its directory, with edges between members.
    #[command(after_long_help = "\
Examples:
  writ graph import npm --merge graph.json -o graph.json")]
    Npm {
        /// The repository (any folder of its git work tree).
        #[arg(long, default_value = ".")]
        repo: PathBuf,
        #[command(flatten)]
        out: ImportOutput,
    },
    /// Import Go modules: from `go list -json ./...` output (--go-list, the
    /// toolchain's own view), or else from go.work and each module's go.mod.
    /// (Make the --go-list file with `go list -json ./... > go-list.json` at
    /// the repository root.)
    #[command(after_long_help = "\
Examples:
  writ graph import go --go-list go-list.json --merge graph.json -o graph.json
  writ graph import go --repo . -o graph.json")]
    Go {
        /// The repository (any folder of its git work tree).
        #[arg(long, default_value = ".")]
        repo: PathBuf,
        /// A file holding `go list -json ./...` output, run at the repository root.
        #[arg(long, value_name = "FILE")]
        go_list: Option<PathBuf>,
        #[command(flatten)]
        out: ImportOutput,
    },
    /// Import a Python (uv) workspace: one node per member project
    /// ([tool.uv.workspace] members), or the root project, with edges for
    /// dependencies between them.
    #[command(after_long_help = "\
Examples:
  writ graph import python --merge graph.json -o graph.json")]
    Python {
        /// The repository (any folder of its git work tree).
        #[arg(long, default_value = ".")]
        repo: PathBuf,
        #[command(flatten)]
        out: ImportOutput,
    },
    /// Import service calls from telemetry as `calls` edges: a Jaeger
    /// dependencies export or OpenTelemetry service-graph metrics (OTLP JSON).
    /// Service names resolve to nodes of the --merge graph.
    /// (A Jaeger export: `GET /api/dependencies?endTs=…&lookback=…` of the
    /// Jaeger query service.)
    #[command(after_long_help = "\
Examples:
  writ graph import telemetry deps.json --merge graph.json -o graph.json")]
    Telemetry {
        /// The export file (`-`: standard input).
        file: PathBuf,
        #[command(flatten)]
        out: ImportOutput,
    },
}

/// Reads a file an importer is given (`-`: standard input), within the graph
/// size limit.
fn read(map: &mut SourceMap, path: &Path) -> Result<writ_diagnostics::FileId, ExitCode> {
    match input::read_text(path, writ_diagnostics::limits::Input::Graph) {
        Ok(text) => Ok(map.add(input::name(path), text)),
        Err(fault) => Err(fault.report()),
    }
}

/// The files git tracks in `repo` and its root, or a usage error.
fn tracked(repo: &Path) -> Result<(PathBuf, Vec<String>), ExitCode> {
    writ_graph::import::tracked_files(repo).map_err(|e| {
        usage_error(e);
        ExitCode::from(EXIT_USAGE)
    })
}

/// The graph an import merges into (`--merge`), or an empty one.
fn merge_base(
    map: &mut SourceMap,
    diags: &mut Vec<Diagnostic>,
    out: &ImportOutput,
) -> Result<Document, ExitCode> {
    let Some(base) = &out.merge else {
        return Ok(Document::default());
    };
    let id = read(map, base)?;
    let (existing, d) = Document::parse(id, map.get(id).text());
    let failed = d.iter().any(Diagnostic::is_error);
    diags.extend(d);
    match existing {
        Some(e) if !failed => Ok(e),
        _ => {
            emit_diagnostics(map, diags, DiagnosticFormat::Human);
            Err(ExitCode::from(EXIT_FAILURE))
        }
    }
}

/// Runs `writ graph import …`.
pub(super) fn import(cmd: ImportCommand) -> ExitCode {
    let mut map = SourceMap::new();
    let mut diags: Vec<Diagnostic> = Vec::new();
    let out = match &cmd {
        ImportCommand::Codeowners { out, .. }
        | ImportCommand::Backstage { out, .. }
        | ImportCommand::Cargo { out, .. }
        | ImportCommand::Npm { out, .. }
        | ImportCommand::Go { out, .. }
        | ImportCommand::Python { out, .. }
        | ImportCommand::Telemetry { out, .. } => out,
    };
    let mut merged = match merge_base(&mut map, &mut diags, out) {
        Ok(d) => d,
        Err(c) => return c,
    };
    let (doc, out) = match cmd {
        ImportCommand::Codeowners { file, out } => {
            let id = match read(&mut map, &file) {
                Ok(id) => id,
                Err(c) => return c,
            };
            let (doc, d) = codeowners::import(id, map.get(id).text());
            diags.extend(d);
            (doc, out)
        }
        ImportCommand::Backstage { files, root, out } => {
            let mut ids = Vec::new();
            for f in &files {
                match read(&mut map, f) {
                    Ok(id) => ids.push((id, f)),
                    Err(c) => return c,
                }
            }
            let root = std::fs::canonicalize(&root).unwrap_or(root);
            let dirs: Vec<String> = ids
                .iter()
                .map(|(_, f)| {
                    let abs = std::fs::canonicalize(f).unwrap_or_else(|_| f.to_path_buf());
                    let dir = abs
                        .parent()
                        .map(|p| p.strip_prefix(&root).unwrap_or(p).to_path_buf())
                        .unwrap_or_default();
                    dir.to_string_lossy().replace('\\', "/")
                })
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
            // references outside the catalog resolve against the merge base
            let (doc, d) = backstage::import_with(&catalog, &merged);
            diags.extend(d);
            (doc, out)
        }
        ImportCommand::Cargo { manifest_path, out } => {
            let text = match cargo::run_cargo_metadata(manifest_path.as_deref()) {
                Ok(t) => t,
                Err(e) => {
                    usage_error(e);
                    return ExitCode::from(EXIT_USAGE);
                }
            };
            let id = map.add("<cargo metadata>", text);
            let (doc, d) = cargo::import(id, map.get(id).text());
            diags.extend(d);
            (doc, out)
        }
        ImportCommand::Npm { repo, out } => {
            let found = match tracked(&repo) {
                Ok((root, files)) => workspace::npm(&mut map, &root, &files),
                Err(c) => return c,
            };
            let Some(found) = found else {
                usage_error(
                    "no package.json `workspaces` or pnpm-workspace.yaml in this repository",
                );
                return ExitCode::from(EXIT_USAGE);
            };
            diags.extend(found.diags);
            (found.doc, out)
        }
        ImportCommand::Go { repo, go_list, out } => {
            let (root, files) = match tracked(&repo) {
                Ok(t) => t,
                Err(c) => return c,
            };
            let found = match go_list {
                Some(f) => {
                    let id = match read(&mut map, &f) {
                        Ok(id) => id,
                        Err(c) => return c,
                    };
                    let (doc, d) = go::import_go_list(id, map.get(id).text(), &root);
                    Some(workspace::Imported {
                        doc,
                        diags: d,
                        summary: String::new(),
                    })
                }
                None => workspace::go(&mut map, &root, &files),
            };
            let Some(found) = found else {
                usage_error("no go.work or go.mod in this repository (or pass --go-list)");
                return ExitCode::from(EXIT_USAGE);
            };
            diags.extend(found.diags);
            (found.doc, out)
        }
        ImportCommand::Python { repo, out } => {
            let found = match tracked(&repo) {
                Ok((root, files)) => workspace::python(&mut map, &root, &files),
                Err(c) => return c,
            };
            let Some(found) = found else {
                usage_error("no pyproject.toml at the root of this repository");
                return ExitCode::from(EXIT_USAGE);
            };
            diags.extend(found.diags);
            (found.doc, out)
        }
        ImportCommand::Telemetry { file, out } => {
            let id = match read(&mut map, &file) {
                Ok(id) => id,
                Err(c) => return c,
            };
            let (doc, d) = telemetry::import(id, map.get(id).text(), &merged);
            diags.extend(d);
            (doc, out)
        }
    };
    merged.merge(doc);
    let text = merged.to_json();
    // Validate what would be written, so errors point into the output.
    let name = out
        .output
        .as_ref()
        .map_or("<output>".to_string(), |p| p.display().to_string());
    let (graph, d) = Graph::parse(&mut map, name, text.clone());
    diags.extend(d);
    writ_diagnostics::sort(&mut diags);
    if !diags.is_empty() {
        emit_diagnostics(&map, &diags, DiagnosticFormat::Human);
    }
    if graph.is_none() || diags.iter().any(Diagnostic::is_error) {
        return ExitCode::from(EXIT_FAILURE);
    }
    write_out(out.output.as_deref(), &text)
}

//! `writ graph`: check, render, inspect and generate system graphs; the
//! importers (`writ graph import …`) are in `graph/import.rs`.

mod import;

use import::{ImportCommand, import};

use crate::cli::output::{
    DiagnosticFormat, ReportFormat, emit_diagnostics, print_json, print_versioned, usage_error,
    write_atomic,
};
use crate::cli::{EXIT_FAILURE, EXIT_USAGE, input, plural};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use writ_diagnostics::SourceMap;
use writ_graph::render::{Focus, Format, render};
use writ_graph::{Change, Direction, EdgeMask, Graph, NodeIdx, PrincipalKind};

/// Work with the system graph: the services, libraries, data stores and
/// pipelines of your organisation, who owns them, which repository paths
/// belong to them and how they depend on each other.
///
/// The graph is one JSON file (format: docs/graph.md, schema: `writ graph
/// schema`). `writ init` builds a first one from what a repository already
/// has; `writ graph import` adds CODEOWNERS, Backstage catalogs, Cargo, npm,
/// Go and Python workspaces and telemetry exports one at a time.
#[derive(Debug, Args)]
pub struct GraphArgs {
    #[command(subcommand)]
    command: GraphCommand,
}

#[derive(Debug, Subcommand)]
enum GraphCommand {
    /// Validate a graph file and report every problem with its location.
    ///
    /// Also warns about what makes approvals impossible: teams without
    /// members (W0530), nodes without owners (W0531), owners none of whom can
    /// sign (W0532). Exit code 0 when the graph is valid (warnings allowed),
    /// 1 when it has errors, 2 when it cannot be read.
    #[command(after_long_help = "\
Examples:
  writ graph check graph.json
  writ graph check --format sarif graph.json > graph.sarif
  writ graph import codeowners CODEOWNERS | writ graph check -")]
    Check {
        /// The graph file (`-`: standard input).
        file: PathBuf,
        /// How to print diagnostics.
        #[arg(long, value_enum, default_value = "human")]
        format: DiagnosticFormat,
    },
    /// Draw the graph as Graphviz DOT or Mermaid.
    ///
    /// With --change, draws only what that change reaches, touched nodes
    /// filled and each reached node's shortest witness path in red.
    #[command(after_long_help = "\
Examples:
  writ graph render graph.json | dot -Tsvg > graph.svg
  writ graph render graph.json --format mermaid --change change.json")]
    Render {
        /// The graph file (`-`: standard input).
        file: PathBuf,
        /// Output language.
        #[arg(long, value_enum, default_value = "dot")]
        format: RenderFormat,
        #[command(flatten)]
        reach: ReachArgs,
    },
    /// What a change touches and reaches, with a witness path per reached node.
    ///
    /// Touched: the nodes whose path globs match a changed file (precedence
    /// rules in docs/graph.md). Reached: the nodes that depend on a touched
    /// node, directly or through other nodes. Unowned files are listed.
    #[command(after_long_help = "\
Examples:
  writ graph reach graph.json change.json
  writ graph reach graph.json change.json --edge-kinds calls,reads --depth 2
  writ change main...HEAD | writ graph reach graph.json - --format json")]
    Reach {
        /// The graph file (`-`: standard input).
        file: PathBuf,
        /// The change file (from `writ change`; `-`: standard input).
        change: PathBuf,
        /// Only follow these edge kinds (comma-separated; default: all).
        #[arg(long, value_delimiter = ',')]
        edge_kinds: Vec<String>,
        /// Follow at most this many edges.
        #[arg(long)]
        depth: Option<u32>,
        /// Follow edges forwards (what the changed code can call, read or
        /// write) instead of backwards (what can break because of it).
        #[arg(long)]
        forward: bool,
        #[command(flatten)]
        output: OutputFormat,
    },
    /// Print counts: nodes and edges by kind, teams (and those without
    /// members), people, agents, unowned nodes, dependency cycles.
    #[command(after_long_help = "\
Examples:
  writ graph stats graph.json
  writ graph stats graph.json --format json")]
    Stats {
        /// The graph file (`-`: standard input).
        file: PathBuf,
        #[command(flatten)]
        output: OutputFormat,
    },
    /// Print the JSON Schema of graph files (for editors and validators).
    #[command(after_long_help = "\
Examples:
  writ graph schema > graph.schema.json")]
    Schema,
    /// Convert CODEOWNERS, Backstage catalogs, `cargo metadata`, npm / Go /
    /// Python workspaces or a telemetry export into a graph.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Generate a synthetic graph (for benchmarks): domains of services on a
    /// shared platform layer of libraries and data stores, or (`--shape
    /// layered`) twenty layers of services.
    #[command(after_long_help = "\
Examples:
  writ graph generate --services 200 --edges 1000 -o big-graph.json
  writ graph generate --shape layered --services 20000 --edges 100000 -o layered.json")]
    Generate {
        /// Number of services.
        #[arg(long, default_value_t = 1000)]
        services: usize,
        /// Number of edges.
        #[arg(long, default_value_t = 5000)]
        edges: usize,
        /// Random seed; the same options always give the same graph.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// How services call each other: domains (mostly within a domain) or layered (twenty layers, each calling the one below; a change reaches thousands)
        #[arg(long, value_enum, default_value_t = ShapeArg::Domains)]
        shape: ShapeArg,
        /// Write to this file instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
}

/// `--format human|json`, and the older `--json` (hidden) for it.
#[derive(Debug, Args)]
struct OutputFormat {
    /// Output format (`json`: a versioned document, docs/cli.md).
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    format: ReportFormat,
    /// The same as `--format json` (kept for scripts written before it).
    #[arg(long, hide = true)]
    json: bool,
}

impl OutputFormat {
    fn json(&self) -> bool {
        self.json || self.format == ReportFormat::Json
    }
}

/// The `format` field of `writ graph reach --format json`.
pub const REACH_FORMAT: &str = "writ.graph-reach/v1";
/// The `format` field of `writ graph stats --format json`.
pub const STATS_FORMAT: &str = "writ.graph-stats/v1";

/// `writ graph generate --shape`.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum ShapeArg {
    // Domains of services on a shared platform layer.
    Domains,
    // Twenty layers of services, each calling the layer below.
    Layered,
}

#[derive(Debug, Args)]
struct ReachArgs {
    /// Draw only what this change (a file from `writ change`) reaches.
    #[arg(long)]
    change: Option<PathBuf>,
    /// With --change: only follow these edge kinds (comma-separated).
    #[arg(long, value_delimiter = ',')]
    edge_kinds: Vec<String>,
    /// With --change: follow at most this many edges.
    #[arg(long)]
    depth: Option<u32>,
    /// With --change: follow edges forwards (exposure) instead of backwards.
    #[arg(long)]
    forward: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum RenderFormat {
    /// Graphviz DOT (`dot -Tsvg`).
    Dot,
    /// Mermaid flowchart (renders in GitHub and GitLab markdown).
    Mermaid,
}

/// Runs `writ graph …`.
pub fn run(args: GraphArgs) -> ExitCode {
    match args.command {
        GraphCommand::Check { file, format } => check(&file, format),
        GraphCommand::Render {
            file,
            format,
            reach,
        } => render_cmd(&file, format, &reach),
        GraphCommand::Reach {
            file,
            change,
            edge_kinds,
            depth,
            forward,
            output,
        } => {
            let args = ReachArgs {
                change: Some(change),
                edge_kinds,
                depth,
                forward,
            };
            reach_cmd(&file, &args, output.json())
        }
        GraphCommand::Stats { file, output } => stats(&file, output.json()),
        GraphCommand::Schema => {
            print_json(&writ_graph::schema::graph_schema());
            ExitCode::SUCCESS
        }
        GraphCommand::Import(cmd) => import(cmd),
        GraphCommand::Generate {
            services,
            edges,
            seed,
            shape,
            output,
        } => {
            let shape = match shape {
                ShapeArg::Domains => writ_graph::generate::Shape::Domains,
                ShapeArg::Layered => writ_graph::generate::Shape::Layered,
            };
            let doc = writ_graph::generate::generate_shape(
                writ_graph::generate::GenerateOptions {
                    services,
                    edges,
                    seed,
                },
                shape,
            );
            write_out(output.as_deref(), &doc.to_json())
        }
    }
}

/// Loads a graph, printing diagnostics; `Err` carries the exit code.
fn load(map: &mut SourceMap, file: &Path, format: DiagnosticFormat) -> Result<Graph, ExitCode> {
    let (graph, diags) = input::load_graph(map, file).map_err(input::Fault::report)?;
    if !diags.is_empty() {
        emit_diagnostics(map, &diags, format);
    }
    match graph {
        Some(g) => Ok(g),
        None if diags
            .iter()
            .any(|d| d.code == writ_diagnostics::codes::E0502) =>
        {
            Err(ExitCode::from(EXIT_USAGE))
        }
        None => Err(ExitCode::from(EXIT_FAILURE)),
    }
}

fn check(file: &Path, format: DiagnosticFormat) -> ExitCode {
    let mut map = SourceMap::new();
    let (graph, mut diags) = match input::load_graph(&mut map, file) {
        Ok(loaded) => loaded,
        Err(fault) => return fault.report(),
    };
    // why some approval can never be given (W0530-W0532)
    if let Some(g) = &graph {
        diags.extend(writ_graph::lint::lint(g));
    }
    emit_diagnostics(&map, &diags, format);
    match graph {
        Some(g) => {
            if format == DiagnosticFormat::Human {
                eprintln!(
                    "{}: ok ({}, {}, {}, {})",
                    input::name(file),
                    plural(g.nodes().len(), "node"),
                    plural(g.edges().len(), "edge"),
                    plural(g.teams().len(), "team"),
                    plural(g.people().len(), "person")
                );
            }
            ExitCode::SUCCESS
        }
        None if diags
            .iter()
            .any(|d| d.code == writ_diagnostics::codes::E0502) =>
        {
            ExitCode::from(EXIT_USAGE)
        }
        None => ExitCode::from(EXIT_FAILURE),
    }
}

struct Computed {
    touched: writ_graph::Touched,
    reach: writ_graph::Reach,
    direction: Direction,
    change: Change,
}

fn compute(
    map: &mut SourceMap,
    graph: &Graph,
    args: &ReachArgs,
    change_file: &Path,
) -> Result<Computed, ExitCode> {
    let (change, diags) = input::load_change(map, change_file).map_err(input::Fault::report)?;
    if !diags.is_empty() {
        emit_diagnostics(map, &diags, DiagnosticFormat::Human);
    }
    let Some(change) = change else {
        return Err(ExitCode::from(EXIT_FAILURE));
    };
    let mask = if args.edge_kinds.is_empty() {
        EdgeMask::ALL
    } else {
        match graph.edge_mask(args.edge_kinds.iter().map(String::as_str)) {
            Ok(m) => m,
            Err(unknown) => {
                let hint = writ_diagnostics::did_you_mean(
                    unknown,
                    graph.edge_kinds().iter().map(String::as_str),
                )
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
                usage_error(format!(
                    "unknown edge kind `{unknown}`{hint}; known kinds: {}",
                    graph.edge_kinds().join(", ")
                ));
                return Err(ExitCode::from(EXIT_USAGE));
            }
        }
    };
    let direction = if args.forward {
        Direction::Forward
    } else {
        Direction::Reverse
    };
    let touched = graph.touched(change.paths());
    let reach = graph.reach(&touched.nodes, mask, args.depth, direction);
    Ok(Computed {
        touched,
        reach,
        direction,
        change,
    })
}

fn render_cmd(file: &Path, format: RenderFormat, args: &ReachArgs) -> ExitCode {
    let mut map = SourceMap::new();
    let graph = match load(&mut map, file, DiagnosticFormat::Human) {
        Ok(g) => g,
        Err(code) => return code,
    };
    let format = match format {
        RenderFormat::Dot => Format::Dot,
        RenderFormat::Mermaid => Format::Mermaid,
    };
    let text = match &args.change {
        Some(change_file) => match compute(&mut map, &graph, args, change_file) {
            Ok(c) => render(
                &graph,
                format,
                Some(Focus {
                    reach: &c.reach,
                    direction: c.direction,
                }),
            ),
            Err(code) => return code,
        },
        None => render(&graph, format, None),
    };
    print!("{text}");
    ExitCode::SUCCESS
}

fn witness_text(
    graph: &Graph,
    reach: &writ_graph::Reach,
    node: NodeIdx,
    direction: Direction,
) -> String {
    let steps = reach.witness(node).unwrap_or_default();
    let mut s = String::new();
    for (i, step) in steps.iter().enumerate() {
        if let Some(kind) = step.via {
            let arrow = match direction {
                Direction::Reverse => format!(" <-{}- ", graph.edge_kind_name(kind)),
                Direction::Forward => format!(" -{}-> ", graph.edge_kind_name(kind)),
            };
            s.push_str(&arrow);
        } else if i > 0 {
            s.push_str(" -> ");
        }
        s.push_str(&graph.node(step.node).id);
    }
    s
}

fn reach_cmd(file: &Path, args: &ReachArgs, as_json: bool) -> ExitCode {
    let mut map = SourceMap::new();
    let graph = match load(&mut map, file, DiagnosticFormat::Human) {
        Ok(g) => g,
        Err(code) => return code,
    };
    let Some(change_file) = &args.change else {
        return ExitCode::from(EXIT_USAGE);
    };
    let c = match compute(&mut map, &graph, args, change_file) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let id = |n: NodeIdx| graph.node(n).id.value.clone();
    if as_json {
        let files: Vec<_> = c
            .touched
            .files
            .iter()
            .map(|f| json!({"path": f.path, "nodes": f.nodes.iter().map(|&n| id(n)).collect::<Vec<_>>()}))
            .collect();
        let mut reached: Vec<_> = c.reach.entries().to_vec();
        reached.sort_by(|a, b| {
            graph
                .node(a.node)
                .id
                .value
                .cmp(&graph.node(b.node).id.value)
        });
        let reached: Vec<_> = reached
            .iter()
            .map(|e| {
                let path: Vec<_> = c
                    .reach
                    .witness(e.node)
                    .unwrap_or_default()
                    .iter()
                    .map(|s| json!({"node": id(s.node), "via": s.via.map(|k| graph.edge_kind_name(k).to_string())}))
                    .collect();
                let root = c.reach.witness(e.node).and_then(|w| w.first().map(|s| s.node));
                json!({
                    "node": id(e.node),
                    "depth": e.depth,
                    "touched_by_file": root.and_then(|r| c.touched.file_for(r)),
                    "witness": path,
                })
            })
            .collect();
        print_versioned(
            REACH_FORMAT,
            json!({
                "change": c.change.id,
                "digest": c.change.digest,
                "direction": if c.direction == Direction::Reverse { "reverse" } else { "forward" },
                "files": files,
                "unowned": c.touched.unowned,
                "touched": c.touched.nodes.iter().map(|&n| id(n)).collect::<Vec<_>>(),
                "reached": reached,
            }),
        );
    } else {
        println!(
            "change {} ({})",
            c.change.id,
            plural(c.change.files.len(), "file")
        );
        println!("touched:");
        for &n in &c.touched.nodes {
            println!("  {}  (by {})", id(n), c.touched.file_for(n).unwrap_or("?"));
        }
        if !c.touched.unowned.is_empty() {
            println!("unowned files:");
            for f in &c.touched.unowned {
                println!("  {f}");
            }
        }
        println!("reached ({}):", c.reach.len());
        let mut entries: Vec<_> = c.reach.entries().to_vec();
        entries.sort_by(|a, b| {
            a.depth.cmp(&b.depth).then_with(|| {
                graph
                    .node(a.node)
                    .id
                    .value
                    .cmp(&graph.node(b.node).id.value)
            })
        });
        for e in entries {
            println!(
                "  {}  depth {}: {}",
                id(e.node),
                e.depth,
                witness_text(&graph, &c.reach, e.node, c.direction)
            );
        }
    }
    ExitCode::SUCCESS
}

fn stats(file: &Path, as_json: bool) -> ExitCode {
    let mut map = SourceMap::new();
    let graph = match load(&mut map, file, DiagnosticFormat::Human) {
        Ok(g) => g,
        Err(code) => return code,
    };
    let nodes_by_kind = writ_graph::count_by(graph.nodes().iter().map(|n| n.kind.value.as_str()));
    let edges_by_kind =
        writ_graph::count_by(graph.edges().iter().map(|e| graph.edge_kind_name(e.kind)));
    let agents = graph
        .people()
        .iter()
        .filter(|p| p.kind == PrincipalKind::Agent)
        .count();
    let unowned_nodes: Vec<&str> = graph
        .nodes()
        .iter()
        .filter(|n| n.owners.is_empty())
        .map(|n| n.id.value.as_str())
        .collect();
    let pathless = graph.nodes().iter().filter(|n| n.paths.is_empty()).count();
    let memberless = writ_graph::lint::memberless_teams(&graph);
    let cycles: Vec<Vec<&str>> = graph
        .cycles()
        .iter()
        .map(|c| c.iter().map(|&n| graph.node(n).id.value.as_str()).collect())
        .collect();
    let idx = graph.index();
    let max_in = (0..graph.nodes().len() as u32)
        .map(|i| (idx.degree(NodeIdx(i), Direction::Reverse), i))
        .max();
    let value = json!({
        "nodes": graph.nodes().len(),
        "nodes_by_kind": nodes_by_kind,
        "edges": graph.edges().len(),
        "edges_by_kind": edges_by_kind,
        "teams": graph.teams().len(),
        "teams_without_members": memberless,
        "people": graph.people().len(),
        "agents": agents,
        "path_claims": graph.paths().claim_count(),
        "nodes_without_owners": unowned_nodes.len(),
        "nodes_without_paths": pathless,
        "most_depended_on": max_in.filter(|m| m.0 > 0).map(|(d, i)| json!({"node": graph.node(NodeIdx(i)).id.value, "dependents": d})),
        "cycles": cycles,
    });
    if as_json {
        print_versioned(STATS_FORMAT, value);
    } else {
        println!("nodes: {}", graph.nodes().len());
        for (k, n) in &nodes_by_kind {
            println!("  {k}: {n}");
        }
        println!("edges: {}", graph.edges().len());
        for (k, n) in &edges_by_kind {
            println!("  {k}: {n}");
        }
        println!("teams: {}", graph.teams().len());
        println!("teams without members: {}", memberless.len());
        for t in &memberless {
            println!("  {t}");
        }
        println!(
            "people: {} ({})",
            graph.people().len(),
            plural(agents, "agent")
        );
        println!("path claims: {}", graph.paths().claim_count());
        println!("nodes without owners: {}", unowned_nodes.len());
        println!("nodes without paths: {pathless}");
        if let Some((d, i)) = max_in.filter(|m| m.0 > 0) {
            println!(
                "most depended on: {} ({})",
                graph.node(NodeIdx(i)).id.value,
                plural(d, "direct dependent")
            );
        }
        println!("cycles: {}", cycles.len());
        for c in &cycles {
            println!("  {}", c.join(", "));
        }
    }
    ExitCode::SUCCESS
}

fn write_out(path: Option<&Path>, text: &str) -> ExitCode {
    match path {
        Some(p) => match write_atomic(p, text.as_bytes()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                usage_error(format!("cannot write `{}`: {e}", p.display()));
                ExitCode::from(EXIT_USAGE)
            }
        },
        None => {
            print!("{text}");
            ExitCode::SUCCESS
        }
    }
}

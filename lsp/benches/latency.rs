//! Language-server latency on a 10,000-line workspace: time from a
//! `didChange` to the diagnostics published for that version, completion
//! latency, hover latency (on a selector, a rule's name — why it fires — and
//! a node id — what reaches it), inlay hints, code lenses, semantic tokens
//! (whole and as a delta after an edit), and memory. Plain `Instant` timing
//! (no criterion); reports min, median and max.
//!
//! Workload: 50 policy files of 200 lines (rules with `for … in
//! change.reaches(… where …)`, checks, approvals, lets, tests) and one line
//! naming a node (`nodes.writ`), against two generated graphs (`writ graph
//! generate`, domains shape, seed 7): 2,000 services and 8,000 edges, then
//! 100,000 services and 500,000 edges. Each edit inserts or deletes one
//! character inside a rule body of an open file (alternating, so the text
//! stays the same size), through the real server with a zero debounce.
//!
//! `cargo bench -p writ-lsp --bench latency` (`-- --quick` for a smoke run,
//! `-- --small` or `-- --large` for one graph).

use std::path::Path;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use writ_lsp::ls_types::*;
use writ_lsp::{Client, LanguageServer, Options, Server};

struct Recorder {
    tx: mpsc::UnboundedSender<(Uri, Option<i32>, usize, Option<String>)>,
}

impl Client for Recorder {
    async fn publish_diagnostics(
        &self,
        uri: Uri,
        diagnostics: Vec<Diagnostic>,
        version: Option<i32>,
    ) {
        let first = diagnostics.first().map(|d| d.message.clone());
        let _ = self.tx.send((uri, version, diagnostics.len(), first));
    }
    async fn log(&self, _: MessageType, _: String) {}
    async fn watch_files(&self, _: Vec<String>) {}
}

const FILES: usize = 50;

fn policy_file(f: usize) -> String {
    let mut s =
        format!("//! Generated policies, file {f}.\nuse std::approvals::{{owners_review}}\n\n");
    let mut r = 0;
    while s.lines().count() < 190 {
        s.push_str(&format!(
            "let tier{r}_{f} = service where tier == {t}\n\n\
             /// Rule {r} of file {f}.\n\
             rule r{r}_{f} {{\n  \
               for svc in change.reaches(tier{r}_{f}, depth <= {d})\n  \
               when not change.emergency and change.author is human\n  \
               require check \"test\" on svc\n  \
               require approval owners_review(svc)\n\
             }}\n\n\
             test \"r{r}_{f} fires\" {{\n  \
               change {{ touches \"services/d0/svc-{r}/a.rs\" author \"d0-dev0\" }}\n  \
               expect fires r{r}_{f}\n\
             }}\n\n",
            t = r % 4,
            d = 1 + r % 3,
        ));
        r += 1;
    }
    while s.lines().count() < 200 {
        s.push_str("// padding\n");
    }
    s
}

fn stats(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name:<40} n={:<4} min {:>8.2} ms   median {:>8.2} ms   max {:>8.2} ms",
        samples.len(),
        ms(samples[0]),
        ms(samples[samples.len() / 2]),
        ms(*samples.last().unwrap())
    );
}

fn memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .filter(|l| l.starts_with("VmRSS") || l.starts_with("VmHWM"))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn wait_for(
    rx: &mut mpsc::UnboundedReceiver<(Uri, Option<i32>, usize, Option<String>)>,
    uri: &Uri,
    version: i32,
) -> (usize, Option<String>) {
    loop {
        // The first check of the 100,000-service workload takes minutes on a shared machine.
        let (u, v, n, first) = tokio::time::timeout(Duration::from_secs(900), rx.recv())
            .await
            .expect("diagnostics in time")
            .expect("open channel");
        if u == *uri && v >= Some(version) {
            return (n, first);
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let has = |a: &str| args.iter().any(|x| x == a);
    let iterations = if has("--quick") { 5 } else { 40 };
    let mut graphs = Vec::new();
    if !has("--large") {
        graphs.push((2_000, 8_000));
    }
    if !has("--small") {
        graphs.push((100_000, 500_000));
    }
    for (services, edges) in graphs {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let mut lines = 0;
        for f in 0..FILES {
            let text = policy_file(f);
            lines += text.lines().count();
            std::fs::write(root.join(format!("p{f:02}.writ")), text).unwrap();
        }
        let probe = writ_graph::generate::service_id(0, 1);
        std::fs::write(
            root.join("nodes.writ"),
            format!("let probe = node \"{probe}\"\n"),
        )
        .unwrap();
        let graph = writ_graph::generate::generate(writ_graph::generate::GenerateOptions {
            services,
            edges,
            seed: 7,
        });
        std::fs::write(root.join("graph.json"), graph.to_json()).unwrap();
        println!(
            "\n== workload: {FILES} files, {lines} lines of policy, graph of {services} services / {edges} edges"
        );
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(run(root, iterations, services > 10_000));
    }
}

/// Times `iterations` runs of a request; prints the first answer's last line.
async fn time<T, F: std::future::Future<Output = T>>(
    name: &str,
    iterations: usize,
    mut request: impl FnMut() -> F,
    show: impl Fn(&T) -> String,
) {
    let mut samples = Vec::new();
    for i in 0..iterations {
        let t = Instant::now();
        let answer = request().await;
        samples.push(t.elapsed());
        if i == 0 {
            println!("{name} shows: {}", show(&answer));
        }
    }
    stats(name, samples);
}

fn hover_text(hover: &Option<Hover>) -> String {
    match hover {
        Some(Hover {
            contents: HoverContents::Markup(m),
            ..
        }) => m
            .value
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or_default()
            .chars()
            .take(110)
            .collect(),
        _ => "(nothing)".into(),
    }
}

async fn run(root: &Path, iterations: usize, large: bool) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let server = Server::new(
        Recorder { tx },
        Options {
            graph: None,
            debounce: Duration::ZERO,
            std_dir: Some(root.join(".std")),
        },
    );
    let start = Instant::now();
    server
        .initialize(InitializeParams {
            workspace_folders: Some(vec![WorkspaceFolder {
                uri: Uri::from_file_path(root).unwrap(),
                name: "bench".into(),
            }]),
            ..Default::default()
        })
        .await
        .unwrap();
    let path = root.join("p25.writ");
    let uri = Uri::from_file_path(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    server
        .did_open(DidOpenTextDocumentParams {
            text_document: TextDocumentItem {
                uri: uri.clone(),
                language_id: "writ".into(),
                version: 1,
                text: text.clone(),
            },
        })
        .await;
    let initial = wait_for(&mut rx, &uri, 1).await;
    println!(
        "diagnostics in the open file: {} (first: {})",
        initial.0,
        initial
            .1
            .unwrap_or_default()
            .lines()
            .next()
            .unwrap_or_default()
    );
    println!(
        "initial load and first full check: {:.0} ms",
        start.elapsed().as_secs_f64() * 1000.0
    );
    println!("memory after load: {}", memory());

    // The line of a `when` clause in the middle of the file.
    let line = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("when not change.emergency"))
        .nth(5)
        .map(|(i, _)| i as u32)
        .unwrap();
    let mut version = 1;
    let mut samples = Vec::new();
    // Edits re-check the workspace: on the large graph, fewer of them (an even
    // number, so the text ends as it began).
    let edits = (if large {
        iterations.min(10)
    } else {
        iterations
    }) & !1;
    for i in 0..edits {
        version += 1;
        let at = Position { line, character: 6 };
        let (range, new_text) = if i % 2 == 0 {
            (Range { start: at, end: at }, "n".to_string())
        } else {
            (
                Range {
                    start: at,
                    end: Position { line, character: 7 },
                },
                String::new(),
            )
        };
        let t = Instant::now();
        server
            .did_change(DidChangeTextDocumentParams {
                text_document: VersionedTextDocumentIdentifier {
                    uri: uri.clone(),
                    version,
                },
                content_changes: vec![TextDocumentContentChangeEvent {
                    range: Some(range),
                    range_length: None,
                    text: new_text,
                }],
            })
            .await;
        wait_for(&mut rx, &uri, version).await;
        samples.push(t.elapsed());
    }
    stats("didChange -> publishDiagnostics", samples);

    // Completion inside a `where` filter, after a fresh edit (cold) and again (warm).
    let where_line = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with("let tier"))
        .nth(3)
        .map(|(i, _)| i as u32)
        .unwrap();
    let position = Position {
        line: where_line,
        character: text
            .lines()
            .nth(where_line as usize)
            .unwrap()
            .find("where")
            .unwrap() as u32
            + 6,
    };
    let params = || CompletionParams {
        text_document_position: TextDocumentPositionParams {
            text_document: TextDocumentIdentifier { uri: uri.clone() },
            position,
        },
        work_done_progress_params: Default::default(),
        partial_result_params: Default::default(),
        context: None,
    };
    let mut samples = Vec::new();
    let mut count = 0;
    for _ in 0..iterations {
        let t = Instant::now();
        let result = server.completion(params()).await.unwrap();
        samples.push(t.elapsed());
        if let Some(CompletionResponse::Array(items)) = result {
            count = items.len();
        }
    }
    stats(
        &format!("completion in a where filter ({count} items)"),
        samples,
    );

    // On `reaches` in `for svc in change.reaches(tier…, depth <= n)`.
    let hover_position = Position {
        line: line - 1,
        character: 24,
    };
    let mut samples = Vec::new();
    for i in 0..iterations {
        let t = Instant::now();
        let hover = server
            .hover(HoverParams {
                text_document_position_params: TextDocumentPositionParams {
                    text_document: TextDocumentIdentifier { uri: uri.clone() },
                    position: hover_position,
                },
                work_done_progress_params: Default::default(),
            })
            .await
            .unwrap();
        samples.push(t.elapsed());
        if i == 0
            && let Some(Hover {
                contents: HoverContents::Markup(m),
                ..
            }) = hover
        {
            let last = m.value.lines().last().unwrap_or_default();
            println!(
                "hover shows: {}",
                last.chars().take(100).collect::<String>()
            );
        }
    }
    stats("hover (a selector: `change.reaches(...)`)", samples);

    let hover_at = |uri: Uri, position: Position| HoverParams {
        text_document_position_params: TextDocumentPositionParams {
            text_document: TextDocumentIdentifier { uri },
            position,
        },
        work_done_progress_params: Default::default(),
    };
    // On a rule's name: why it fires (the files and paths).
    let rule_line = line - 2;
    let rule_position = Position {
        line: rule_line,
        character: 6,
    };
    time(
        "hover (a rule's name: why it fires)",
        iterations,
        || server.hover(hover_at(uri.clone(), rule_position)),
        |h| hover_text(h.as_ref().unwrap()),
    )
    .await;
    // On a node id: what reaches it.
    let nodes = Uri::from_file_path(root.join("nodes.writ")).unwrap();
    time(
        "hover (a node id: what reaches it)",
        iterations,
        || {
            server.hover(hover_at(
                nodes.clone(),
                Position {
                    line: 0,
                    character: 20,
                },
            ))
        },
        |h| hover_text(h.as_ref().unwrap()),
    )
    .await;
    let doc = TextDocumentIdentifier { uri: uri.clone() };
    let end = Position {
        line: text.lines().count() as u32,
        character: 0,
    };
    time(
        "inlay hints (the whole file)",
        iterations,
        || {
            server.inlay_hint(InlayHintParams {
                work_done_progress_params: Default::default(),
                text_document: doc.clone(),
                range: Range {
                    start: Position::new(0, 0),
                    end,
                },
            })
        },
        |h| format!("{} hints", h.as_ref().unwrap().as_ref().map_or(0, Vec::len)),
    )
    .await;
    time(
        "code lens (the whole file)",
        iterations,
        || {
            server.code_lens(CodeLensParams {
                text_document: doc.clone(),
                work_done_progress_params: Default::default(),
                partial_result_params: Default::default(),
            })
        },
        |l| {
            l.as_ref()
                .unwrap()
                .as_ref()
                .and_then(|l| l.get(1))
                .and_then(|l| l.command.as_ref())
                .map(|c| c.title.clone())
                .unwrap_or_default()
        },
    )
    .await;
    // Semantic tokens: the whole file, then a delta after each edit.
    let full = server
        .semantic_tokens_full(SemanticTokensParams {
            work_done_progress_params: Default::default(),
            partial_result_params: Default::default(),
            text_document: doc.clone(),
        })
        .await
        .unwrap();
    let Some(SemanticTokensResult::Tokens(full)) = full else {
        panic!("tokens");
    };
    let mut previous = full.result_id.unwrap();
    let mut samples = Vec::new();
    let mut sent = 0;
    for i in 0..edits {
        version += 1;
        let at = Position { line, character: 6 };
        let (range, new_text) = if i % 2 == 0 {
            (Range { start: at, end: at }, "n".to_string())
        } else {
            (
                Range {
                    start: at,
                    end: Position { line, character: 7 },
                },
                String::new(),
            )
        };
        server
            .did_change(DidChangeTextDocumentParams {
                text_document: VersionedTextDocumentIdentifier {
                    uri: uri.clone(),
                    version,
                },
                content_changes: vec![TextDocumentContentChangeEvent {
                    range: Some(range),
                    range_length: None,
                    text: new_text,
                }],
            })
            .await;
        let t = Instant::now();
        let delta = server
            .semantic_tokens_full_delta(SemanticTokensDeltaParams {
                work_done_progress_params: Default::default(),
                partial_result_params: Default::default(),
                text_document: doc.clone(),
                previous_result_id: previous.clone(),
            })
            .await
            .unwrap();
        samples.push(t.elapsed());
        match delta {
            Some(SemanticTokensFullDeltaResult::TokensDelta(d)) => {
                previous = d.result_id.unwrap();
                sent = d
                    .edits
                    .iter()
                    .map(|e| e.data.as_ref().map_or(0, Vec::len))
                    .sum();
            }
            other => panic!("expected a delta, got {other:?}"),
        }
    }
    stats(
        &format!(
            "semantic tokens delta after an edit ({sent} of {} tokens sent)",
            full.data.len()
        ),
        samples,
    );
    println!("memory at the end: {}", memory());
}

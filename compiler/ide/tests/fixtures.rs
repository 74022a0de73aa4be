//! Data-driven feature tests: each `fixtures/*.txt` holds several virtual
//! files (`//- /path` headers; `/graph.json` is the graph), cursor markers
//! `$0`…`$9`, and after `//- requests`, one request per line:
//!
//! ```text
//! hover $0 | completion $0 | definition $0 | references $0 | rename $0 new_name
//! symbols /a.writ | workspace_symbols query | folding /a.writ | tokens /a.writ
//! format /a.writ | actions $0 | lens /a.writ | diagnostics
//! format_range $0 $1 (the items between two markers; one marker: at a cursor)
//! signature $0 | hints /a.writ | why /a.writ rule_name
//! ```
//!
//! The rendered results are compared with `fixtures/<name>.snap`.

use std::collections::BTreeMap;
use std::path::Path;
use writ_ide::{AnalysisHost, Span};

struct Fixture {
    files: Vec<(String, String)>,
    graph: Option<(String, String)>,
    markers: BTreeMap<String, (String, usize)>,
    requests: Vec<String>,
}

fn parse_fixture(text: &str) -> Fixture {
    let mut files: Vec<(String, String)> = Vec::new();
    let mut requests = Vec::new();
    let mut in_requests = false;
    for line in text.split_inclusive('\n') {
        if let Some(header) = line.strip_prefix("//- ") {
            let header = header.trim();
            if header == "requests" {
                in_requests = true;
            } else {
                files.push((header.to_string(), String::new()));
            }
            continue;
        }
        if in_requests {
            if !line.trim().is_empty() {
                requests.push(line.trim().to_string());
            }
        } else if let Some(last) = files.last_mut() {
            last.1.push_str(line);
        }
    }
    let mut markers = BTreeMap::new();
    let mut graph = None;
    let mut policies = Vec::new();
    for (path, mut text) in files {
        let mut from = 0;
        while let Some(i) = text[from..].find('$').map(|i| i + from) {
            let digit = text.get(i + 1..i + 2).unwrap_or("");
            if digit.len() == 1 && digit.as_bytes()[0].is_ascii_digit() {
                markers.insert(format!("${digit}"), (path.clone(), i));
                text.replace_range(i..i + 2, "");
            } else {
                from = i + 1;
            }
        }
        if path.ends_with(".json") {
            graph = Some((path, text));
        } else {
            policies.push((path, text));
        }
    }
    Fixture {
        files: policies,
        graph,
        markers,
        requests,
    }
}

/// `path:line:col-line:col` plus the text, for readable snapshots.
fn show(texts: &BTreeMap<String, String>, path: &str, span: Span) -> String {
    let Some(text) = texts.get(path) else {
        return format!("{path}@{}..{}", span.start, span.end);
    };
    let lc = |o: usize| {
        let o = o.min(text.len());
        let before = &text[..o];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        format!("{line}:{col}")
    };
    let slice = text.get(span.range()).unwrap_or("");
    let slice = if slice.len() > 40 {
        format!(
            "{}…",
            &slice[..slice.char_indices().nth(37).map_or(slice.len(), |(i, _)| i)]
        )
    } else {
        slice.to_string()
    };
    format!(
        "{path}:{}-{} {:?}",
        lc(span.start as usize),
        lc(span.end as usize),
        slice
    )
}

fn run(fixture: &Fixture) -> String {
    let mut host = AnalysisHost::new();
    let mut texts = BTreeMap::new();
    for (path, text) in &fixture.files {
        let module = writ_ide::module_name(Path::new("/"), Path::new(path));
        host.set_file(path, &module, text.clone());
        texts.insert(path.clone(), text.clone());
    }
    if let Some((path, text)) = &fixture.graph {
        host.set_graph(Some((path.clone(), text.clone())));
        texts.insert(path.clone(), text.clone());
    }
    for (module, name, text) in writ_ide::std_modules() {
        let _ = module;
        texts.insert(format!("<std>/{name}"), text.to_string());
    }
    let analysis = host.analysis();
    let mut out = String::new();
    for request in &fixture.requests {
        out.push_str(&format!("== {request}\n"));
        let mut words = request.split_whitespace();
        let verb = words.next().unwrap_or("");
        let arg = words.next().unwrap_or("");
        let marker = fixture.markers.get(arg);
        let (mpath, moffset) = marker.cloned().unwrap_or_default();
        let body = match verb {
            "hover" => match analysis.hover(&mpath, moffset).unwrap() {
                Some(h) => format!("{}\n{}\n", show(&texts, &mpath, h.span), h.markdown),
                None => "(none)\n".into(),
            },
            "completion" => {
                let items = analysis.completions(&mpath, moffset).unwrap();
                let mut s = String::new();
                for i in items {
                    s.push_str(&format!(
                        "{:?} {}{}{}\n",
                        i.kind,
                        i.label,
                        i.detail.map(|d| format!(" — {d}")).unwrap_or_default(),
                        if i.insert != i.label {
                            format!(" => {:?}", i.insert)
                        } else {
                            String::new()
                        }
                    ));
                }
                if s.is_empty() { "(none)\n".into() } else { s }
            }
            "definition" => lines(
                analysis
                    .goto_definition(&mpath, moffset)
                    .unwrap()
                    .iter()
                    .map(|l| show(&texts, &l.path, l.span)),
            ),
            "references" => lines(
                analysis
                    .references(&mpath, moffset, true)
                    .unwrap()
                    .iter()
                    .map(|l| show(&texts, &l.path, l.span)),
            ),
            "rename" => {
                let new_name = words.next().unwrap_or("");
                match analysis.rename(&mpath, moffset, new_name).unwrap() {
                    Ok(change) => {
                        let mut s = String::new();
                        for (path, edits) in &change.edits {
                            for e in edits {
                                s.push_str(&format!(
                                    "{} -> {:?}\n",
                                    show(&texts, path, e.span),
                                    e.text
                                ));
                            }
                        }
                        for r in &change.renames {
                            s.push_str(&format!("move {} -> {}\n", r.from, r.to));
                        }
                        s
                    }
                    Err(e) => format!("error: {e}\n"),
                }
            }
            "symbols" => {
                let mut s = String::new();
                for sym in analysis.document_symbols(arg).unwrap() {
                    s.push_str(&format!(
                        "{:?} {} {}\n",
                        sym.kind,
                        sym.name,
                        show(&texts, arg, sym.name_span)
                    ));
                    for c in sym.children {
                        s.push_str(&format!(
                            "  {:?} {} {}\n",
                            c.kind,
                            c.name,
                            show(&texts, arg, c.name_span)
                        ));
                    }
                }
                s
            }
            "workspace_symbols" => lines(analysis.workspace_symbols(arg, 50).unwrap().iter().map(
                |s| {
                    format!(
                        "{:?} {} in {} {}",
                        s.kind,
                        s.name,
                        s.container,
                        show(&texts, &s.path, s.name_span)
                    )
                },
            )),
            "folding" => lines(
                analysis
                    .folding_ranges(arg)
                    .unwrap()
                    .iter()
                    .map(|f| format!("{:?} {}", f.kind, show(&texts, arg, f.span))),
            ),
            "tokens" => lines(analysis.semantic_tokens(arg).unwrap().iter().map(|t| {
                format!(
                    "{:?}{} {}",
                    t.kind,
                    if t.modifiers != 0 {
                        format!("[{}]", t.modifiers)
                    } else {
                        String::new()
                    },
                    show(&texts, arg, t.span)
                )
            })),
            "format" => match analysis.format(arg).unwrap() {
                None => "(not formatted: syntax errors)\n".into(),
                Some(edits) => {
                    let mut text = texts[arg].clone();
                    for e in edits.iter().rev() {
                        text.replace_range(e.span.range(), &e.text);
                    }
                    format!("{} edit(s)\n{text}", edits.len())
                }
            },
            "format_range" => {
                let end = words
                    .next()
                    .and_then(|m| fixture.markers.get(m))
                    .map_or(moffset, |(_, o)| *o);
                match analysis
                    .format_range(&mpath, Span::new(moffset, end))
                    .unwrap()
                {
                    None => "(not formatted: syntax errors)\n".into(),
                    Some(edits) => {
                        let mut text = texts[&mpath].clone();
                        let shown: Vec<String> = edits
                            .iter()
                            .map(|e| format!("{} -> {:?}", show(&texts, &mpath, e.span), e.text))
                            .collect();
                        for e in edits.iter().rev() {
                            text.replace_range(e.span.range(), &e.text);
                        }
                        format!("{}\n{text}", lines(shown.into_iter()).trim_end())
                    }
                }
            }
            "signature" => match analysis.signature_help(&mpath, moffset).unwrap() {
                None => "(none)\n".into(),
                Some(h) => {
                    let params: Vec<&str> =
                        h.parameters.iter().map(|&(a, b)| &h.label[a..b]).collect();
                    format!(
                        "{}\nparameters: {params:?}\nactive: {:?}\n{}\n",
                        h.label,
                        h.active,
                        h.documentation.unwrap_or_default()
                    )
                }
            },
            "hints" => lines(
                analysis
                    .inlay_hints(arg, Span::new(0, texts[arg].len()))
                    .unwrap()
                    .iter()
                    .map(|h| format!("{} {}", show(&texts, arg, Span::empty(h.offset)), h.label)),
            ),
            "why" => {
                let name = words.next().unwrap_or("");
                match analysis.why_fires(arg, name).unwrap() {
                    Some(s) => format!("{s}\n"),
                    None => "(none)\n".into(),
                }
            }
            "actions" => lines(
                analysis
                    .code_actions(&mpath, Span::empty(moffset))
                    .unwrap()
                    .iter()
                    .map(|a| {
                        let edits: Vec<String> = a
                            .edits
                            .iter()
                            .flat_map(|(p, es)| es.iter().map(move |e| (p, e)))
                            .map(|(p, e)| format!("{} -> {:?}", show(&texts, p, e.span), e.text))
                            .collect();
                        format!(
                            "{} [{}{}]: {}",
                            a.title,
                            a.diagnostic.code,
                            if a.preferred { ", preferred" } else { "" },
                            edits.join("; ")
                        )
                    }),
            ),
            "lens" => lines(
                analysis
                    .code_lenses(arg)
                    .unwrap()
                    .iter()
                    .map(|l| format!("{} {}", show(&texts, arg, l.span), l.title)),
            ),
            "diagnostics" => {
                let mut s = String::new();
                for (path, diags) in analysis.diagnostics().unwrap() {
                    for d in diags {
                        s.push_str(&format!(
                            "{} {:?} {}: {}\n",
                            show(&texts, &path, d.span),
                            d.severity,
                            d.code,
                            d.message.replace('\n', "\n    ")
                        ));
                    }
                }
                if s.is_empty() { "(none)\n".into() } else { s }
            }
            other => panic!("unknown request `{other}`"),
        };
        out.push_str(&body);
    }
    out
}

fn lines(items: impl Iterator<Item = String>) -> String {
    let mut s: String = items.map(|l| l + "\n").collect();
    if s.is_empty() {
        s.push_str("(none)\n");
    }
    s
}

#[test]
fn fixtures() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty());
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(&dir);
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for path in &paths {
            let fixture = parse_fixture(&std::fs::read_to_string(path).unwrap());
            assert!(
                !fixture.requests.is_empty(),
                "{} has no requests",
                path.display()
            );
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            insta::assert_snapshot!(name, run(&fixture));
        }
    });
}

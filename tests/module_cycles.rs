//! No import cycles between the modules of a crate (ARCHITECTURE.md): for
//! every crate of the workspace, each source file is a module; every path
//! it names through `crate::`, `super::` or `self::` (in `use` lines and in
//! code, `{…}` groups included) is an edge to the deepest module the path
//! reaches. An edge between a module and its own ancestor or descendant is
//! how Rust nests (a parent declares and re-exports its children; a child
//! reads its parent), so it is lifted instead to the two siblings under the
//! modules' closest common ancestor: `eval::settle → prepare` is the edge
//! `eval → prepare`. The test fails on any cycle among siblings, at any
//! level, and names it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path inside a crate (`[]` is the crate root).
type Module = Vec<String>;

/// The crates' source folders, from the workspace layout.
fn crate_roots() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut roots = vec![root.join("src"), root.join("lsp/src")];
    for group in ["compiler", "runtime"] {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(root.join(group))
            .unwrap()
            .map(|e| e.unwrap().path().join("src"))
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        roots.extend(dirs);
    }
    roots
}

/// Every `.rs` file under `dir` with its module path.
fn modules(src: &Path) -> BTreeMap<Module, PathBuf> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(src).unwrap();
            let mut parts: Vec<String> = rel
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
            let file = parts.pop().unwrap();
            let stem = file.trim_end_matches(".rs");
            if stem == "main" && parts.is_empty() && src.join("lib.rs").exists() {
                // the binary's root: it reaches the library as `writ::`
                continue;
            }
            if !matches!(stem, "mod" | "lib" | "main") || !parts.is_empty() && stem != "mod" {
                parts.push(stem.to_string());
            }
            out.insert(parts, path);
        }
    }
    out
}

/// The text without comments and string literals (so paths in docs and
/// messages are not edges).
fn code_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                i += 1;
            }
            i += 2;
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if b[i] == b'r' && (b.get(i + 1) == Some(&b'#') || b.get(i + 1) == Some(&b'"')) {
            // raw strings: r"…", r#"…"#
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&b'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&b'"') {
                out.push('r');
                i += 1;
                continue;
            }
            let close: Vec<u8> = std::iter::once(b'"')
                .chain(std::iter::repeat_n(b'#', hashes))
                .collect();
            j += 1;
            while j < b.len() && !b[j..].starts_with(&close) {
                j += 1;
            }
            i = j + close.len();
            out.push_str("\"\"");
        } else if b[i] == b'\'' && b.get(i + 2) == Some(&b'\'') {
            // a char literal such as '"'
            i += 3;
        } else {
            let c = text[i..].chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Parses a path tree at `s` (after a leading keyword and `::`): segments
/// and `{…}` groups. Appends each full path to `out`.
fn parse_tree(
    s: &[char],
    mut i: usize,
    prefix: &mut Vec<String>,
    out: &mut Vec<Vec<String>>,
) -> usize {
    let depth = prefix.len();
    loop {
        while i < s.len() && s[i].is_whitespace() {
            i += 1;
        }
        if i < s.len() && s[i] == '{' {
            i += 1;
            loop {
                while i < s.len() && (s[i].is_whitespace() || s[i] == ',') {
                    i += 1;
                }
                if i >= s.len() || s[i] == '}' {
                    i += 1;
                    break;
                }
                let before = i;
                i = parse_tree(s, i, prefix, out);
                if i == before {
                    i += 1;
                }
            }
            prefix.truncate(depth);
            return i;
        }
        let start = i;
        while i < s.len() && is_ident(s[i]) {
            i += 1;
        }
        if start == i {
            out.push(prefix.clone());
            prefix.truncate(depth);
            return i;
        }
        prefix.push(s[start..i].iter().collect());
        if s.get(i) == Some(&':') && s.get(i + 1) == Some(&':') {
            i += 2;
        } else {
            out.push(prefix.clone());
            prefix.truncate(depth);
            return i;
        }
    }
}

/// Every path a module's code names through `crate::`, `super::` or
/// `self::`, resolved to absolute segments.
fn paths(module: &Module, text: &str) -> Vec<Vec<String>> {
    let s: Vec<char> = code_only(text).chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let at_boundary = i == 0 || !is_ident(s[i - 1]) && s[i - 1] != ':';
        if !at_boundary || !is_ident(s[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < s.len() && is_ident(s[i]) {
            i += 1;
        }
        let word: String = s[start..i].iter().collect();
        if !matches!(word.as_str(), "crate" | "super" | "self") {
            continue;
        }
        if !(s.get(i) == Some(&':') && s.get(i + 1) == Some(&':')) {
            continue;
        }
        // resolve the leading keywords
        let mut base: Module = match word.as_str() {
            "crate" => Vec::new(),
            "self" => module.clone(),
            _ => module[..module.len().saturating_sub(1)].to_vec(),
        };
        i += 2;
        // further `super::`
        loop {
            let rest: String = s[i..(i + 7).min(s.len())].iter().collect();
            if rest == "super::" {
                base.pop();
                i += 7;
            } else {
                break;
            }
        }
        let mut found = Vec::new();
        i = parse_tree(&s, i, &mut base.clone(), &mut found);
        out.extend(found);
    }
    out
}

/// The deepest module of `mods` that `path` names.
fn target(mods: &BTreeMap<Module, PathBuf>, path: &[String]) -> Module {
    (0..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|m| mods.contains_key(m))
        .unwrap_or_default()
}

/// `a → b` lifted to siblings: `None` when one is the other's ancestor.
fn lift(a: &Module, b: &Module) -> Option<(Module, Module)> {
    let common = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    if common == a.len() || common == b.len() {
        return None;
    }
    Some((a[..=common].to_vec(), b[..=common].to_vec()))
}

/// The module graph of one crate: sibling edges, with one example each.
fn sibling_edges(src: &Path) -> BTreeMap<(Module, Module), String> {
    let mods = modules(src);
    let mut edges = BTreeMap::new();
    for (module, file) in &mods {
        let text = std::fs::read_to_string(file).unwrap();
        for p in paths(module, &text) {
            let t = target(&mods, &p);
            if let Some(edge) = lift(module, &t) {
                edges
                    .entry(edge)
                    .or_insert_with(|| format!("{} names {}", module.join("::"), p.join("::")));
            }
        }
    }
    edges
}

/// The cycles of a graph, as strongly connected components of more than
/// one module (Tarjan's algorithm, over sorted nodes: deterministic).
fn cycles(edges: &BTreeMap<(Module, Module), String>) -> Vec<Vec<Module>> {
    let mut nodes: BTreeSet<&Module> = BTreeSet::new();
    let mut next: BTreeMap<&Module, Vec<&Module>> = BTreeMap::new();
    for (a, b) in edges.keys() {
        nodes.insert(a);
        nodes.insert(b);
        next.entry(a).or_default().push(b);
    }
    struct State<'m> {
        index: BTreeMap<&'m Module, usize>,
        low: BTreeMap<&'m Module, usize>,
        stack: Vec<&'m Module>,
        on: BTreeSet<&'m Module>,
        out: Vec<Vec<Module>>,
    }
    fn visit<'m>(v: &'m Module, next: &BTreeMap<&'m Module, Vec<&'m Module>>, st: &mut State<'m>) {
        let i = st.index.len();
        st.index.insert(v, i);
        st.low.insert(v, i);
        st.stack.push(v);
        st.on.insert(v);
        for &w in next.get(v).into_iter().flatten() {
            if !st.index.contains_key(w) {
                visit(w, next, st);
                let lw = st.low[w];
                let lv = st.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if st.on.contains(w) {
                let iw = st.index[w];
                let lv = st.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if st.low[v] == st.index[v] {
            let mut scc = Vec::new();
            while let Some(w) = st.stack.pop() {
                st.on.remove(w);
                scc.push(w.clone());
                if w == v {
                    break;
                }
            }
            if scc.len() > 1 {
                scc.sort();
                st.out.push(scc);
            }
        }
    }
    let mut st = State {
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in nodes {
        if !st.index.contains_key(v) {
            visit(v, &next, &mut st);
        }
    }
    st.out
}

#[test]
fn no_module_of_a_crate_imports_in_a_circle() {
    let mut found = Vec::new();
    for src in crate_roots() {
        let edges = sibling_edges(&src);
        for scc in cycles(&edges) {
            let members: BTreeSet<&Module> = scc.iter().collect();
            let why: Vec<&String> = edges
                .iter()
                .filter(|((a, b), _)| members.contains(a) && members.contains(b))
                .map(|(_, why)| why)
                .collect();
            found.push(format!(
                "{}: {} ({})",
                src.display(),
                scc.iter()
                    .map(|m| m.join("::"))
                    .collect::<Vec<_>>()
                    .join(" ↔ "),
                why.iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
        }
    }
    assert!(found.is_empty(), "import cycles:\n{}", found.join("\n"));
}

#[test]
fn the_cycle_finder_sees_a_cycle_and_lifts_nested_edges() {
    let m = |s: &str| -> Module { s.split("::").map(String::from).collect() };
    assert_eq!(
        lift(&m("eval::settle"), &m("prepare")),
        Some((m("eval"), m("prepare")))
    );
    assert_eq!(
        lift(&m("eval::settle"), &m("eval")),
        None,
        "a child reads its parent"
    );
    assert_eq!(
        lift(&m("eval"), &m("eval::settle")),
        None,
        "a parent re-exports its child"
    );
    let mut edges = BTreeMap::new();
    edges.insert((m("a"), m("b")), String::new());
    edges.insert((m("b"), m("c")), String::new());
    assert!(cycles(&edges).is_empty());
    edges.insert((m("c"), m("a")), String::new());
    assert_eq!(cycles(&edges), vec![vec![m("a"), m("b"), m("c")]]);
    let mut found = Vec::new();
    parse_tree(
        &"{state::{Eval, Nodes}, values} ;"
            .chars()
            .collect::<Vec<_>>(),
        0,
        &mut m("eval"),
        &mut found,
    );
    assert_eq!(
        found,
        vec![
            m("eval::state::Eval"),
            m("eval::state::Nodes"),
            m("eval::values")
        ]
    );
    let code = code_only("let s = \"crate::x\"; // crate::y\nuse crate::z;");
    assert!(!code.contains("crate::x") && !code.contains("crate::y") && code.contains("crate::z"));
}

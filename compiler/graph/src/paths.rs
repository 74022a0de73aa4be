//! Which nodes a set of changed files touches: every path claim of the graph
//! partitioned by its literal prefix, with per-layer precedence.
//!
//! Matching (the same answers as one glob set of every claim, which the
//! tests hold it to): each glob's literal prefix (the text before its first
//! glob metacharacter) is a prefix of every path it matches. A claim whose
//! glob is all literal is filed under that text and matches by equality; a
//! `LITERAL/**` claim under `LITERAL/` and matches by prefix; any other
//! under its literal prefix up to the last `/`, and is compiled (with the
//! options of [`compile_glob`]) only when a path reaches its bucket. A path
//! looks up `""`, each of its directory prefixes and itself: a few binary
//! searches, and no matcher of 100,000 globs built at every start.
//!
//! Rule (also in `docs/graph.md`): for each file, take the claims whose glob
//! matches it; within each layer keep only the claims with the highest
//! priority; the file touches the union, over all layers, of the nodes those
//! winning claims name. A winning `unowned_paths` claim names no node. A file
//! that touches no node is *unowned* and is reported, never dropped.

use crate::flat::{Strings, Words};
use crate::index::NodeIdx;
use globset::{Candidate, GlobSet};
use std::collections::HashMap;

mod cached;

/// What a path claim gives a matching file to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimTarget {
    /// One node (from its `paths`).
    Node(NodeIdx),
    /// The nodes selected by a `global_files` rule (index into the graph's global rules).
    Global(u32),
    /// Nobody (`unowned_paths`).
    Unowned,
}

/// One path claim, read from the index (see [`PathIndex::claim`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Claim<'a> {
    /// The glob as written.
    pub glob: &'a str,
    /// Its priority within its layer.
    pub priority: i64,
    /// Its layer name.
    pub layer: &'a str,
    /// Who it gives files to.
    pub target: ClaimTarget,
}

/// How a claim's glob is matched once its bucket is reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    /// All literal: the path equals the glob.
    Literal,
    /// `LITERAL/**`: the path starts with `LITERAL/`.
    Below,
    /// Anything else: the glob, compiled when first needed.
    Pattern,
}

/// One claim as the index holds it: its glob's string and its layer's
/// number, with its priority, target and shape.
#[derive(Clone, Copy, Debug)]
struct Row {
    glob: u32,
    layer: u32,
    priority: i64,
    target: ClaimTarget,
    shape: Shape,
}

/// Every path claim of a graph, partitioned by literal prefix: a table
/// whose strings (globs and layer names) live in one area, the same in
/// memory as in the prepared-plan cache (`paths/cached.rs`).
#[derive(Clone, Debug, Default)]
pub struct PathIndex {
    /// Each claim's glob, then each layer's name as first seen.
    strings: Strings,
    /// The claims, in index order: [`cached::ROW_WORDS`] words each
    /// (`Row::words`), read with [`PathIndex::row`].
    claims: Words,
    /// Per layer number, its name's string.
    layers: Vec<u32>,
    /// `global_nodes[global_starts[g]..global_starts[g + 1]]`: the nodes
    /// `global_files` rule `g` selects, sorted.
    global_starts: Vec<u32>,
    global_nodes: Vec<NodeIdx>,
    /// Per bucket, the length of its key: the key is that prefix of the
    /// glob of its first claim (every claim filed under a key starts with
    /// it). Keys are sorted and distinct.
    key_lens: Words,
    /// `members[starts[k]..starts[k + 1]]`: the claims filed under key `k`,
    /// ascending; never empty.
    starts: Words,
    members: Words,
}

/// The bytes that end a glob's literal prefix: globset's metacharacters,
/// and, to stay on the safe side, the ones it treats specially elsewhere
/// (a table: `classify` runs for every claim of a cached index as it is
/// validated).
const META: [bool; 256] = {
    let mut table = [false; 256];
    let meta = b"*?[]{}\\,!^";
    let mut i = 0;
    while i < meta.len() {
        table[meta[i] as usize] = true;
        i += 1;
    }
    table
};

/// Where a glob is filed and how it is matched there.
fn classify(glob: &str) -> (&str, Shape) {
    let (key, shape) = classify_bytes(glob.as_bytes());
    // `key` ends before an ASCII byte or at the end: a character boundary.
    (glob.get(..key).unwrap_or(""), shape)
}

/// [`classify`] on a glob's bytes: the length of its key (a prefix of it,
/// ending before an ASCII byte or at its end) and its shape.
fn classify_bytes(glob: &[u8]) -> (usize, Shape) {
    let literal = glob
        .iter()
        .position(|&b| META[b as usize])
        .unwrap_or(glob.len());
    if literal == glob.len() {
        return (literal, Shape::Literal);
    }
    let (head, tail) = glob.split_at(literal);
    if tail == b"**" && head.ends_with(b"/") && head.len() > 1 {
        return (literal, Shape::Below);
    }
    let dir = head.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1);
    (dir, Shape::Pattern)
}

/// What one changed file touches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileTouch {
    /// The repository-relative path.
    pub path: String,
    /// Touched nodes, sorted; empty when the file is unowned.
    pub nodes: Vec<NodeIdx>,
    /// The winning claims (indices for [`PathIndex::claim`]), sorted.
    pub claims: Vec<u32>,
}

/// What a set of changed files touches.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Touched {
    /// One entry per distinct path, sorted by path.
    pub files: Vec<FileTouch>,
    /// Paths that touch no node, sorted.
    pub unowned: Vec<String>,
    /// Every touched node, sorted and distinct.
    pub nodes: Vec<NodeIdx>,
    /// For each touched node, the first (in path order) file that touches it.
    node_files: Vec<(NodeIdx, u32)>,
}

impl Touched {
    /// The first changed file (in path order) that touches `node`.
    pub fn file_for(&self, node: NodeIdx) -> Option<&str> {
        let i = self
            .node_files
            .binary_search_by_key(&node, |&(n, _)| n)
            .ok()?;
        Some(&self.files[self.node_files[i].1 as usize].path)
    }
}

/// Builds the index from already-validated globs (the graph loader
/// compiles each one to report its errors with a span).
pub(crate) struct PathIndexBuilder {
    strings: Strings,
    claims: Vec<Row>,
    layers: std::collections::BTreeMap<String, u32>,
    layer_names: Vec<u32>,
}

/// The deepest nesting of `{a,b}` alternations a path glob may have. The
/// glob compiler recurses once per level; real globs nest one or two.
pub(crate) const MAX_GLOB_NESTING: usize = 32;

/// The byte offset of the first `{` that nests past [`MAX_GLOB_NESTING`], or
/// `None`. Linear and without recursion; `\{` and `{` inside `[…]` are
/// literal and do not count.
pub(crate) fn glob_too_deep(glob: &str) -> Option<usize> {
    let bytes = glob.as_bytes();
    let (mut depth, mut i) = (0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'[' => {
                // A class: skip to its `]` (a `]` right after `[` or `[!` is literal).
                let mut j = i + 1;
                if bytes.get(j) == Some(&b'!') {
                    j += 1;
                }
                if bytes.get(j) == Some(&b']') {
                    j += 1;
                }
                while j < bytes.len() && bytes[j] != b']' {
                    j += 1;
                }
                i = j;
            }
            b'{' => {
                depth += 1;
                if depth > MAX_GLOB_NESTING {
                    return Some(i);
                }
            }
            b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

/// The longest path glob, in bytes. globset builds an automaton over a glob's
/// literal prefix in time quadratic in its length for repetitive prefixes
/// (`a/a/a/…`: 4 KB took 2.8 s in a debug build, 1 KB takes 0.2 s), so the
/// length is bounded; the work is then linear in the number of globs.
pub const MAX_GLOB_LEN: usize = 1024;

/// Why a glob is past a limit: its code (E0902 nesting, E0903 length) and a
/// message naming the limit; `None` within the limits.
pub fn glob_limit(glob: &str) -> Option<(writ_diagnostics::Code, String)> {
    use writ_diagnostics::codes;
    if glob_too_deep(glob).is_some() {
        return Some((
            codes::E0902,
            format!("`{{…}}` alternations nested more than {MAX_GLOB_NESTING} levels deep"),
        ));
    }
    (glob.len() > MAX_GLOB_LEN).then(|| {
        (
            codes::E0903,
            format!(
                "the glob is {} bytes long, over the limit of {MAX_GLOB_LEN}",
                glob.len()
            ),
        )
    })
}

/// Whether [`compile_glob`] certainly accepts `glob`, seen without
/// compiling it: a non-empty literal path (no `*?[]{}\\`), optionally
/// ending in `/**`, or `**` alone, within [`glob_limit`]. Validation takes
/// this shortcut for the usual claim (`services/api/**`): compiling one glob
/// is a regex translation, and a large graph has one claim a node.
pub(crate) fn compiles_trivially(glob: &str) -> bool {
    let literal = |s: &str| {
        !s.bytes()
            .any(|b| matches!(b, b'*' | b'?' | b'[' | b']' | b'{' | b'}' | b'\\'))
    };
    let prefix = match glob.strip_suffix("/**") {
        Some(prefix) => prefix,
        None if glob == "**" => "",
        None => glob,
    };
    !glob.is_empty() && glob.len() <= MAX_GLOB_LEN && literal(prefix)
}

/// Compiles one glob with writ's options: `*` and `?` never match `/`,
/// `**` matches any number of directories, `{a,b}` alternates, `\` escapes.
/// Globs past [`MAX_GLOB_NESTING`] or [`MAX_GLOB_LEN`] are refused before compiling.
pub fn compile_glob(glob: &str) -> Result<globset::Glob, String> {
    if glob.is_empty() {
        return Err("empty glob".into());
    }
    if let Some((_, why)) = glob_limit(glob) {
        return Err(why);
    }
    globset::GlobBuilder::new(glob)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map_err(|e| e.kind().to_string())
}

impl PathIndexBuilder {
    pub fn new() -> PathIndexBuilder {
        PathIndexBuilder {
            strings: Strings::default(),
            claims: Vec::new(),
            layers: Default::default(),
            layer_names: Vec::new(),
        }
    }

    /// Adds a claim whose glob `compile_glob` accepted (the text only is
    /// kept: a compiled `Glob` is several hundred bytes, and 100,000 of them
    /// were most of what loading a large graph held at its peak).
    pub fn add(&mut self, glob: &str, priority: i64, layer: &str, target: ClaimTarget) {
        let layer = match self.layers.get(layer) {
            Some(&id) => id,
            None => {
                let id = self.layer_names.len() as u32;
                self.layer_names.push(self.strings.push(layer));
                self.layers.insert(layer.to_string(), id);
                id
            }
        };
        let shape = classify(glob).1;
        let glob = self.strings.push(glob);
        self.claims.push(Row {
            glob,
            layer,
            priority,
            target,
            shape,
        });
    }

    /// Files every claim in its bucket. Cannot fail (globs were checked as
    /// they were added); the `Result` is the loader's contract.
    pub fn build(self, globals: Vec<Vec<NodeIdx>>) -> Result<PathIndex, String> {
        let strings = self.strings;
        let mut filed: Vec<(&str, u32)> = (self.claims.iter().enumerate())
            .map(|(i, c)| (classify(strings.get(c.glob)).0, i as u32))
            .collect();
        filed.sort_unstable();
        let mut key_lens = Vec::new();
        let mut starts = Vec::new();
        let mut members = Vec::with_capacity(filed.len());
        let mut last: Option<&str> = None;
        for (key, claim) in filed {
            if last != Some(key) {
                key_lens.push(key.len() as u32);
                starts.push(members.len() as u32);
                last = Some(key);
            }
            members.push(claim);
        }
        starts.push(members.len() as u32);
        let mut global_starts = vec![0];
        let mut global_nodes = Vec::new();
        for g in globals {
            global_nodes.extend(g);
            global_starts.push(global_nodes.len() as u32);
        }
        let claims: Vec<u32> = self.claims.iter().flat_map(Row::words).collect();
        Ok(PathIndex {
            strings,
            claims: claims.into(),
            layers: self.layer_names,
            global_starts,
            global_nodes,
            key_lens: key_lens.into(),
            starts: starts.into(),
            members: members.into(),
        })
    }
}

/// Claims compiled while answering one question, so a glob is compiled at
/// most once per question however many paths reach it.
///
/// Each is a glob set of one glob, not a `GlobMatcher`: a set picks a
/// matching strategy per glob (literal, extension, prefix, regex …), and a
/// single glob's regex does not always agree with it (`*.` matches `..` as a
/// regex, not in a set), so one-glob sets give exactly the answers one set
/// of every claim gave.
#[derive(Default)]
struct Compiled {
    matchers: HashMap<u32, Option<GlobSet>>,
}

impl PathIndex {
    /// Claim `i`'s row (`None` past the claims).
    fn row(&self, i: usize) -> Option<Row> {
        let at = i.checked_mul(cached::ROW_WORDS)?;
        Row::from_words(self.claims.get(at..at.checked_add(cached::ROW_WORDS)?)?)
    }

    /// The number of claims.
    pub fn claim_count(&self) -> usize {
        self.claims.len() / cached::ROW_WORDS
    }

    /// Claim `i` (its index in [`PathIndex::claims`]).
    pub fn claim(&self, i: u32) -> Option<Claim<'_>> {
        self.row(i as usize).map(|row| self.view(&row))
    }

    /// Every claim, in index order.
    pub fn claims(&self) -> impl ExactSizeIterator<Item = Claim<'_>> + '_ {
        // Every row of an index that was built or read back decodes (read
        // back: checked when read); the empty claim is never reached.
        (0..self.claim_count()).map(|i| {
            self.row(i).map_or(
                Claim {
                    glob: "",
                    priority: 0,
                    layer: "",
                    target: ClaimTarget::Unowned,
                },
                |row| self.view(&row),
            )
        })
    }

    fn view(&self, row: &Row) -> Claim<'_> {
        Claim {
            glob: self.strings.get(row.glob),
            priority: row.priority,
            layer: self.strings.get(
                self.layers
                    .get(row.layer as usize)
                    .copied()
                    .unwrap_or(u32::MAX),
            ),
            target: row.target,
        }
    }

    /// The nodes a `global_files` rule selects.
    pub fn global_nodes(&self, rule: u32) -> &[NodeIdx] {
        let at = |g: usize| self.global_starts.get(g).map(|&s| s as usize);
        match (at(rule as usize), at(rule as usize + 1)) {
            (Some(start), Some(end)) => self.global_nodes.get(start..end).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// The number of `global_files` rules.
    fn global_count(&self) -> usize {
        self.global_starts.len().saturating_sub(1)
    }

    /// Bucket `k`'s key: the first `key_lens[k]` bytes of its first claim's glob.
    fn key(&self, k: usize) -> Option<&str> {
        let first = self.members.get(*self.starts.get(k)? as usize)?;
        let glob = self.strings.get(self.row(*first as usize)?.glob);
        glob.get(..*self.key_lens.get(k)? as usize)
    }

    /// The claims filed under `key`.
    fn bucket(&self, key: &str) -> &[u32] {
        let (mut lo, mut hi) = (0, self.key_lens.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.key(mid).unwrap_or("").cmp(key) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => {
                    let at = |k: usize| self.starts.get(k).map_or(0, |&s| s as usize);
                    return self.members.get(at(mid)..at(mid + 1)).unwrap_or(&[]);
                }
            }
        }
        &[]
    }

    /// Whether claim `i`, filed under a key `path` starts with, matches `path`.
    fn claim_matches(&self, i: u32, path: &str, compiled: &mut Compiled) -> bool {
        let Some(row) = self.row(i as usize) else {
            return false;
        };
        let glob = self.strings.get(row.glob);
        match row.shape {
            Shape::Literal => path == glob,
            Shape::Below => glob
                .strip_suffix("**")
                .is_some_and(|dir| path.starts_with(dir)),
            Shape::Pattern => compiled
                .matchers
                .entry(i)
                .or_insert_with(|| compile_glob(glob).ok().and_then(|g| GlobSet::new([g]).ok()))
                .as_ref()
                .is_some_and(|m| m.is_match_candidate(&Candidate::new(path))),
        }
    }

    /// Every claim whose glob matches `path`, ascending, into `buf`.
    fn matches_into(&self, path: &str, buf: &mut Vec<usize>, compiled: &mut Compiled) {
        buf.clear();
        let mut look = |key: &str, buf: &mut Vec<usize>| {
            for &i in self.bucket(key) {
                if self.claim_matches(i, path, compiled) {
                    buf.push(i as usize);
                }
            }
        };
        look("", buf);
        for (at, _) in path.match_indices('/') {
            look(&path[..=at], buf);
        }
        if !path.is_empty() && !path.ends_with('/') {
            look(path, buf);
        }
        buf.sort_unstable();
        buf.dedup();
    }

    /// The claims that win for one path, sorted, reusing `buf` for matches.
    pub fn winners(&self, path: &str, buf: &mut Vec<usize>) -> Vec<u32> {
        self.winners_with(path, buf, &mut Compiled::default())
    }

    fn winners_with(&self, path: &str, buf: &mut Vec<usize>, compiled: &mut Compiled) -> Vec<u32> {
        let path = path.strip_prefix("./").unwrap_or(path);
        self.matches_into(path, buf, compiled);
        // best priority per layer
        let mut best: Vec<(u32, i64)> = Vec::new();
        for c in buf.iter().filter_map(|&i| self.row(i)) {
            match best.iter_mut().find(|(l, _)| *l == c.layer) {
                Some(entry) => entry.1 = entry.1.max(c.priority),
                None => best.push((c.layer, c.priority)),
            }
        }
        let mut out: Vec<u32> = buf
            .iter()
            .filter(|&&i| {
                self.row(i)
                    .is_some_and(|c| best.iter().any(|&(l, p)| l == c.layer && p == c.priority))
            })
            .map(|&i| i as u32)
            .collect();
        out.sort_unstable();
        out
    }

    /// The nodes one path touches, sorted and distinct.
    pub fn nodes_for(&self, path: &str) -> Vec<NodeIdx> {
        let mut buf = Vec::new();
        let winners = self.winners(path, &mut buf);
        self.resolve(&winners)
    }

    fn resolve(&self, winners: &[u32]) -> Vec<NodeIdx> {
        let mut nodes = Vec::new();
        for c in winners.iter().filter_map(|&w| self.row(w as usize)) {
            match c.target {
                ClaimTarget::Node(n) => nodes.push(n),
                ClaimTarget::Global(g) => nodes.extend_from_slice(self.global_nodes(g)),
                ClaimTarget::Unowned => {}
            }
        }
        nodes.sort_unstable();
        nodes.dedup();
        nodes
    }

    /// What a set of changed paths touches (duplicates are merged).
    pub fn touched<'a>(&self, paths: impl IntoIterator<Item = &'a str>) -> Touched {
        let mut paths: Vec<&str> = paths.into_iter().collect();
        paths.sort_unstable();
        paths.dedup();
        let mut buf = Vec::new();
        let mut compiled = Compiled::default();
        let mut t = Touched::default();
        for path in paths {
            let claims = self.winners_with(path, &mut buf, &mut compiled);
            let nodes = self.resolve(&claims);
            if nodes.is_empty() {
                t.unowned.push(path.to_string());
            }
            let file_no = t.files.len() as u32;
            for &n in &nodes {
                t.node_files.push((n, file_no));
            }
            t.files.push(FileTouch {
                path: path.to_string(),
                nodes,
                claims,
            });
        }
        // keep the first file for each node (stable sort keeps path order)
        t.node_files.sort_by_key(|&(n, _)| n);
        t.node_files.dedup_by_key(|&mut (n, _)| n);
        t.nodes = t.node_files.iter().map(|&(n, _)| n).collect();
        t
    }
}

#[cfg(test)]
mod tests {
    use super::{
        MAX_GLOB_LEN, MAX_GLOB_NESTING, compile_glob, compiles_trivially, glob_limit, glob_too_deep,
    };

    #[test]
    fn brace_nesting_is_limited_before_compiling() {
        let at = format!(
            "{}a{}",
            "{a,".repeat(MAX_GLOB_NESTING),
            "}".repeat(MAX_GLOB_NESTING)
        );
        assert_eq!(glob_too_deep(&at), None);
        assert!(compile_glob(&at).is_ok());
        let past = format!("{}a", "{a,".repeat(15_000));
        assert_eq!(glob_too_deep(&past), Some(3 * MAX_GLOB_NESTING));
        assert!(compile_glob(&past).is_err());
        assert_eq!(glob_too_deep(&"\\{".repeat(100)), None);
        assert_eq!(glob_too_deep(&"[{]".repeat(100)), None);
        let long = "a/".repeat(MAX_GLOB_LEN);
        assert_eq!(glob_limit(&long).unwrap().0, writ_diagnostics::codes::E0903);
        assert!(compile_glob(&long).is_err());
    }

    /// The matcher this index replaced, kept as the oracle: one glob set of
    /// every claim, then the same per-layer precedence.
    fn oracle_winners(claims: &[(String, i64, u32)], path: &str) -> Vec<u32> {
        let mut b = globset::GlobSetBuilder::new();
        for (g, _, _) in claims {
            b.add(compile_glob(g).unwrap());
        }
        let set = b.build().unwrap();
        let path = path.strip_prefix("./").unwrap_or(path);
        let hits = set.matches_candidate(&globset::Candidate::new(path));
        let mut best: Vec<(u32, i64)> = Vec::new();
        for &i in &hits {
            let (_, p, l) = &claims[i];
            match best.iter_mut().find(|(bl, _)| bl == l) {
                Some(e) => e.1 = e.1.max(*p),
                None => best.push((*l, *p)),
            }
        }
        let mut out: Vec<u32> = hits
            .into_iter()
            .filter(|&i| best.contains(&(claims[i].2, claims[i].1)))
            .map(|i| i as u32)
            .collect();
        out.sort_unstable();
        out
    }

    fn index_of(claims: &[(String, i64, u32)]) -> super::PathIndex {
        let mut b = super::PathIndexBuilder::new();
        for (i, (g, p, l)) in claims.iter().enumerate() {
            compile_glob(g).unwrap();
            b.add(
                g,
                *p,
                &format!("layer{l}"),
                super::ClaimTarget::Node(crate::NodeIdx(i as u32)),
            );
        }
        b.build(Vec::new()).unwrap()
    }

    const GLOB_PARTS: &[&str] = &[
        "a", "b", "ab", ".", "/", "*", "?", "**", "/**", "**/", "{a,b}", "{a,}", "[ab]", "[!a]",
        "\\*", "-", "x.rs", "*.rs",
    ];
    const PATH_PARTS: &[&str] = &["a", "b", "ab", ".", "/", "x.rs", "*", "-", "./"];

    fn glob_strategy() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        proptest::collection::vec(proptest::sample::select(GLOB_PARTS), 1..6)
            .prop_map(|parts| parts.concat())
            .prop_filter("compiles", |g| compile_glob(g).is_ok())
    }

    fn path_strategy() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        proptest::collection::vec(proptest::sample::select(PATH_PARTS), 0..7)
            .prop_map(|parts| parts.concat())
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(1024))]
        /// The shortcut validation takes never accepts a glob the compiler
        /// refuses (the globs drawn include unclosed classes, alternations
        /// and escapes, `**` inside a component, empty components).
        #[test]
        fn a_trivially_compiling_glob_compiles(
            parts in proptest::collection::vec(
                proptest::sample::select(&["a", "/", "*", "**", "/**", "[", "]", "{", "}", ",", "\\", "!", ".", "-", " ", "é"][..]),
                0..8,
            ),
        ) {
            let glob = parts.concat();
            if compiles_trivially(&glob) {
                proptest::prop_assert!(compile_glob(&glob).is_ok(), "{:?}", glob);
            }
        }
    }

    #[test]
    fn the_usual_claims_compile_trivially() {
        for glob in [
            "services/d0/svc-1/**",
            "**",
            "Cargo.lock",
            "a b/c.rs",
            "docs//**",
        ] {
            assert!(compiles_trivially(glob), "{glob}");
            assert!(compile_glob(glob).is_ok(), "{glob}");
        }
        for glob in ["", "src/*.rs", "a/**/b", "a**", "{a,b}/**", "x\\**", "[ab]"] {
            assert!(!compiles_trivially(glob), "{glob}");
        }
        assert!(!compiles_trivially(&"a".repeat(MAX_GLOB_LEN + 1)));
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(256))]
        /// The prefix-partitioned index wins the same claims as one glob
        /// set of every claim, for any claims and any path.
        #[test]
        fn same_winners_as_one_glob_set(
            claims in proptest::collection::vec((glob_strategy(), 0i64..3, 0u32..2), 1..12),
            paths in proptest::collection::vec(path_strategy(), 1..8),
        ) {
            let index = index_of(&claims);
            let mut buf = Vec::new();
            for path in &paths {
                proptest::prop_assert_eq!(
                    index.winners(path, &mut buf),
                    oracle_winners(&claims, path),
                    "path {:?}", path
                );
            }
            let touched = index.touched(paths.iter().map(String::as_str));
            for f in &touched.files {
                proptest::prop_assert_eq!(&f.claims, &oracle_winners(&claims, &f.path));
            }
        }
    }

    #[test]
    fn each_shape_is_filed_where_its_matches_start() {
        use super::{Shape, classify};
        assert_eq!(classify("Cargo.lock"), ("Cargo.lock", Shape::Literal));
        assert_eq!(classify("services/s1/**"), ("services/s1/", Shape::Below));
        assert_eq!(
            classify("services/s1/*.rs"),
            ("services/s1/", Shape::Pattern)
        );
        assert_eq!(classify("docs/a{b,c}/x"), ("docs/", Shape::Pattern));
        assert_eq!(classify("**/*.md"), ("", Shape::Pattern));
        assert_eq!(classify("/**"), ("/", Shape::Pattern));
        let claims: Vec<(String, i64, u32)> = [
            ("services/s1/**", 0, 0),
            ("services/s1/gen/**", 1, 0),
            ("**/*.md", 0, 1),
            ("Cargo.lock", 0, 0),
        ]
        .iter()
        .map(|(g, p, l)| (g.to_string(), *p, *l))
        .collect();
        let index = index_of(&claims);
        let mut buf = Vec::new();
        for (path, want) in [
            ("services/s1/src/a.rs", vec![0]),
            ("services/s1/gen/x.rs", vec![1]),
            ("services/s1/README.md", vec![0, 2]),
            ("./Cargo.lock", vec![3]),
            ("services/s10/a.rs", vec![]),
        ] {
            assert_eq!(index.winners(path, &mut buf), want, "{path}");
            assert_eq!(want, oracle_winners(&claims, path), "{path}");
        }
        // A glob set's strategies and the glob's own regex disagree here
        // (`*.` on `..`): the set's answer is kept.
        let odd = vec![("*.".to_string(), 0, 0)];
        assert_eq!(index_of(&odd).winners("..", &mut buf), Vec::<u32>::new());
        assert_eq!(oracle_winners(&odd, ".."), Vec::<u32>::new());
        assert_eq!(index_of(&odd).winners("a.", &mut buf), vec![0]);
    }
}

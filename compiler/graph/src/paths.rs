//! Which nodes a set of changed files touches: every path claim of the graph
//! compiled into ONE glob set, with per-layer precedence.
//!
//! Rule (also in `docs/graph.md`): for each file, take the claims whose glob
//! matches it; within each layer keep only the claims with the highest
//! priority; the file touches the union, over all layers, of the nodes those
//! winning claims name. A winning `unowned_paths` claim names no node. A file
//! that touches no node is *unowned* and is reported, never dropped.

use crate::index::NodeIdx;
use globset::{Candidate, GlobSet};

/// What a path claim gives a matching file to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClaimTarget {
    /// One node (from its `paths`).
    Node(NodeIdx),
    /// The nodes selected by a `global_files` rule (index into the graph's global rules).
    Global(u32),
    /// Nobody (`unowned_paths`).
    Unowned,
}

/// One compiled path claim.
#[derive(Clone, Debug)]
pub struct Claim {
    /// The glob as written.
    pub glob: String,
    /// Its priority within its layer.
    pub priority: i64,
    /// Its layer name.
    pub layer: String,
    /// Who it gives files to.
    pub target: ClaimTarget,
    layer_id: u32,
}

/// Every path claim of a graph, compiled into one glob set.
#[derive(Clone, Debug)]
pub struct PathIndex {
    set: GlobSet,
    claims: Vec<Claim>,
    globals: Vec<Vec<NodeIdx>>,
}

impl Default for PathIndex {
    fn default() -> Self {
        PathIndex {
            set: GlobSet::empty(),
            claims: Vec::new(),
            globals: Vec::new(),
        }
    }
}

/// What one changed file touches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileTouch {
    /// The repository-relative path.
    pub path: String,
    /// Touched nodes, sorted; empty when the file is unowned.
    pub nodes: Vec<NodeIdx>,
    /// The winning claims (indices into [`PathIndex::claims`]), sorted.
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

/// Builds the index from already-validated globs. `build` returns the glob
/// that failed to compile, if any, so callers validate globs first.
pub(crate) struct PathIndexBuilder {
    builder: globset::GlobSetBuilder,
    claims: Vec<Claim>,
    layers: std::collections::BTreeMap<String, u32>,
}

/// The deepest nesting of `{a,b}` alternations a path glob may have. The
/// glob compiler recurses once per level; real globs nest one or two.
pub const MAX_GLOB_NESTING: usize = 32;

/// The byte offset of the first `{` that nests past [`MAX_GLOB_NESTING`], or
/// `None`. Linear and without recursion; `\{` and `{` inside `[…]` are
/// literal and do not count.
pub fn glob_too_deep(glob: &str) -> Option<usize> {
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
            builder: globset::GlobSetBuilder::new(),
            claims: Vec::new(),
            layers: Default::default(),
        }
    }

    pub fn add(&mut self, glob: globset::Glob, priority: i64, layer: &str, target: ClaimTarget) {
        let next = self.layers.len() as u32;
        let layer_id = match self.layers.get(layer) {
            Some(&id) => id,
            None => *self.layers.entry(layer.to_string()).or_insert(next),
        };
        self.claims.push(Claim {
            glob: glob.glob().to_string(),
            priority,
            layer: layer.to_string(),
            target,
            layer_id,
        });
        self.builder.add(glob);
    }

    pub fn build(self, globals: Vec<Vec<NodeIdx>>) -> Result<PathIndex, String> {
        let set = self.builder.build().map_err(|e| e.to_string())?;
        Ok(PathIndex {
            set,
            claims: self.claims,
            globals,
        })
    }
}

impl PathIndex {
    /// Every claim, in index order.
    pub fn claims(&self) -> &[Claim] {
        &self.claims
    }

    /// The nodes a `global_files` rule selects.
    pub fn global_nodes(&self, rule: u32) -> &[NodeIdx] {
        self.globals.get(rule as usize).map_or(&[], Vec::as_slice)
    }

    /// The claims that win for one path, sorted, reusing `buf` for matches.
    pub fn winners(&self, path: &str, buf: &mut Vec<usize>) -> Vec<u32> {
        let path = path.strip_prefix("./").unwrap_or(path);
        self.set.matches_candidate_into(&Candidate::new(path), buf);
        // best priority per layer
        let mut best: Vec<(u32, i64)> = Vec::new();
        for &i in buf.iter() {
            let c = &self.claims[i];
            match best.iter_mut().find(|(l, _)| *l == c.layer_id) {
                Some(entry) => entry.1 = entry.1.max(c.priority),
                None => best.push((c.layer_id, c.priority)),
            }
        }
        let mut out: Vec<u32> = buf
            .iter()
            .filter(|&&i| {
                let c = &self.claims[i];
                best.iter()
                    .any(|&(l, p)| l == c.layer_id && p == c.priority)
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
        for &w in winners {
            match &self.claims[w as usize].target {
                ClaimTarget::Node(n) => nodes.push(*n),
                ClaimTarget::Global(g) => nodes.extend_from_slice(self.global_nodes(*g)),
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
        let mut t = Touched::default();
        for path in paths {
            let claims = self.winners(path, &mut buf);
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
    use super::{MAX_GLOB_LEN, MAX_GLOB_NESTING, compile_glob, glob_limit, glob_too_deep};

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
}

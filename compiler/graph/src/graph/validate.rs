//! Validation of a graph document into a [`Graph`]: ids, duplicates, kinds,
//! path globs and layers, keys, edges and the path index. Each problem is a
//! diagnostic with a code (E05xx errors, W05xx warnings) and a span.

use super::*;
use crate::identity::alias_key;

/// Lists up to this long are searched for repeats directly, not hashed.
const SMALL: usize = 16;

/// The last item of `before` that `same` accepts: what a map from key to
/// latest span, filled in list order, holds when the next repeat comes.
fn previous<T>(before: &[T], same: impl Fn(&T) -> bool) -> Option<&T> {
    before.iter().rev().find(|x| same(x))
}

/// The state of one validation: the file spans point into, the problems
/// found so far and the remaining "did you mean" budget.
pub(super) struct Validator {
    pub(super) file: FileId,
    pub(super) diags: Vec<Diagnostic>,
    pub(super) suggestions: usize,
}

impl Validator {
    fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn err(&self, code: writ_diagnostics::Code, span: Span, msg: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, self.file, span, msg)
    }

    fn suggest<'a>(
        &mut self,
        d: Diagnostic,
        name: &str,
        candidates: impl IntoIterator<Item = &'a str>,
        quoted: bool,
    ) -> Diagnostic {
        if self.suggestions == 0 {
            return d;
        }
        self.suggestions -= 1;
        match did_you_mean(name, candidates) {
            Some(s) if quoted => {
                let mut d = d.with_replacement(model_quote(s));
                d.help = Some(format!("did you mean `{s}`?"));
                d
            }
            Some(s) => d.with_replacement(s),
            None => d,
        }
    }

    /// E0511 for a node or edge kind (`what`) that `known` (sorted) lacks,
    /// with a "did you mean" or the list to declare it in.
    fn unknown_kind(&mut self, kind: &Spanned<impl AsRef<str>>, what: &str, known: &[String]) {
        let name = kind.value.as_ref();
        let d = self
            .err(
                codes::E0511,
                kind.span,
                format!("unknown {what} kind `{name}`"),
            )
            .with_label(format!("neither built in nor declared in `{what}_kinds`"));
        let d = self.suggest(d, name, known.iter().map(String::as_str), true);
        let d = if d.help.is_none() {
            d.with_help(format!(
                "add \"{name}\" to the top-level `{what}_kinds` list"
            ))
        } else {
            d
        };
        self.push(d);
    }

    fn check_id(&mut self, id: &Spanned<impl AsRef<str>>, what: &str) -> bool {
        let text = id.value.as_ref();
        if is_valid_id(text) {
            return true;
        }
        let d = self
            .err(codes::E0512, id.span, format!("invalid {what} id `{text}`"))
            .with_label("not a valid id")
            .with_help("ids are 1-256 characters from A-Z a-z 0-9 . _ - : / @ # + ~, starting with a letter, a digit or @");
        self.push(d);
        false
    }

    fn check_dups<T: AsRef<str> + PartialEq>(&mut self, list: &[Spanned<T>], what: &str) {
        let mut repeated = |item: &Spanned<T>, first: Span| {
            let d = self
                .err(
                    codes::W0501,
                    item.span,
                    format!("`{}` is listed twice in {what}", item.value.as_ref()),
                )
                .with_label("repeated")
                .with_secondary(self.file, first, "first listed here");
            self.push(d);
        };
        if list.len() <= SMALL {
            for (j, item) in list.iter().enumerate() {
                if let Some(first) = previous(&list[..j], |x| x.value == item.value) {
                    repeated(item, first.span);
                }
            }
            return;
        }
        let mut seen: HashMap<&str, Span> = HashMap::with_capacity(list.len());
        for item in list {
            if let Some(first) = seen.insert(item.value.as_ref(), item.span) {
                repeated(item, first);
            }
        }
    }

    /// Checks one claim's glob and layer; whether the claim is accepted.
    fn check_glob(&mut self, p: &PathDecl) -> bool {
        let g = &p.glob;
        if let Some(stripped) = g
            .value
            .strip_prefix('/')
            .or_else(|| g.value.strip_prefix("./"))
        {
            let d = self
                .err(codes::E0509, g.span, format!("path glob `{}` is not relative to the repository root", g.value))
                .with_label("starts with `/` or `./`")
                .with_help("globs are matched against repository-relative paths such as `services/api/main.rs`")
                .with_replacement(model_quote(stripped));
            self.push(d);
            return false;
        }
        if let Some(bad) = ["..", "\\\\"]
            .iter()
            .find(|b| g.value.split('/').any(|seg| seg == **b))
        {
            let d = self.err(
                codes::E0509,
                g.span,
                format!("path glob `{}` contains `{bad}`", g.value),
            );
            self.push(d);
            return false;
        }
        if !p.layer.is_empty() && !is_valid_layer(&p.layer) {
            let d = self
                .err(
                    codes::E0503,
                    g.span,
                    format!("invalid layer name `{}`", p.layer),
                )
                .with_help("layer names are letters, digits and `._-:/@ ` characters");
            self.push(d);
        }
        if let Some((code, why)) = crate::paths::glob_limit(&g.value) {
            let d = self
                .err(code, g.span, format!("invalid path glob: {why}"))
                .with_label("past the limit")
                .with_help("write the alternatives as separate, shorter globs in `paths`");
            self.push(d);
            return false;
        }
        if crate::paths::compiles_trivially(&g.value) {
            return true;
        }
        match compile_glob(&g.value) {
            Ok(_) => true,
            Err(e) => {
                let d = self
                    .err(
                        codes::E0509,
                        g.span,
                        format!("invalid path glob `{}`: {e}", g.value),
                    )
                    .with_label("does not compile");
                self.push(d);
                false
            }
        }
    }

    /// Checks the path claims of every node (repeats, then each glob) and
    /// compiles their globs, in node order. Runs on its own thread, with its
    /// own diagnostics, while the rest of the nodes are checked.
    /// Returns each accepted claim's glob text, not its compiled form.
    fn node_paths<'d>(&mut self, nodes: &'d [Node]) -> Vec<(&'d str, i64, &'d str, NodeIdx)> {
        let mut claims = Vec::with_capacity(nodes.len());
        for (i, n) in nodes.iter().enumerate() {
            let idx = NodeIdx(i as u32);
            let mut seen_paths: HashMap<(&str, i64, &str), Span> = HashMap::new();
            for (j, p) in n.paths.iter().enumerate() {
                let repeat = if n.paths.len() <= SMALL {
                    previous(&n.paths[..j], |q| {
                        q.glob.value == p.glob.value
                            && q.priority == p.priority
                            && q.layer == p.layer
                    })
                    .map(|q| q.glob.span)
                } else {
                    seen_paths.insert(
                        (p.glob.value.as_str(), p.priority, p.layer.as_str()),
                        p.glob.span,
                    )
                };
                if let Some(first) = repeat {
                    let d = self
                        .err(
                            codes::W0501,
                            p.glob.span,
                            format!("path `{}` is listed twice", p.glob.value),
                        )
                        .with_secondary(self.file, first, "first listed here");
                    self.push(d);
                    continue;
                }
                if self.check_glob(p) {
                    claims.push((p.glob.value.as_str(), p.priority, p.layer.as_str(), idx));
                }
            }
        }
        claims
    }

    fn kinds(&mut self, builtin: &[&str], declared: &[Spanned<String>], what: &str) -> Vec<String> {
        let mut all: BTreeSet<String> = builtin.iter().map(|s| s.to_string()).collect();
        for k in declared {
            if !is_valid_name(k) {
                let d = self
                    .err(codes::E0503, k.span, format!("invalid {what} name `{}`", k.value))
                    .with_help("kind names are lowercase letters, digits, `_` and `-`, starting with a letter");
                self.push(d);
                continue;
            }
            if !all.insert(k.value.clone()) {
                let d = self.err(
                    codes::W0501,
                    k.span,
                    format!("{what} `{}` is built in or declared twice", k.value),
                );
                self.push(d);
            }
        }
        all.into_iter().collect()
    }

    /// Validates `doc`; with `node_table`, also builds its cache's node table (on the claims' thread).
    pub(super) fn run(
        &mut self,
        file: Option<FileId>,
        mut doc: Document,
        node_table: bool,
    ) -> Option<Graph> {
        // Principals an importer created under a name the graph declares as
        // an alias become the aliased principal (no-op without aliases).
        crate::identity::fold_aliases(&mut doc);
        let node_kinds = self.kinds(BUILTIN_NODE_KINDS, &doc.node_kinds, "node kind");
        let edge_kinds = self.kinds(BUILTIN_EDGE_KINDS, &doc.edge_kinds, "edge kind");
        if edge_kinds.len() > 64 {
            let span = doc.edge_kinds.first().map_or(Span::default(), |k| k.span);
            let d = self.err(
                codes::E0516,
                span,
                format!(
                    "{} edge kinds are known; at most 64 are supported",
                    edge_kinds.len()
                ),
            );
            self.push(d);
            return None;
        }

        // ---- principals: teams and people share one id space ----
        let mut principal_ix: HashMap<String, Principal> = HashMap::new();
        let mut principal_span: HashMap<String, Span> = HashMap::new();
        let mut keep_teams = Vec::with_capacity(doc.teams.len());
        for t in std::mem::take(&mut doc.teams) {
            if !self.check_id(&t.id, "team")
                || !self.unique(&mut principal_span, &t.id, "team or person")
            {
                continue;
            }
            keep_teams.push(t);
        }
        let mut keep_people = Vec::with_capacity(doc.people.len());
        for p in std::mem::take(&mut doc.people) {
            if !self.check_id(&p.id, "person")
                || !self.unique(&mut principal_span, &p.id, "team or person")
            {
                continue;
            }
            keep_people.push(p);
        }
        doc.teams = keep_teams;
        doc.people = keep_people;
        doc.teams.sort_by(|a, b| a.id.value.cmp(&b.id.value));
        doc.people.sort_by(|a, b| a.id.value.cmp(&b.id.value));
        for (i, t) in doc.teams.iter().enumerate() {
            principal_ix.insert(t.id.value.clone(), Principal::Team(i));
        }
        for (i, p) in doc.people.iter().enumerate() {
            principal_ix.insert(p.id.value.clone(), Principal::Person(i));
        }
        let alias_ix = self.aliases(&doc, &principal_ix);
        let person_ids: Vec<&str> = doc.people.iter().map(|p| p.id.value.as_str()).collect();
        let principal_ids: Vec<String> = {
            let mut v: Vec<String> = principal_ix.keys().cloned().collect();
            v.sort();
            v
        };

        // ---- people: emails and keys ----
        let mut email_ix: HashMap<String, usize> = HashMap::new();
        let mut email_span: HashMap<String, Span> = HashMap::new();
        for (i, p) in doc.people.iter().enumerate() {
            self.check_dups(&p.emails, "a person's emails");
            for e in &p.emails {
                let lower = e.value.to_lowercase();
                let well_formed = lower
                    .split_once('@')
                    .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty())
                    && !lower.chars().any(char::is_whitespace);
                if !well_formed {
                    let d = self.err(
                        codes::E0503,
                        e.span,
                        format!("`{}` is not an email address", e.value),
                    );
                    self.push(d);
                    continue;
                }
                match email_ix.get(&lower) {
                    Some(&other) if other != i => {
                        let first = email_span.get(&lower).copied().unwrap_or_default();
                        let d = self
                            .err(codes::E0517, e.span, format!("email `{}` belongs to two people: `{}` and `{}`", e.value, doc.people[other].id.value, p.id.value))
                            .with_label("second owner of this address")
                            .with_secondary(self.file, first, "first given here")
                            .with_note("commit authors are resolved to people by email, so each address must name one person");
                        self.push(d);
                    }
                    Some(_) => {}
                    None => {
                        email_ix.insert(lower.clone(), i);
                        email_span.insert(lower, e.span);
                    }
                }
            }
            self.check_dups(&p.keys, "a person's keys");
            for k in &p.keys {
                if let Err(why) = parse_public_key(k) {
                    let d = self
                        .err(
                            codes::E0510,
                            k.span,
                            format!("invalid public key for `{}`: {why}", p.id.value),
                        )
                        .with_label("not a usable ed25519 public key");
                    self.push(d);
                }
            }
        }
        for t in &doc.teams {
            self.check_dups(&t.members, "a team's members");
            for m in &t.members {
                if !matches!(
                    principal_ix.get(m.value.as_str()),
                    Some(Principal::Person(_))
                ) {
                    let msg = if principal_ix.contains_key(m.value.as_str()) {
                        format!(
                            "team member `{}` is a team; members must be people",
                            m.value
                        )
                    } else {
                        format!("team member `{}` is not a person of the graph", m.value)
                    };
                    let d = self
                        .err(codes::E0508, m.span, msg)
                        .with_label("unknown person");
                    let d = self.suggest(d, &m.value, person_ids.iter().copied(), true);
                    self.push(d);
                }
            }
        }

        // ---- nodes ----
        // In place: a second list of 100,000 nodes would be 24 MB more.
        let mut nodes = std::mem::take(&mut doc.nodes);
        nodes.retain(|n| self.check_id(&n.id, "node"));
        // Sorted by id, stably: of nodes sharing an id the first written
        // comes first, is kept, and the others are reported against it.
        nodes.sort_by(|a, b| a.id.value.cmp(&b.id.value));
        let this_file = self.file;
        let mut duplicates = Vec::new();
        nodes.dedup_by(|n, first| {
            let same = n.id.value == first.id.value;
            if same {
                duplicates.push(
                    Diagnostic::new(
                        codes::E0506,
                        this_file,
                        n.id.span,
                        format!("duplicate node id `{}`", n.id.value),
                    )
                    .with_label("defined again here")
                    .with_secondary(
                        this_file,
                        first.id.span,
                        "first defined here",
                    ),
                );
            }
            same
        });
        self.diags.extend(duplicates);
        doc.nodes = nodes;
        // Edge targets are looked up by the address of their shared text
        // first: the loader reads ids and targets through one interner, so a
        // target names its node's very allocation (no text hashed or
        // compared). A miss (an unknown node, or names not interned together)
        // is looked up by text, in a table built on the first one; ids are
        // unique here, so both tables give the same node.
        let node_by_addr: rustc_hash::FxHashMap<usize, u32> = (doc.nodes.iter().enumerate())
            .map(|(i, n)| (n.id.value.shared_addr(), i as u32))
            .collect();
        let node_by_text = std::cell::OnceCell::<rustc_hash::FxHashMap<&str, u32>>::new();
        let node_ix_by_text = |id: &str| {
            let table = node_by_text.get_or_init(|| {
                (doc.nodes.iter().enumerate())
                    .map(|(i, n)| (n.id.value.as_str(), i as u32))
                    .collect()
            });
            table.get(id).copied()
        };
        let node_ix = |id: &Name| {
            (node_by_addr.get(&id.shared_addr()).copied()).or_else(|| node_ix_by_text(id))
        };
        let node_ids: Vec<&str> = doc.nodes.iter().map(|n| n.id.value.as_str()).collect();

        let mut path_builder = PathIndexBuilder::new();
        let mut edges: Vec<Edge> =
            Vec::with_capacity(doc.nodes.iter().map(|n| n.edges.len()).sum());
        let this_file = self.file;
        let nodes = &doc.nodes;
        let (node_claims, path_diags, table) = std::thread::scope(|scope| {
            let paths = scope.spawn(move || {
                let mut v = Validator {
                    file: this_file,
                    diags: Vec::new(),
                    suggestions: 0,
                };
                let claims = v.node_paths(nodes);
                let table = node_table.then(|| Box::new(table::NodeTable::of_decls(nodes)));
                (claims, v.diags, table)
            });
            let mut last_kind: Option<(&Name, EdgeKind)> = None;
            for (i, n) in doc.nodes.iter().enumerate() {
                let idx = NodeIdx(i as u32);
                if node_kinds
                    .binary_search_by(|k| k.as_str().cmp(&n.kind.value))
                    .is_err()
                {
                    self.unknown_kind(&n.kind, "node", &node_kinds);
                }
                self.check_dups(&n.tags, "a node's tags");
                self.check_dups(&n.owners, "a node's owners");
                for o in &n.owners {
                    if !principal_ix.contains_key(o.value.as_str()) {
                        let d = self
                            .err(
                                codes::E0508,
                                o.span,
                                format!(
                                    "owner `{}` of node `{}` is neither a team nor a person",
                                    o.value, n.id.value
                                ),
                            )
                            .with_label("unknown owner");
                        let d = self.suggest(
                            d,
                            &o.value,
                            principal_ids.iter().map(String::as_str),
                            true,
                        );
                        self.push(d);
                    }
                }
                for c in &n.checks {
                    if !is_valid_id(&c.name) {
                        let d = self.err(
                            codes::E0515,
                            c.name.span,
                            format!("invalid check name `{}`", c.name.value),
                        );
                        self.push(d);
                    }
                }
                let mut seen_edges: HashMap<(&str, &str), Span> = HashMap::new();
                for (j, e) in n.edges.iter().enumerate() {
                    // A node lists its edges by kind: most edges have the
                    // kind just looked up (a shared name: compared by pointer).
                    let kind = match last_kind {
                        Some((name, k)) if *name == e.kind.value => Some(k),
                        _ => match edge_kinds.binary_search_by(|k| k.as_str().cmp(&e.kind.value)) {
                            Ok(k) => {
                                last_kind = Some((&e.kind.value, EdgeKind(k as u8)));
                                Some(EdgeKind(k as u8))
                            }
                            Err(_) => {
                                self.unknown_kind(&e.kind, "edge", &edge_kinds);
                                None
                            }
                        },
                    };
                    let repeat = if n.edges.len() <= SMALL {
                        previous(&n.edges[..j], |x| {
                            x.to.value == e.to.value && x.kind.value == e.kind.value
                        })
                        .map(|x| x.to.span)
                    } else {
                        seen_edges.insert((e.kind.value.as_str(), e.to.value.as_str()), e.to.span)
                    };
                    if let Some(first) = repeat {
                        let d = self
                            .err(
                                codes::W0501,
                                e.to.span,
                                format!(
                                    "edge `{}` -{}-> `{}` is listed twice",
                                    n.id.value, e.kind.value, e.to.value
                                ),
                            )
                            .with_secondary(self.file, first, "first listed here");
                        self.push(d);
                        continue;
                    }
                    let Some(to) = node_ix(&e.to.value) else {
                        let d = self
                            .err(
                                codes::E0507,
                                e.to.span,
                                format!(
                                    "edge from `{}` to unknown node `{}`",
                                    n.id.value, e.to.value
                                ),
                            )
                            .with_label("no node has this id");
                        let d = self.suggest(d, &e.to.value, node_ids.iter().copied(), true);
                        self.push(d);
                        continue;
                    };
                    if to as usize == i {
                        let d = self
                            .err(
                                codes::W0502,
                                e.to.span,
                                format!("node `{}` has an edge to itself", n.id.value),
                            )
                            .with_label("self edge");
                        self.push(d);
                    }
                    if let Some(kind) = kind {
                        edges.push(Edge {
                            from: idx,
                            kind,
                            to: NodeIdx(to),
                            span: e.to.span,
                        });
                    }
                }
            }
            paths
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        });
        self.diags.extend(path_diags);
        for (glob, priority, layer, idx) in node_claims {
            path_builder.add(glob, priority, layer, ClaimTarget::Node(idx));
        }
        for p in &doc.unowned_paths {
            if self.check_glob(p) {
                path_builder.add(&p.glob.value, p.priority, &p.layer, ClaimTarget::Unowned);
            }
        }
        let mut globals = Vec::new();
        for (gi, g) in doc.global_files.iter().enumerate() {
            let mut set: BTreeSet<NodeIdx> = BTreeSet::new();
            for id in &g.nodes {
                match node_ix_by_text(id.value.as_str()) {
                    Some(i) => {
                        set.insert(NodeIdx(i));
                    }
                    None => {
                        let d = self
                            .err(
                                codes::E0507,
                                id.span,
                                format!("global files touch unknown node `{}`", id.value),
                            )
                            .with_label("no node has this id");
                        let d = self.suggest(d, &id.value, node_ids.iter().copied(), true);
                        self.push(d);
                    }
                }
            }
            for k in &g.kinds {
                if node_kinds.binary_search(&k.value).is_err() {
                    let d = self.err(
                        codes::E0511,
                        k.span,
                        format!("unknown node kind `{}`", k.value),
                    );
                    let d = self.suggest(d, &k.value, node_kinds.iter().map(String::as_str), true);
                    self.push(d);
                }
            }
            let kinds: BTreeSet<&str> = g.kinds.iter().map(|k| k.value.as_str()).collect();
            let tags: BTreeSet<&str> = g.tags.iter().map(|k| k.value.as_str()).collect();
            if !kinds.is_empty() || !tags.is_empty() {
                for (i, n) in doc.nodes.iter().enumerate() {
                    if kinds.contains(n.kind.value.as_str())
                        || n.tags.iter().any(|t| tags.contains(t.value.as_str()))
                    {
                        set.insert(NodeIdx(i as u32));
                    }
                }
            }
            if g.nodes.is_empty() && g.kinds.is_empty() && g.tags.is_empty() {
                let d = self
                    .err(codes::E0505, Span::new(g.span.start as usize, g.span.start as usize + 1), "a global-files rule selects no nodes")
                    .with_help("give `nodes`, `kinds` or `tags`; to make files unowned use `unowned_paths`");
                self.push(d);
            }
            for p in &g.paths {
                if self.check_glob(p) {
                    path_builder.add(
                        &p.glob.value,
                        p.priority,
                        &p.layer,
                        ClaimTarget::Global(gi as u32),
                    );
                }
            }
            globals.push(set.into_iter().collect());
        }
        if self.diags.iter().any(Diagnostic::is_error) {
            return None;
        }
        // The glob set compiles on a second thread while the edges are indexed.
        let node_count = doc.nodes.len();
        let (built, index) = std::thread::scope(|scope| {
            let built = scope.spawn(move || path_builder.build(globals));
            edges.sort();
            let triples: Vec<(NodeIdx, NodeIdx, EdgeKind)> =
                edges.iter().map(|e| (e.from, e.to, e.kind)).collect();
            let index = Index::build(node_count, &triples);
            let built = built
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (built, index)
        });
        let paths = match built {
            Ok(p) => p,
            Err(e) => {
                let d = self.err(
                    codes::E0509,
                    Span::default(),
                    format!("the path globs do not compile together: {e}"),
                );
                self.push(d);
                return None;
            }
        };
        Some(Graph {
            file,
            doc,
            nodes: Nodes::Owned,
            node_table: table,
            principal_ix,
            alias_ix,
            email_ix,
            node_kinds,
            edge_kinds,
            edges,
            index,
            paths,
        })
    }

    /// Checks every alias (a valid name, declared once, not another
    /// principal's name) and indexes the good ones by [`alias_key`].
    fn aliases(
        &mut self,
        doc: &Document,
        principal_ix: &HashMap<String, Principal>,
    ) -> HashMap<String, Principal> {
        // the key of every id, to catch an alias that names someone else
        let mut id_keys: HashMap<String, &str> = HashMap::new();
        for id in principal_ix.keys() {
            id_keys.insert(alias_key(id), id.as_str());
        }
        let mut out: HashMap<String, Principal> = HashMap::new();
        let mut first: HashMap<String, (Span, &str)> = HashMap::new();
        let declared = doc
            .teams
            .iter()
            .enumerate()
            .map(|(i, t)| (Principal::Team(i), &t.id.value, &t.aliases))
            .chain(
                doc.people
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (Principal::Person(i), &p.id.value, &p.aliases)),
            );
        for (who, id, aliases) in declared {
            self.check_dups(aliases, "a principal's aliases");
            for a in aliases {
                if !self.check_id(a, "alias") {
                    continue;
                }
                let key = alias_key(a);
                if let Some(&other) = id_keys.get(&key).filter(|other| **other != id.as_str()) {
                    let d = self
                        .err(
                            codes::E0518,
                            a.span,
                            format!(
                                "alias `{}` of `{id}` names another principal, `{other}`",
                                a.value
                            ),
                        )
                        .with_label("ambiguous alias")
                        .with_help(format!(
                            "an alias names one principal; remove it, or merge `{other}` into `{id}`"
                        ));
                    self.push(d);
                    continue;
                }
                match first.get(&key) {
                    Some(&(span, owner)) if owner != id.as_str() => {
                        let d = self
                            .err(
                                codes::E0518,
                                a.span,
                                format!(
                                    "alias `{}` is declared by both `{owner}` and `{id}`",
                                    a.value
                                ),
                            )
                            .with_label("declared again here")
                            .with_secondary(self.file, span, "first declared here")
                            .with_help("an alias names one principal; keep it on one of them");
                        self.push(d);
                    }
                    Some(_) => {}
                    None => {
                        first.insert(key.clone(), (a.span, id.as_str()));
                        out.insert(key, who);
                    }
                }
            }
        }
        out
    }

    fn unique(
        &mut self,
        seen: &mut HashMap<String, Span>,
        id: &Spanned<String>,
        what: &str,
    ) -> bool {
        if let Some(&first) = seen.get(id.value.as_str()) {
            let d = self
                .err(
                    codes::E0506,
                    id.span,
                    format!("duplicate {what} id `{}`", id.value),
                )
                .with_label("defined again here")
                .with_secondary(self.file, first, "first defined here");
            self.push(d);
            return false;
        }
        seen.insert(id.value.clone(), id.span);
        true
    }
}

fn is_valid_layer(layer: &str) -> bool {
    layer.len() <= 256
        && layer
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-:/@ []".contains(c))
}

fn model_quote(s: &str) -> String {
    crate::model::json_str(s)
}

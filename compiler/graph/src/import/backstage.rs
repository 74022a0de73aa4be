//! Backstage catalogs (`catalog-info.yaml`) into graph nodes, teams and people.
//!
//! Entities: Component, API, Resource and System become nodes; Group becomes
//! a team; User becomes a person. Relations: `dependsOn` → `depends_on`,
//! `consumesApis` → `consumes_api` (consumer → API), `providesApis` →
//! `provided_by` (API → provider), `system` → `has_part` (system →
//! member), `owner` → owners. A Component owns the directory of the catalog
//! file that declares it (claims in layer `backstage`, priority = directory
//! depth, so the innermost component wins). See `docs/graph.md`.
//!
//! A kind Backstage does not define (`kind: Componet`) is a warning (W0522)
//! with the closest kind, never silently nothing. A reference that is not in
//! the catalog resolves against what other importers already put in the
//! graph ([`import_with`]: a `dependsOn` to a crate from the cargo importer,
//! an `owner` that is a CODEOWNERS team declared as an alias); only what
//! resolves nowhere is W0521.

use crate::import::{depth, dir_glob, sanitize_id};
use crate::model::*;
use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};
use std::collections::{BTreeMap, BTreeSet};
use writ_diagnostics::{Diagnostic, FileId, Span, codes, did_you_mean};

/// The entity kinds Backstage defines (lower case).
pub(crate) const KINDS: &[&str] = &[
    "api",
    "component",
    "domain",
    "group",
    "location",
    "resource",
    "system",
    "template",
    "user",
];

/// One catalog file to import.
#[derive(Clone, Copy, Debug)]
pub struct CatalogFile<'a> {
    /// Its id in the source map (for diagnostics).
    pub file: FileId,
    /// Its text.
    pub text: &'a str,
    /// Its directory relative to the repository root (`""` for the root).
    pub dir: &'a str,
}

/// A YAML value reduced to what the importer needs, with byte spans.
#[derive(Clone, Debug)]
enum Y {
    Null,
    Str(String, Span),
    Seq(Vec<Y>, Span),
    Map(Vec<(String, Y)>, Span),
}

impl Y {
    fn get(&self, key: &str) -> Option<&Y> {
        match self {
            Y::Map(m, _) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    fn str(&self) -> Option<(&str, Span)> {
        match self {
            Y::Str(s, sp) => Some((s, *sp)),
            _ => None,
        }
    }
    fn span(&self) -> Span {
        match self {
            Y::Null => Span::default(),
            Y::Str(_, s) | Y::Seq(_, s) | Y::Map(_, s) => *s,
        }
    }
    /// A string or a list of strings.
    fn strs(&self) -> Vec<(&str, Span)> {
        match self {
            Y::Str(s, sp) => vec![(s.as_str(), *sp)],
            Y::Seq(items, _) => items.iter().filter_map(Y::str).collect(),
            _ => Vec::new(),
        }
    }
}

struct Bytes {
    offsets: Vec<usize>,
}

impl Bytes {
    fn new(text: &str) -> Bytes {
        let mut offsets: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
        offsets.push(text.len());
        Bytes { offsets }
    }
    fn at(&self, char_index: usize) -> usize {
        self.offsets
            .get(char_index)
            .copied()
            .unwrap_or_else(|| *self.offsets.last().unwrap_or(&0))
    }
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.at(start), self.at(end))
    }
}

fn convert(node: &MarkedYaml<'_>, b: &Bytes) -> Y {
    let span = b.span(node.span.start.index(), node.span.end.index());
    match &node.data {
        YamlData::Value(s) => match s {
            Scalar::Null => Y::Null,
            Scalar::Boolean(v) => Y::Str(v.to_string(), span),
            Scalar::Integer(i) => Y::Str(i.to_string(), span),
            Scalar::FloatingPoint(f) => Y::Str(f.to_string(), span),
            Scalar::String(s) => Y::Str(s.to_string(), span),
        },
        YamlData::Representation(s, _, _) => Y::Str(s.to_string(), span),
        YamlData::Sequence(items) => Y::Seq(items.iter().map(|i| convert(i, b)).collect(), span),
        YamlData::Mapping(m) => {
            let mut out = Vec::new();
            for (k, v) in m.iter() {
                if let Y::Str(key, _) = convert(k, b) {
                    out.push((key, convert(v, b)));
                }
            }
            Y::Map(out, span)
        }
        YamlData::Tagged(_, inner) => convert(inner, b),
        _ => Y::Null,
    }
}

struct Entity {
    kind: String,
    namespace: String,
    name: String,
    doc: Y,
    file: FileId,
    dir: String,
}

impl Entity {
    fn spec(&self, key: &str) -> Option<&Y> {
        self.doc.get("spec").and_then(|s| s.get(key))
    }
}

/// A parsed entity reference `[kind:][namespace/]name`, lowercased.
fn parse_ref(text: &str, default_kind: &str, default_ns: &str) -> (String, String, String) {
    let text = text.trim().to_lowercase();
    let (kind, rest) = match text.split_once(':') {
        Some((k, r)) if !k.contains('/') => (k.to_string(), r.to_string()),
        _ => (default_kind.to_string(), text.clone()),
    };
    let (ns, name) = match rest.split_once('/') {
        Some((n, m)) => (n.to_string(), m.to_string()),
        None => (default_ns.to_string(), rest),
    };
    (kind, ns, name)
}

/// The graph id of an entity.
fn entity_id(kind: &str, ns: &str, name: &str) -> String {
    let local = if ns == "default" {
        name.to_string()
    } else {
        format!("{ns}/{name}")
    };
    match kind {
        "component" | "group" | "user" => sanitize_id(&local),
        other => sanitize_id(&format!("{other}:{local}")),
    }
}

/// `component` → `Component`, `api` → `API` (as catalogs write them).
fn capitalised(kind: &str) -> String {
    if kind == "api" {
        return "API".into();
    }
    let mut c = kind.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The character at byte `at` of `text` (empty at the end of the text: a
/// span never reaches past the file).
fn point(at: usize, text: &str) -> Span {
    let end = text
        .get(at..)
        .and_then(|rest| rest.chars().next())
        .map_or(at, |c| at + c.len_utf8());
    Span::new(at.min(text.len()), end.min(text.len()))
}

/// The deepest nesting of YAML sequences and mappings a catalog file may
/// have (a catalog entity nests four or five). Loading and converting the
/// document recurse once per level.
pub(crate) const MAX_YAML_DEPTH: usize = 64;

/// The character index of the first collection that nests past
/// [`MAX_YAML_DEPTH`], from the event parser (which does not recurse), or
/// `None`. Other syntax errors are left to the loader to report.
pub(crate) fn too_deep(text: &str) -> Option<usize> {
    use saphyr_parser::{Event, Parser};
    let mut depth = 0usize;
    for event in Parser::new_from_str(text) {
        let (event, span) = match event {
            Ok(e) => e,
            // The scanner has a nesting limit of its own (it scans flow
            // collections ahead): the same refusal.
            Err(e) if e.info().contains("recursion limit") => return Some(e.marker().index()),
            Err(_) => return None,
        };
        match event {
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                depth += 1;
                if depth > MAX_YAML_DEPTH {
                    return Some(span.start.index());
                }
            }
            Event::SequenceEnd | Event::MappingEnd => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Imports catalog files; references resolve across all of them.
pub fn import(files: &[CatalogFile<'_>]) -> (Document, Vec<Diagnostic>) {
    import_with(files, &Document::default())
}

/// Imports catalog files; references that are not in the catalog resolve
/// against `known`, the graph other importers built (its nodes for
/// components, APIs, resources and systems, its teams and their aliases for
/// groups, its people and their aliases for users).
pub fn import_with(
    files: &[CatalogFile<'_>],
    known_graph: &Document,
) -> (Document, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut entities = Vec::new();
    for f in files {
        let bytes = Bytes::new(f.text);
        if let Some(at) = too_deep(f.text) {
            let at = bytes.at(at);
            diags.push(
                Diagnostic::new(
                    codes::E0902,
                    f.file,
                    point(at, f.text),
                    format!("YAML nested more than {MAX_YAML_DEPTH} levels deep"),
                )
                .with_label("this collection goes past the limit")
                .with_help(
                    "a catalog entity nests a few levels; check that this is a catalog file",
                ),
            );
            continue;
        }
        let docs = match MarkedYaml::load_from_str(f.text) {
            Ok(d) => d,
            Err(e) => {
                let at = bytes.at(e.marker().index());
                diags.push(Diagnostic::new(
                    codes::E0521,
                    f.file,
                    point(at, f.text),
                    format!("invalid YAML: {}", e.info()),
                ));
                continue;
            }
        };
        for d in &docs {
            let y = convert(d, &bytes);
            if matches!(y, Y::Null) {
                continue;
            }
            let kind_at = y.get("kind").and_then(Y::str).map(|(_, s)| s);
            let kind = y
                .get("kind")
                .and_then(Y::str)
                .map(|(k, _)| k.to_lowercase());
            let name = y
                .get("metadata")
                .and_then(|m| m.get("name"))
                .and_then(Y::str)
                .map(|(n, _)| n.to_lowercase());
            let (Some(kind), Some(name)) = (kind, name) else {
                let span = y.span();
                diags.push(Diagnostic::new(
                    codes::E0521,
                    f.file,
                    point(span.start as usize, f.text),
                    "a catalog entity needs `kind` and `metadata.name`",
                ));
                continue;
            };
            if !KINDS.contains(&kind.as_str()) {
                let span = kind_at.unwrap_or_default();
                let mut d = Diagnostic::new(
                    codes::W0522,
                    f.file,
                    span,
                    format!("`{name}` has kind `{kind}`, which Backstage does not define; it is not imported"),
                )
                .with_label("unknown kind");
                d = match did_you_mean(&kind, KINDS.iter().copied()) {
                    Some(k) => d.with_help(format!("did you mean `{}`?", capitalised(k))),
                    None => d.with_help("Backstage kinds are Component, API, Resource, System, Domain, Group, User, Location and Template"),
                };
                diags.push(d);
                continue;
            }
            let namespace = y
                .get("metadata")
                .and_then(|m| m.get("namespace"))
                .and_then(Y::str)
                .map_or("default".to_string(), |(n, _)| n.to_lowercase());
            entities.push(Entity {
                kind,
                namespace,
                name,
                doc: y,
                file: f.file,
                dir: f.dir.to_string(),
            });
        }
    }
    // every known entity ref → id
    let mut known: BTreeMap<(String, String, String), String> = BTreeMap::new();
    for e in &entities {
        known.insert(
            (e.kind.clone(), e.namespace.clone(), e.name.clone()),
            entity_id(&e.kind, &e.namespace, &e.name),
        );
    }
    // references to what other importers built: ids as they are, and the
    // aliases the graph declares
    let node_ids: BTreeSet<&str> = known_graph
        .nodes
        .iter()
        .map(|n| n.id.value.as_str())
        .collect();
    let outside = |key: &(String, String, String)| -> Option<String> {
        let id = entity_id(&key.0, &key.1, &key.2);
        let by_alias = |id: &str, aliases: &[Spanned<String>]| {
            let want = crate::identity::alias_key(&format!("{}:{}/{}", key.0, key.1, key.2));
            id == want
                || aliases
                    .iter()
                    .any(|a| crate::identity::alias_key(a) == want)
        };
        match key.0.as_str() {
            "group" => known_graph
                .teams
                .iter()
                .find(|t| by_alias(&t.id.value, &t.aliases))
                .map(|t| t.id.value.clone()),
            "user" => known_graph
                .people
                .iter()
                .find(|p| by_alias(&p.id.value, &p.aliases))
                .map(|p| p.id.value.clone()),
            _ => node_ids.contains(id.as_str()).then_some(id),
        }
    };
    let mut doc = Document::default();
    let mut members: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for e in &entities {
        let id = entity_id(&e.kind, &e.namespace, &e.name);
        let resolve = |diags: &mut Vec<Diagnostic>,
                       text: &str,
                       span: Span,
                       default_kind: &str,
                       field: &str|
         -> Option<String> {
            let key = parse_ref(text, default_kind, &e.namespace);
            match known.get(&key).cloned().or_else(|| outside(&key)) {
                Some(id) => Some(id),
                None => {
                    diags.push(
                        Diagnostic::new(codes::W0521, e.file, span, format!("`{field}` of `{}` refers to `{}:{}/{}`, which is not in the imported catalog", e.name, key.0, key.1, key.2))
                            .with_label("unresolved reference; ignored"),
                    );
                    None
                }
            }
        };
        let node_kind = match e.kind.as_str() {
            "component" => match e
                .spec("type")
                .and_then(Y::str)
                .map(|(t, _)| t.to_lowercase())
                .as_deref()
            {
                Some("service" | "website") => "service",
                Some("library") => "library",
                _ => "component",
            },
            "api" => "api",
            "resource" => match e
                .spec("type")
                .and_then(Y::str)
                .map(|(t, _)| t.to_lowercase())
                .as_deref()
            {
                Some("database" | "db" | "datastore" | "cache" | "bucket" | "s3-bucket") => {
                    "datastore"
                }
                _ => "resource",
            },
            "system" => "system",
            "group" => {
                let mut t = TeamDecl {
                    id: Spanned::bare(id.clone()),
                    ..Default::default()
                };
                t.description = e
                    .doc
                    .get("metadata")
                    .and_then(|m| m.get("description"))
                    .and_then(Y::str)
                    .map(|(d, _)| d.to_string());
                for (m, span) in e.spec("members").map(Y::strs).unwrap_or_default() {
                    if let Some(p) = resolve(&mut diags, m, span, "user", "members") {
                        members.entry(id.clone()).or_default().insert(p);
                    }
                }
                doc.teams.push(t);
                continue;
            }
            "user" => {
                let profile = e.spec("profile");
                let mut p = PersonDecl {
                    id: Spanned::bare(id.clone()),
                    ..Default::default()
                };
                p.name = profile
                    .and_then(|p| p.get("displayName"))
                    .and_then(Y::str)
                    .map(|(d, _)| d.to_string());
                if let Some((email, _)) = profile.and_then(|p| p.get("email")).and_then(Y::str) {
                    p.emails.push(Spanned::bare(email.to_lowercase()));
                }
                for (g, span) in e.spec("memberOf").map(Y::strs).unwrap_or_default() {
                    if let Some(t) = resolve(&mut diags, g, span, "group", "memberOf") {
                        members.entry(t).or_default().insert(id.clone());
                    }
                }
                doc.people.push(p);
                continue;
            }
            _ => continue, // Location, Domain, Template: nothing to model
        };
        let mut n = NodeDecl {
            id: Spanned::bare(id.clone().into()),
            kind: Spanned::bare(node_kind.into()),
            ..Default::default()
        };
        let meta = e.doc.get("metadata");
        n.description = meta
            .and_then(|m| m.get("description"))
            .and_then(Y::str)
            .map(|(d, _)| d.to_string());
        n.tags = meta
            .and_then(|m| m.get("tags"))
            .map(Y::strs)
            .unwrap_or_default()
            .into_iter()
            .map(|(t, _)| Spanned::bare(t.to_lowercase().into()))
            .collect();
        n.attributes.insert(
            "source".into(),
            Spanned::bare(AttrValue::Str("backstage".into())),
        );
        for key in ["type", "lifecycle"] {
            if let Some((v, _)) = e.spec(key).and_then(Y::str) {
                n.attributes
                    .insert(key.into(), Spanned::bare(AttrValue::Str(v.to_string())));
            }
        }
        if e.kind == "component" {
            n.paths.push(PathDecl::ranked(
                dir_glob(&e.dir),
                depth(&e.dir),
                "backstage",
            ));
        }
        if let Some((o, span)) = e.spec("owner").and_then(Y::str)
            && let Some(owner) = resolve(&mut diags, o, span, "group", "owner")
        {
            n.owners.push(Spanned::bare(owner.into()));
        }
        for (d, span) in e.spec("dependsOn").map(Y::strs).unwrap_or_default() {
            if let Some(to) = resolve(&mut diags, d, span, "component", "dependsOn") {
                n.edges.push(EdgeDecl {
                    kind: Spanned::bare("depends_on".into()),
                    to: Spanned::bare(to.into()),
                });
            }
        }
        for (a, span) in e.spec("consumesApis").map(Y::strs).unwrap_or_default() {
            if let Some(to) = resolve(&mut diags, a, span, "api", "consumesApis") {
                n.edges.push(EdgeDecl {
                    kind: Spanned::bare("consumes_api".into()),
                    to: Spanned::bare(to.into()),
                });
            }
        }
        doc.nodes.push(n);
        for (a, span) in e.spec("providesApis").map(Y::strs).unwrap_or_default() {
            if let Some(api) = resolve(&mut diags, a, span, "api", "providesApis") {
                doc.nodes.push(NodeDecl {
                    id: Spanned::bare(api.into()),
                    edges: vec![EdgeDecl {
                        kind: Spanned::bare("provided_by".into()),
                        to: Spanned::bare(id.clone().into()),
                    }],
                    ..Default::default()
                });
            }
        }
        if let Some((s, span)) = e.spec("system").and_then(Y::str)
            && let Some(sys) = resolve(&mut diags, s, span, "system", "system")
        {
            doc.nodes.push(NodeDecl {
                id: Spanned::bare(sys.into()),
                edges: vec![EdgeDecl {
                    kind: Spanned::bare("has_part".into()),
                    to: Spanned::bare(id.clone().into()),
                }],
                ..Default::default()
            });
        }
    }
    // Fold the edge-only fragments (providesApis, system) into their nodes.
    let mut merged = Document::default();
    let (full, fragments): (Vec<NodeDecl>, Vec<NodeDecl>) =
        doc.nodes.drain(..).partition(|n| !n.kind.value.is_empty());
    merged.nodes = full;
    merged.teams = std::mem::take(&mut doc.teams);
    merged.people = std::mem::take(&mut doc.people);
    for f in fragments {
        if let Some(n) = merged.nodes.iter_mut().find(|n| n.id.value == f.id.value) {
            n.edges.extend(f.edges);
        }
    }
    for t in &mut merged.teams {
        if let Some(m) = members.get(&t.id.value) {
            t.members = m.iter().map(|p| Spanned::bare(p.clone())).collect();
        }
    }
    // members that are not users of the catalog were reported above; keep people only
    let people: BTreeSet<String> = merged
        .people
        .iter()
        .chain(&known_graph.people)
        .map(|p| p.id.value.clone())
        .collect();
    for t in &mut merged.teams {
        t.members.retain(|m| people.contains(&m.value));
    }
    merged.normalize();
    diags.sort_by_key(|d| (d.primary.file, d.primary.span.start));
    (merged, diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_default_kind_and_namespace() {
        assert_eq!(
            parse_ref("Group:Payments", "user", "default"),
            ("group".into(), "default".into(), "payments".into())
        );
        assert_eq!(
            parse_ref("ops/oncall", "group", "default"),
            ("group".into(), "ops".into(), "oncall".into())
        );
        assert_eq!(
            parse_ref("api:billing/v1", "api", "x"),
            ("api".into(), "billing".into(), "v1".into())
        );
        assert_eq!(entity_id("component", "default", "cart"), "cart");
        assert_eq!(entity_id("api", "shop", "cart"), "api:shop/cart");
    }
}

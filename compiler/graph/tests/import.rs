//! Importers on real-shaped inputs: a 50+-pattern CODEOWNERS with the
//! documented edge cases, a GitLab CODEOWNERS with sections, a Backstage
//! catalog of 20+ entities over several files, and this very workspace
//! through `cargo metadata`. Each imported document is snapshotted beside
//! its input and then loaded as a graph to check the semantics end to end.

use std::path::Path;
use writ_diagnostics::{Diagnostic, SourceMap, render};
use writ_graph::import::{backstage, cargo, codeowners};
use writ_graph::{Direction, Document, EdgeMask, Graph};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/import");

fn snapshot(name: &str, value: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(DIR);
    settings.remove_snapshot_suffix();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(name, value));
}

fn to_graph(doc: &Document) -> Graph {
    let mut map = SourceMap::new();
    let (g, diags) = Graph::parse(&mut map, "imported.json", doc.to_json());
    g.unwrap_or_else(|| panic!("{}", render::human_string(&map, &diags)))
}

fn touched(g: &Graph, path: &str) -> Vec<String> {
    g.touched([path])
        .nodes
        .iter()
        .map(|&n| g.node(n).id.to_string())
        .collect()
}

fn codes(d: &[Diagnostic]) -> Vec<&'static str> {
    d.iter().map(|d| d.code.id()).collect()
}

#[test]
fn github_codeowners_last_match_wins() {
    let text = std::fs::read_to_string(Path::new(DIR).join("CODEOWNERS")).unwrap();
    let mut map = SourceMap::new();
    let file = map.add("CODEOWNERS", text.clone());
    let (doc, diags) = codeowners::import(file, &text);
    snapshot(
        "CODEOWNERS",
        &format!("{}\n{}", render::human_string(&map, &diags), doc.to_json()),
    );
    assert_eq!(
        codes(&diags),
        ["W0520", "W0520", "E0520", "E0520", "E0520"],
        "negation, brackets, three invalid owners on one line"
    );
    let g = to_graph(&doc);
    assert_eq!(
        touched(&g, "services/payments/src/lib.rs"),
        ["codeowners:@acme/payments-team+@alice"],
        "later /services/payments/ beats *.rs"
    );
    assert_eq!(touched(&g, "lib/x.rs"), ["codeowners:@acme/rust-guild"]);
    assert_eq!(
        touched(&g, "README"),
        ["codeowners:@acme/eng-leads"],
        "default owners"
    );
    assert!(
        touched(&g, "services/payments/generated/api.rs").is_empty(),
        "entry without owners: unowned"
    );
    assert_eq!(
        g.touched(["services/payments/generated/api.rs"])
            .unowned
            .len(),
        1
    );
    assert_eq!(
        touched(&g, "docs/intro.md"),
        ["codeowners:docs@acme.example.com"]
    );
    assert_eq!(
        touched(&g, "docs/deep/intro.md"),
        ["codeowners:@acme/eng-leads"],
        "docs/* is one level only"
    );
    assert_eq!(
        touched(&g, "web/apps/shop/main.js"),
        ["codeowners:@octocat"],
        "apps/ matches at any depth"
    );
    assert_eq!(
        touched(&g, "services/cart/README.md"),
        ["codeowners:@acme/cart-team+@alice"],
        "negation ignored"
    );
    assert_eq!(
        touched(&g, "services/search/main.go"),
        ["codeowners:@acme/search-team+@alice"],
        "invalid line skipped"
    );
    assert_eq!(
        touched(&g, ".github/workflows/ci.yml"),
        ["codeowners:@acme/devex"],
        "inline comment"
    );
    assert_eq!(
        touched(&g, "scripts/ with space/run.sh"),
        ["codeowners:@acme/sre"],
        "escaped spaces"
    );
    assert_eq!(
        touched(&g, "svc/a/logs/today.txt"),
        ["codeowners:@acme/sre"]
    );
    assert_eq!(
        touched(&g, "config/payments.yaml"),
        ["codeowners:@acme/payments-team+@acme/sre"]
    );
    assert_eq!(
        touched(&g, "Cargo.lock"),
        ["codeowners:@acme/platform+@acme/rust-guild"]
    );
    assert!(g.team("acme/payments-team").is_some());
    assert!(g.person("dba@acme.example.com").is_some());
    assert!(g.person_by_email("DBA@acme.example.com").is_some());
}

#[test]
fn gitlab_sections_combine() {
    let text = std::fs::read_to_string(Path::new(DIR).join("CODEOWNERS.gitlab")).unwrap();
    let mut map = SourceMap::new();
    let file = map.add("CODEOWNERS.gitlab", text.clone());
    let (doc, diags) = codeowners::import(file, &text);
    snapshot(
        "CODEOWNERS.gitlab",
        &format!("{}\n{}", render::human_string(&map, &diags), doc.to_json()),
    );
    assert_eq!(codes(&diags), ["E0520"], "unterminated section header");
    let g = to_graph(&doc);
    assert_eq!(
        touched(&g, "services/payments/a.rs"),
        [
            "codeowners:backend:@carol+@payments-team",
            "codeowners:security:@security"
        ]
    );
    assert_eq!(
        touched(&g, "services/legacy/a.py"),
        ["codeowners:backend:@backend-leads"],
        "section default owners"
    );
    assert_eq!(
        touched(&g, "services/search/a.go"),
        ["codeowners:backend:@search-team"],
        "sections merge case-insensitively"
    );
    assert_eq!(
        touched(&g, "services/README.md"),
        ["codeowners:@docs-team", "codeowners:backend:@backend-team"]
    );
    let backend = g.node_by_id("codeowners:backend:@backend-team").unwrap();
    assert_eq!(
        backend.attributes["required_approvals"].value,
        writ_graph::model::AttrValue::Int(2)
    );
    assert!(
        g.node_by_id("codeowners:security:@crypto-team")
            .unwrap()
            .attributes
            .contains_key("optional")
    );
}

#[test]
fn backstage_catalog_with_relations() {
    let files = [
        "catalog-info.yaml",
        "services/checkout/catalog-info.yaml",
        "services/payments/catalog-info.yaml",
        "libs/http/catalog-info.yaml",
    ];
    let mut map = SourceMap::new();
    let mut ids = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(Path::new(DIR).join("backstage").join(f)).unwrap();
        ids.push((
            map.add(f, text),
            Path::new(f).parent().unwrap().to_string_lossy().to_string(),
        ));
    }
    let catalog: Vec<backstage::CatalogFile<'_>> = ids
        .iter()
        .map(|(id, dir)| backstage::CatalogFile {
            file: *id,
            text: map.get(*id).text(),
            dir,
        })
        .collect();
    let (doc, diags) = backstage::import(&catalog);
    snapshot(
        "backstage",
        &format!("{}\n{}", render::human_string(&map, &diags), doc.to_json()),
    );
    assert_eq!(codes(&diags), ["W0521"], "component:does-not-exist");
    let g = to_graph(&doc);
    assert_eq!(
        g.nodes().len() + g.teams().len() + g.people().len(),
        20,
        "21 entities minus the Location"
    );
    assert_eq!(
        touched(&g, "libs/http/src/lib.rs"),
        ["http-client", "retry"],
        "both components of libs/http/catalog-info.yaml"
    );
    assert_eq!(
        touched(&g, "services/payments/src/main.rs"),
        ["payments", "payments-worker"],
        "both components of the file's directory"
    );
    assert_eq!(
        touched(&g, "tools/x.sh"),
        ["monorepo-tools"],
        "root component owns the rest (lowest priority)"
    );
    assert_eq!(
        touched(&g, "services/checkout/src/a.rs"),
        ["checkout", "checkout-web"]
    );
    let http = g.node_index("http-client").unwrap();
    let r = g.reach(&[http], EdgeMask::ALL, None, Direction::Reverse);
    let reached: Vec<&str> = r
        .nodes()
        .iter()
        .map(|&n| g.node(n).id.value.as_str())
        .collect();
    assert_eq!(
        reached,
        [
            "api:cart-api",
            "api:payments-api",
            "checkout",
            "checkout-web",
            "http-client",
            "payments",
            "retry",
            "system:money",
            "system:shop"
        ]
    );
    // checkout-web reaches http-client through the cart API that checkout provides
    let w = r.witness(g.node_index("checkout-web").unwrap()).unwrap();
    let path: Vec<&str> = w.iter().map(|s| g.node(s.node).id.value.as_str()).collect();
    assert_eq!(
        path,
        ["http-client", "checkout", "api:cart-api", "checkout-web"]
    );
    assert_eq!(
        g.node_by_id("payments-db").map(|n| n.kind.value.as_str()),
        None
    );
    assert_eq!(
        g.node_by_id("resource:payments-db").unwrap().kind.value,
        "datastore"
    );
    assert_eq!(
        g.team("payments-team")
            .unwrap()
            .members
            .iter()
            .map(|m| m.value.as_str())
            .collect::<Vec<_>>(),
        ["alice", "bob"]
    );
    assert_eq!(
        g.person_by_email("alice@example.com").unwrap().id.value,
        "alice"
    );
}

#[test]
fn this_workspace_through_cargo_metadata() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml");
    let text = match cargo::run_cargo_metadata(Some(&manifest)) {
        Ok(t) => t,
        Err(e) => panic!("{e}"),
    };
    let mut map = SourceMap::new();
    let file = map.add("<cargo metadata>", text.clone());
    let (doc, diags) = cargo::import(file, &text);
    assert!(diags.is_empty());
    let g = to_graph(&doc);
    let node = g.node_by_id("writ-graph").expect("writ-graph is a member");
    assert_eq!(node.kind.value, "library");
    assert_eq!(node.paths[0].glob.value, "compiler/graph/**");
    assert_eq!(node.checks[0].run, ["cargo", "test", "-p", "writ-graph"]);
    let dep = g.edge_kind("depends_on").unwrap();
    let diag = g.node_index("writ-diagnostics").unwrap();
    assert!(
        g.edges()
            .iter()
            .any(|e| e.from == g.node_index("writ-graph").unwrap()
                && e.to == diag
                && e.kind == dep)
    );
    assert_eq!(
        touched(&g, "compiler/graph/src/lib.rs"),
        ["writ-graph"],
        "innermost package wins"
    );
    assert_eq!(
        touched(&g, "src/main.rs"),
        ["writ"],
        "the root package owns the rest"
    );
    let r = g.reach(
        &[diag],
        g.edge_mask(["depends_on"]).unwrap(),
        None,
        Direction::Reverse,
    );
    assert!(
        r.contains(g.node_index("writ").unwrap())
            && r.contains(g.node_index("writ-graph").unwrap())
    );
    // deterministic: importing twice gives the same bytes
    let (again, _) = cargo::import(file, &text);
    assert_eq!(again.to_json(), doc.to_json());
}

#[test]
fn merging_imports_is_deterministic() {
    let co = std::fs::read_to_string(Path::new(DIR).join("CODEOWNERS")).unwrap();
    let gl = std::fs::read_to_string(Path::new(DIR).join("CODEOWNERS.gitlab")).unwrap();
    let mut map = SourceMap::new();
    let a = map.add("a", co.clone());
    let b = map.add("b", gl.clone());
    let (da, _) = codeowners::import(a, &co);
    let (db, _) = codeowners::import(b, &gl);
    let mut ab = da.clone();
    ab.merge(db.clone());
    let mut ba = db;
    ba.merge(da);
    assert_eq!(ab.to_json(), ba.to_json());
    to_graph(&ab);
}

/// Merging 40,000 nodes, teams and people into a copy of themselves keeps
/// one of each. How fast (it finds entries through an index; a linear
/// search per entry took minutes on a 20,000-entity Backstage catalog) is
/// measured in `cargo bench -p writ-graph --bench reach` ("merge … ratio
/// merge/clone"), not timed here.
#[test]
fn merging_a_large_document_into_itself_keeps_one_of_each() {
    let n = 40_000;
    let nodes: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"id": "n{i}", "kind": "service", "paths": ["n{i}/**"]}}"#))
        .collect();
    let teams: Vec<String> = (0..n).map(|i| format!(r#"{{"id": "t{i}"}}"#)).collect();
    let people: Vec<String> = (0..n).map(|i| format!(r#"{{"id": "p{i}"}}"#)).collect();
    let text = format!(
        r#"{{"version": 1, "nodes": [{}], "teams": [{}], "people": [{}]}}"#,
        nodes.join(","),
        teams.join(","),
        people.join(",")
    );
    let (doc, diags) = Document::parse(writ_diagnostics::FileId(0), &text);
    let doc = doc.unwrap_or_else(|| panic!("{diags:?}"));
    let mut merged = Document::default();
    merged.merge(doc.clone());
    merged.merge(doc);
    assert_eq!(merged.nodes.len(), n);
    assert_eq!(merged.teams.len(), n);
    assert_eq!(merged.people.len(), n);
}

/// Found by the `backstage` fuzz target: a YAML error at the very end of a
/// file was reported one byte past it.
#[test]
fn backstage_errors_at_the_end_of_a_file_stay_inside_it() {
    for text in ["kind: Component\nspec: [a", "kind: Component\nspec: [a, b"] {
        let files = [backstage::CatalogFile {
            file: writ_diagnostics::FileId(0),
            text,
            dir: "",
        }];
        let (_, diags) = backstage::import(&files);
        assert!(codes(&diags).contains(&"E0521"), "{diags:?}");
        for d in &diags {
            assert!(d.primary.span.end as usize <= text.len(), "{d:?}");
        }
    }
}

/// `kind: Componet` is not silently nothing: W0522 names the entity, the
/// kind and the closest Backstage kind.
#[test]
fn backstage_kind_typos_are_warned_with_the_fix() {
    let text = "apiVersion: backstage.io/v1alpha1\nkind: Componet\nmetadata:\n  name: billing\nspec:\n  owner: payments\n";
    let files = [backstage::CatalogFile {
        file: writ_diagnostics::FileId(0),
        text,
        dir: "billing",
    }];
    let (doc, diags) = backstage::import(&files);
    assert!(doc.nodes.is_empty());
    let w = diags
        .iter()
        .find(|d| d.code.id() == "W0522")
        .unwrap_or_else(|| panic!("{diags:?}"));
    assert!(w.message.contains("`billing`") && w.message.contains("`componet`"));
    assert_eq!(w.help.as_deref(), Some("did you mean `Component`?"));
    assert_eq!(
        &text[w.primary.span.start as usize..w.primary.span.end as usize],
        "Componet"
    );
}

/// Importers resolve references across each other: a `dependsOn` to a crate
/// the cargo importer created and an `owner` that is a CODEOWNERS team the
/// graph aliases resolve (no W0521); a reference to nothing is still W0521.
#[test]
fn backstage_references_resolve_against_other_importers() {
    let mut base = Document::default();
    base.nodes.push(writ_graph::model::NodeDecl {
        id: "writ-graph".into(),
        kind: "library".into(),
        ..Default::default()
    });
    base.teams.push(writ_graph::model::TeamDecl {
        id: "org/compiler".into(),
        aliases: vec!["group:compiler-team".into()],
        ..Default::default()
    });
    let text = "kind: Component\nmetadata:\n  name: writ-cli\nspec:\n  type: service\n  owner: group:compiler-team\n  dependsOn: [component:writ-graph, component:nowhere]\n";
    let files = [backstage::CatalogFile {
        file: writ_diagnostics::FileId(0),
        text,
        dir: "src",
    }];
    let (doc, diags) = backstage::import_with(&files, &base);
    let cli = doc.nodes.iter().find(|n| n.id.value == "writ-cli").unwrap();
    let to: Vec<&str> = cli.edges.iter().map(|e| e.to.value.as_str()).collect();
    assert_eq!(to, ["writ-graph"]);
    let owners: Vec<&str> = cli.owners.iter().map(|o| o.value.as_str()).collect();
    assert_eq!(owners, ["org/compiler"]);
    let unresolved: Vec<&Diagnostic> = diags.iter().filter(|d| d.code.id() == "W0521").collect();
    assert_eq!(unresolved.len(), 1, "{diags:?}");
    assert!(unresolved[0].message.contains("nowhere"));
    // Without the other importer's graph both references are unresolved.
    let (_, diags) = backstage::import(&files);
    assert_eq!(diags.iter().filter(|d| d.code.id() == "W0521").count(), 3);
}

/// Files of a fixture folder, relative to it, sorted (what `git ls-files`
/// gives `writ init`).
fn files_under(root: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push(rel);
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}

fn edges_of(doc: &Document) -> Vec<String> {
    let mut out = Vec::new();
    for n in &doc.nodes {
        for e in &n.edges {
            out.push(format!("{} -{}-> {}", n.id.value, e.kind.value, e.to.value));
        }
    }
    out
}

/// A pnpm (turborepo-style) workspace: members from pnpm-workspace.yaml with
/// an exclusion, edges from `workspace:*` dependencies (dev ones as
/// `dev_depends_on`), external packages left out.
#[test]
fn pnpm_workspace() {
    let root = Path::new(DIR).join("pnpm");
    let mut map = SourceMap::new();
    let found = writ_graph::import::workspace::npm(&mut map, &root, &files_under(&root)).unwrap();
    assert!(found.diags.is_empty(), "{:?}", found.diags);
    let ids: Vec<&str> = found
        .doc
        .nodes
        .iter()
        .map(|n| n.id.value.as_str())
        .collect();
    assert_eq!(ids, ["@repo/eslint-config", "@repo/ui", "web"]);
    assert_eq!(
        edges_of(&found.doc),
        [
            "@repo/ui -dev_depends_on-> @repo/eslint-config",
            "web -depends_on-> @repo/ui",
            "web -dev_depends_on-> @repo/eslint-config"
        ]
    );
    let g = to_graph(&found.doc);
    assert_eq!(touched(&g, "apps/web/src/page.tsx"), ["web"]);
    snapshot("pnpm", &found.doc.to_json());
}

/// `go list -json ./...` of a go.work with two modules: a package of billing
/// importing a package of money is a module edge; the standard library and
/// modules outside the workspace are not.
#[test]
fn go_list_json() {
    let text = std::fs::read_to_string(Path::new(DIR).join("go-list.json")).unwrap();
    let mut map = SourceMap::new();
    let id = map.add("go-list.json", text);
    let (doc, diags) =
        writ_graph::import::go::import_go_list(id, map.get(id).text(), Path::new("/src/acme"));
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(
        edges_of(&doc),
        ["github.com/acme/billing -depends_on-> github.com/acme/money"]
    );
    let g = to_graph(&doc);
    assert_eq!(
        touched(&g, "libs/money/currency/currency.go"),
        ["github.com/acme/money"]
    );
    assert_eq!(
        g.node_by_id("github.com/acme/billing").unwrap().kind.value,
        "component"
    );
    assert_eq!(
        g.node_by_id("github.com/acme/money").unwrap().kind.value,
        "library"
    );
    snapshot("go-list", &doc.to_json());
    // not a JSON stream: E0523, nothing imported
    let id = map.add("bad.json", "{\"Dir\": ".to_string());
    let (doc, diags) =
        writ_graph::import::go::import_go_list(id, map.get(id).text(), Path::new("/"));
    assert!(doc.nodes.is_empty());
    assert_eq!(codes(&diags), ["E0523"]);
}

/// A uv workspace: members by glob with an exclusion, names compared as PEP
/// 503 normalises them (`Bird_Feeder` = `bird-feeder`), dependency groups as
/// `dev_depends_on`; the umbrella root project is left out.
#[test]
fn uv_workspace() {
    let root = Path::new(DIR).join("uv");
    let mut map = SourceMap::new();
    let found =
        writ_graph::import::workspace::python(&mut map, &root, &files_under(&root)).unwrap();
    assert!(found.diags.is_empty(), "{:?}", found.diags);
    let ids: Vec<&str> = found
        .doc
        .nodes
        .iter()
        .map(|n| n.id.value.as_str())
        .collect();
    assert_eq!(ids, ["Bird_Feeder", "feeder-api"]);
    assert_eq!(
        edges_of(&found.doc),
        [
            "feeder-api -depends_on-> Bird_Feeder",
            "feeder-api -dev_depends_on-> Bird_Feeder"
        ]
    );
    to_graph(&found.doc);
    snapshot("uv", &found.doc.to_json());
}

/// Telemetry: a Jaeger dependencies export and the OpenTelemetry service
/// graph connector's OTLP output both become `calls` edges; names resolve to
/// existing nodes (by id, or the last segment of one), zero-count edges are
/// dropped, and unknown services become unowned `service` nodes.
#[test]
fn telemetry_exports() {
    let mut known = Document::default();
    known.nodes.push(writ_graph::model::NodeDecl {
        id: "@acme/checkout".into(),
        kind: "component".into(),
        owners: vec!["web-team".into()],
        ..Default::default()
    });
    known.teams.push(writ_graph::model::TeamDecl {
        id: "web-team".into(),
        ..Default::default()
    });
    let mut map = SourceMap::new();
    for (name, expected) in [
        (
            "jaeger-dependencies.json",
            vec![
                "@acme/checkout -calls-> payments-api",
                "@acme/checkout -calls-> redis",
                "frontend -calls-> @acme/checkout",
            ],
        ),
        (
            "otel-service-graph.json",
            vec![
                "@acme/checkout -calls-> postgres",
                "frontend -calls-> @acme/checkout",
            ],
        ),
    ] {
        let text = std::fs::read_to_string(Path::new(DIR).join(name)).unwrap();
        let id = map.add(name, text);
        let (doc, diags) = writ_graph::import::telemetry::import(id, map.get(id).text(), &known);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(edges_of(&doc), expected, "{name}");
        let mut merged = known.clone();
        merged.merge(doc);
        let checkout = merged
            .nodes
            .iter()
            .find(|n| n.id.value == "@acme/checkout")
            .unwrap();
        assert_eq!(checkout.owners.len(), 1, "the known node keeps its owners");
        let g = to_graph(&merged);
        assert!(
            writ_graph::lint::lint(&g)
                .iter()
                .any(|d| d.code.id() == "W0531")
        );
    }
    let id = map.add("bad.json", "{\"spans\": []}".to_string());
    let (_, diags) = writ_graph::import::telemetry::import(id, map.get(id).text(), &known);
    assert_eq!(codes(&diags), ["E0524"]);
}

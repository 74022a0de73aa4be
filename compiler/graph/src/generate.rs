//! Synthetic graphs with a realistic shape, for benchmarks and load tests:
//! domains of services (each with a team of two people) that call each
//! other mostly within their domain, all built on a shared platform layer
//! of libraries and data stores whose popularity is skewed (a few platform
//! libraries are used by almost everything). [`Shape::Layered`] keeps the
//! same nodes but wires the services as one deep layered DAG (each layer
//! calls the layer below), where one change reaches most of the graph.

use crate::model::*;
use std::collections::HashSet;

/// Parameters of [`generate`].
#[derive(Clone, Copy, Debug)]
pub struct GenerateOptions {
    /// Number of services (platform nodes come on top: about 2%).
    pub services: usize,
    /// Number of edges.
    pub edges: usize,
    /// Seed: the same options always give the same graph.
    pub seed: u64,
}

/// How [`generate_shape`] wires the services.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Shape {
    /// Domains of services calling mostly within their domain, layered by
    /// position inside each domain, on a skewed platform layer (a typical
    /// change reaches about a hundred services).
    #[default]
    Domains,
    /// Twenty layers of services across domains; every call goes from a
    /// service to one of the layer just below, so a change to a low layer
    /// reaches most services above it (thousands of nodes).
    Layered,
}

impl Shape {
    /// The layers of [`Shape::Layered`].
    pub(crate) const LAYERS: usize = 20;
}

/// splitmix64: small, fast, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    /// Zipf-like skew towards 0: `n * u^4` for uniform `u` in [0, 1), so a
    /// few platform libraries are used by most services.
    fn skewed(&mut self, n: usize) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((n as f64) * u.powi(4)) as usize
    }
}

/// Id of service `i` of domain `d`.
pub fn service_id(d: usize, i: usize) -> String {
    format!("d{d}/svc-{i}")
}

/// Generates a graph document of the [`Shape::Domains`] shape.
pub fn generate(opts: GenerateOptions) -> Document {
    generate_shape(opts, Shape::Domains)
}

/// Generates a graph document of the given shape.
pub fn generate_shape(opts: GenerateOptions, shape: Shape) -> Document {
    let mut rng = Rng(opts.seed);
    let services = opts.services.max(1);
    let domains = services.div_ceil(100).max(1);
    let libs = (services / 50).max(4);
    let stores = (services / 200).max(2);
    let mut doc = Document::default();
    // teams and people
    for d in 0..domains {
        let people: Vec<String> = (0..2).map(|k| format!("d{d}-dev{k}")).collect();
        for p in &people {
            doc.people.push(PersonDecl {
                id: Spanned::bare(p.clone()),
                emails: vec![Spanned::bare(format!("{p}@example.com"))],
                ..Default::default()
            });
        }
        doc.teams.push(TeamDecl {
            id: Spanned::bare(format!("team-d{d}")),
            members: people.into_iter().map(Spanned::bare).collect(),
            ..Default::default()
        });
    }
    doc.teams.push(TeamDecl {
        id: Spanned::bare("platform".into()),
        members: vec![Spanned::bare("d0-dev0".into())],
        ..Default::default()
    });
    // nodes: services grouped into domains
    let mut ids: Vec<Name> = Vec::with_capacity(services + libs + stores);
    let mut domain_of: Vec<usize> = Vec::with_capacity(services);
    for s in 0..services {
        let d = s % domains;
        let id = Name::from(service_id(d, s / domains));
        let mut n = NodeDecl {
            id: Spanned::bare(id.clone()),
            kind: Spanned::bare("service".into()),
            owners: vec![Spanned::bare(format!("team-d{d}").into())],
            paths: vec![PathDecl::new(format!("services/{id}/**"))],
            checks: vec![CheckDecl {
                name: Spanned::bare("test".into()),
                run: vec!["make".into(), "test".into(), id.clone()],
                timeout_secs: Some(600),
                network: false,
                redact: Vec::new(),
                span: Default::default(),
            }],
            ..Default::default()
        };
        n.attributes.insert(
            "tier".into(),
            Spanned::bare(AttrValue::Int((rng.below(4)) as i64)),
        );
        if rng.below(20) == 0 {
            n.tags.push(Spanned::bare("phi".into()));
        }
        doc.nodes.push(n);
        ids.push(id);
        domain_of.push(d);
    }
    for l in 0..libs {
        let id = Name::from(format!("platform/lib-{l}"));
        doc.nodes.push(NodeDecl {
            id: Spanned::bare(id.clone()),
            kind: Spanned::bare("library".into()),
            owners: vec![Spanned::bare("platform".into())],
            paths: vec![PathDecl::new(format!("{id}/**"))],
            ..Default::default()
        });
        ids.push(id);
    }
    for s in 0..stores {
        let id = Name::from(format!("platform/db-{s}"));
        doc.nodes.push(NodeDecl {
            id: Spanned::bare(id.clone()),
            kind: Spanned::bare("datastore".into()),
            owners: vec![Spanned::bare("platform".into())],
            ..Default::default()
        });
        ids.push(id);
    }
    doc.global_files.push(GlobalFilesDecl {
        paths: vec![PathDecl::new("Cargo.lock")],
        kinds: vec![Spanned::bare("library".into())],
        ..Default::default()
    });
    // edges
    let mut seen: HashSet<(usize, u8, usize)> = HashSet::with_capacity(opts.edges);
    let mut made = 0;
    let mut attempts = 0;
    while made < opts.edges && attempts < opts.edges * 4 + 16 {
        attempts += 1;
        let from = rng.below(services);
        let roll = rng.below(100);
        // Services are layered: position p in a domain calls only lower
        // positions (front ends on top, core services at the bottom), so
        // calls form a DAG, as in real systems.
        let p = from / domains;
        let (kind, to): (u8, usize) = if shape == Shape::Layered {
            // Layer of service s: s * LAYERS / services (low indices are
            // the core). 90% of edges call a random service of the layer
            // below, the rest use the platform.
            let layer = from * Shape::LAYERS / services;
            if roll < 90 {
                if layer == 0 {
                    continue;
                }
                let lo = (layer - 1) * services / Shape::LAYERS;
                let hi = layer * services / Shape::LAYERS;
                (0, lo + rng.below(hi - lo))
            } else {
                (1, services + rng.skewed(libs))
            }
        } else if roll < 60 {
            if p == 0 {
                continue;
            }
            let to = rng.below(p) * domains + domain_of[from];
            (0, to)
        } else if roll < 70 {
            // a call into another domain's core (its lowest quarter)
            if p == 0 {
                continue;
            }
            let to = rng.below(p.div_ceil(4)) * domains + rng.below(domains);
            if to >= services {
                continue;
            }
            (0, to)
        } else if roll < 95 {
            (1, services + rng.skewed(libs))
        } else {
            (2 + rng.below(2) as u8, services + libs + rng.below(stores))
        };
        if to == from || !seen.insert((from, kind, to)) {
            continue;
        }
        let kind_name = ["calls", "depends_on", "reads", "writes"][kind as usize];
        doc.nodes[from].edges.push(EdgeDecl {
            kind: Spanned::bare(kind_name.into()),
            to: Spanned::bare(ids[to].clone()),
        });
        made += 1;
    }
    doc.normalize();
    doc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Direction, Graph};

    fn layered() -> Document {
        generate_shape(
            GenerateOptions {
                services: 2000,
                edges: 10_000,
                seed: 7,
            },
            Shape::Layered,
        )
    }

    #[test]
    fn layered_calls_go_one_layer_down_and_reach_far() {
        let doc = layered();
        assert_eq!(doc, layered(), "the same options give the same graph");
        let services = 2000;
        let domains = services / 100;
        // Service `d{d}/svc-{i}` is service number i * domains + d.
        let index = |id: &str| -> usize {
            let (d, i) = id.split_once("/svc-").unwrap();
            i.parse::<usize>().unwrap() * domains + d[1..].parse::<usize>().unwrap()
        };
        let layer = |s: usize| s * Shape::LAYERS / services;
        let mut calls = 0;
        for n in doc.nodes.iter().filter(|n| n.kind.value == "service") {
            for e in &n.edges {
                match e.kind.value.as_str() {
                    "calls" => {
                        calls += 1;
                        assert_eq!(
                            layer(index(&n.id.value)),
                            layer(index(&e.to.value)) + 1,
                            "{} calls {}",
                            n.id.value,
                            e.to.value
                        );
                    }
                    "depends_on" => assert!(e.to.value.starts_with("platform/lib-")),
                    other => panic!("unexpected edge kind {other}"),
                }
            }
        }
        assert!(calls > 8_000, "{calls} calls");
        // A service of the lowest layer is reached from most of the graph.
        let (graph, diags) = Graph::from_document(None, doc);
        let graph = graph.unwrap_or_else(|| panic!("{diags:?}"));
        let low = graph.node_index("d3/svc-0").unwrap();
        assert_eq!(layer(index("d3/svc-0")), 0);
        let reached = graph.index().plain_bfs(&[low], Direction::Reverse);
        assert!(reached > services / 2, "reaches {reached}");
    }

    #[test]
    fn domains_is_the_default_shape() {
        let opts = GenerateOptions {
            services: 300,
            edges: 1000,
            seed: 3,
        };
        assert_eq!(generate(opts), generate_shape(opts, Shape::default()));
        assert_ne!(generate(opts), generate_shape(opts, Shape::Layered));
    }
}

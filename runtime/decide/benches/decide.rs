//! Benchmark: decisions per second and latency on the generated graph
//! (100,000 services + platform nodes, 500,000 edges, seed 7) with a
//! 100-rule policy, proof included, against a plain BFS over the same
//! adjacency from the same touched nodes, in the same run.
//!
//! Workload (the plan is built here, rule by rule, as the compiler would
//! lower it):
//! - `phi_reach`: for every reached service tagged `phi` (5% of services),
//!   check `test` on it and a security sign-off;
//! - `tier0`: every tier-0 service reached via `calls` within 3 hops needs
//!   an owner's review;
//! - `owners`: every touched node needs its `test` check and an owner's review;
//! - `docs_only` (`when change.only_paths("docs/**")`), `agent_authored`
//!   (`when change.author is agent`);
//! - `lib_review`: a touched library needs the platform team;
//! - 50 `team_K` rules: touched services owned by `team-dK` need `test`;
//! - 44 `tier0_K` rules: tier-0 services of `team-dK` reached via `calls`
//!   within 3 hops need an owner's review;
//! - one forbid (a freeze on reaching tier-0 services, with an emergency path).
//!
//! No evidence is supplied (decisions are pending): every obligation is
//! matched against the evidence index and reported missing.
//!
//! Changes: *typical* — one file of one service (`services/d3/svc-17/…`);
//! *worst case* — one file of the most used platform library
//! (`platform/lib-0`), which reaches most of the graph; *floor* — one file
//! no node owns (nothing touched or reached: the fixed cost of a decision).
//!
//! Reported, each as min and median latency, decisions per second at the
//! median, and the ratio to a plain BFS's median measured in the same run:
//! - the *settled* decision (`Prepared::decide`): touched, reach with the
//!   parent pointers of witness paths, every rule instance with its
//!   bindings and obligations, obligation statuses, forbids and emergency
//!   paths, the outcome — the proof in index form;
//! - the decision with the proof tree written out (`evaluate_with`: node
//!   and instance ids, witness steps, sorted lists, quoted sources).
//!
//! Serialising the proof to JSON is reported separately, and so is cloning
//! and dropping the proof tree (its allocations alone).
//!
//! Run: `cargo bench -p writ-runtime --bench decide` (WRIT_BENCH_SERVICES
//! and WRIT_BENCH_EDGES change the size; WRIT_BENCH_ONLY=typical|worst|floor
//! runs one case; WRIT_BENCH_LOOPS=N only runs N decisions per case, for
//! profiling, with WRIT_BENCH_SETTLED=1 only the settled decision;
//! WRIT_BENCH_DUMP=FILE writes each case's proof to FILE.<case>).

/// The allocator of the `writ` binary, so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::{Duration, Instant};
use writ_graph::generate::{GenerateOptions, generate};
use writ_graph::model::{AttrValue, Document, NodeDecl};
use writ_graph::{Change, ChangeFile, Direction, FileStatus, Identity, PrincipalKind};
use writ_plan::*;
use writ_runtime::{Evidence, Prepared, Scratch};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn origin() -> Origin {
    Origin {
        source: 0,
        span: [0, 4],
        line: 1,
        column: 1,
    }
}

fn step(sources: Vec<Approvers>) -> ApprovalStep {
    ApprovalStep {
        count: Some(1),
        sources,
        distinct_from_author: true,
        humans_only: true,
        origin: origin(),
    }
}

fn reach(filter: u32, via: &[&str], depth: Option<u32>) -> NodeSet {
    NodeSet::Reach {
        filter,
        via: via.iter().map(|s| s.to_string()).collect(),
        depth,
        direction: writ_plan::Direction::Reverse,
    }
}

fn rule(
    id: &str,
    bindings: Vec<NodeSet>,
    when: Option<Expr>,
    checks: Vec<(&str, NodeSet)>,
    approvals: Vec<(&str, Vec<ChainArg>)>,
) -> Rule {
    Rule {
        id: format!("bench::{id}"),
        doc: String::new(),
        origin: origin(),
        bindings: bindings
            .into_iter()
            .enumerate()
            .map(|(i, set)| Binding {
                var: format!("x{i}"),
                set,
                origin: origin(),
            })
            .collect(),
        when: when.map(|expr| Condition {
            expr,
            origin: origin(),
        }),
        checks: checks
            .into_iter()
            .map(|(c, on)| CheckRequirement {
                check: c.into(),
                on,
                origin: origin(),
            })
            .collect(),
        approvals: approvals
            .into_iter()
            .map(|(c, args)| ApprovalRequirement {
                chain: c.into(),
                args,
                origin: origin(),
            })
            .collect(),
    }
}

fn build_plan(doc: &Document) -> Plan {
    let graph = EmbeddedGraph::from_document(doc).expect("a document writes canonical JSON");
    // The plan numbers nodes as its graph text lists them: the document's order.
    let nodes = &doc.nodes;
    let select = |f: &dyn Fn(&NodeDecl) -> bool| -> Vec<u32> {
        nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| f(n))
            .map(|(i, _)| i as u32)
            .collect()
    };
    let is_service = |n: &NodeDecl| n.kind.value == "service";
    let tier = |n: &NodeDecl| match n.attributes.get("tier").map(|a| &a.value) {
        Some(AttrValue::Int(t)) => Some(*t),
        _ => None,
    };
    let owned_by = |n: &NodeDecl, t: &str| n.owners.iter().any(|x| x.value == t);
    let mut sets: Vec<Vec<u32>> = Vec::new();
    let mut add = |s: Vec<u32>| {
        sets.push(s);
        (sets.len() - 1) as u32
    };
    let all = add(select(&|_| true));
    let phi = add(select(&|n| {
        is_service(n) && n.tags.iter().any(|x| x.value == "phi")
    }));
    let tier0 = add(select(&|n| is_service(n) && tier(n) == Some(0)));
    let libs = add(select(&|n| n.kind.value == "library"));
    let review = "bench::owners_review";
    let node_arg = || vec![ChainArg::Node(NodeSet::Var(0))];
    let mut rules = vec![
        rule(
            "phi_reach",
            vec![reach(phi, &[], None)],
            None,
            vec![("test", NodeSet::Var(0))],
            vec![("bench::security", vec![])],
        ),
        rule(
            "tier0",
            vec![reach(tier0, &["calls"], Some(3))],
            None,
            vec![],
            vec![(review, node_arg())],
        ),
        rule(
            "owners",
            vec![NodeSet::Touches { filter: all }],
            None,
            vec![("test", NodeSet::Var(0))],
            vec![(review, node_arg())],
        ),
        rule(
            "docs_only",
            vec![],
            Some(Expr::AllPaths("docs/**".into())),
            vec![],
            vec![],
        ),
        rule(
            "agent_authored",
            vec![],
            Some(Expr::Compare(
                CompareOp::Is,
                Box::new(Expr::Change(ChangeField::Author)),
                Box::new(Expr::Str("agent".into())),
            )),
            vec![],
            vec![("bench::security", vec![])],
        ),
        rule(
            "lib_review",
            vec![NodeSet::Touches { filter: libs }],
            None,
            vec![],
            vec![("bench::platform", vec![])],
        ),
    ];
    for k in 0..50 {
        let team = format!("team-d{k}");
        let s = add(select(&|n| is_service(n) && owned_by(n, &team)));
        rules.push(rule(
            &format!("team_{k:02}"),
            vec![NodeSet::Touches { filter: s }],
            None,
            vec![("test", NodeSet::Var(0))],
            vec![],
        ));
    }
    for k in 0..44 {
        let team = format!("team-d{k}");
        let s = add(select(&|n| {
            is_service(n) && tier(n) == Some(0) && owned_by(n, &team)
        }));
        rules.push(rule(
            &format!("tier0_{k:02}"),
            vec![reach(s, &["calls"], Some(3))],
            None,
            vec![],
            vec![(review, node_arg())],
        ));
    }
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(rules.len(), 100);
    let freeze = Forbid {
        id: "bench::freeze".into(),
        doc: String::new(),
        message: "no tier-0 changes during the freeze".into(),
        origin: origin(),
        bindings: vec![],
        when: Condition {
            expr: Expr::And(vec![
                Expr::Nodes(reach(tier0, &[], None)),
                Expr::Compare(
                    CompareOp::In,
                    Box::new(Expr::Change(ChangeField::Time)),
                    Box::new(Expr::Range(
                        Box::new(Expr::Time(1_797_724_800)),
                        Box::new(Expr::Time(1_798_934_400)),
                    )),
                ),
            ]),
            origin: origin(),
        },
        unless: vec!["bench::break_glass".into()],
    };
    let chains = vec![
        Chain {
            id: "bench::owners_review".into(),
            doc: String::new(),
            origin: origin(),
            params: vec!["n".into()],
            steps: vec![step(vec![Approvers::OwnersOfParam(0)])],
            expires_after: None,
        },
        Chain {
            id: "bench::platform".into(),
            doc: String::new(),
            origin: origin(),
            params: vec![],
            steps: vec![step(vec![Approvers::Team("platform".into())])],
            expires_after: None,
        },
        Chain {
            id: "bench::security".into(),
            doc: String::new(),
            origin: origin(),
            params: vec![],
            steps: vec![step(vec![Approvers::Team("team-d1".into())])],
            expires_after: Some(72 * 3600),
        },
    ];
    let emergencies = vec![Emergency {
        id: "bench::break_glass".into(),
        doc: String::new(),
        origin: origin(),
        approvers: step(vec![Approvers::Person("d0-dev1".into())]),
        followup: step(vec![Approvers::OwnersOfTouched]),
        followup_within: 48 * 3600,
    }];
    let text = "rule".to_string();
    Plan {
        format: FORMAT.into(),
        compiler: "bench".into(),
        sources: vec![Source {
            module: "bench".into(),
            path: "bench.writ".into(),
            sha256: sha256_hex(text.as_bytes()),
            text,
        }],
        graph_sha256: graph.digest(),
        graph,
        sets,
        rules,
        forbids: vec![freeze],
        chains,
        emergencies,
    }
}

fn change(path: &str) -> Change {
    let mut c = Change {
        version: 1,
        id: "bench".into(),
        base: "a".into(),
        head: "b".into(),
        head_tree: None,
        author: Identity {
            id: Some("d5-dev0".into()),
            name: "dev".into(),
            email: String::new(),
            kind: PrincipalKind::Human,
        },
        contributors: vec![],
        files: vec![ChangeFile {
            path: path.into(),
            status: FileStatus::Modified,
            old_path: None,
        }],
        labels: vec![],
        emergency: false,
        timestamp: "2026-05-04T10:00:00Z".into(),
        digest: String::new(),
    };
    c.digest = c.compute_digest();
    c
}

/// (min, median) of `rounds` timed calls.
fn time<R>(rounds: usize, mut f: impl FnMut() -> R) -> (Duration, Duration) {
    let mut samples: Vec<Duration> = (0..rounds)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed()
        })
        .collect();
    samples.sort();
    (samples[0], samples[samples.len() / 2])
}

fn rounds_for(once: Duration) -> usize {
    ((Duration::from_secs(2).as_nanos() / once.as_nanos().max(1)) as usize).clamp(11, 5_000)
}

fn main() {
    if std::env::args().any(|a| a == "--test") {
        return; // `cargo test --benches` smoke mode
    }
    let services = env("WRIT_BENCH_SERVICES", 100_000);
    let edges = env("WRIT_BENCH_EDGES", 500_000);
    let t = Instant::now();
    let doc = generate(GenerateOptions {
        services,
        edges,
        seed: 7,
    });
    let plan = build_plan(&doc);
    let t_plan = t.elapsed();
    let t = Instant::now();
    let prepared = Prepared::new(plan).unwrap_or_else(|e| panic!("{e}"));
    let g = prepared.graph();
    println!(
        "workload: generated graph ({} nodes, {} edges, seed 7), 100 rules + 1 forbid, no evidence; plan built in {t_plan:.2?}, prepared (graph parsed + indexed) in {:.2?}",
        g.nodes().len(),
        g.edges().len(),
        t.elapsed()
    );
    let mut scratch = Scratch::new(&prepared);
    let evidence = Evidence::default();
    let now = 1_777_892_400; // 2026-05-04T11:00:00Z
    for (name, path) in [
        (
            "typical (one service file)",
            "services/d3/svc-17/src/handler.rs",
        ),
        ("worst case (platform/lib-0)", "platform/lib-0/src/lib.rs"),
        ("floor (one file no node owns)", "nowhere/notes.txt"),
    ] {
        if std::env::var("WRIT_BENCH_ONLY").is_ok_and(|o| !name.starts_with(o.as_str())) {
            continue;
        }
        let c = change(path);
        let d = prepared.evaluate_with(&mut scratch, &c, &evidence, now);
        if let Ok(file) = std::env::var("WRIT_BENCH_DUMP") {
            std::fs::write(
                format!("{file}.{}", name.split(' ').next().unwrap_or("x")),
                d.to_json(),
            )
            .expect("dump the proof");
        }
        let loops = env("WRIT_BENCH_LOOPS", 0);
        if loops > 0 {
            // Profiling mode: only the decision, `loops` times.
            let t = Instant::now();
            let settled_only = std::env::var("WRIT_BENCH_SETTLED").is_ok();
            for _ in 0..loops {
                if settled_only {
                    std::hint::black_box(
                        prepared.decide(&mut scratch, &c, &evidence, now).outcome(),
                    );
                } else {
                    std::hint::black_box(prepared.evaluate_with(&mut scratch, &c, &evidence, now));
                }
            }
            println!("{name}: {loops} decisions in {:.2?}", t.elapsed());
            continue;
        }
        if name.starts_with("floor") {
            // Nothing is touched or reached: what remains is the fixed cost
            // of a decision (change digest, touched, every rule and forbid
            // looked at once), the floor under the typical case's ratio.
            let (vmin, vmed) = time(20_000, || {
                prepared.decide(&mut scratch, &c, &evidence, now).outcome()
            });
            let (dmin, dmed) = time(20_000, || {
                prepared
                    .evaluate_with(&mut scratch, &c, &evidence, now)
                    .outcome
            });
            println!(
                "{name}: touches nothing, {} rules not fired\n  settled decision: min {vmin:.2?} median {vmed:.2?}; with the proof tree: min {dmin:.2?} median {dmed:.2?}",
                d.proof.not_fired.len()
            );
            continue;
        }
        let touched: Vec<_> = g.touched([path]).nodes;
        let reached = g.index().plain_bfs(&touched, Direction::Reverse);
        let instances: usize = d.proof.rules.iter().map(|r| r.instances.len()).sum();
        let once = {
            let t = Instant::now();
            std::hint::black_box(prepared.evaluate_with(&mut scratch, &c, &evidence, now));
            t.elapsed()
        };
        let rounds = rounds_for(once);
        let (dmin, dmed) = time(rounds, || {
            prepared
                .evaluate_with(&mut scratch, &c, &evidence, now)
                .outcome
        });
        let (vmin, vmed) = time(rounds, || {
            prepared.decide(&mut scratch, &c, &evidence, now).outcome()
        });
        let (bmin, bmed) = time(rounds, || g.index().plain_bfs(&touched, Direction::Reverse));
        let (smin, smed) = time(rounds.min(200), || d.to_json().len());
        // Allocating and freeing the proof tree alone: a floor for any
        // evaluation that returns the proof as owned strings.
        let (cmin, cmed) = time(rounds, || d.proof.clone());
        let (tmin, tmed) = time(rounds, || g.touched([path]).nodes.len());
        println!(
            "{name}: reaches {reached} nodes; {instances} rule instances fired, {} obligations, proof {} KB\n  settled decision (`decide`: proof in index form): min {vmin:.2?} median {vmed:.2?} → {:.0} decisions/s; ratio to BFS {:.2} (median), {:.2} (min)\n  decision with the proof tree written out (`evaluate_with`): min {dmin:.2?} median {dmed:.2?} → {:.0} decisions/s\n  plain BFS (same start, same adjacency): min {bmin:.2?} median {bmed:.2?}\n  ratio decision with proof tree/BFS: {:.2} (median), {:.2} (min)\n  of which `touched` (one path against {} globs): min {tmin:.2?} median {tmed:.2?}; decision minus touched / BFS: {:.2} (median)\n  proof to JSON: min {smin:.2?} median {smed:.2?}\n  proof tree clone + drop (allocation floor): min {cmin:.2?} median {cmed:.2?}; decision minus that / BFS: {:.2} (median)  [{rounds} rounds]",
            d.proof.obligations.len(),
            d.to_json().len() / 1024,
            1.0 / vmed.as_secs_f64(),
            vmed.as_secs_f64() / bmed.as_secs_f64(),
            vmin.as_secs_f64() / bmin.as_secs_f64(),
            1.0 / dmed.as_secs_f64(),
            dmed.as_secs_f64() / bmed.as_secs_f64(),
            dmin.as_secs_f64() / bmin.as_secs_f64(),
            g.paths().claims().len(),
            (dmed.as_secs_f64() - tmed.as_secs_f64()) / bmed.as_secs_f64(),
            (dmed.as_secs_f64() - cmed.as_secs_f64()) / bmed.as_secs_f64(),
        );
    }
}

//! Benchmark: the decision engine against a bare BFS over the same graph
//! from the same touched nodes, measured in the same run (the machine may
//! be shared: only the ratios mean anything). Two workloads on two graph
//! shapes (`writ graph generate --shape domains|layered`):
//!
//! - *reach* (issue #23): a policy that fires once per reached service,
//!   `for svc in change.reaches(service) require check "test" on svc`, plus
//!   a PHI rule (`for svc in change.reaches(service where phi) require
//!   approval security`, a team sign-off). Asked of 16 changes (one file of
//!   16 services spread over the graph); figures are per change, averaged.
//!   Default sizes: domains 100,000 services / 290,000 edges; layered
//!   20,000 / 100,000.
//! - *rules*: the 100-rule policy below on one service file (*typical*) and
//!   one file of the most used platform library (*worst*), and the *floor*
//!   (a file no node owns). Default sizes: domains 100,000 / 500,000;
//!   layered 20,000 / 100,000.
//!
//! The 100-rule policy (the plan is built here, rule by rule, as the
//! compiler would lower it):
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
//! Reported for each case, as the median latency per change and its ratio
//! to the bare BFS's median (the four are timed in turn within each round,
//! so load from other processes falls on all alike) (`GraphIndex::plain_bfs`, same start, same
//! adjacency), with the peak heap above the prepared plan for one change:
//! - *settled* (`Prepared::decide`): touched, reach with the parent
//!   pointers of witness paths, every rule instance with its bindings and
//!   obligations, obligation statuses, forbids, the outcome (the proof in
//!   index form);
//! - *proof tree* (`evaluate_with`): the [`writ_runtime::Proof`] written out;
//! - *proof JSON* (`Verdict::write_json` into one buffer reused across
//!   proofs, as a caller deciding many changes does; the same bytes as
//!   `Verdict::into_json`, what `writ eval --format json` prints): the
//!   JSON written straight from the settled decision, settling included;
//!   every change's bytes are first checked equal to the tree's, fresh and
//!   through a reused buffer;
//! - *JSON new buf* (`Verdict::into_json`): the same into a fresh buffer
//!   per proof (its pages faulted in each time);
//! - *JSON via tree*: the proof tree serialised (`Decision::to_json`), the
//!   library path, for comparison.
//!
//! Run: `cargo bench -p writ-runtime --bench decide`. `WRIT_BENCH_CASE=`
//! `reach-domains|reach-layered|rules-domains|rules-layered` runs one case
//! (a prefix works: `reach`); `WRIT_BENCH_SERVICES` / `WRIT_BENCH_EDGES`
//! override the sizes; `WRIT_BENCH_LOOPS=N` only runs N proof-tree
//! decisions per case (for profiling; `WRIT_BENCH_SETTLED=1`: settled only,
//! `WRIT_BENCH_JSON=1`: the direct JSON); `WRIT_BENCH_GROUP=typical|worst|floor`
//! runs one group of changes;
//! `WRIT_BENCH_DUMP=FILE` writes the first change's proof to `FILE.<case>`.

#[path = "support/counting.rs"]
mod counting;
use counting::{count_from_zero, peak_of, stop_counting};

use std::time::{Duration, Instant};
use writ_graph::generate::{GenerateOptions, Shape, generate_shape};
use writ_graph::model::{AttrValue, Document, NodeDecl};
use writ_graph::{Change, ChangeFile, Direction, FileStatus, Identity, NodeIdx, PrincipalKind};
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
        requirements: Requirements::new(
            checks
                .into_iter()
                .map(|(c, on)| {
                    Requirement::Check(CheckRequirement {
                        check: c.into(),
                        on,
                        origin: origin(),
                    })
                })
                .chain(approvals.into_iter().map(|(c, args)| {
                    Requirement::Approval(ApprovalRequirement {
                        chain: c.into(),
                        args,
                        origin: origin(),
                    })
                }))
                .collect(),
        ),
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
        assertions: Vec::new(),
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

/// The once-per-reached-service policy: `reached` (check `test` on every
/// reached service) and `phi` (a team sign-off for reaching a PHI service).
fn build_reach_plan(doc: &Document) -> Plan {
    let mut plan = build_plan(doc);
    let nodes = &doc.nodes;
    let select = |f: &dyn Fn(&NodeDecl) -> bool| -> Vec<u32> {
        nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| f(n))
            .map(|(i, _)| i as u32)
            .collect()
    };
    let services = select(&|n| n.kind.value == "service");
    let phi = select(&|n| n.kind.value == "service" && n.tags.iter().any(|x| x.value == "phi"));
    plan.sets = vec![services, phi];
    plan.rules = vec![
        rule(
            "phi",
            vec![reach(1, &[], None)],
            None,
            vec![],
            vec![("bench::security", vec![])],
        ),
        rule(
            "reached",
            vec![reach(0, &[], None)],
            None,
            vec![("test", NodeSet::Var(0))],
            vec![],
        ),
    ];
    plan.forbids.clear();
    plan.emergencies.clear();
    plan
}

fn rounds_for(once: Duration) -> usize {
    ((Duration::from_secs(2).as_nanos() / once.as_nanos().max(1)) as usize).clamp(7, 2_000)
}

/// Which policy a case decides with.
#[derive(Clone, Copy, PartialEq)]
enum Workload {
    Reach,
    Rules,
}

fn mib(bytes: usize) -> String {
    format!("{:.1} MiB", bytes as f64 / (1 << 20) as f64)
}

fn main() {
    if std::env::args().any(|a| a == "--test") {
        return; // `cargo test --benches` smoke mode
    }
    println!(
        "decide benchmark: medians per change; ratio = median / bare BFS median in the same run"
    );
    for (case, workload, shape, services, edges) in [
        (
            "reach-domains",
            Workload::Reach,
            Shape::Domains,
            100_000,
            290_000,
        ),
        (
            "reach-layered",
            Workload::Reach,
            Shape::Layered,
            20_000,
            100_000,
        ),
        (
            "rules-domains",
            Workload::Rules,
            Shape::Domains,
            100_000,
            500_000,
        ),
        (
            "rules-layered",
            Workload::Rules,
            Shape::Layered,
            20_000,
            100_000,
        ),
    ] {
        if std::env::var("WRIT_BENCH_CASE").is_ok_and(|o| !case.starts_with(o.as_str())) {
            continue;
        }
        run_case(
            case,
            workload,
            shape,
            env("WRIT_BENCH_SERVICES", services),
            env("WRIT_BENCH_EDGES", edges),
        );
    }
    let hwm = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.trim_start_matches("VmHWM:").trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    println!("process peak resident memory (all cases): {hwm}");
}

fn run_case(case: &str, workload: Workload, shape: Shape, services: usize, edges: usize) {
    let t = Instant::now();
    count_from_zero();
    let doc = generate_shape(
        GenerateOptions {
            services,
            edges,
            seed: 7,
        },
        shape,
    );
    let plan = match workload {
        Workload::Reach => build_reach_plan(&doc),
        Workload::Rules => build_plan(&doc),
    };
    drop(doc);
    let prepared = Prepared::new(plan).unwrap_or_else(|e| panic!("{e}"));
    let heap = stop_counting();
    let g = prepared.graph();
    println!(
        "\n== {case}: {} nodes, {} edges (seed 7), {} rules + {} forbid; plan built and prepared in {:.2?}, heap {}",
        g.nodes().len(),
        g.edges().len(),
        prepared.plan().rules.len(),
        prepared.plan().forbids.len(),
        t.elapsed(),
        mib(heap),
    );
    let mut scratch = Scratch::new(&prepared);
    let evidence = Evidence::default();
    let now = 1_777_892_400; // 2026-05-04T11:00:00Z
    let groups: Vec<(String, Vec<String>)> = match workload {
        Workload::Reach => {
            // 16 services spread over the graph (and so over the layers).
            let domains = services.div_ceil(100).max(1);
            let paths = (0..16)
                .map(|i| {
                    let s = (i * services + services / 32) / 16;
                    format!(
                        "services/{}/src/handler.rs",
                        writ_graph::generate::service_id(s % domains, s / domains)
                    )
                })
                .collect();
            vec![("16 service files".into(), paths)]
        }
        Workload::Rules => vec![
            (
                "typical (one service file)".into(),
                vec!["services/d3/svc-17/src/handler.rs".into()],
            ),
            (
                "worst case (platform/lib-0)".into(),
                vec!["platform/lib-0/src/lib.rs".into()],
            ),
            (
                "floor (one file no node owns)".into(),
                vec!["nowhere/notes.txt".into()],
            ),
        ],
    };
    for (name, paths) in groups {
        if std::env::var("WRIT_BENCH_GROUP").is_ok_and(|g| !name.starts_with(g.as_str())) {
            continue;
        }
        let changes: Vec<Change> = paths.iter().map(|p| change(p)).collect();
        let starts: Vec<Vec<NodeIdx>> = paths
            .iter()
            .map(|p| g.touched([p.as_str()]).nodes)
            .collect();
        if let Ok(file) = std::env::var("WRIT_BENCH_DUMP") {
            let json = prepared
                .decide(&mut scratch, &changes[0], &evidence, now)
                .into_json(None);
            std::fs::write(
                format!("{file}.{case}.{}", name.split(' ').next().unwrap_or("x")),
                json,
            )
            .expect("dump the proof");
        }
        let loops = env("WRIT_BENCH_LOOPS", 0);
        if loops > 0 {
            let t = Instant::now();
            let settled_only = std::env::var("WRIT_BENCH_SETTLED").is_ok();
            let json_only = std::env::var("WRIT_BENCH_JSON").is_ok();
            let mut loop_buf = String::new();
            for _ in 0..loops {
                for c in &changes {
                    if json_only {
                        prepared
                            .decide(&mut scratch, c, &evidence, now)
                            .write_json(None, &mut loop_buf);
                        std::hint::black_box(&loop_buf);
                    } else if settled_only {
                        std::hint::black_box(
                            prepared.decide(&mut scratch, c, &evidence, now).outcome(),
                        );
                    } else {
                        std::hint::black_box(prepared.evaluate_with(
                            &mut scratch,
                            c,
                            &evidence,
                            now,
                        ));
                    }
                }
            }
            println!(
                "{name}: {loops} × {} decisions in {:.2?}",
                changes.len(),
                t.elapsed()
            );
            continue;
        }
        let n = changes.len() as f64;
        let mut reached = 0;
        let mut instances = 0;
        let mut obligations = 0;
        let mut json_bytes = 0;
        let mut check_buf = String::from("a previous proof");
        for c in &changes {
            let d = prepared.evaluate_with(&mut scratch, c, &evidence, now);
            assert!(
                prepared
                    .decide(&mut scratch, c, &evidence, now)
                    .into_json(None)
                    == d.to_json(),
                "{case} {name}: the direct JSON differs from the proof tree's"
            );
            // And written into a reused buffer holding the last proof.
            prepared
                .decide(&mut scratch, c, &evidence, now)
                .write_json(None, &mut check_buf);
            assert!(
                check_buf == d.to_json(),
                "{case} {name}: the JSON written into a reused buffer differs"
            );
            instances += d
                .proof
                .rules
                .iter()
                .map(|r| r.instances.len())
                .sum::<usize>();
            obligations += d.proof.obligations.len();
            json_bytes += d.to_json().len();
        }
        for s in &starts {
            reached += g.index().plain_bfs(s, Direction::Reverse);
        }
        let once = {
            let t = Instant::now();
            for c in &changes {
                std::hint::black_box(
                    prepared
                        .decide(&mut scratch, c, &evidence, now)
                        .into_json(None),
                );
            }
            t.elapsed()
        };
        let rounds = rounds_for(once);
        let per = |d: Duration| d.as_secs_f64() / n;
        // Interleaved: each round times the BFS and the three figures one
        // after the other, so load from other processes falls on all four
        // alike and the ratios stay meaningful on a shared machine.
        let mut samples: [Vec<Duration>; 6] = Default::default();
        // The caller's buffer the direct JSON is written into, reused
        // across proofs (`Verdict::write_json`); a fresh one is timed too.
        let mut buf = String::new();
        let mut timed = |k: usize, f: &mut dyn FnMut() -> usize| {
            let t = Instant::now();
            std::hint::black_box(f());
            samples[k].push(t.elapsed());
        };
        for _ in 0..rounds {
            timed(0, &mut || {
                starts
                    .iter()
                    .map(|s| g.index().plain_bfs(s, Direction::Reverse))
                    .sum::<usize>()
            });
            timed(1, &mut || {
                changes
                    .iter()
                    .map(|c| prepared.decide(&mut scratch, c, &evidence, now).outcome())
                    .count()
            });
            timed(2, &mut || {
                changes
                    .iter()
                    .map(|c| {
                        prepared
                            .evaluate_with(&mut scratch, c, &evidence, now)
                            .outcome
                    })
                    .count()
            });
            timed(3, &mut || {
                changes
                    .iter()
                    .map(|c| {
                        prepared
                            .decide(&mut scratch, c, &evidence, now)
                            .write_json(None, &mut buf);
                        buf.len()
                    })
                    .sum::<usize>()
            });
            timed(5, &mut || {
                changes
                    .iter()
                    .map(|c| {
                        prepared
                            .decide(&mut scratch, c, &evidence, now)
                            .into_json(None)
                            .len()
                    })
                    .sum::<usize>()
            });
            timed(4, &mut || {
                changes
                    .iter()
                    .map(|c| {
                        prepared
                            .evaluate_with(&mut scratch, c, &evidence, now)
                            .to_json()
                            .len()
                    })
                    .sum::<usize>()
            });
        }
        let [bfs, settled, tree, json, via_tree, json_fresh] = samples.map(|mut v| {
            v.sort();
            per(v[v.len() / 2])
        });
        let c0 = &changes[0];
        let peak_settled = peak_of(|| prepared.decide(&mut scratch, c0, &evidence, now).outcome());
        let peak_tree = peak_of(|| prepared.evaluate_with(&mut scratch, c0, &evidence, now));
        let peak_json = peak_of(|| {
            prepared
                .decide(&mut scratch, c0, &evidence, now)
                .into_json(None)
        });
        let peak_via_tree = peak_of(|| {
            prepared
                .evaluate_with(&mut scratch, c0, &evidence, now)
                .to_json()
        });
        let us = |s: f64| format!("{:.1} µs", s * 1e6);
        println!(
            "{name}: reach {:.0} nodes, {:.0} rule instances, {:.0} obligations, proof JSON {:.0} KB (averages per change) [{rounds} rounds]\n  bare BFS     {:>12}\n  settled      {:>12}  {:>7.2}×  peak heap {}\n  proof tree   {:>12}  {:>7.2}×  peak heap {}\n  proof JSON   {:>12}  {:>7.2}×  peak heap {}\n  JSON new buf {:>12}  {:>7.2}×\n  JSON via tree{:>12}  {:>7.2}×  peak heap {}",
            reached as f64 / n,
            instances as f64 / n,
            obligations as f64 / n,
            json_bytes as f64 / n / 1024.0,
            us(bfs),
            us(settled),
            settled / bfs,
            mib(peak_settled),
            us(tree),
            tree / bfs,
            mib(peak_tree),
            us(json),
            json / bfs,
            mib(peak_json),
            us(json_fresh),
            json_fresh / bfs,
            us(via_tree),
            via_tree / bfs,
            mib(peak_via_tree),
        );
    }
}

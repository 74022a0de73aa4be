//! `writ run`: run the checks a decision requires, decide, sign the evidence.

use super::{EXIT_FAILURE, EXIT_USAGE};
use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use writ_evidence::bundle::{self, BundleInput};
use writ_evidence::context;
use writ_evidence::redact::Redactor;
use writ_evidence::runner::{CheckRun, CheckSpec, RunnerConfig, run_all};
use writ_evidence::store::{self, EvidenceDir, slug};
use writ_runtime::CheckOutcome;

/// Exit code: the decision is pending (evidence still missing).
const EXIT_PENDING: u8 = 3;

/// Run the checks a change needs on this machine, decide it, and record
/// signed evidence.
///
/// Decides the change with the evidence already in DIR, runs every check the
/// decision requires (the command the graph gives for the check on the node:
/// an argv, never a shell), in parallel up to --jobs, each with its time
/// limit and a scrubbed environment. Output is captured, redacted (built-in
/// secret patterns plus --redact) and hashed before it is stored. A check that
/// times out or crashes is a failed check with the reason. Each result is
/// stored as soon as it is known. Then the change is decided again, the
/// decision is written as a signed in-toto bundle (DSSE, signed with --key)
/// under `bundles/`, and appended to the ledger.
///
/// Exit status: 0 allowed, 1 denied, 3 pending, 2 usage or I/O error.
///
/// Examples:
///   writ run --plan plan.json --change change.json --evidence evidence/ --key runner.key
///   writ run --plan plan.json --change change.json --evidence evidence/ --key runner.key \
///       --jobs 4 --only integration@payments-api --redact 'internal-[0-9]+'
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The compiled plan.
    #[arg(long, value_name = "FILE")]
    plan: PathBuf,
    /// The change file (from `writ change`).
    #[arg(long, value_name = "FILE")]
    change: PathBuf,
    /// The evidence folder (created if needed).
    #[arg(long, value_name = "DIR", default_value = "evidence")]
    evidence: PathBuf,
    /// The runner's private key, to sign the evidence bundle.
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// Checks run at once (default: the number of CPUs).
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
    /// Run only these required checks, written CHECK@NODE; repeatable.
    #[arg(long, value_name = "CHECK@NODE")]
    only: Vec<String>,
    /// The folder checks run in.
    #[arg(long, value_name = "DIR", default_value = ".")]
    workdir: PathBuf,
    /// Time limit in seconds for checks the graph gives none.
    #[arg(long, value_name = "SECS", default_value_t = 1800)]
    timeout: u64,
    /// An extra redaction pattern (regular expression); repeatable.
    #[arg(long, value_name = "PATTERN")]
    redact: Vec<String>,
    /// Pass this environment variable to checks; repeatable (others are cleared).
    #[arg(long, value_name = "NAME")]
    pass_env: Vec<String>,
    /// Decide and record without running checks.
    #[arg(long)]
    no_run: bool,
    /// Trusted plan-signing keys (one `ed25519:…` per line): refuse the plan
    /// unless `<plan>.sig` verifies against one of them. Default: `$WRIT_TRUST`.
    #[arg(long, value_name = "KEYS")]
    trust: Option<PathBuf>,
}

/// Runs `writ run`.
pub fn run(args: RunArgs) -> ExitCode {
    match run_inner(args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

fn run_inner(args: RunArgs) -> Result<ExitCode, String> {
    let plan = context::load_plan(&args.plan)?;
    if let Some(trust) = writ_plan::signature::trust_source(args.trust.as_deref()) {
        let key = writ_plan::signature::require_trusted(&args.plan, &plan.digest(), &trust)?;
        eprintln!(
            "plan signed by trusted key {}",
            writ_plan::signature::public_key_text(&key)
        );
    }
    let graph = context::plan_graph(&plan, &args.plan)?;
    let change = context::load_change(&args.change)?;
    let key = writ_evidence::keys::read_private_key(&args.key)?;
    let redactor = Redactor::new(&args.redact)?;
    let dir = EvidenceDir::create(&args.evidence)?;
    let plan_digest = plan.digest();

    let loaded = dir.load(&graph, &change)?;
    for note in &loaded.notes {
        eprintln!("note: {note}");
    }
    let first = writ_runtime::evaluate(&plan, &change, &loaded.evidence);
    let mut required: Vec<(String, String)> = first
        .proof
        .obligations
        .iter()
        .filter_map(|o| {
            o.check
                .as_ref()
                .map(|c| (c.check.to_string(), c.node.to_string()))
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if !args.only.is_empty() {
        let mut wanted = BTreeSet::new();
        for o in &args.only {
            let (check, node) = o
                .split_once('@')
                .ok_or_else(|| format!("--only `{o}`: write CHECK@NODE"))?;
            if !required.iter().any(|(c, n)| c == check && n == node) {
                return Err(format!(
                    "--only `{o}`: the decision does not require check `{check}` on `{node}`"
                ));
            }
            wanted.insert((check.to_string(), node.to_string()));
        }
        required.retain(|r| wanted.contains(r));
    }
    let mut specs = Vec::new();
    let mut failures = 0usize;
    if !args.no_run {
        for (check, node) in &required {
            let decl = graph
                .node_by_id(node)
                .and_then(|n| n.checks.iter().find(|c| c.name.value == *check));
            match decl {
                Some(decl) => specs.push(CheckSpec {
                    check: check.clone(),
                    node: node.clone(),
                    argv: decl.run.clone(),
                    timeout: Duration::from_secs(decl.timeout_secs.unwrap_or(args.timeout)),
                }),
                None => {
                    // Recorded as a failed result, so the gap is visible in the evidence.
                    let run = CheckRun {
                        spec: CheckSpec {
                            check: check.clone(),
                            node: node.clone(),
                            argv: vec![],
                            timeout: Duration::ZERO,
                        },
                        outcome: CheckOutcome::Failed {
                            reason: format!("the graph defines no check `{check}` on `{node}`"),
                        },
                        exit_code: None,
                        signal: None,
                        timed_out: false,
                        started_at: writ_evidence::now_unix(),
                        duration: Duration::ZERO,
                        stdout: Default::default(),
                        stderr: Default::default(),
                    };
                    store::store_run(&dir, &run, Some(&change), Some(&plan_digest))?;
                    eprintln!("{check} on {node}: failed: the graph defines no such check");
                    failures += 1;
                }
            }
        }
    }

    let mut config = RunnerConfig::new(redactor);
    config.jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
        .max(1);
    config.workdir = args.workdir.clone();
    config.pass_env = args.pass_env.clone();
    let interactive = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    let total = specs.len();
    let bar = if interactive && total > 0 {
        let bar = writ_evidence::indicatif::ProgressBar::new(total as u64);
        if let Ok(style) = writ_evidence::indicatif::ProgressStyle::with_template(
            "{spinner} [{pos}/{len}] {elapsed} {wide_msg}",
        ) {
            bar.set_style(style);
        }
        bar.set_message(format!("running {total} checks, {} at a time", config.jobs));
        bar.enable_steady_tick(Duration::from_millis(120));
        Some(bar)
    } else {
        if total > 0 {
            eprintln!("running {total} checks, {} at a time", config.jobs);
        }
        None
    };
    let mut done = 0usize;
    let mut store_errors = Vec::new();
    run_all(&specs, &config, |run| {
        done += 1;
        let status = match &run.outcome {
            CheckOutcome::Passed => "passed".to_string(),
            CheckOutcome::Failed { reason } => {
                failures += 1;
                format!("FAILED: {reason}")
            }
        };
        // Store at once: a result already produced is never lost.
        if let Err(e) = store::store_run(&dir, run, Some(&change), Some(&plan_digest)) {
            store_errors.push(e);
        }
        let line = format!(
            "[{done}/{total}] {} on {}: {status} ({:.1}s)",
            run.spec.check,
            run.spec.node,
            run.duration.as_secs_f64()
        );
        match &bar {
            Some(bar) => {
                bar.println(line);
                bar.inc(1);
            }
            None => eprintln!("{line}"),
        }
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if !store_errors.is_empty() {
        return Err(store_errors.join("; "));
    }

    let loaded = dir.load(&graph, &change)?;
    let decision = writ_runtime::evaluate(&plan, &change, &loaded.evidence);
    let outcome = decision.outcome.as_str();
    let decided_at = writ_evidence::now_unix();
    let input = BundleInput {
        change: &change,
        plan_digest: &plan_digest,
        outcome,
        decision: serde_json::to_value(&decision)
            .map_err(|e| format!("cannot serialise the decision: {e}"))?,
        evidence: &loaded.evidence,
        approvals: &loaded.approvals,
        decided_at,
    };
    let statement = bundle::statement(&input);
    let bytes = bundle::sign_statement(&statement, &key);
    let digest = writ_evidence::sha256_digest(&bytes);
    let stem = format!("{}-{decided_at}-{}", slug(&change.id), &digest[7..19]);
    let name = format!("{stem}.intoto.json");
    let path = dir.store_bundle(&name, &bytes)?;
    let mut vsa_name = None;
    if let Some(vsa) = bundle::vsa_statement(&input, &name, &bytes) {
        let vname = format!("{stem}.vsa.json");
        dir.store_bundle(&vname, &bundle::sign_statement(&vsa, &key))?;
        vsa_name = Some(format!("bundles/{vname}"));
    }
    let entry = serde_json::json!({
        "type": "writ.decision/v1",
        "change_id": change.id,
        "change_digest": change.digest,
        "plan_digest": plan_digest,
        "outcome": outcome,
        "bundle": format!("bundles/{name}"),
        "bundle_digest": digest,
        "vsa": vsa_name,
    });
    // The record, the signed checkpoint and the bundle's inclusion proof
    // (`<bundle>.proof`), in one locked append.
    let proof_path = path.with_file_name(format!("{name}{}", writ_evidence::tlog::PROOF_SUFFIX));
    let signed =
        writ_evidence::tlog::append_signed(&args.evidence, &entry, &key, Some(&proof_path))
            .map_err(|f| format!("ledger: {f}"))?;
    let appended = signed.appended;

    for reason in &decision.reasons {
        eprintln!("  {}", serde_json::to_string(reason).unwrap_or_default());
    }
    eprintln!("evidence bundle: {}", path.display());
    eprintln!("ledger record {} ({})", appended.seq, appended.digest);
    println!("{outcome}");
    let _ = failures;
    Ok(match outcome {
        "allow" => ExitCode::SUCCESS,
        "pending" => ExitCode::from(EXIT_PENDING),
        _ => ExitCode::from(EXIT_FAILURE),
    })
}

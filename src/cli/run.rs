//! `writ run`: run the checks a decision requires, decide, sign the evidence.

use super::output::{self, ReportFormat};
use super::{EXIT_USAGE, Exit, plural};
use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use writ_evidence::bundle::{self, BundleInput};
use writ_evidence::context;
use writ_evidence::redact::Redactor;
use writ_evidence::runner::{CheckRun, CheckSpec, RunnerConfig, run_all};
use writ_evidence::sandbox::{self, Sandbox};
use writ_evidence::store::{self, EvidenceDir, slug};
use writ_runtime::CheckOutcome;

/// Run the checks a change needs on this machine, decide it, and record
/// signed evidence.
///
/// Decides the change with the evidence already in DIR, runs every check the
/// decision requires (the command the graph gives for the check on the node:
/// an argv, never a shell), in parallel up to --jobs, each with its time
/// limit and a scrubbed environment, in a sandbox (bubblewrap: own user,
/// mount, PID and network namespaces; the work folder, a private /tmp and
/// read-only system folders; no evidence folder, no key, loopback-only
/// network unless the graph gives the check `"network": true`). Without a
/// working sandbox it refuses, unless --no-sandbox. Output is captured,
/// redacted (built-in secret patterns, --redact and the check's own graph
/// patterns) and hashed before it is stored. A check that times out or
/// crashes is a failed check with the reason. Each result is stored as soon
/// as it is known. Then the change is decided again from the evidence loaded
/// before the run plus the results this run observed (never by re-reading
/// DIR), the decision is written as a signed in-toto bundle (DSSE, signed
/// with --key) under `bundles/`, and appended to the ledger.
///
/// Exit status: 0 allowed, 1 denied, 3 pending, 2 usage or I/O error.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  writ run --plan plan.json --change change.json --evidence evidence/ --key runner.key
  writ run --plan plan.json --change change.json --evidence evidence/ --key runner.key \\
      --jobs 4 --only integration@payments-api --redact 'internal-[0-9]+'")]
pub struct RunArgs {
    /// The compiled plan (`-`: standard input; its signature is then looked
    /// for as `-.sig`, so sign-checked plans are given as files).
    #[arg(long, value_name = "FILE")]
    plan: PathBuf,
    /// The change file (from `writ change`; `-`: standard input).
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
    /// Run checks WITHOUT the sandbox (they can then read what this user can
    /// read, reach the network and outlive their time limit). Each result
    /// records `sandboxed: false` and the source `run-unsandboxed`.
    #[arg(long)]
    no_sandbox: bool,
    /// A folder checks may read (read-only) besides the work folder and the
    /// system folders, e.g. a toolchain; repeatable.
    #[arg(long, value_name = "DIR")]
    sandbox_ro: Vec<PathBuf>,
    /// Decision time (RFC 3339) instead of this machine's clock, for tests
    /// and replays; the bundle records that the time was given.
    #[arg(long, value_name = "TIME")]
    now: Option<String>,
    /// Output format: `human` prints the outcome on stdout and the reasons
    /// as sentences on stderr; `json` one `writ.run/v1` document (docs/cli.md).
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    format: ReportFormat,
    #[command(flatten)]
    trust: super::trust::PlanTrustArgs,
}

/// The `format` field of `writ run --format json`.
pub const RUN_FORMAT: &str = "writ.run/v1";

/// The sandbox checks run in: bubblewrap hiding the key and the evidence
/// folder, or nothing with `--no-sandbox` (said loudly). Refuses when the
/// sandbox cannot work here and `--no-sandbox` was not given.
fn sandbox_for(args: &RunArgs) -> Result<Sandbox, String> {
    if args.no_sandbox {
        eprintln!(
            "WARNING: --no-sandbox: checks run unsandboxed, with this user's files, the \
             network and no PID namespace; results record `sandboxed: false`"
        );
        return Ok(Sandbox::Off);
    }
    let mut config = sandbox::probe().map_err(|e| {
        format!(
            "checks cannot be sandboxed on this machine: {e}; \
             pass --no-sandbox to run them unsandboxed (each result then says so)"
        )
    })?;
    config.hide(&args.key)?;
    config.hide(&args.evidence)?;
    for dir in &args.sandbox_ro {
        config.expose_read_only(dir)?;
    }
    Ok(Sandbox::Bwrap(config))
}

/// Runs `writ run`.
pub fn run(args: RunArgs) -> ExitCode {
    match run_inner(args) {
        Ok(code) => code,
        Err(message) => {
            super::trust::print_error(&message);
            ExitCode::from(EXIT_USAGE)
        }
    }
}

fn run_inner(args: RunArgs) -> Result<ExitCode, String> {
    // Same-user processes (a check run without the sandbox among them)
    // cannot attach to this process or read its memory, where the key is.
    // SAFETY: `prctl(PR_SET_DUMPABLE, 0)` has no memory-safety preconditions.
    unsafe {
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
    let plan = match super::input::plan(&args.plan) {
        Ok(plan) => plan,
        Err(fault) => return Ok(fault.report()),
    };
    // The digest is the sha256 of the whole canonical plan: computed once.
    let plan_digest = plan.digest();
    let trust = args.trust.establish(&args.plan, &plan_digest)?;
    let given_now = match &args.now {
        None => None,
        Some(t) => Some(writ_runtime::time::parse_rfc3339(t).ok_or_else(|| {
            format!("`--now {t}` is not an RFC 3339 time (e.g. 2026-05-01T12:00:00Z)")
        })?),
    };
    let decision_time = || given_now.unwrap_or_else(writ_runtime::system_now);
    let graph = context::plan_graph(&plan, &args.plan)?;
    let change = match super::input::change(&args.change) {
        Ok(change) => change,
        Err(fault) => return Ok(fault.report()),
    };
    let key = writ_evidence::keys::read_private_key(&args.key)?;
    let redactor = Redactor::new(&args.redact)?;
    let dir = EvidenceDir::create(&args.evidence)?;

    let result_trust = args
        .trust
        .result_trust(&plan_digest, Some(key.verifying_key()))?;
    let loaded = dir.load(&graph, &change, &result_trust)?;
    for note in &loaded.notes {
        eprintln!("note: {note}");
    }
    let first = writ_runtime::evaluate_at(&plan, &change, &loaded.evidence, decision_time());
    let mut required: Vec<(String, String)> = first
        .proof
        .obligations
        .iter()
        .filter_map(|o| {
            o.check.as_ref().map(|c| {
                let name = |n| first.proof.name(n).to_string();
                (name(c.check), name(c.node))
            })
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
    // The results this run produced, as the runner observed them: with the
    // evidence loaded above, the only input of the decision below.
    let mut observed: Vec<store::SignedCheck> = Vec::new();
    if !args.no_run {
        for (check, node) in &required {
            let decl = graph
                .node_by_id(node)
                .and_then(|n| n.checks.iter().find(|c| c.name.value == *check));
            match decl {
                Some(decl) => specs.push(CheckSpec {
                    check: check.clone(),
                    node: node.clone(),
                    argv: decl.run.iter().map(|a| a.to_string()).collect(),
                    timeout: Duration::from_secs(decl.timeout_secs.unwrap_or(args.timeout)),
                    network: decl.network,
                    redact: decl.redact.clone(),
                }),
                None => {
                    // Recorded as a failed result, so the gap is visible in the evidence.
                    let run = CheckRun {
                        spec: CheckSpec {
                            check: check.clone(),
                            node: node.clone(),
                            argv: vec![],
                            timeout: Duration::ZERO,
                            network: false,
                            redact: Vec::new(),
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
                        sandboxed: !args.no_sandbox,
                    };
                    observed.push(store::store_run(&dir, &run, &change, &plan_digest, &key)?);
                    eprintln!("{check} on {node}: failed: the graph defines no such check");
                    failures += 1;
                }
            }
        }
    }

    for spec in &specs {
        redactor
            .extended(&spec.redact, "graph")
            .map_err(|e| format!("check `{}` on `{}`: {e}", spec.check, spec.node))?;
    }
    let mut config = RunnerConfig::new(redactor);
    config.jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
        .max(1);
    config.workdir = args.workdir.clone();
    config.pass_env = args.pass_env.clone();
    if !specs.is_empty() {
        config.sandbox = sandbox_for(&args)?;
    }
    let interactive = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    let total = specs.len();
    let bar = if interactive && total > 0 {
        let bar = writ_evidence::indicatif::ProgressBar::new(total as u64);
        if let Ok(style) = writ_evidence::indicatif::ProgressStyle::with_template(
            "{spinner} [{pos}/{len}] {elapsed} {wide_msg}",
        ) {
            bar.set_style(style);
        }
        bar.set_message(format!(
            "running {}, {} at a time",
            plural(total, "check"),
            config.jobs
        ));
        bar.enable_steady_tick(Duration::from_millis(120));
        Some(bar)
    } else {
        if total > 0 {
            eprintln!(
                "running {}, {} at a time",
                plural(total, "check"),
                config.jobs
            );
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
        match store::store_run(&dir, run, &change, &plan_digest, &key) {
            Ok(result) => observed.push(result),
            Err(e) => store_errors.push(e.to_string()),
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

    // Never re-read the folder: a check (or anything else) may have written
    // to it while the checks ran. This run's results replace earlier ones
    // for the same (check, node).
    let mut signed: Vec<store::SignedCheck> = loaded.checks.clone();
    signed.retain(|c| {
        !observed
            .iter()
            .any(|o| o.result.check == c.result.check && o.result.node == c.result.node)
    });
    signed.extend(observed);
    let mut evidence = loaded.evidence.clone();
    evidence.checks = signed.iter().map(|c| c.result.clone()).collect();
    let mut decision = writ_runtime::evaluate_at(&plan, &change, &evidence, decision_time());
    decision.proof.plan.trust = Some(trust.clone());
    let outcome = decision.outcome.as_str();
    let decided_at = writ_evidence::now_unix();
    let input = BundleInput {
        change: &change,
        plan_digest: &plan_digest,
        plan_trust: &trust,
        outcome,
        decision: serde_json::to_value(&decision)
            .map_err(|e| format!("cannot serialise the decision: {e}"))?,
        evidence: &evidence,
        checks: &signed,
        approvals: &loaded.approvals,
        decided_at,
        decision_clock: if given_now.is_some() {
            "given"
        } else {
            "system"
        },
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
    // Checks ran without seeing the folder; refuse a link planted meanwhile.
    dir.refuse_links()?;
    // The record, the signed checkpoint and the bundle's inclusion proof
    // (`<bundle>.proof`), in one locked append.
    let proof_path = path.with_file_name(format!("{name}{}", writ_evidence::tlog::PROOF_SUFFIX));
    let signed =
        writ_evidence::tlog::append_signed(&args.evidence, &entry, &key, Some(&proof_path))
            .map_err(|f| format!("ledger: {f}"))?;
    let appended = signed.appended;

    for reason in decision.reasons() {
        eprintln!("  {}", reason.describe(&decision.proof));
    }
    eprintln!("evidence bundle: {}", path.display());
    eprintln!("ledger record {} ({})", appended.seq, appended.digest);
    match args.format {
        ReportFormat::Human => println!("{outcome}"),
        ReportFormat::Json => output::print_versioned(
            RUN_FORMAT,
            serde_json::json!({
                "outcome": outcome,
                "change": {"id": change.id, "digest": change.digest},
                "plan_digest": plan_digest,
                "reasons": decision.reasons().iter().map(|r| serde_json::json!({
                    "outcome": r.outcome().as_str(),
                    "text": r.describe(&decision.proof),
                    "reason": r,
                })).collect::<Vec<_>>(),
                "checks_run": total,
                "checks_failed": failures,
                "bundle": path.display().to_string(),
                "ledger": {"seq": appended.seq, "digest": appended.digest},
            }),
        ),
    }
    Ok(Exit::of_outcome(decision.outcome).into())
}

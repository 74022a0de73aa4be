//! `writ eval`: decide a change under a plan with its evidence.

use super::input::{self, Fault};
use super::{EXIT_USAGE, Exit, output};
use std::path::PathBuf;
use std::process::ExitCode;
use writ_diagnostics::{FileId, SourceMap};
use writ_runtime::{Evidence, Prepared};

/// How a decision or proof is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ProofFormat {
    /// Summary, reasons, rule snippets with witness paths and obligation marks.
    Human,
    /// The proof (docs/proof.md): deterministic JSON, what `writ explain` reads.
    Json,
    /// Markdown for a pull-request comment.
    Markdown,
}

/// Decide a change: allow, deny or pending, with the proof.
///
/// Computes what the change touches and reaches in the plan's graph, every
/// rule instance that fires and the obligations it imposes, matches the
/// evidence to them, weighs forbids and emergency paths, and decides
/// (docs/language.md §6). The proof says why (docs/proof.md).
///
/// Evidence: `--evidence DIR` reads an evidence folder (`writ run`, `writ
/// approve`, `writ evidence add`), verifying every approval's signature
/// against the graph's keys and every check result's against the `runner`
/// and `results` keys of the trust file (others are left out, with a note); `--evidence-json FILE` reads evidence already verified by
/// another tool, as one JSON `{"checks": [...], "approvals": [...]}` document
/// (its `signature_verified` flags are trusted: use it only for inputs you
/// produced).
///
/// Approval expiry is measured at the decision time: now, or `--now`.
///
/// Exit status: 0 allow, 1 deny (or an invalid plan, change or evidence
/// file), 3 pending, 2 usage or I/O error.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  writ eval --plan plan.json --change change.json --evidence evidence/
  writ eval --plan plan.json --change change.json --format markdown > comment.md
  writ eval --plan plan.json --change change.json --proof proof.json
  writ change main...HEAD | writ eval --plan plan.json --change -")]
pub struct EvalArgs {
    /// The compiled plan (from `writ plan`; `-`: standard input).
    #[arg(long, value_name = "FILE")]
    plan: PathBuf,
    /// The change (from `writ change`, or written by hand; docs/change.md;
    /// `-`: standard input).
    #[arg(long, value_name = "FILE")]
    change: PathBuf,
    /// An evidence folder; signatures are verified (a folder that does not
    /// exist yet holds no evidence).
    #[arg(long, value_name = "DIR")]
    evidence: Option<PathBuf>,
    /// Pre-verified evidence as JSON (repeatable; `-`: standard input).
    #[arg(long = "evidence-json", value_name = "FILE")]
    evidence_json: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ProofFormat::Human)]
    format: ProofFormat,
    /// Also write the JSON proof to this file.
    #[arg(long, value_name = "FILE")]
    proof: Option<PathBuf>,
    /// Decision time (RFC 3339), instead of now: for reproducible proofs.
    #[arg(long, value_name = "TIME")]
    now: Option<String>,
    /// Do not read or write the prepared-plan cache even when
    /// `$WRIT_CACHE_DIR` is set (the cache is off unless that variable names
    /// a folder: the plan's parsed and indexed graph, keyed by and checked
    /// against the plan's digest; docs/plan.md).
    #[arg(long)]
    no_plan_cache: bool,
    #[command(flatten)]
    trust: super::trust::PlanTrustArgs,
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    output::usage_error(message);
    ExitCode::from(EXIT_USAGE)
}

/// Reads and prepares a plan (`-`: standard input), through the
/// prepared-plan cache when `cache` is true and `$WRIT_CACHE_DIR` names one
/// (a cache file to build is written before this returns): unreadable is a
/// usage fault, refused by the loader an invalid one (with its diagnostic).
pub fn load_plan(path: &std::path::Path, cache: bool) -> Result<Prepared, Fault> {
    let (prepared, deferred) = load_plan_deferred(path, cache)?;
    if let writ_runtime::Deferred::Write(pending) = deferred {
        report_cache(pending.write(&prepared));
    }
    Ok(prepared)
}

/// [`load_plan`], with a cache file to build left to write
/// ([`writ_runtime::Deferred::Write`]); any other status is reported here.
fn load_plan_deferred(
    path: &std::path::Path,
    cache: bool,
) -> Result<(Prepared, writ_runtime::Deferred), Fault> {
    let bytes = input::read(path, writ_diagnostics::limits::Input::Plan)?;
    let cache = cache
        .then(writ_runtime::PlanCache::default_dir)
        .flatten()
        .map(writ_runtime::PlanCache::at);
    match writ_runtime::load_prepared_deferred(FileId(0), bytes, cache.as_ref()) {
        Ok((prepared, deferred)) => match deferred {
            writ_runtime::Deferred::Done(status) => {
                report_cache(status);
                Ok((
                    prepared,
                    writ_runtime::Deferred::Done(writ_runtime::CacheStatus::Off),
                ))
            }
            pending => Ok((prepared, pending)),
        },
        Err(writ_runtime::LoadError::Plan { diagnostic, bytes }) => {
            let text = String::from_utf8(bytes)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
            let mut map = SourceMap::new();
            map.add(input::name(path), text);
            output::emit_diagnostics(&map, &[*diagnostic], output::DiagnosticFormat::Human);
            Err(Fault::invalid(format!(
                "`{}` is not a usable plan",
                input::name(path)
            )))
        }
        Err(writ_runtime::LoadError::Prepare(e)) => Err(Fault::invalid(e.to_string())),
    }
}

/// Says on standard error what became of the cache when it was refused
/// or could not be written (nothing otherwise).
fn report_cache(status: writ_runtime::CacheStatus) {
    match status {
        writ_runtime::CacheStatus::Refused(why) => {
            eprintln!("note: the prepared-plan cache was refused and rebuilt: {why}")
        }
        writ_runtime::CacheStatus::NotWritten(why) => {
            eprintln!("note: the prepared-plan cache was not written: {why}")
        }
        writ_runtime::CacheStatus::Off
        | writ_runtime::CacheStatus::Hit
        | writ_runtime::CacheStatus::Built => {}
    }
}

/// Runs `writ eval`. A cache file to build (the plan was prepared from
/// its JSON) is written on a second thread while the decision is made and
/// printed; the process waits for it (and reports a refusal or a failed
/// write) before it exits.
pub fn run(args: EvalArgs) -> ExitCode {
    let (prepared, deferred) = match load_plan_deferred(&args.plan, !args.no_plan_cache) {
        Ok(p) => p,
        Err(fault) => return fault.report(),
    };
    let code = std::thread::scope(|scope| {
        let writer = match deferred {
            writ_runtime::Deferred::Write(pending) => {
                let prepared = &prepared;
                Some(scope.spawn(move || pending.write(prepared)))
            }
            writ_runtime::Deferred::Done(_) => None,
        };
        let code = decide(&args, &prepared);
        if let Some(writer) = writer {
            let status = writer
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            report_cache(status);
        }
        code
    });
    // The process ends here: the prepared plan (the whole graph, a few
    // hundred MiB in as many allocations as it has strings at 100k
    // services) is handed back to the operating system at exit instead of
    // being freed allocation by allocation.
    std::mem::forget(prepared);
    code
}

/// Decides the change of `args` under `prepared` and prints the decision
/// (and writes the proof when asked); the exit status.
fn decide(args: &EvalArgs, prepared: &Prepared) -> ExitCode {
    let trust = match args.trust.establish(&args.plan, prepared.digest()) {
        Ok(trust) => trust,
        Err(e) => {
            super::trust::print_error(&e);
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let change = match input::change(&args.change) {
        Ok(change) => change,
        Err(fault) => return fault.report(),
    };
    let mut evidence = Evidence::default();
    // A folder that does not exist yet holds no evidence: nothing was recorded.
    if let Some(dir) = args.evidence.as_ref().filter(|d| d.exists()) {
        let loaded = args
            .trust
            .result_trust(prepared.digest(), None)
            .and_then(|trust| {
                writ_evidence::store::EvidenceDir::open(dir)
                    .and_then(|d| d.load(prepared.graph(), &change, &trust))
                    .map_err(String::from)
            });
        match loaded {
            Ok(l) => {
                for note in &l.notes {
                    eprintln!("note: {note}");
                }
                evidence.checks.extend(l.evidence.checks);
                evidence.approvals.extend(l.evidence.approvals);
            }
            Err(e) => return fail(e),
        }
    }
    for path in &args.evidence_json {
        let text = match input::read_text(path, writ_diagnostics::limits::Input::Evidence) {
            Ok(t) => t,
            Err(fault) => return fault.report(),
        };
        match serde_json::from_str::<Evidence>(&text) {
            Ok(e) => {
                evidence.checks.extend(e.checks);
                evidence.approvals.extend(e.approvals);
            }
            Err(e) => {
                return Fault::invalid(format!(
                    "`{}` is not evidence JSON: {e}",
                    input::name(path)
                ))
                .report();
            }
        }
    }
    let now = match &args.now {
        Some(t) => match writ_runtime::time::parse_rfc3339(t) {
            Some(t) => t,
            None => {
                return fail(format!(
                    "`--now {t}` is not an RFC 3339 time (e.g. 2026-05-01T12:00:00Z)"
                ));
            }
        },
        None => writ_runtime::system_now(),
    };
    let mut scratch = writ_runtime::Scratch::new(prepared);
    let verdict = prepared.decide(&mut scratch, &change, &evidence, now);
    let outcome = verdict.outcome();
    let printed = match args.format {
        ProofFormat::Json => {
            // Written straight from the settled decision, without the
            // proof tree: the same bytes (docs/proof.md § Benchmark).
            let json = verdict.into_json(Some(&trust));
            if let Some(path) = &args.proof {
                if let Err(e) = output::write_atomic(path, json.as_bytes()) {
                    return fail(format!("cannot write `{}`: {e}", path.display()));
                }
            }
            json
        }
        ProofFormat::Human | ProofFormat::Markdown => {
            let mut decision = verdict.into_decision();
            decision.proof.plan.trust = Some(trust);
            if let Some(path) = &args.proof {
                if let Err(e) = output::write_atomic(path, decision.to_json().as_bytes()) {
                    return fail(format!("cannot write `{}`: {e}", path.display()));
                }
            }
            if args.format == ProofFormat::Human {
                writ_runtime::explain::human(&decision.proof)
            } else {
                writ_runtime::explain::markdown(&decision.proof)
            }
        }
    };
    print!("{printed}");
    Exit::of_outcome(outcome).into()
}

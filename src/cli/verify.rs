//! `writ verify`: check a signed evidence bundle.

use super::EXIT_FAILURE;
use super::input::{self, Fault};
use super::output::{self, ReportFormat};
use std::path::PathBuf;
use std::process::ExitCode;
use writ_evidence::bundle::{self, PlanContext};
use writ_evidence::context;

/// Verify a signed evidence bundle and re-derive its decision.
///
/// Checks the envelope's signature against the trusted runner keys (any one
/// suffices; key ids are ignored), the payload type and the statement and
/// predicate types inside the signed bytes, the subject against the change
/// digest, the plan digest against --plan, and every approval inside: its
/// own signature against the person's keys in the plan's graph and its
/// binding to this change and plan. Then it **re-derives** the decision:
/// decides the change the bundle carries again under the plan, with the
/// evidence the bundle names, at the recorded decision time, and requires
/// the outcome and the proof the runner signed. The plan's own signature
/// must verify against a `plan` key (in the --trust file, or --plan-trust),
/// and a bundle whose decision was made under an unverified plan is refused
/// unless --insecure-unsigned-plan.
///
/// Prints VALID or INVALID. Exit status: 0 valid, 1 invalid, 2 a bundle,
/// trusted keys or plan that cannot be read (never VALID).
///
/// With `--proof` (or a `<bundle>.proof` sidecar beside the bundle) the
/// bundle's inclusion in the signed decision log is checked too.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  writ verify evidence/bundles/PR-42-….intoto.json --trust trust.keys --plan plan.json
  writ verify bundle.json --trust runners.keys --plan plan.json --plan-trust security.keys
  writ verify bundle.json --trust runners.keys --signature-only")]
pub struct VerifyArgs {
    /// The bundle file (`-`: standard input; then give --proof, as there is
    /// no `<bundle>.proof` beside it).
    bundle: PathBuf,
    /// Trusted keys: one `[ROLE] [NAME] ed25519:<base64>` per line; `runner`
    /// keys (and keys without a role) sign bundles, `plan` keys sign plans.
    #[arg(long, value_name = "KEYS")]
    trust: PathBuf,
    /// The plan the decision must have been made under (required unless
    /// --signature-only).
    #[arg(long, value_name = "FILE", required_unless_present = "signature_only")]
    plan: Option<PathBuf>,
    /// More trusted plan-signing keys (keys without a role sign plans here).
    #[arg(long, value_name = "KEYS")]
    plan_trust: Option<PathBuf>,
    /// Check the bundle's signatures and bindings only, without the plan:
    /// the decision is not re-derived (says so).
    #[arg(long, conflicts_with = "plan")]
    signature_only: bool,
    /// Accept a plan without a verified signature, and a decision made
    /// under one (local experiments only).
    #[arg(long)]
    insecure_unsigned_plan: bool,
    /// The bundle's ledger inclusion proof (default: `<bundle>.proof` beside
    /// it, when there is one): the bundle must be recorded in a log whose
    /// checkpoint a trusted key signed.
    #[arg(long, value_name = "FILE")]
    proof: Option<PathBuf>,
    /// Output format: `human` prints VALID or INVALID on stdout (details on
    /// stderr); `json` one `writ.verify/v1` document (docs/cli.md).
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    format: ReportFormat,
}

/// The `format` field of `writ verify --format json`.
pub const VERIFY_FORMAT: &str = "writ.verify/v1";

/// Why verification stopped: a usage or I/O problem (exit 2, no verdict),
/// or the bundle is invalid (exit 1).
enum Stop {
    Usage(String),
    Invalid(String),
}

/// Runs `writ verify`.
pub fn run(args: VerifyArgs) -> ExitCode {
    let mut doc = serde_json::Map::new();
    doc.insert("bundle".into(), input::name(&args.bundle).into());
    let result = verify(&args, &mut doc);
    let (valid, error) = match result {
        Ok(()) => (true, None),
        Err(Stop::Usage(message)) => return Fault::usage(message).report(),
        Err(Stop::Invalid(why)) => {
            eprintln!("error: {}: {why}", input::name(&args.bundle));
            (false, Some(why))
        }
    };
    match args.format {
        ReportFormat::Human => println!("{}", if valid { "VALID" } else { "INVALID" }),
        ReportFormat::Json => {
            doc.insert("valid".into(), valid.into());
            doc.insert("error".into(), error.into());
            output::print_versioned(VERIFY_FORMAT, serde_json::Value::Object(doc));
        }
    }
    if valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILURE)
    }
}

fn verify(
    args: &VerifyArgs,
    doc: &mut serde_json::Map<String, serde_json::Value>,
) -> Result<(), Stop> {
    use writ_plan::signature::{self as sig, Role};
    let trust_file = sig::read_trust_file(&args.trust).map_err(Stop::Usage)?;
    let trusted = sig::keys_for(&trust_file, Role::Runner, Role::Runner);
    let mut plan_keys = sig::keys_for(&trust_file, Role::Plan, Role::Runner);
    if let Some(path) = &args.plan_trust {
        let keys = sig::read_trust_file(path).map_err(Stop::Usage)?;
        plan_keys.extend(sig::keys_for(&keys, Role::Plan, Role::Plan));
    }
    let plan = match &args.plan {
        None => None,
        Some(path) => {
            let p = input::plan(path).map_err(|f| Stop::Usage(f.message))?;
            let g = context::plan_graph(&p, path).map_err(|e| Stop::Usage(e.to_string()))?;
            let digest = p.digest();
            Some((p, g, digest))
        }
    };
    let invalid = |why: String| Err(Stop::Invalid(why));
    if let (Some(path), Some((_, _, digest))) = (&args.plan, &plan) {
        match establish_plan(path, digest, &plan_keys, &args.trust) {
            Ok(key) => {
                eprintln!("plan signed by trusted key {key}");
                doc.insert("plan_key".into(), key.into());
            }
            Err(e) if args.insecure_unsigned_plan => {
                eprintln!("warning: INSECURE: {e} (accepted: --insecure-unsigned-plan)")
            }
            Err(e) => return invalid(e),
        }
    }
    let bytes = input::read(&args.bundle, writ_diagnostics::limits::Input::Bundle)
        .map_err(|f| Stop::Usage(f.message))?;
    let mut result_keys = sig::keys_for(&trust_file, Role::Runner, Role::Runner);
    result_keys.extend(sig::keys_for(&trust_file, Role::Results, Role::Runner));
    let checked = check_bundle(
        &args.bundle,
        &bytes,
        args.proof.as_deref(),
        &BundleKeys {
            runner: &trusted,
            results: &result_keys,
        },
        plan.as_ref().map(|(p, g, d)| (p, g, d.as_str())),
        args.insecure_unsigned_plan,
    );
    let Checked {
        report,
        included,
        rederived,
    } = match checked {
        Ok(c) => c,
        Err(why) => return invalid(why),
    };
    eprintln!(
        "{}: signed by trusted key {}",
        input::name(&args.bundle),
        writ_evidence::keys::public_key_text(&report.signer)
    );
    doc.insert(
        "signer".into(),
        writ_evidence::keys::public_key_text(&report.signer).into(),
    );
    doc.insert(
        "predicate_type".into(),
        report.predicate_type.clone().into(),
    );
    doc.insert("change_id".into(), report.change_id.clone().into());
    doc.insert("change_digest".into(), report.change_digest.clone().into());
    doc.insert("plan_digest".into(), report.plan_digest.clone().into());
    doc.insert("outcome".into(), report.outcome.clone().into());
    doc.insert("approvals".into(), report.approvals.clone().into());
    doc.insert("refused_approvals".into(), report.refused.clone().into());
    doc.insert("ledger_inclusion".into(), included.clone().into());
    eprintln!(
        "  {} for change {} ({}) under plan {}: {}",
        report.predicate_type,
        report.change_id,
        report.change_digest,
        report.plan_digest,
        report.outcome
    );
    if let Some(line) = included {
        eprintln!("  {line}");
    }
    if report
        .statement
        .pointer("/predicate/decision_clock")
        .and_then(serde_json::Value::as_str)
        == Some("given")
    {
        eprintln!(
            "  note: the decision time was given on the runner's command line (--now), not read \
             from its clock"
        );
        doc.insert("decision_time_given".into(), true.into());
    }
    if !report.approvals.is_empty() {
        eprintln!("  approvals verified: {}", report.approvals.join(", "));
    }
    for r in &report.refused {
        eprintln!("  approval refused by the runner: {r}");
    }
    if rederived {
        eprintln!(
            "  re-derived under the plan: {} (as signed)",
            report.outcome
        );
    } else if plan.is_none() {
        eprintln!("  signature only: the decision was not re-derived (pass --plan)");
    }
    doc.insert("rederived".into(), rederived.into());
    Ok(())
}

/// Checks that the plan at `path` (digest `digest`) is signed by one of
/// `plan_keys`; returns the key that signed it, as text.
pub(super) fn establish_plan(
    path: &std::path::Path,
    digest: &str,
    plan_keys: &[ed25519_dalek::VerifyingKey],
    trust: &std::path::Path,
) -> Result<String, String> {
    use writ_plan::signature as sig;
    if plan_keys.is_empty() {
        return Err(format!(
            "no plan-signing key is trusted: add `plan NAME ed25519:…` lines to `{}` or pass \
             --plan-trust KEYS",
            trust.display()
        ));
    }
    let bytes = writ_diagnostics::limits::read(
        &sig::signature_path(path),
        writ_diagnostics::limits::Input::Key,
    )
    .map_err(|e| format!("plan {digest} has no readable signature: {e}"))?;
    let v = sig::verify(&bytes, digest, plan_keys, writ_runtime::system_now())
        .map_err(|e| format!("plan {digest} refused: {e}"))?;
    Ok(sig::public_key_text(&v.key))
}

/// The keys a bundle is checked with.
pub(super) struct BundleKeys<'a> {
    /// Runner keys: sign bundles, checkpoints and the check results they ran.
    pub runner: &'a [ed25519_dalek::VerifyingKey],
    /// Runner and results keys: sign check results.
    pub results: &'a [ed25519_dalek::VerifyingKey],
}

/// What checking a bundle established.
pub(super) struct Checked {
    /// The verified statement and what it says.
    pub report: bundle::BundleReport,
    /// The ledger inclusion, in one line, when a proof was checked.
    pub included: Option<String>,
    /// Whether the decision was re-derived under the plan (a writ decision
    /// bundle checked with a plan).
    pub rederived: bool,
}

/// Every check `writ verify` makes of one bundle, and `writ report` of
/// each: the envelope's signature against the runner keys, the statement,
/// the approvals inside against the plan's graph, the ledger inclusion
/// proof (`proof`, else the `.proof` sidecar), that the runner verified
/// the plan's signature (unless `insecure_unsigned_plan`), and the
/// decision re-derived under `plan`. `Err` says why the bundle is invalid.
pub(super) fn check_bundle(
    path: &std::path::Path,
    bytes: &[u8],
    proof: Option<&std::path::Path>,
    keys: &BundleKeys<'_>,
    plan: Option<(&writ_plan::Plan, &writ_graph::Graph, &str)>,
    insecure_unsigned_plan: bool,
) -> Result<Checked, String> {
    let ctx = plan.map(|(_, graph, digest)| PlanContext { digest, graph });
    let report = bundle::verify_bundle(bytes, keys.runner, ctx)?;
    let included = writ_evidence::tlog::check_bundle_proof(path, bytes, proof, keys.runner)?;
    let decision = report.predicate_type == bundle::PREDICATE_TYPE;
    if decision {
        let verified = report
            .statement
            .pointer("/predicate/plan/trust/verified")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false);
        if !verified && !insecure_unsigned_plan {
            return Err(
                "the runner decided under a plan whose signature it did not verify \
                 (--insecure-unsigned-plan, or a bundle from an older writ)"
                    .into(),
            );
        }
    }
    let rederived = match plan {
        Some((p, graph, _)) if decision => {
            bundle::rederive(&report.statement, p, graph, keys.results)
                .map_err(|why| format!("re-derivation failed: {why}"))?;
            true
        }
        _ => false,
    };
    Ok(Checked {
        report,
        included,
        rederived,
    })
}

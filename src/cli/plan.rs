//! `writ plan`: compile policies and a graph into a signed, deterministic plan.

use super::output::{self, DiagnosticFormat};
use super::{EXIT_FAILURE, EXIT_USAGE};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use writ_diagnostics::{FileId, SourceMap};

mod emit;

/// Compile policies against the system graph into a plan CI can run.
///
/// The plan is the policy specialised to the graph: names resolved, selectors
/// resolved to node sets, the graph and the policy sources embedded. The same
/// inputs give byte-identical plans on any machine; the plan's identity is
/// the sha256 of its bytes, printed on success. With `--sign`, a detached
/// ed25519 signature is written beside it (`PLAN.sig`) so CI can refuse plans
/// the security team did not sign (`writ plan verify`).
///
/// For CI fan-out (docs/ci.md), `--emit` prints the checks to run, as a
/// GitHub Actions matrix or a JSON list: with `--change`, the checks that
/// change requires (less those `--evidence` already passed); without, every
/// check the plan could require. `--plan` reads a compiled plan instead of
/// compiling one; the digest then goes to stderr.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
#[command(after_long_help = "\
Examples:
  writ plan --policy policies/ --graph graph.json -o plan.json
  writ plan --policy policies/ --graph graph.json -o plan.json --sign security.key
  writ plan verify plan.json --trust trusted-keys.txt
  writ plan --plan plan.json --change change.json --emit github-matrix
  writ plan --policy policies/ --graph graph.json --emit json")]
pub struct PlanArgs {
    #[command(subcommand)]
    command: Option<PlanCommand>,
    /// Policy files or folders.
    #[arg(long = "policy", value_name = "PATH", default_value = ".")]
    policies: Vec<PathBuf>,
    /// The system graph (see docs/graph.md).
    #[arg(long, value_name = "FILE")]
    graph: Option<PathBuf>,
    /// Where to write the plan.
    #[arg(short, long, value_name = "FILE", default_value = "plan.json")]
    output: PathBuf,
    /// Sign the plan with this private key file (from `writ keygen`); the
    /// signature goes to `<output>.sig`.
    #[arg(long, value_name = "KEYFILE")]
    sign: Option<PathBuf>,
    /// Print the checks to run, for CI to fan out: `github-matrix` (one line
    /// for `strategy.matrix`) or `json` (a list).
    #[arg(long, value_name = "FORMAT")]
    emit: Option<emit::EmitFormat>,
    /// With --emit: only the checks this change requires.
    #[arg(long, value_name = "FILE", requires = "emit")]
    change: Option<PathBuf>,
    /// With --emit --change: leave out the checks this evidence folder shows passed.
    #[arg(long, value_name = "DIR", requires = "change")]
    evidence: Option<PathBuf>,
    /// With --emit: use this compiled plan instead of compiling one (nothing is written).
    #[arg(long = "plan", value_name = "FILE", requires = "emit", conflicts_with_all = ["graph", "sign"])]
    plan: Option<PathBuf>,
    /// With --sign: the signature expires after this long (`90d`, `12h`,
    /// `30m`); an expired plan is refused everywhere (rollback protection).
    #[arg(long, value_name = "DURATION", requires = "sign")]
    expires: Option<String>,
    #[command(flatten)]
    trust: super::trust::PlanTrustArgs,
}

#[derive(Debug, clap::Subcommand)]
enum PlanCommand {
    /// Verify a plan: canonical bytes, and a signature by a trusted key.
    ///
    /// Exit status: 0 valid, 1 invalid (modified, truncated, unsigned,
    /// signed by an untrusted key), 2 usage or I/O error.
    #[command(after_long_help = "\
Examples:
  writ plan verify plan.json --trust trusted-keys.txt
  writ plan verify plan.json --trust trusted-keys.txt --format json")]
    Verify(VerifyArgs),
}

#[derive(Debug, clap::Args)]
struct VerifyArgs {
    /// The plan file (`-`: standard input; then give --signature).
    plan: PathBuf,
    /// Trusted public keys: one `ed25519:<base64>` per line (`#` comments allowed).
    #[arg(long, value_name = "KEYS")]
    trust: PathBuf,
    /// The signature file (default: `<plan>.sig`).
    #[arg(long, value_name = "FILE")]
    signature: Option<PathBuf>,
    /// Output format: `human` prints VALID or INVALID on stdout (details on
    /// stderr); `json` one `writ.plan-verify/v1` document (docs/cli.md).
    #[arg(long, value_enum, default_value_t = output::ReportFormat::Human)]
    format: output::ReportFormat,
}

/// The `format` field of `writ plan verify --format json`.
pub const PLAN_VERIFY_FORMAT: &str = "writ.plan-verify/v1";

/// Prints the verdict of `writ plan verify` and returns its exit status.
fn verdict(
    format: output::ReportFormat,
    digest: Option<&str>,
    signed: Result<serde_json::Value, (String, String)>,
) -> ExitCode {
    let valid = signed.is_ok();
    match format {
        output::ReportFormat::Human => println!("{}", if valid { "VALID" } else { "INVALID" }),
        output::ReportFormat::Json => {
            let (signature, error) = match signed {
                Ok(v) => (v, serde_json::Value::Null),
                Err((code, message)) => (
                    serde_json::Value::Null,
                    serde_json::json!({"code": code, "message": message}),
                ),
            };
            output::print_versioned(
                PLAN_VERIFY_FORMAT,
                serde_json::json!({
                    "valid": valid,
                    "digest": digest,
                    "signature": signature,
                    "error": error,
                }),
            );
        }
    }
    if valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILURE)
    }
}

/// Runs `writ plan`.
pub fn run(args: PlanArgs) -> ExitCode {
    if let Some(PlanCommand::Verify(v)) = args.command {
        return verify(v);
    }
    if let (Some(format), Some(plan_path)) = (args.emit, args.plan.as_deref()) {
        let jobs = super::input::plan(plan_path)
            .map_err(|f| f.message)
            .and_then(|plan| {
                let digest = plan.digest();
                args.trust.establish(plan_path, &digest)?;
                let trust = args.trust.result_trust(&digest, None)?;
                emit::jobs(
                    &plan,
                    plan_path,
                    args.change.as_deref(),
                    args.evidence.as_deref().map(|d| (d, &trust)),
                )
            });
        return match jobs {
            Ok(jobs) => {
                emit::print(&jobs, format);
                ExitCode::SUCCESS
            }
            Err(message) => {
                super::trust::print_error(&message);
                ExitCode::from(EXIT_USAGE)
            }
        };
    }
    let expires_secs = match args.expires.as_deref().map(parse_duration) {
        None => None,
        Some(Ok(secs)) => Some(secs),
        Some(Err(e)) => {
            output::usage_error(e);
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let Some(graph) = args.graph.as_deref() else {
        output::usage_error("a plan needs a system graph: pass `--graph FILE`");
        return ExitCode::from(EXIT_USAGE);
    };
    let host = match super::input::load_host(&args.policies, Some(graph)) {
        Ok(host) => host,
        Err(message) => {
            output::usage_error(message);
            return ExitCode::from(EXIT_USAGE);
        }
    };
    // The graph loads first; its canonical text and digest (what the plan
    // embeds, about a sixth of the CPU at 100,000 nodes) are then made on a
    // second thread while this one checks the policy. The plan takes them
    // only for the very graph it compiles against.
    let loaded = host.graph();
    let planned = std::thread::scope(|scope| {
        let prepare =
            loaded.map(|graph| scope.spawn(move || writ_analysis::PreparedGraph::new(graph).ok()));
        let warnings: Vec<_> = host
            .diagnostics()
            .into_iter()
            .filter(|d| !d.is_error())
            .collect();
        output::emit_diagnostics(&host.sources, &warnings, DiagnosticFormat::Human);
        let prepared = prepare.and_then(|handle| {
            handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        });
        host.plan_prepared(prepared)
    });
    let plan = match planned {
        Ok(plan) => plan,
        Err(errors) => {
            output::emit_diagnostics(&host.sources, &errors, DiagnosticFormat::Human);
            eprintln!("no plan written: {}", super::plural(errors.len(), "error"));
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    // Nothing below reads the host, and the process ends after the plan
    // is written: its memory (the graph text, document and indices, over a
    // hundred megabytes at 100,000 nodes) goes back with the process instead
    // of being freed allocation by allocation (about 3.5% of `writ plan`'s
    // CPU; docs/measured/plan.md § Measured: interned names).
    std::mem::forget(host);
    // The canonical bytes go straight to the file (never whole in memory),
    // hashed on the way: `Plan::digest` of these very bytes.
    let mut digest = String::new();
    if let Err(e) = output::write_atomic_with(&args.output, |w| {
        digest = plan.write_canonical(w)?;
        Ok(())
    }) {
        output::usage_error(format!("cannot write `{}`: {e}", args.output.display()));
        return ExitCode::from(EXIT_USAGE);
    }
    if let Some(key_path) = &args.sign {
        let key = match read_key(key_path) {
            Ok(key) => key,
            Err(message) => {
                output::usage_error(message);
                return ExitCode::from(EXIT_USAGE);
            }
        };
        let issued_at = writ_runtime::system_now();
        let expires_at = expires_secs.map(|d| issued_at.saturating_add(d));
        let signature = writ_plan::signature::sign(&digest, &key, issued_at, expires_at);
        let mut sig_bytes = serde_json::to_vec_pretty(&signature).unwrap_or_default();
        sig_bytes.push(b'\n');
        let sig_path = writ_plan::signature::signature_path(&args.output);
        if let Err(e) = output::write_atomic(&sig_path, &sig_bytes) {
            output::usage_error(format!("cannot write `{}`: {e}", sig_path.display()));
            return ExitCode::from(EXIT_USAGE);
        }
        eprintln!("signed by {} → {}", signature.key, sig_path.display());
    }
    eprintln!(
        "plan: {}, {}, {}, {} → {}",
        super::plural(plan.rules.len(), "rule"),
        super::plural(plan.forbids.len(), "forbid"),
        super::plural(plan.chains.len(), "chain"),
        super::plural(plan.graph.node_count(), "node"),
        args.output.display()
    );
    let Some(format) = args.emit else {
        println!("{digest}");
        return ExitCode::SUCCESS;
    };
    eprintln!("{digest}");
    let trust = writ_evidence::store::ResultTrust {
        plan_digest: digest.clone(),
        keys: Vec::new(),
    };
    let trust = match args.evidence.is_some() {
        true => match args.trust.result_trust(&digest, None) {
            Ok(t) => t,
            Err(e) => {
                super::trust::print_error(&e);
                return ExitCode::from(EXIT_USAGE);
            }
        },
        false => trust,
    };
    match emit::jobs(
        &plan,
        &args.output,
        args.change.as_deref(),
        args.evidence.as_deref().map(|d| (d, &trust)),
    ) {
        Ok(jobs) => {
            emit::print(&jobs, format);
            ExitCode::SUCCESS
        }
        Err(message) => {
            output::usage_error(message);
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// Parses `90d`, `12h`, `30m`, `45s` (or a sum like `1d12h`) into seconds.
fn parse_duration(text: &str) -> Result<i64, String> {
    let bad = || format!("`--expires {text}`: write a duration such as `90d`, `12h` or `30m`");
    let mut total: i64 = 0;
    let mut digits = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            's' => 1,
            _ => return Err(bad()),
        };
        let n: i64 = digits.parse().map_err(|_| bad())?;
        total = n
            .checked_mul(unit)
            .and_then(|x| total.checked_add(x))
            .ok_or_else(bad)?;
        digits.clear();
    }
    if !digits.is_empty() || total <= 0 {
        return Err(bad());
    }
    Ok(total)
}

fn read_key(path: &Path) -> Result<ed25519_dalek::SigningKey, String> {
    let text = writ_diagnostics::limits::read_text(path, writ_diagnostics::limits::Input::Key)
        .map_err(|e| format!("cannot read key `{}`: {e}", path.display()))?;
    writ_plan::signature::parse_signing_key(&text).map_err(|e| format!("`{}`: {e}", path.display()))
}

fn verify(args: VerifyArgs) -> ExitCode {
    let bytes = match super::input::read(&args.plan, writ_diagnostics::limits::Input::Plan) {
        Ok(b) => b,
        Err(fault) => return fault.report(),
    };
    let trusted = match writ_plan::signature::read_trust_file(&args.trust) {
        Ok(keys) => writ_plan::signature::keys_for(
            &keys,
            writ_plan::signature::Role::Plan,
            writ_plan::signature::Role::Plan,
        ),
        Err(e) => {
            output::usage_error(e);
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let plan = match writ_plan::load(FileId(0), &bytes) {
        Ok(plan) => plan,
        Err(d) => {
            let mut files = SourceMap::new();
            files.add(
                super::input::name(&args.plan),
                String::from_utf8_lossy(&bytes).into_owned(),
            );
            let refused = (d.code.id().to_string(), d.message.clone());
            output::emit_diagnostics(&files, &[*d], DiagnosticFormat::Human);
            return verdict(args.format, None, Err(refused));
        }
    };
    let digest = plan.digest();
    let sig_path = args
        .signature
        .unwrap_or_else(|| writ_plan::signature::signature_path(&args.plan));
    let sig = match writ_diagnostics::limits::read(&sig_path, writ_diagnostics::limits::Input::Key)
    {
        Ok(sig) => sig,
        Err(e) => {
            let message = format!(
                "plan {digest} has no readable signature `{}`: {e}",
                sig_path.display()
            );
            eprintln!("error[E0705]: {message}");
            return verdict(args.format, Some(&digest), Err(("E0705".into(), message)));
        }
    };
    match writ_plan::signature::verify(&sig, &digest, &trusted, writ_runtime::system_now()) {
        Ok(v) => {
            eprintln!(
                "plan {digest} is signed by trusted key {} (issued at {}, {})",
                writ_plan::signature::public_key_text(&v.key),
                writ_runtime::time::format_rfc3339(v.issued_at),
                v.expires_at.map_or_else(
                    || "no expiry".to_string(),
                    |t| format!("expires at {}", writ_runtime::time::format_rfc3339(t))
                )
            );
            let signature = serde_json::json!({
                "key": writ_plan::signature::public_key_text(&v.key),
                "issued_at": writ_runtime::time::format_rfc3339(v.issued_at),
                "expires_at": v.expires_at.map(writ_runtime::time::format_rfc3339),
            });
            verdict(args.format, Some(&digest), Ok(signature))
        }
        Err(e) => {
            eprintln!("error[{}]: plan {digest}: {e}", e.code());
            let refused = (e.code().to_string(), format!("plan {digest}: {e}"));
            verdict(args.format, Some(&digest), Err(refused))
        }
    }
}

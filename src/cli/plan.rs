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
/// Examples:
///   writ plan --policy policies/ --graph graph.json -o plan.json
///   writ plan --policy policies/ --graph graph.json -o plan.json --sign security.key
///   writ plan verify plan.json --trust trusted-keys.txt
///
/// For CI fan-out (docs/ci.md), `--emit` prints the checks to run, as a
/// GitHub Actions matrix or a JSON list: with `--change`, the checks that
/// change requires (less those `--evidence` already passed); without, every
/// check the plan could require. `--plan` reads a compiled plan instead of
/// compiling one; the digest then goes to stderr.
///   writ plan --plan plan.json --change change.json --emit github-matrix
///   writ plan --policy policies/ --graph graph.json --emit json
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
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
}

#[derive(Debug, clap::Subcommand)]
enum PlanCommand {
    /// Verify a plan: canonical bytes, and a signature by a trusted key.
    ///
    /// Exit status: 0 valid, 1 invalid (modified, truncated, unsigned,
    /// signed by an untrusted key), 2 usage or I/O error.
    Verify(VerifyArgs),
}

#[derive(Debug, clap::Args)]
struct VerifyArgs {
    /// The plan file.
    plan: PathBuf,
    /// Trusted public keys: one `ed25519:<base64>` per line (`#` comments allowed).
    #[arg(long, value_name = "KEYS")]
    trust: PathBuf,
    /// The signature file (default: `<plan>.sig`).
    #[arg(long, value_name = "FILE")]
    signature: Option<PathBuf>,
}

/// Runs `writ plan`.
pub fn run(args: PlanArgs) -> ExitCode {
    if let Some(PlanCommand::Verify(v)) = args.command {
        return verify(v);
    }
    if let (Some(format), Some(plan_path)) = (args.emit, args.plan.as_deref()) {
        let jobs = writ_evidence::context::load_plan(plan_path).and_then(|plan| {
            emit::jobs(
                &plan,
                plan_path,
                args.change.as_deref(),
                args.evidence.as_deref(),
            )
        });
        return match jobs {
            Ok(jobs) => {
                emit::print(&jobs, format);
                ExitCode::SUCCESS
            }
            Err(message) => {
                output::usage_error(message);
                ExitCode::from(EXIT_USAGE)
            }
        };
    }
    let Some(graph) = args.graph.as_deref() else {
        output::usage_error("a plan needs a system graph: pass `--graph FILE`");
        return ExitCode::from(EXIT_USAGE);
    };
    let host = match output::load_host(&args.policies, Some(graph)) {
        Ok(host) => host,
        Err(message) => {
            output::usage_error(message);
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let warnings: Vec<_> = host
        .diagnostics()
        .into_iter()
        .filter(|d| !d.is_error())
        .collect();
    output::emit_diagnostics(&host.sources, &warnings, DiagnosticFormat::Human);
    let plan = match host.plan() {
        Ok(plan) => plan,
        Err(errors) => {
            output::emit_diagnostics(&host.sources, &errors, DiagnosticFormat::Human);
            eprintln!(
                "no plan written: {} error{}",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" }
            );
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let bytes = plan.to_canonical_bytes();
    let digest = plan.digest();
    if let Err(e) = output::write_atomic(&args.output, &bytes) {
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
        let signature = writ_plan::signature::sign(&digest, &key);
        let mut sig_bytes = serde_json::to_vec_pretty(&signature).unwrap_or_default();
        sig_bytes.push(b'\n');
        let sig_path = signature_path(&args.output);
        if let Err(e) = output::write_atomic(&sig_path, &sig_bytes) {
            output::usage_error(format!("cannot write `{}`: {e}", sig_path.display()));
            return ExitCode::from(EXIT_USAGE);
        }
        eprintln!("signed by {} → {}", signature.key, sig_path.display());
    }
    eprintln!(
        "plan: {} rule{}, {} forbid{}, {} chain{}, {} node{} → {}",
        plan.rules.len(),
        s(plan.rules.len()),
        plan.forbids.len(),
        s(plan.forbids.len()),
        plan.chains.len(),
        s(plan.chains.len()),
        plan.graph.node_count(),
        s(plan.graph.node_count()),
        args.output.display()
    );
    let Some(format) = args.emit else {
        println!("{digest}");
        return ExitCode::SUCCESS;
    };
    eprintln!("{digest}");
    match emit::jobs(
        &plan,
        &args.output,
        args.change.as_deref(),
        args.evidence.as_deref(),
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

fn s(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn signature_path(plan: &Path) -> PathBuf {
    let mut name = plan.as_os_str().to_owned();
    name.push(".sig");
    PathBuf::from(name)
}

fn read_key(path: &Path) -> Result<ed25519_dalek::SigningKey, String> {
    let text = writ_diagnostics::limits::read_text(path, writ_diagnostics::limits::Input::Key)
        .map_err(|e| format!("cannot read key `{}`: {e}", path.display()))?;
    writ_plan::signature::parse_signing_key(&text).map_err(|e| format!("`{}`: {e}", path.display()))
}

fn verify(args: VerifyArgs) -> ExitCode {
    let bytes =
        match writ_diagnostics::limits::read(&args.plan, writ_diagnostics::limits::Input::Plan) {
            Ok(b) => b,
            Err(e) => {
                output::usage_error(format!("cannot read `{}`: {e}", args.plan.display()));
                return ExitCode::from(EXIT_USAGE);
            }
        };
    let trusted = match writ_diagnostics::limits::read_text(
        &args.trust,
        writ_diagnostics::limits::Input::Key,
    )
    .map_err(|e| e.to_string())
    .and_then(|t| writ_plan::signature::parse_trusted_keys(&t))
    {
        Ok(keys) => keys,
        Err(e) => {
            output::usage_error(format!("trusted keys `{}`: {e}", args.trust.display()));
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let plan = match writ_plan::load(FileId(0), &bytes) {
        Ok(plan) => plan,
        Err(d) => {
            let mut files = SourceMap::new();
            files.add(
                output::display_path(&args.plan),
                String::from_utf8_lossy(&bytes).into_owned(),
            );
            output::emit_diagnostics(&files, &[*d], DiagnosticFormat::Human);
            println!("INVALID");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let digest = plan.digest();
    let sig_path = args.signature.unwrap_or_else(|| signature_path(&args.plan));
    let sig = match writ_diagnostics::limits::read(&sig_path, writ_diagnostics::limits::Input::Key)
    {
        Ok(sig) => sig,
        Err(e) => {
            eprintln!(
                "error[E0705]: plan {digest} has no readable signature `{}`: {e}",
                sig_path.display()
            );
            println!("INVALID");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    match writ_plan::signature::verify(&sig, &digest, &trusted) {
        Ok(key) => {
            eprintln!(
                "plan {digest} is signed by trusted key {}",
                writ_plan::signature::public_key_text(&key)
            );
            println!("VALID");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error[E0705]: plan {digest}: {e}");
            println!("INVALID");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

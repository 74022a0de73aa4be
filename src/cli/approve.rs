//! `writ approve`: sign an approval bound to a change and a plan.

use super::output::ReportFormat;
use super::{EXIT_FAILURE, EXIT_USAGE};
use std::path::PathBuf;
use std::process::ExitCode;
use writ_evidence::approval::{self, ApprovalStatement};
use writ_evidence::context;
use writ_evidence::store::EvidenceDir;

/// Sign an approval of a change, bound to its digest and the plan's digest.
///
/// The approval records the person, the chain (optional), the change id and
/// digest, the plan digest, the time and a comment, signed with the person's
/// ed25519 key. It is stored under `approvals/` in the evidence folder (or
/// written to --output). A new push changes the change digest and makes the
/// approval stale; it never counts for another change or plan.
///
/// The person must be a human of the plan's graph and the key one of their
/// keys there; agents, the author and the change's contributors never
/// approve, and `writ approve` refuses to sign for them. Breaking the glass
/// needs `--chain EMERGENCY`: an approval without a chain counts for approval
/// chains only, never for an emergency path.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  writ approve --change change.json --plan plan.json --key ~/.writ/ana.key --as ana
  writ approve --change change.json --plan plan.json --key sam.key --as sam \\
      --chain std::approvals::security_signoff --comment \"reviewed the crypto\"")]
pub struct ApproveArgs {
    /// The change file (from `writ change`; `-`: standard input).
    #[arg(long, value_name = "FILE")]
    change: PathBuf,
    /// The compiled plan in force.
    #[arg(long, value_name = "FILE")]
    plan: PathBuf,
    /// The approver's private key file.
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// The approver's person id in the graph.
    #[arg(long = "as", value_name = "PERSON")]
    person: String,
    /// The chain or emergency path approved for (required to break the
    /// glass); default: any approval chain, never an emergency path.
    #[arg(long, value_name = "NAME")]
    chain: Option<String>,
    /// A comment kept in the signed approval.
    #[arg(long)]
    comment: Option<String>,
    /// The evidence folder to store the approval in.
    #[arg(long, value_name = "DIR", default_value = "evidence")]
    evidence: PathBuf,
    /// Write the approval to this file instead.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// Output format: `human` prints the approval's path; `json` one
    /// `writ.approve/v1` document (docs/cli.md).
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    format: ReportFormat,
}

/// The `format` field of `writ approve --format json`.
pub const APPROVE_FORMAT: &str = "writ.approve/v1";

/// Runs `writ approve`.
pub fn run(args: ApproveArgs) -> ExitCode {
    match approve(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err((code, message)) => {
            eprintln!("error: {message}");
            ExitCode::from(code)
        }
    }
}

fn approve(args: ApproveArgs) -> Result<(), (u8, String)> {
    let usage = |e: String| (EXIT_USAGE, e);
    let refuse = |e: String| (EXIT_FAILURE, e);
    let plan = super::input::plan(&args.plan).map_err(|f| (f.exit.code(), f.message))?;
    let graph = context::plan_graph(&plan, &args.plan).map_err(|e| usage(e.to_string()))?;
    let change = super::input::change(&args.change).map_err(|f| (f.exit.code(), f.message))?;
    let key = writ_evidence::keys::read_private_key(&args.key).map_err(|e| usage(e.to_string()))?;
    let person = graph.person(&args.person).ok_or_else(|| {
        refuse(format!(
            "`{}` is not a person of the plan's graph",
            args.person
        ))
    })?;
    if person.kind == writ_graph::PrincipalKind::Agent {
        return Err(refuse(format!(
            "`{}` is an agent; agents never approve",
            args.person
        )));
    }
    let keys = approval::person_keys(&graph, &args.person).map_err(|e| refuse(e.to_string()))?;
    if !keys.contains(&key.verifying_key()) {
        return Err(refuse(format!(
            "the key in `{}` ({}) is not one of `{}`'s keys in the graph",
            args.key.display(),
            writ_evidence::keys::public_key_text(&key.verifying_key()),
            args.person
        )));
    }
    if let Some(chain) = &args.chain {
        if plan.chain(chain).is_none() && plan.emergency(chain).is_none() {
            return Err(refuse(format!(
                "the plan has no approval chain or emergency path `{chain}`{}",
                chain_hint(&plan, chain)
            )));
        }
    }
    // An approval that would deny the change is never signed: the author
    // and every contributor (committer, co-author, uploader) are excluded.
    if change.author.id.as_deref() == Some(args.person.as_str()) {
        return Err(refuse(format!(
            "`{}` authored change {}: the author never approves their own change",
            args.person, change.id
        )));
    }
    if change
        .contributors
        .iter()
        .any(|c| c.id.as_deref() == Some(args.person.as_str()))
    {
        return Err(refuse(format!(
            "`{}` contributed to change {} (a committer, co-author or uploader) and never \
             approves it",
            args.person, change.id
        )));
    }
    let plan_digest = plan.digest();
    let statement = ApprovalStatement::new(
        &args.person,
        &change,
        &plan_digest,
        args.chain.clone(),
        args.comment,
    );
    would_count(&plan, &graph, &change, &statement, &args.evidence).map_err(refuse)?;
    let (_, bytes) = approval::sign_approval(&statement, &key);
    let path = match &args.output {
        Some(path) => writ_evidence::fsutil::write_atomic(path, &bytes, 0o644)
            .map(|()| path.clone())
            .map_err(|e| usage(format!("cannot write `{}`: {e}", path.display())))?,
        None => EvidenceDir::create(&args.evidence)
            .and_then(|dir| dir.store_approval(&args.person, &bytes))
            .map_err(|e| usage(e.to_string()))?,
    };
    match args.format {
        ReportFormat::Human => println!("{}", path.display()),
        ReportFormat::Json => super::output::print_versioned(
            APPROVE_FORMAT,
            serde_json::json!({
                "approval": path.display().to_string(),
                "person": args.person,
                "chain": statement.chain,
                "change_id": change.id,
                "change_digest": change.digest,
                "plan_digest": plan_digest,
            }),
        ),
    }
    eprintln!(
        "{} approved change {} ({}) under plan {}",
        args.person, change.id, change.digest, plan_digest
    );
    Ok(())
}

/// " (did you mean `std::approvals::team_signoff`?)" for a chain or emergency
/// path name given without its module, or misspelt; empty when nothing is close.
fn chain_hint(plan: &writ_plan::Plan, given: &str) -> String {
    let mut names: Vec<&str> = plan
        .chains
        .iter()
        .map(|c| c.id.as_str())
        .chain(plan.emergencies.iter().map(|e| e.id.as_str()))
        .collect();
    names.sort_unstable();
    names.dedup();
    // The name without its module: `team_signoff` for `std::approvals::team_signoff`.
    let unqualified: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| n.rsplit("::").next() == Some(given))
        .collect();
    if let [only] = unqualified.as_slice() {
        return format!(" (did you mean `{only}`? names carry their module)");
    }
    if unqualified.len() > 1 {
        return format!(
            " (it needs its module: one of `{}`)",
            unqualified.join("`, `")
        );
    }
    match writ_diagnostics::did_you_mean(given, names.iter().copied()) {
        Some(close) => format!(" (did you mean `{close}`?)"),
        None if names.is_empty() => " (the plan has none)".to_string(),
        None => format!("; the plan has: {}", names.join(", ")),
    }
}

/// Refuses an approval that would not count: decides the change with the
/// approvals already in the evidence folder plus this one, and requires this
/// one to be used by some approval obligation or emergency path. The reason
/// the decision engine gives is the message.
fn would_count(
    plan: &writ_plan::Plan,
    graph: &writ_graph::Graph,
    change: &writ_graph::Change,
    statement: &ApprovalStatement,
    evidence_dir: &std::path::Path,
) -> Result<(), String> {
    let mut evidence = writ_runtime::Evidence::default();
    if evidence_dir.is_dir() {
        let none = writ_evidence::store::ResultTrust {
            plan_digest: String::new(),
            keys: Vec::new(),
        };
        if let Ok(loaded) =
            EvidenceDir::open(evidence_dir).and_then(|d| d.load(graph, change, &none))
        {
            evidence.approvals = loaded.evidence.approvals;
        }
    }
    let candidate = "sha256:the-approval-being-signed";
    evidence.approvals.retain(|a| a.person != statement.person);
    evidence.approvals.push(writ_runtime::Approval {
        person: statement.person.clone(),
        key: String::new(),
        chain: statement.chain.clone(),
        change_id: statement.change_id.clone(),
        change_digest: statement.change_digest.clone(),
        plan_digest: statement.plan_digest.clone(),
        signed_at: statement.signed_at,
        digest: candidate.into(),
        signature_verified: true,
    });
    let decision = writ_runtime::evaluate_at(plan, change, &evidence, statement.signed_at);
    let proof = &decision.proof;
    if let Some(r) = proof.rejected.iter().find(|r| r.digest == candidate) {
        return Err(format!(
            "the approval would not count: {} (nothing signed)",
            r.reason
        ));
    }
    for r in decision.reasons() {
        if let writ_runtime::Reason::InvalidApproval { digest, why, .. } = r
            && digest == candidate
        {
            return Err(format!(
                "the approval would deny the change: {why} (nothing signed)"
            ));
        }
    }
    let used = proof.obligations.iter().any(|o| {
        o.approval.as_ref().is_some_and(|a| {
            a.steps
                .iter()
                .any(|s| s.approvals.iter().any(|u| u.digest == candidate))
        })
    }) || proof.forbids.iter().any(|f| {
        f.emergencies
            .iter()
            .any(|e| e.approvers.approvals.iter().any(|u| u.digest == candidate))
    });
    if used {
        return Ok(());
    }
    let what = match &statement.chain {
        Some(c) => format!("`{c}`"),
        None => "any approval".into(),
    };
    Err(format!(
        "the approval would not count: `{}` is not needed for {what} this change requires \
         (not eligible, not required, or an earlier `then` step is not complete yet; see \
         `writ eval`) — nothing signed",
        statement.person
    ))
}

//! The one decision section, shared by `writ report` (one per decision)
//! and `writ explain --format html` (a page of one): outcome, reasons,
//! controls evidenced, the graph neighbourhood with its witness paths, the
//! rules that fired with their source, every obligation with the evidence
//! that discharged it or who can supply what is missing, forbids, and
//! rejected evidence. Forbids that applied or were lifted come before the
//! graph: they are what an auditor looks for first in a denied or emergency
//! change.

use crate::controls;
use crate::graph;
use crate::html::Html;
use std::collections::BTreeSet;
use writ_runtime::Proof;
use writ_runtime::proof::{
    ApprovalObligation, CheckObligation, ForbidStatus, ObligationProof, Outcome, Status, StepProof,
    Unblock,
};

/// Witness path lists up to this long are shown open.
const OPEN_PATHS: usize = 8;

/// Where the section's proof comes from, and what was checked about it.
#[derive(Clone, Copy, Debug)]
pub enum Provenance<'a> {
    /// A bundle that verified (signature, approvals, re-derivation).
    Verified {
        /// The evidence folder.
        folder: &'a str,
        /// The bundle's file name.
        bundle: &'a str,
        /// The trusted key that signed it.
        signer: &'a str,
        /// The ledger inclusion, in one line, when checked.
        inclusion: Option<&'a str>,
        /// The decision time was given (`--now`), not the runner's clock.
        time_given: bool,
    },
    /// A proof file as given to `writ explain`: not verified.
    ProofFile {
        /// Its name.
        name: &'a str,
    },
}

/// What one section shows.
#[derive(Clone, Copy, Debug)]
pub struct Section<'a> {
    /// The element id (unique in the page; also prefixes the SVG's ids).
    pub anchor: &'a str,
    /// The decision's proof.
    pub proof: &'a Proof,
    /// Where it comes from.
    pub provenance: Provenance<'a>,
    /// Owners of the touched nodes (for filtering), sorted.
    pub teams: &'a [String],
    /// The documentation root for control links.
    pub docs_url: &'a str,
}

/// The icon and word of an outcome: never colour alone.
pub fn outcome_badge(out: &mut Html, outcome: Option<Outcome>) {
    let (class, icon, word) = match outcome {
        Some(Outcome::Allow) => ("badge allow", "✓", "Allowed"),
        Some(Outcome::Deny) => ("badge deny", "✗", "Denied"),
        Some(Outcome::Pending) => ("badge pending", "◷", "Pending"),
        None => ("badge unverified", "⚠", "Unverified"),
    };
    out.raw("<span")
        .attr("class", class)
        .raw("><span aria-hidden=\"true\">")
        .text(icon)
        .raw("</span> ")
        .text(word)
        .raw("</span>");
}

fn status_badge(out: &mut Html, status: Status) {
    let (class, icon, word) = match status {
        Status::Satisfied => ("status satisfied", "✓", "satisfied"),
        Status::Missing => ("status missing", "…", "missing"),
        Status::Failed => ("status failed", "✗", "failed"),
    };
    out.raw("<span")
        .attr("class", class)
        .raw("><span aria-hidden=\"true\">")
        .text(icon)
        .raw("</span> ")
        .text(word)
        .raw("</span>");
}

/// The services (touched and bound nodes) of a proof, sorted.
pub fn services(proof: &Proof) -> BTreeSet<String> {
    proof
        .touched
        .iter()
        .map(|&t| proof.name(t).to_string())
        .chain(
            proof
                .rules
                .iter()
                .flat_map(|r| &r.instances)
                .flat_map(|i| i.bindings.iter().map(|b| proof.name(b.node).to_string())),
        )
        .collect()
}

/// The people of a proof: its author and everyone whose approval counted.
pub fn people(proof: &Proof) -> BTreeSet<String> {
    let mut set: BTreeSet<String> = proof.change.author.iter().cloned().collect();
    for o in &proof.obligations {
        if let Some(a) = &o.approval {
            for s in &a.steps {
                set.extend(s.approvals.iter().map(|a| a.person.clone()));
            }
        }
    }
    for f in &proof.forbids {
        for e in &f.emergencies {
            set.extend(e.approvers.approvals.iter().map(|a| a.person.clone()));
        }
    }
    set
}

use writ_runtime::explain::short;

fn key_short(key: &str) -> String {
    if key.chars().count() > 20 {
        format!("{}…", key.chars().take(20).collect::<String>())
    } else {
        key.to_string()
    }
}

/// Writes one decision section.
pub fn section(out: &mut Html, s: &Section<'_>) {
    let p = s.proof;
    out.raw("<section class=\"decision\"").attr("id", s.anchor);
    filter_attrs(out, p, s.teams);
    out.attr("aria-labelledby", &format!("{}-h", s.anchor))
        .raw("><h2")
        .attr("id", &format!("{}-h", s.anchor))
        .raw(">");
    outcome_badge(out, Some(p.outcome));
    out.raw(" <span class=\"change-id\">")
        .text(&p.change.id)
        .raw("</span></h2>");

    // Facts.
    out.raw("<dl class=\"facts\"><dt>Decided</dt><dd><time>")
        .text(&p.decided_at)
        .raw("</time></dd><dt>Author</dt><dd>")
        .text(p.change.author.as_deref().unwrap_or("unknown"))
        .text(&format!(" ({})", p.change.author_kind))
        .raw("</dd><dt>Change</dt><dd><code>")
        .text(short(&p.change.digest))
        .raw("</code>, changed at <time>")
        .text(&p.change.time)
        .raw("</time>");
    if p.change.emergency {
        out.raw(" <strong class=\"flag\">emergency</strong>");
    }
    out.raw("</dd>");
    if !p.change.labels.is_empty() {
        out.raw("<dt>Labels</dt><dd>")
            .text(&p.change.labels.join(", "))
            .raw("</dd>");
    }
    out.raw("<dt>Plan</dt><dd><code>")
        .text(short(&p.plan.digest))
        .raw("</code>");
    if let Some(t) = &p.plan.trust {
        out.text(if t.verified {
            " (signature verified by the runner)"
        } else {
            " (signature NOT verified by the runner)"
        });
    }
    out.raw("</dd><dt>Evidence</dt><dd>");
    match s.provenance {
        Provenance::Verified {
            folder,
            bundle,
            signer,
            inclusion,
            time_given,
        } => {
            out.raw("<span class=\"verified\"><span aria-hidden=\"true\">✓</span> verified</span> bundle <code>")
                .text(folder)
                .text("/bundles/")
                .text(bundle)
                .raw("</code>, signed by <code>")
                .text(&key_short(signer))
                .raw("</code>; decision re-derived under the plan");
            match inclusion {
                Some(line) => out.text("; ").text(line),
                None => out.text("; no ledger inclusion proof beside it"),
            };
            if time_given {
                out.text("; the decision time was given on the runner's command line (--now)");
            }
        }
        Provenance::ProofFile { name } => {
            out.raw("<span class=\"unverified-note\"><span aria-hidden=\"true\">⚠</span> not verified</span>: rendered from the proof file <code>")
                .text(name)
                .raw("</code> as given (verify the bundle with <code>writ verify</code>, or render the evidence folder with <code>writ report</code>)");
        }
    }
    out.raw("</dd></dl>");

    // Reasons.
    if !p.reasons.is_empty() {
        out.raw("<h3>Why it is not allowed</h3><ul class=\"reasons\">");
        for r in &p.reasons {
            out.raw("<li>").text(&r.describe(p)).raw("</li>");
        }
        out.raw("</ul>");
    }

    // Controls.
    let controls = controls::evidenced(p);
    if !controls.is_empty() {
        out.raw("<p class=\"controls\">Evidences: ");
        for (i, c) in controls.iter().enumerate() {
            if i > 0 {
                out.raw(" ");
            }
            out.raw("<a class=\"control\"")
                .attr("href", &format!("{}/{}", s.docs_url, c.page()))
                .attr("title", &format!("implemented by {}", c.module()))
                .raw(">")
                .text(c.name())
                .raw("</a>");
        }
        out.raw("</p>");
    }

    // Forbids that matter.
    let forbids: Vec<_> = p
        .forbids
        .iter()
        .filter(|f| f.status != ForbidStatus::NotApplied)
        .collect();
    if !forbids.is_empty() {
        out.raw("<h3>Forbids</h3><ul class=\"forbids\">");
        for f in forbids {
            let word = match f.status {
                ForbidStatus::Applied => "applied",
                ForbidStatus::Lifted => "lifted",
                ForbidStatus::NotApplied => "not applied",
            };
            out.raw("<li><code>")
                .text(&f.id)
                .raw("</code> <strong>")
                .text(word)
                .raw("</strong>: ")
                .text(&f.message)
                .raw(" — ")
                .text(&f.why)
                .text(&format!(
                    " ({}:{}:{})",
                    f.source.path, f.source.line, f.source.column
                ));
            for e in &f.emergencies {
                out.raw("<br>emergency path <code>")
                    .text(&e.id)
                    .raw("</code>: ")
                    .text(if e.satisfied {
                        "satisfied"
                    } else {
                        "not satisfied"
                    });
                for a in &e.approvers.approvals {
                    out.text(&format!(
                        "; approved by {} ({}, key {})",
                        a.person,
                        a.signed_at,
                        key_short(&a.key)
                    ));
                }
                if let Some(fu) = &e.followup {
                    out.raw("<br><strong>follow-up owed</strong>: ")
                        .text(&format!(
                            "{} of {} by {} (people: {})",
                            fu.need,
                            fu.sources.join(", "),
                            fu.due,
                            fu.people.join(", ")
                        ));
                }
            }
            out.raw("</li>");
        }
        out.raw("</ul>");
    }

    // Graph and witness paths.
    out.raw("<h3>What the change reaches</h3>");
    let paths = graph::draw(out, p, s.anchor);
    if !paths.is_empty() {
        // Open when short; a long list is one click away.
        out.raw(if paths.len() <= OPEN_PATHS {
            "<details class=\"paths\" open>"
        } else {
            "<details class=\"paths\">"
        })
        .raw("<summary>")
        .text(&format!(
            "Witness paths ({}): why each rule instance applies",
            paths.len()
        ))
        .raw("</summary><ol class=\"paths\">");
        for w in &paths {
            out.raw("<li")
                .attr("data-path", &w.id)
                .raw("><button type=\"button\" class=\"path-button\"")
                .attr("data-path", &w.id)
                .attr("aria-pressed", "false")
                .raw(">")
                .text(&w.label)
                .raw("</button> <code>")
                .text(&w.line)
                .raw("</code>");
            if !w.drawn {
                out.raw(" <em>(not drawn: the picture shows at most ")
                    .num(graph::MAX_NODES)
                    .raw(" nodes)</em>");
            }
            out.raw("</li>");
        }
        out.raw("</ol></details>");
    }
    if !p.unowned.is_empty() {
        out.raw("<p>Unowned files: ")
            .text(&p.unowned.join(", "))
            .raw("</p>");
    }

    // Rules.
    out.raw("<h3>Rules that fired</h3>");
    if p.rules.is_empty() {
        out.raw("<p>None.</p>");
    } else {
        out.raw("<ul class=\"rules\">");
        for r in &p.rules {
            out.raw("<li><details><summary><code>")
                .text(&r.id)
                .raw("</code> — ")
                .text(&format!(
                    "{} ({}:{}:{}), {} instance{}",
                    r.source.module,
                    r.source.path,
                    r.source.line,
                    r.source.column,
                    r.instances.len(),
                    if r.instances.len() == 1 { "" } else { "s" }
                ))
                .raw("</summary><pre class=\"source\">")
                .text(&r.source.text)
                .raw("</pre><ul>");
            for i in &r.instances {
                out.raw("<li><code>")
                    .text(&r.instance_id(&p.names, i))
                    .raw("</code></li>");
            }
            out.raw("</ul></details></li>");
        }
        out.raw("</ul>");
    }

    // Obligations.
    out.raw("<h3>Obligations and their evidence</h3>");
    if p.obligations.is_empty() {
        out.raw("<p>None.</p>");
    } else {
        out.raw("<table class=\"obligations\"><caption class=\"sr-only\">Obligations of ")
            .text(&p.change.id)
            .raw("</caption><thead><tr><th scope=\"col\">Obligation</th><th scope=\"col\">Status</th><th scope=\"col\">Evidence, or who can supply it</th></tr></thead><tbody>");
        for o in &p.obligations {
            obligation_row(out, p, o);
        }
        out.raw("</tbody></table>");
    }

    if !p.rejected.is_empty() {
        out.raw("<h3>Evidence not used</h3><ul class=\"rejected\">");
        for r in &p.rejected {
            out.raw("<li>")
                .text(&format!(
                    "{} {} ({}): {} — {}",
                    r.kind,
                    r.subject,
                    short(&r.digest),
                    r.reason,
                    r.effect
                ))
                .raw("</li>");
        }
        out.raw("</ul>");
    }
    out.raw("</section>");
}

fn join(set: &BTreeSet<String>) -> String {
    set.iter().cloned().collect::<Vec<_>>().join(" ")
}

/// The `data-` attributes the page's filters read (outcome, change,
/// services, teams, people), on a section or an index row.
pub fn filter_attrs(out: &mut Html, p: &Proof, teams: &[String]) {
    out.attr("data-outcome", p.outcome.as_str())
        .attr("data-change", &p.change.id)
        .attr("data-services", &join(&services(p)))
        .attr("data-teams", &teams.join(" "))
        .attr("data-people", &join(&people(p)));
}

fn obligation_row(out: &mut Html, proof: &Proof, o: &ObligationProof) {
    out.raw("<tr")
        .attr("class", &format!("obligation {}", status_word(o.status)))
        .raw("><th scope=\"row\"><code>")
        .text(&o.id(&proof.names))
        .raw("</code><div class=\"imposed\">imposed by ")
        .text(&proof.imposed_by(o).join(", "))
        .raw("</div></th><td>");
    status_badge(out, o.status);
    out.raw("</td><td>");
    // Every field named (no `..`): a new kind of obligation is a compile
    // error here until its evidence is shown.
    let ObligationProof {
        status: _,
        imposed_by: _,
        check,
        approval,
        unblock: who_can_unblock,
    } = o;
    if let Some(c) = check {
        check_evidence(out, c);
    }
    if let Some(a) = approval {
        approval_evidence(out, a);
    }
    if let Some(u) = who_can_unblock {
        unblock(out, u, proof.unblock_command(o).as_deref());
    }
    out.raw("</td></tr>");
}

fn status_word(s: Status) -> &'static str {
    match s {
        Status::Satisfied => "satisfied",
        Status::Missing => "missing",
        Status::Failed => "failed",
    }
}

fn check_evidence(out: &mut Html, c: &CheckObligation) {
    if c.results.is_empty() {
        out.raw("<p>No result.</p>");
        return;
    }
    out.raw("<ul class=\"evidence\">");
    for r in &c.results {
        out.raw("<li>")
            .text(&format!("check {} ", r.outcome))
            .text(&format!(
                "(source {}, record {})",
                r.source,
                short(&r.digest)
            ));
        if let Some(s) = &r.summary {
            out.text(": ").text(s);
        }
        if let Some(why) = &r.reason {
            out.text(" — ").text(why);
        }
        out.raw("</li>");
    }
    out.raw("</ul>");
}

fn approval_evidence(out: &mut Html, a: &ApprovalObligation) {
    out.raw("<p class=\"chain\">chain <code>")
        .text(&a.chain)
        .raw("</code>");
    if !a.args.is_empty() {
        out.text(&format!("({})", a.args.join(", ")));
    }
    out.text(&format!(
        " — {}:{}:{}",
        a.source.path, a.source.line, a.source.column
    ));
    out.raw("</p><ol class=\"steps\">");
    for s in &a.steps {
        step(out, s);
    }
    out.raw("</ol>");
}

fn step(out: &mut Html, s: &StepProof) {
    out.raw("<li>").text(&format!(
        "{} of {} ({} eligible)",
        s.need,
        s.sources.join(" or "),
        s.eligible
    ));
    if !s.approvals.is_empty() {
        out.raw("<ul class=\"evidence\">");
        for a in &s.approvals {
            out.raw("<li>signed approval by <strong>")
                .text(&a.person)
                .raw("</strong> at <time>")
                .text(&a.signed_at)
                .raw("</time>, key <code>")
                .text(&key_short(&a.key))
                .raw("</code></li>");
        }
        out.raw("</ul>");
    }
    out.raw("</li>");
}

/// `u`, with `command` its check's command in full (`Proof::unblock_command`).
fn unblock(out: &mut Html, u: &Unblock, command: Option<&[writ_runtime::proof::Text]>) {
    out.raw("<div class=\"unblock\"><strong>Missing — who can supply it:</strong>");
    if let Some(cmd) = command {
        out.raw("<pre class=\"command\">")
            .text(&writ_runtime::explain::command_line(cmd))
            .raw("</pre>");
    }
    if !u.steps.is_empty() {
        out.raw("<ul>");
        for st in &u.steps {
            out.raw("<li>").text(&format!(
                "step {}: {} more approval{}",
                st.step,
                st.still_needed,
                if st.still_needed == 1 { "" } else { "s" }
            ));
            if let Some(b) = &st.blocked {
                out.raw(" — <strong>").text(b).raw("</strong>");
            }
            if !st.people.is_empty() {
                out.text(" from any of: ");
                for (i, a) in st.people.iter().enumerate() {
                    if i > 0 {
                        out.text(", ");
                    }
                    out.raw("<span")
                        .attr("title", &writ_runtime::explain::command_line(&a.command))
                        .raw(">")
                        .text(&a.person)
                        .raw("</span>");
                }
            }
            out.raw("</li>");
        }
        out.raw("</ul>");
    }
    out.raw("</div>");
}

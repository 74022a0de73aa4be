//! Renders a proof for people: a summary line and the reasons, then per rule
//! that fired a source snippet (codespan-reporting style, from the text the
//! proof quotes), each instance's witness path and the status of its
//! obligations (✓ satisfied, ✗ failed, … missing); who can unblock each
//! missing obligation and the command they would run; then the forbids and
//! the rejected evidence. [`markdown`] renders the same for a pull-request comment.
//!
//! Works from the proof alone: the proof quotes every item it cites.

use crate::proof::*;
use codespan_reporting::diagnostic::{Diagnostic, Label, Severity};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term;
use std::fmt::Write;

/// A command's argument vector as one line a shell reads back: arguments
/// outside a safe set are single-quoted. The `<…>` placeholders are left bare:
/// they are to be replaced.
pub fn command_line<S: AsRef<str>>(argv: &[S]) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c);
    argv.iter()
        .map(|a| {
            let a = a.as_ref();
            let placeholder = a.starts_with('<') && a.ends_with('>') && a.len() > 2;
            if placeholder || (!a.is_empty() && a.chars().all(safe)) {
                a.to_string()
            } else {
                format!("'{}'", a.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// One line per way to unblock obligation `o` of `proof` (none when it is
/// not missing): (is it blocked, the text without markup, the command if
/// any, in full: [`Proof::unblock_command`]).
fn unblock_lines<'p>(proof: &Proof, o: &'p ObligationProof) -> Vec<UnblockLine<'p>> {
    let Some(u) = &o.unblock else {
        return Vec::new();
    };
    let mut v = Vec::new();
    if u.command.is_some() {
        match proof.unblock_command(o) {
            Some(c) => v.push(UnblockLine::Command(c)),
            None => v.push(UnblockLine::Blocked(
                "the proof names a command it does not hold",
            )),
        }
    }
    let steps = o.approval.as_ref().map_or(1, |a| a.steps.len());
    for s in &u.steps {
        let of = o
            .approval
            .as_ref()
            .and_then(|a| a.steps.get(s.step as usize - 1))
            .map_or_else(String::new, |p| p.sources.join(", "));
        let after = u
            .steps
            .iter()
            .find(|e| e.step < s.step)
            .map_or_else(String::new, |e| {
                format!(", once step {} is complete", e.step)
            });
        let step = if steps > 1 {
            format!("step {}: ", s.step)
        } else {
            String::new()
        };
        v.push(UnblockLine::Step(format!(
            "{step}{} more of {of}{after}",
            s.still_needed
        )));
        for p in &s.people {
            v.push(UnblockLine::Person(&p.person, &p.command));
        }
        if let Some(b) = &s.blocked {
            v.push(UnblockLine::Blocked(b));
        }
    }
    v
}

/// A line of the "who can unblock" section.
enum UnblockLine<'p> {
    /// The command that supplies a missing check, in full.
    Command(Vec<crate::proof::Text>),
    /// A step still short: how many more, of whom.
    Step(String),
    /// A person who can approve, with their command.
    Person(&'p str, &'p [crate::proof::Text]),
    /// Why too few can approve.
    Blocked(&'p str),
}

fn mark(s: Status) -> &'static str {
    match s {
        Status::Satisfied => "✓",
        Status::Failed => "✗",
        Status::Missing => "…",
    }
}

fn outcome_mark(o: Outcome) -> &'static str {
    match o {
        Outcome::Allow => "✓",
        Outcome::Deny => "✗",
        Outcome::Pending => "…",
    }
}

/// A digest shortened for people: `sha256:` and the first 12 hex digits;
/// any other text whole. A proof file is untrusted input, so a digest that
/// is not hex is never sliced inside a character.
pub fn short(digest: &str) -> &str {
    match digest.strip_prefix("sha256:") {
        Some(hex) if hex.len() > 12 => digest.get(..7 + 12).unwrap_or(digest),
        _ => digest,
    }
}

/// The witness path in one line: `file → a ← b (depends_on) ← c (calls)`.
pub fn witness_line(w: &WitnessPath<'_>) -> String {
    let mut s = format!("{} → ", w.file);
    for (i, (node, via)) in w.steps.iter().enumerate() {
        if i > 0 {
            let arrow = match w.direction {
                WitnessDirection::Forward => "→",
                WitnessDirection::Reverse | WitnessDirection::Touches => "←",
            };
            let _ = write!(s, " {arrow} ");
        }
        s.push_str(node);
        if let Some(via) = via {
            let _ = write!(s, " ({via})");
        }
    }
    s
}

/// The witness path `w` points at, in one line; a note when the proof
/// does not hold it (a hand-edited proof).
fn witness_text(proof: &Proof, w: &Witness) -> String {
    match proof.witness_path(w) {
        Some(path) => witness_line(&path),
        None => format!(
            "(witness path {}/{} is not in the proof's witness trees)",
            w.tree, w.node
        ),
    }
}

/// The one-line summary: outcome, change, digests.
pub fn summary(proof: &Proof) -> String {
    let fired: usize = proof.rules.iter().map(|r| r.instances.len()).sum();
    format!(
        "{} {}: change {} ({}) under plan {}, {} rule instance{} fired, {} obligation{}, decided {}",
        outcome_mark(proof.outcome),
        proof.outcome.as_str(),
        proof.change.id,
        short(&proof.change.digest),
        short(&proof.plan.digest),
        fired,
        if fired == 1 { "" } else { "s" },
        proof.obligations.len(),
        if proof.obligations.len() == 1 {
            ""
        } else {
            "s"
        },
        proof.decided_at
    )
}

fn obligation_detail(o: &ObligationProof) -> String {
    // Every field named (no `..`): a new kind of obligation is a compile
    // error here until it is described.
    let ObligationProof {
        status: _,
        imposed_by: _,
        check,
        approval,
        unblock: _,
    } = o;
    if let Some(c) = check {
        let parts: Vec<String> = c
            .results
            .iter()
            .map(|r| match &r.reason {
                Some(why) => format!("{} {} ({}): {why}", r.outcome, short(&r.digest), r.source),
                None => format!("{} {} ({})", r.outcome, short(&r.digest), r.source),
            })
            .collect();
        return if parts.is_empty() {
            "no result".into()
        } else {
            parts.join("; ")
        };
    }
    if let Some(a) = approval {
        let steps: Vec<String> = a
            .steps
            .iter()
            .map(|s| {
                let who: Vec<String> = s
                    .approvals
                    .iter()
                    .map(|x| format!("{} [{}]", x.person, short(&x.key)))
                    .collect();
                let mut t = format!(
                    "{}/{} of {}",
                    s.approvals.len().min(s.need as usize),
                    s.need,
                    s.sources.join(", ")
                );
                if !who.is_empty() {
                    let _ = write!(t, ": {}", who.join(", "));
                }
                if s.eligible < s.need {
                    let _ = write!(t, " (only {} eligible)", s.eligible);
                }
                t
            })
            .collect();
        return steps.join(" then ");
    }
    String::new()
}

fn snippet(
    source: &SourceRef,
    severity: Severity,
    title: String,
    labels: &[(std::ops::Range<usize>, String)],
) -> String {
    // Pad so that line numbers and offsets match the original file.
    let pad_lines = source.line.saturating_sub(1) as usize;
    let pad_cols = source.column.saturating_sub(1) as usize;
    let mut text = "\n".repeat(pad_lines);
    text.push_str(&" ".repeat(pad_cols));
    let base = text.len();
    text.push_str(&source.text);
    let file = SimpleFile::new(source.path.clone(), text);
    let start = source.span[0] as usize;
    let mut cs = vec![Label::primary(
        (),
        base..base + source.text.lines().next().map_or(0, str::len),
    )];
    for (range, msg) in labels {
        let (Some(a), Some(b)) = (range.start.checked_sub(start), range.end.checked_sub(start))
        else {
            continue;
        };
        if b <= source.text.len()
            && a <= b
            && source.text.is_char_boundary(a)
            && source.text.is_char_boundary(b)
        {
            cs.push(Label::secondary((), base + a..base + b).with_message(msg));
        }
    }
    let d = Diagnostic::new(severity)
        .with_message(title)
        .with_labels(cs);
    let config = term::Config::default();
    match term::emit_into_string(&config, &file, &d) {
        Ok(s) => s,
        Err(_) => format!("{}:{}:{}\n", source.path, source.line, source.column),
    }
}

/// Renders a proof for a terminal (plain text, no colour).
pub fn human(proof: &Proof) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", summary(proof));
    for r in &proof.reasons {
        let m = if r.outcome() == Outcome::Pending {
            "…"
        } else {
            "✗"
        };
        let _ = writeln!(out, "  {m} {}", r.describe(proof));
    }
    let _ = writeln!(out);
    for f in &proof.files {
        if f.nodes.is_empty() {
            let _ = writeln!(out, "  {} ({}): unowned", f.path, f.status);
        } else {
            let _ = writeln!(
                out,
                "  {} ({}) → {} [{}]",
                f.path,
                f.status,
                f.nodes.join(", "),
                f.globs.join(", ")
            );
        }
    }
    for rule in &proof.rules {
        let _ = writeln!(out);
        let labels: Vec<(std::ops::Range<usize>, String)> = rule
            .clauses
            .iter()
            .map(|c| {
                let msg = if let Some(var) = c.clause.strip_prefix("for ") {
                    let nodes: Vec<&str> = rule
                        .instances
                        .iter()
                        .filter_map(|i| i.bindings.iter().find(|b| proof.name(b.var) == var))
                        .map(|b| proof.name(b.node))
                        .collect();
                    let mut nodes = nodes;
                    nodes.dedup();
                    format!("{var} = {}", nodes.join(", "))
                } else {
                    String::new()
                };
                (c.span[0] as usize..c.span[1] as usize, msg)
            })
            .collect();
        let n = rule.instances.len();
        let title = format!(
            "`{}` fired ({n} instance{})",
            rule.id,
            if n == 1 { "" } else { "s" }
        );
        out.push_str(&snippet(&rule.source, Severity::Note, title, &labels));
        for inst in &rule.instances {
            let _ = writeln!(out, "  • {}", rule.instance_id(&proof.names, inst));
            for b in &inst.bindings {
                match &b.witness {
                    Some(w) => {
                        let _ = writeln!(
                            out,
                            "      {} = {}: {}",
                            proof.name(b.var),
                            proof.name(b.node),
                            witness_text(proof, w)
                        );
                    }
                    None => {
                        let _ =
                            writeln!(out, "      {} = {}", proof.name(b.var), proof.name(b.node));
                    }
                }
            }
            for o in proof.obligations_of(inst) {
                let _ = writeln!(
                    out,
                    "      {} {}: {}",
                    mark(o.status),
                    o.id(&proof.names),
                    obligation_detail(o)
                );
            }
        }
    }
    if !proof.obligations.is_empty() {
        let _ = writeln!(out, "\nobligations:");
        for o in &proof.obligations {
            let _ = writeln!(
                out,
                "  {} {} — imposed by {}",
                mark(o.status),
                o.id(&proof.names),
                proof.imposed_by(o).join(", ")
            );
        }
    }
    let unblock: Vec<&ObligationProof> = proof
        .obligations
        .iter()
        .filter(|o| o.unblock.is_some())
        .collect();
    if !unblock.is_empty() {
        let _ = writeln!(
            out,
            "\nwho can unblock (replace <CHANGE>, <PLAN>, <KEY>, <REPORT> with your files):"
        );
        for o in unblock {
            let _ = writeln!(out, "  {} {}", mark(o.status), o.id(&proof.names));
            for line in unblock_lines(proof, o) {
                let _ = match line {
                    UnblockLine::Command(c) => writeln!(out, "      $ {}", command_line(&c)),
                    UnblockLine::Step(t) => writeln!(out, "      {t}:"),
                    UnblockLine::Person(p, c) => {
                        writeln!(out, "        {p}: $ {}", command_line(c))
                    }
                    UnblockLine::Blocked(b) => writeln!(out, "        ✗ {b}"),
                };
            }
        }
    }
    for f in &proof.forbids {
        let _ = writeln!(out);
        let (sev, m) = match f.status {
            ForbidStatus::Applied => (Severity::Error, "✗"),
            ForbidStatus::Lifted => (Severity::Warning, "!"),
            ForbidStatus::NotApplied => (Severity::Note, "✓"),
        };
        let title = format!("{m} forbid `{}`: {}", f.id, f.why);
        out.push_str(&snippet(&f.source, sev, title, &[]));
        for c in &f.conditions {
            let v = c.value.map_or("?".to_string(), |b| b.to_string());
            let _ = writeln!(out, "      {} = {v}", c.expr);
        }
        for e in &f.emergencies {
            let _ = writeln!(
                out,
                "      emergency {}: {} ({}/{} of {})",
                e.id,
                if e.satisfied {
                    "satisfied"
                } else {
                    "not satisfied"
                },
                e.approvers.approvals.len(),
                e.approvers.need,
                e.approvers.sources.join(", ")
            );
            if let Some(fu) = &e.followup {
                let _ = writeln!(
                    out,
                    "      follow-up owed by {}: {} of {} ({})",
                    fu.due,
                    fu.need,
                    fu.sources.join(", "),
                    fu.people.join(", ")
                );
            }
        }
    }
    if !proof.rejected.is_empty() {
        let _ = writeln!(out, "\nrejected evidence:");
        for r in &proof.rejected {
            let _ = writeln!(
                out,
                "  {} {} {} ({}): {}",
                r.effect,
                r.kind,
                r.subject,
                short(&r.digest),
                r.reason
            );
        }
    }
    out
}

/// Text safe inside Markdown (a table cell, a pull-request comment): `|`
/// escaped, `<` and `>` as entities so no HTML gets through.
pub fn md_escape(s: &str) -> String {
    s.replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Renders a proof as Markdown for a pull-request comment.
pub fn markdown(proof: &Proof) -> String {
    let mut out = String::new();
    let badge = match proof.outcome {
        Outcome::Allow => "✅ allow",
        Outcome::Deny => "❌ deny",
        Outcome::Pending => "⏳ pending",
    };
    let _ = writeln!(out, "## writ: {badge}\n");
    let _ = writeln!(
        out,
        "Change `{}` · change digest `{}` · plan `{}` · decided {}\n",
        proof.change.id,
        short(&proof.change.digest),
        short(&proof.plan.digest),
        proof.decided_at
    );
    if !proof.reasons.is_empty() {
        let _ = writeln!(out, "**Why**\n");
        for r in &proof.reasons {
            let m = if r.outcome() == Outcome::Pending {
                "⏳"
            } else {
                "❌"
            };
            let _ = writeln!(out, "- {m} {}", md_escape(&r.describe(proof)));
        }
        let _ = writeln!(out);
    }
    if !proof.obligations.is_empty() {
        let _ = writeln!(
            out,
            "### Obligations\n\n| | obligation | evidence | imposed by |\n|---|---|---|---|"
        );
        for o in &proof.obligations {
            let _ = writeln!(
                out,
                "| {} | `{}` | {} | {} |",
                mark(o.status),
                md_escape(&o.id(&proof.names)),
                md_escape(&obligation_detail(o)),
                proof
                    .imposed_by(o)
                    .iter()
                    .map(|i| format!("`{}`", md_escape(i)))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        let _ = writeln!(out);
    }
    let unblock: Vec<&ObligationProof> = proof
        .obligations
        .iter()
        .filter(|o| o.unblock.is_some())
        .collect();
    if !unblock.is_empty() {
        let _ = writeln!(
            out,
            "### Who can unblock\n\nReplace `<CHANGE>`, `<PLAN>`, `<KEY>` and `<REPORT>` with your files.\n"
        );
        for o in unblock {
            let _ = writeln!(out, "- `{}`", md_escape(&o.id(&proof.names)));
            for line in unblock_lines(proof, o) {
                let _ = match line {
                    UnblockLine::Command(c) => writeln!(out, "  - `{}`", command_line(&c)),
                    UnblockLine::Step(t) => writeln!(out, "  - {}:", md_escape(&t)),
                    UnblockLine::Person(p, c) => {
                        writeln!(out, "    - **{p}**: `{}`", command_line(c))
                    }
                    UnblockLine::Blocked(b) => writeln!(out, "    - ❌ **{}**", md_escape(b)),
                };
            }
        }
        let _ = writeln!(out);
    }
    if !proof.rules.is_empty() {
        let _ = writeln!(out, "### Rules that fired\n");
        for rule in &proof.rules {
            let n = rule.instances.len();
            let _ = writeln!(
                out,
                "<details><summary><code>{}</code> — {n} instance{} ({}:{})</summary>\n\n```writ\n{}\n```\n",
                rule.id,
                if n == 1 { "" } else { "s" },
                rule.source.path,
                rule.source.line,
                rule.source.text
            );
            for inst in &rule.instances {
                let _ = writeln!(
                    out,
                    "- `{}`",
                    md_escape(&rule.instance_id(&proof.names, inst))
                );
                for b in &inst.bindings {
                    if let Some(w) = &b.witness {
                        let _ = writeln!(
                            out,
                            "  - `{}` = `{}`: {}",
                            proof.name(b.var),
                            proof.name(b.node),
                            md_escape(&witness_text(proof, w))
                        );
                    }
                }
            }
            let _ = writeln!(out, "\n</details>\n");
        }
    }
    if !proof.forbids.is_empty() {
        let _ = writeln!(out, "### Forbids\n");
        for f in &proof.forbids {
            let m = match f.status {
                ForbidStatus::Applied => "❌",
                ForbidStatus::Lifted => "⚠️",
                ForbidStatus::NotApplied => "✓",
            };
            let _ = writeln!(
                out,
                "- {m} `{}` ({}): {}",
                f.id,
                md_escape(&f.message),
                md_escape(&f.why)
            );
            for e in &f.emergencies {
                if let Some(fu) = &e.followup {
                    let _ = writeln!(
                        out,
                        "  - follow-up owed by **{}**: {} of {} ({})",
                        fu.due,
                        fu.need,
                        md_escape(&fu.sources.join(", ")),
                        fu.people.join(", ")
                    );
                }
            }
        }
        let _ = writeln!(out);
    }
    if !proof.unowned.is_empty() {
        let _ = writeln!(out, "### Unowned files\n");
        for f in &proof.unowned {
            let _ = writeln!(out, "- `{}`", md_escape(f));
        }
        let _ = writeln!(out);
    }
    if !proof.rejected.is_empty() {
        let _ = writeln!(out, "### Rejected evidence\n");
        for r in &proof.rejected {
            let _ = writeln!(
                out,
                "- {} {} `{}`: {}",
                r.effect,
                r.kind,
                md_escape(&r.subject),
                md_escape(&r.reason)
            );
        }
        let _ = writeln!(out);
    }
    out
}

//! The report's overview: counts by outcome, decisions over time, pending
//! changes and their age, the services most often reached, the checks that
//! fail most, follow-ups owed after emergencies and whether they were done,
//! and the verification status of every bundle and ledger.

use crate::decision::outcome_badge;
use crate::html::Html;
use crate::model::{LedgerState, Report, Verification};
use std::collections::{BTreeMap, BTreeSet};
use writ_runtime::Proof;
use writ_runtime::proof::{Outcome, Reason, Status};
use writ_runtime::time::{format_rfc3339, parse_rfc3339};

/// Rows shown in the "most often" tables.
const TOP: usize = 10;
/// Past this many ledgers, their table is folded (each still listed).
const FOLD_LEDGERS: usize = 20;
/// Past this many days of history, the chart counts by month.
const DAYS_PER_CHART: usize = 120;

/// A follow-up owed after an emergency, and whether it was done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FollowUpState {
    /// Approvals by enough of the people named arrived after the emergency
    /// decision and by the deadline: who, sorted.
    Done(Vec<String>),
    /// Not (yet) done; the deadline has not passed.
    Owed,
    /// Not done by the deadline.
    Overdue,
}

/// One follow-up of the overview.
#[derive(Clone, Debug)]
pub struct FollowUpRow {
    /// The decision (index into the report's decisions) that owes it.
    pub decision: usize,
    /// The change.
    pub change: String,
    /// The emergency path that lifted a forbid.
    pub path: String,
    /// Who reviews, as written.
    pub sources: String,
    /// Distinct people needed.
    pub need: u32,
    /// The deadline, RFC 3339.
    pub due: String,
    /// Done, owed or overdue.
    pub state: FollowUpState,
}

fn approvers_after(proof: &Proof, people: &BTreeSet<&str>, after: i64, by: i64) -> Vec<String> {
    let mut who = BTreeSet::new();
    let uses = proof
        .obligations
        .iter()
        .filter_map(|o| o.approval.as_ref())
        .flat_map(|a| a.steps.iter().flat_map(|s| &s.approvals))
        .chain(
            proof
                .forbids
                .iter()
                .flat_map(|f| f.emergencies.iter().flat_map(|e| &e.approvers.approvals)),
        );
    for a in uses {
        let at = parse_rfc3339(&a.signed_at);
        if people.contains(a.person.as_str()) && at.is_some_and(|t| t > after && t <= by) {
            who.insert(a.person.clone());
        }
    }
    who.into_iter().collect()
}

/// Every follow-up owed by a verified decision, with its state: done when
/// a later verified decision of the same change counts approvals by
/// `need` distinct people of the follow-up, signed after the emergency
/// decision and by the deadline.
pub fn follow_ups(r: &Report) -> Vec<FollowUpRow> {
    let mut rows = Vec::new();
    for (i, d) in r.decisions.iter().enumerate() {
        let Some(p) = d.proof() else { continue };
        let decided = parse_rfc3339(&p.decided_at).unwrap_or(i64::MIN);
        for f in &p.forbids {
            for e in &f.emergencies {
                let Some(fu) = &e.followup else { continue };
                let due = parse_rfc3339(&fu.due).unwrap_or(i64::MIN);
                let people: BTreeSet<&str> = fu.people.iter().map(String::as_str).collect();
                let mut done = BTreeSet::new();
                for later in r.decisions.iter().skip(i + 1).filter_map(|d| d.proof()) {
                    if later.change.id == p.change.id {
                        done.extend(approvers_after(later, &people, decided, due));
                    }
                }
                let state = if done.len() >= fu.need as usize {
                    FollowUpState::Done(done.into_iter().collect())
                } else if r.now > due {
                    FollowUpState::Overdue
                } else {
                    FollowUpState::Owed
                };
                let row = FollowUpRow {
                    decision: i,
                    change: p.change.id.clone(),
                    path: e.id.clone(),
                    sources: fu.sources.join(", "),
                    need: fu.need,
                    due: fu.due.clone(),
                    state,
                };
                // Several forbids lifted by one path owe one follow-up.
                if !rows.iter().any(|r: &FollowUpRow| {
                    r.decision == i
                        && r.path == row.path
                        && r.due == row.due
                        && r.sources == row.sources
                }) {
                    rows.push(row);
                }
            }
        }
    }
    rows
}

fn age(secs: i64) -> String {
    let secs = secs.max(0);
    if secs >= 86_400 {
        format!("{} d {} h", secs / 86_400, secs % 86_400 / 3600)
    } else if secs >= 3600 {
        format!("{} h {} min", secs / 3600, secs % 3600 / 60)
    } else {
        format!("{} min", secs / 60)
    }
}

fn outcome_key(o: Option<Outcome>) -> &'static str {
    match o {
        Some(o) => o.as_str(),
        None => "unverified",
    }
}

/// Writes the overview of `r`; `anchors[i]` is decision `i`'s element id.
pub fn overview(out: &mut Html, r: &Report, anchors: &[String]) {
    let mut by_outcome: BTreeMap<&str, usize> = BTreeMap::new();
    for d in &r.decisions {
        *by_outcome
            .entry(outcome_key(d.proof().map(|p| p.outcome)))
            .or_default() += 1;
    }
    let changes: BTreeSet<&str> = r
        .decisions
        .iter()
        .filter_map(|d| d.proof())
        .map(|p| p.change.id.as_str())
        .collect();
    out.raw("<section class=\"overview\" aria-labelledby=\"overview-h\"><h2 id=\"overview-h\">Overview</h2>");
    out.raw("<div class=\"cards\"><div class=\"card\"><span class=\"n\">")
        .num(r.decisions.len())
        .raw("</span>decisions, ")
        .num(changes.len())
        .raw(" changes</div>");
    for (key, word, icon) in [
        ("allow", "allowed", "✓"),
        ("deny", "denied", "✗"),
        ("pending", "pending", "◷"),
        ("unverified", "unverified", "⚠"),
    ] {
        out.raw("<div")
            .attr("class", &format!("card {key}"))
            .raw("><span class=\"n\">")
            .num(by_outcome.get(key).copied().unwrap_or(0))
            .raw("</span><span aria-hidden=\"true\">")
            .text(icon)
            .raw("</span> ")
            .text(word)
            .raw("</div>");
    }
    out.raw("</div>");

    chart(out, r);

    out.raw("<div class=\"grid\">");
    pending(out, r, anchors);
    services(out, r);
    failing_checks(out, r);
    out.raw("</div>");
    followups(out, r, anchors);
    verification(out, r, anchors);
    out.raw("</section>");
}

fn chart(out: &mut Html, r: &Report) {
    let dated: Vec<(&str, Outcome)> = r
        .decisions
        .iter()
        .filter_map(|d| d.proof())
        .map(|p| (p.decided_at.as_str(), p.outcome))
        .collect();
    out.raw("<h3>Decisions over time</h3>");
    if dated.is_empty() {
        out.raw("<p>No verified decision.</p>");
        return;
    }
    let days: BTreeSet<&str> = dated
        .iter()
        .map(|(t, _)| t.get(..10).unwrap_or(t))
        .collect();
    let width_of_key = if days.len() > DAYS_PER_CHART { 7 } else { 10 };
    let mut buckets: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
    for (t, o) in &dated {
        let key = t.get(..width_of_key).unwrap_or(t);
        let slot = match o {
            Outcome::Allow => 0,
            Outcome::Deny => 1,
            Outcome::Pending => 2,
        };
        buckets.entry(key).or_default()[slot] += 1;
    }
    let max = buckets
        .values()
        .map(|b| b.iter().sum::<usize>())
        .max()
        .unwrap_or(1)
        .max(1);
    let bar = 30.0_f64;
    let gap = 26.0_f64;
    let left = 40.0;
    let plot_h = 140.0;
    let w = left + buckets.len() as f64 * (bar + gap) + gap;
    let h = plot_h + 46.0;
    out.raw("<figure class=\"chart\"><svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-labelledby=\"chart-title\"")
        .attr("viewBox", &format!("0 0 {w:.0} {h:.0}"))
        .attr("width", &format!("{w:.0}"))
        .attr("height", &format!("{h:.0}"))
        .raw("><title id=\"chart-title\">")
        .text(&format!(
            "Verified decisions per {}, by outcome",
            if width_of_key == 7 { "month" } else { "day" }
        ))
        .raw("</title><defs>\
<pattern id=\"pat-allow\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\"><rect width=\"6\" height=\"6\" fill=\"#1a7f37\"/></pattern>\
<pattern id=\"pat-deny\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#ffffff\"/><rect width=\"3.5\" height=\"6\" fill=\"#b42318\"/></pattern>\
<pattern id=\"pat-pending\" width=\"5\" height=\"5\" patternUnits=\"userSpaceOnUse\"><rect width=\"5\" height=\"5\" fill=\"#fff4d6\"/><circle cx=\"2.5\" cy=\"2.5\" r=\"1.6\" fill=\"#7a4b00\"/></pattern>\
</defs><g class=\"axis\"><line x1=\"36\" x2=\"36\" y1=\"6\"")
        .attr("y2", &format!("{:.0}", plot_h + 6.0))
        .raw("/><text x=\"32\" y=\"14\" text-anchor=\"end\">")
        .num(max)
        .raw("</text><text x=\"32\"")
        .attr("y", &format!("{:.0}", plot_h + 6.0))
        .raw(" text-anchor=\"end\">0</text></g>");
    for (i, (key, counts)) in buckets.iter().enumerate() {
        let x = left + gap + i as f64 * (bar + gap);
        let mut y = plot_h + 6.0;
        for (slot, class, word) in [
            (0, "allow", "allowed"),
            (1, "deny", "denied"),
            (2, "pending", "pending"),
        ] {
            let n = counts[slot];
            if n == 0 {
                continue;
            }
            let bh = plot_h * n as f64 / max as f64;
            y -= bh;
            out.raw("<rect")
                .attr("class", &format!("bar {class}"))
                .attr("x", &format!("{x:.1}"))
                .attr("y", &format!("{y:.1}"))
                .attr("width", &format!("{bar:.0}"))
                .attr("height", &format!("{bh:.1}"))
                .raw(" stroke=\"#1b1f24\" stroke-width=\"0.6\"><title>")
                .text(&format!("{key}: {n} {word}"))
                .raw("</title></rect>");
        }
        out.raw("<text class=\"axis\"")
            .attr("x", &format!("{:.1}", x + bar / 2.0))
            .attr("y", &format!("{:.0}", plot_h + 20.0))
            .raw(" text-anchor=\"middle\">")
            .text(key.get(5..).unwrap_or(key))
            .raw("</text>");
    }
    out.raw("</svg><figcaption class=\"legend\"><span><span class=\"swatch allow\"></span>allowed (solid)</span><span><span class=\"swatch deny\"></span>denied (hatched)</span><span><span class=\"swatch pending\"></span>pending (dotted)</span>");
    if let (Some(a), Some(b)) = (buckets.keys().next(), buckets.keys().next_back()) {
        out.raw("<span class=\"muted\">")
            .text(&format!("{a} to {b}, UTC"))
            .raw("</span>");
    }
    out.raw("</figcaption></figure>");
}

fn pending(out: &mut Html, r: &Report, anchors: &[String]) {
    // The latest verified decision of each change.
    let mut latest: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, d) in r.decisions.iter().enumerate() {
        if let Some(p) = d.proof() {
            latest.insert(&p.change.id, i);
        }
    }
    let mut rows: Vec<(i64, usize)> = latest
        .values()
        .filter_map(|&i| {
            let p = r.decisions[i].proof()?;
            (p.outcome == Outcome::Pending)
                .then(|| (parse_rfc3339(&p.decided_at).unwrap_or(r.now), i))
        })
        .collect();
    rows.sort();
    out.raw("<div><h3>Pending changes</h3>");
    if rows.is_empty() {
        out.raw("<p>None: every change's latest decision is final.</p></div>");
        return;
    }
    out.raw("<table><thead><tr><th scope=\"col\">Change</th><th scope=\"col\" class=\"num\">Waiting</th><th scope=\"col\">Missing</th></tr></thead><tbody>");
    for (at, i) in rows {
        let p = r.decisions[i].proof().expect("filtered above");
        let missing = p
            .obligations
            .iter()
            .filter(|o| o.status == Status::Missing)
            .count();
        out.raw("<tr><td><a")
            .attr("href", &format!("#{}", anchors[i]))
            .raw(">")
            .text(&p.change.id)
            .raw("</a></td><td class=\"num\">")
            .text(&age(r.now - at))
            .raw("</td><td>")
            .text(&format!(
                "{missing} obligation{}",
                if missing == 1 { "" } else { "s" }
            ))
            .raw("</td></tr>");
    }
    out.raw("</tbody></table></div>");
}

fn top_table(
    out: &mut Html,
    title: &str,
    what: &str,
    counts: BTreeMap<String, usize>,
    empty: &str,
) {
    out.raw("<div><h3>").text(title).raw("</h3>");
    if counts.is_empty() {
        out.raw("<p>").text(empty).raw("</p></div>");
        return;
    }
    let mut rows: Vec<(String, usize)> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    out.raw("<table><thead><tr><th scope=\"col\">")
        .text(what)
        .raw("</th><th scope=\"col\" class=\"num\">Decisions</th></tr></thead><tbody>");
    for (name, n) in rows.into_iter().take(TOP) {
        out.raw("<tr><td><code>")
            .text(&name)
            .raw("</code></td><td class=\"num\">")
            .num(n)
            .raw("</td></tr>");
    }
    out.raw("</tbody></table></div>");
}

fn services(out: &mut Html, r: &Report) {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for p in r.decisions.iter().filter_map(|d| d.proof()) {
        for s in crate::decision::services(p) {
            *counts.entry(s).or_default() += 1;
        }
    }
    top_table(
        out,
        "Services most often reached",
        "Service",
        counts,
        "No service reached.",
    );
}

fn failing_checks(out: &mut Html, r: &Report) {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for p in r.decisions.iter().filter_map(|d| d.proof()) {
        let mut failed = BTreeSet::new();
        for reason in &p.reasons {
            if let Reason::CheckFailed { check, .. } = reason {
                failed.insert(check.clone());
            }
        }
        for o in &p.obligations {
            if let (Status::Failed, Some(c)) = (o.status, &o.check) {
                failed.insert(p.name(c.check).to_string());
            }
        }
        for c in failed {
            *counts.entry(c).or_default() += 1;
        }
    }
    top_table(
        out,
        "Checks that fail most",
        "Check",
        counts,
        "No check failed.",
    );
}

fn followups(out: &mut Html, r: &Report, anchors: &[String]) {
    let rows = follow_ups(r);
    out.raw("<div><h3>Follow-ups owed after emergencies</h3>");
    if rows.is_empty() {
        out.raw("<p>None: no emergency path lifted a forbid.</p></div>");
        return;
    }
    out.raw("<table><thead><tr><th scope=\"col\">Change</th><th scope=\"col\">Review</th><th scope=\"col\">Due</th><th scope=\"col\">State</th></tr></thead><tbody>");
    for row in rows {
        out.raw("<tr><td><a")
            .attr("href", &format!("#{}", anchors[row.decision]))
            .raw(">")
            .text(&row.change)
            .raw("</a><div class=\"imposed\">")
            .text(&row.path)
            .raw("</div></td><td>")
            .text(&format!("{} of {}", row.need, row.sources))
            .raw("</td><td><time>")
            .text(&row.due)
            .raw("</time></td><td>");
        match &row.state {
            FollowUpState::Done(who) => {
                out.raw("<span class=\"status satisfied\"><span aria-hidden=\"true\">✓</span> done</span> by ")
                    .text(&who.join(", "));
            }
            FollowUpState::Owed => {
                out.raw("<span class=\"status missing\"><span aria-hidden=\"true\">…</span> owed</span>");
            }
            FollowUpState::Overdue => {
                out.raw("<span class=\"status failed\"><span aria-hidden=\"true\">✗</span> overdue</span>");
            }
        }
        out.raw("</td></tr>");
    }
    out.raw("</tbody></table></div>");
}

fn verification(out: &mut Html, r: &Report, anchors: &[String]) {
    let verified = r
        .decisions
        .iter()
        .filter(|d| matches!(d.verification, Verification::Verified { .. }))
        .count();
    out.raw("<h3>Verification</h3><p>")
        .text(&format!(
            "{verified} of {} bundles verified: signature by a trusted runner key, approvals against the plan's graph, decision re-derived under the plan, ledger inclusion where a proof is present. Generated at {}.",
            r.decisions.len(),
            format_rfc3339(r.now)
        ))
        .raw("</p>");
    let intact = r
        .ledgers
        .iter()
        .filter(|l| matches!(l.state, LedgerState::Intact { .. }))
        .count();
    // Many ledgers: the table is one click away (and laid out only then).
    let fold = r.ledgers.len() > FOLD_LEDGERS;
    if fold {
        out.raw("<details class=\"lazy\"><summary>")
            .text(&format!(
                "{intact} of {} ledgers intact: show each",
                r.ledgers.len()
            ))
            .raw("</summary>");
    }
    out.raw("<table><thead><tr><th scope=\"col\">Ledger</th><th scope=\"col\">State</th></tr></thead><tbody>");
    for l in &r.ledgers {
        out.raw("<tr><td><code>")
            .text(&l.folder)
            .raw("</code></td><td>");
        match &l.state {
            LedgerState::Intact {
                records,
                signers,
                proofs,
            } => {
                out.raw("<span class=\"status satisfied\"><span aria-hidden=\"true\">✓</span> intact</span> ")
                    .text(&format!(
                        "{records} records, {proofs} inclusion proofs checked, checkpoint {}",
                        if signers.is_empty() {
                            "signature not checked".to_string()
                        } else {
                            format!("signed by {}", signers.join(", "))
                        }
                    ));
            }
            LedgerState::Broken(why) => {
                out.raw("<span class=\"status failed\"><span aria-hidden=\"true\">✗</span> not intact</span> ")
                    .text(why);
            }
        }
        out.raw("</td></tr>");
    }
    out.raw("</tbody></table>");
    if fold {
        out.raw("</details>");
    }
    let bad: Vec<(usize, &str, &str, &str)> = r
        .decisions
        .iter()
        .enumerate()
        .filter_map(|(i, d)| match &d.verification {
            Verification::Unverified { reason } => {
                Some((i, d.folder.as_str(), d.bundle.as_str(), reason.as_str()))
            }
            Verification::Verified { .. } => None,
        })
        .collect();
    if !bad.is_empty() {
        out.raw("<table><thead><tr><th scope=\"col\">Unverified bundle</th><th scope=\"col\">Why</th></tr></thead><tbody>");
        for (i, folder, bundle, why) in bad {
            out.raw("<tr><td><a")
                .attr("href", &format!("#{}", anchors[i]))
                .raw("><code>")
                .text(&format!("{folder}/bundles/{bundle}"))
                .raw("</code></a></td><td>");
            outcome_badge(out, None);
            out.raw(" ").text(why).raw("</td></tr>");
        }
        out.raw("</tbody></table>");
    }
}

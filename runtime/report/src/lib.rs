//! writ's HTML report: one self-contained page for auditors and teams.
//!
//! `writ report` reads evidence folders, verifies every bundle and ledger
//! with the existing verifiers, and hands the result ([`model::Report`]) to
//! [`report`]; `writ explain --format html` renders one proof with
//! [`explain`]. Both share the one decision section ([`decision`]) and the
//! page shell ([`page`]: inline style and script, a strict
//! Content-Security-Policy, no external resource). Every user-supplied
//! string goes through the escaping writer ([`html`]); graphs are laid out
//! by a layered algorithm ([`layout`]) and drawn as SVG ([`graph`]).

pub mod controls;
pub mod decision;
pub mod graph;
pub mod html;
pub mod layout;
pub mod model;
pub mod overview;
pub mod page;

use html::Html;
use model::{Report, Verification};
use std::collections::BTreeSet;
use writ_runtime::Proof;

/// Where control links point by default: the documentation folder of the
/// repository writ is published from.
pub const DOCS_URL: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/docs");

/// The element id of decision `i` (0-based) of a report.
pub fn anchor(i: usize) -> String {
    format!("d{}", i + 1)
}

/// By default, up to this many decisions every section is in the page as
/// HTML ([`Report::inline_limit`]); past it, sections are kept gzipped in chunks of [`CHUNK`] and opened in the
/// browser when a decision is picked from the index (docs/report.md).
pub const INLINE_DECISIONS: usize = 1000;
/// Sections per compressed chunk of a large report.
pub const CHUNK: usize = 100;

/// Renders a whole report.
pub fn report(r: &Report) -> String {
    let anchors: Vec<String> = (0..r.decisions.len()).map(anchor).collect();
    let subtitle = format!(
        "{} decisions from {} evidence folder{}, as of {}",
        r.decisions.len(),
        r.ledgers.len(),
        if r.ledgers.len() == 1 { "" } else { "s" },
        writ_runtime::time::format_rfc3339(r.now)
    );
    let inline = r.decisions.len() <= r.inline_limit;
    page::page(&r.title, &subtitle, |out| {
        out.raw(if inline {
            "<div id=\"report\" data-mode=\"inline\">"
        } else {
            "<div id=\"report\" data-mode=\"index\">"
        });
        filters(out, r);
        overview::overview(out, r, &anchors);
        index(out, r, &anchors);
        if inline {
            for i in 0..r.decisions.len() {
                section(out, r, i, &anchors);
            }
        } else {
            out.raw("<p class=\"muted\">")
                .text(&format!(
                    "{} decisions: pick one in the index to open its section (kept compressed in this page, {} per chunk, so the page stays fast).",
                    r.decisions.len(),
                    CHUNK
                ))
                .raw("</p><div id=\"details\"></div>");
            // Chunks are independent: rendered and compressed on every core.
            let starts: Vec<usize> = (0..r.decisions.len()).step_by(CHUNK).collect();
            let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
            let per = starts.len().div_ceil(threads);
            let chunks: Vec<String> = std::thread::scope(|scope| {
                let handles: Vec<_> = starts
                    .chunks(per.max(1))
                    .map(|group| {
                        let anchors = &anchors;
                        scope.spawn(move || {
                            group
                                .iter()
                                .map(|&start| {
                                    let mut chunk = Html::new();
                                    for i in start..(start + CHUNK).min(r.decisions.len()) {
                                        section(&mut chunk, r, i, anchors);
                                    }
                                    gzip_base64(chunk.as_str())
                                })
                                .collect::<Vec<_>>()
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .flat_map(|h| h.join().expect("a chunk renders"))
                    .collect()
            });
            for (k, chunk) in chunks.iter().enumerate() {
                out.raw("<script type=\"application/x-writ-sections\"")
                    .attr("id", &format!("chunk-{k}"))
                    .raw(">")
                    .text(chunk)
                    .raw("</script>");
            }
        }
        out.raw("<footer>Made by <code>writ report</code>. Self-contained: no script, style, font or image is loaded from anywhere (Content-Security-Policy <code>default-src 'none'</code>). Print it to PDF for an audit file.</footer></div>");
    })
}

/// `text`, gzipped, in base64 (what the page's script opens with
/// `DecompressionStream("gzip")`).
pub fn gzip_base64(text: &str) -> String {
    use base64::Engine;
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(text.as_bytes()).expect("writing to memory");
    let bytes = gz.finish().expect("writing to memory");
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The section of decision `i`.
fn section(out: &mut Html, r: &Report, i: usize, anchors: &[String]) {
    let d = &r.decisions[i];
    match &d.verification {
        Verification::Verified {
            signer,
            proof,
            inclusion,
            time_given,
        } => decision::section(
            out,
            &decision::Section {
                anchor: &anchors[i],
                proof,
                provenance: decision::Provenance::Verified {
                    folder: &d.folder,
                    bundle: &d.bundle,
                    signer,
                    inclusion: inclusion.as_deref(),
                    time_given: *time_given,
                },
                teams: &d.teams,
                docs_url: &r.docs_url,
            },
        ),
        Verification::Unverified { reason } => {
            out.raw("<section class=\"decision\" data-outcome=\"unverified\"")
                .attr("id", &anchors[i])
                .attr("data-change", &d.bundle)
                .raw("><h2>");
            decision::outcome_badge(out, None);
            out.raw(" <span class=\"change-id\">")
                .text(&d.bundle)
                .raw("</span></h2><p>The bundle <code>")
                .text(&format!("{}/bundles/{}", d.folder, d.bundle))
                .raw("</code> did not verify, so nothing it says is shown: ")
                .text(reason)
                .raw("</p></section>");
        }
    }
}

/// Renders one proof as a page (`writ explain --format html`): the same
/// section as in a report, marked as not verified.
pub fn explain(proof: &Proof, name: &str, docs_url: &str) -> String {
    let title = format!("writ decision: {}", proof.change.id);
    page::page(&title, &writ_runtime::explain::summary(proof), |out| {
        decision::section(
            out,
            &decision::Section {
                anchor: "d1",
                proof,
                provenance: decision::Provenance::ProofFile { name },
                teams: &[],
                docs_url,
            },
        );
    })
}

fn select(
    out: &mut Html,
    name: &'static str,
    label: &'static str,
    all: &'static str,
    values: &BTreeSet<String>,
) {
    out.raw("<label>")
        .text(label)
        .raw("<select")
        .attr("name", name)
        .raw("><option value=\"\">")
        .text(all)
        .raw("</option>");
    for v in values {
        out.raw("<option")
            .attr("value", v)
            .raw(">")
            .text(v)
            .raw("</option>");
    }
    out.raw("</select></label>");
}

fn filters(out: &mut Html, r: &Report) {
    let proofs: Vec<&Proof> = r.decisions.iter().filter_map(|d| d.proof()).collect();
    let services: BTreeSet<String> = proofs.iter().flat_map(|p| decision::services(p)).collect();
    let people: BTreeSet<String> = proofs.iter().flat_map(|p| decision::people(p)).collect();
    let teams: BTreeSet<String> = r
        .decisions
        .iter()
        .flat_map(|d| d.teams.iter().cloned())
        .collect();
    out.raw("<form id=\"filters\" class=\"filters\" role=\"search\" aria-label=\"Filter decisions\"><label>Search<input type=\"search\" name=\"q\" placeholder=\"change, service, person…\" autocomplete=\"off\"></label><label>Outcome<select name=\"outcome\"><option value=\"\">all outcomes</option><option value=\"allow\">✓ allowed</option><option value=\"deny\">✗ denied</option><option value=\"pending\">◷ pending</option><option value=\"unverified\">⚠ unverified</option></select></label>");
    select(out, "service", "Service", "all services", &services);
    select(out, "team", "Team (owners)", "all teams", &teams);
    select(out, "person", "Person", "all people", &people);
    out.raw("<output id=\"shown\" class=\"count\" aria-live=\"polite\"></output></form>");
}

fn index(out: &mut Html, r: &Report, anchors: &[String]) {
    out.raw("<section aria-labelledby=\"index-h\"><h2 id=\"index-h\">Decisions</h2><div class=\"lazy\"><table class=\"index\"><thead><tr><th scope=\"col\">Change</th><th scope=\"col\">Outcome</th><th scope=\"col\">Decided</th><th scope=\"col\">Touches</th><th scope=\"col\">Evidence</th></tr></thead><tbody>");
    for (i, d) in r.decisions.iter().enumerate() {
        match d.proof() {
            Some(p) => {
                out.raw("<tr");
                decision::filter_attrs(out, p, &d.teams);
                out.raw("><td><a")
                    .attr("href", &format!("#{}", anchors[i]))
                    .raw(">")
                    .text(&p.change.id)
                    .raw("</a></td><td>");
                decision::outcome_badge(out, Some(p.outcome));
                out.raw("</td><td><time>")
                    .text(&p.decided_at)
                    .raw("</time></td><td>")
                    .text(
                        &p.touched
                            .iter()
                            .map(|&t| p.name(t))
                            .collect::<Vec<_>>()
                            .join(", "),
                    )
                    .raw("</td><td>✓ verified</td></tr>");
            }
            None => {
                out.raw("<tr data-outcome=\"unverified\"")
                    .attr("data-change", &d.bundle)
                    .raw("><td><a")
                    .attr("href", &format!("#{}", anchors[i]))
                    .raw(">")
                    .text(&d.bundle)
                    .raw("</a></td><td>");
                decision::outcome_badge(out, None);
                out.raw("</td><td>—</td><td>—</td><td>⚠ not verified</td></tr>");
            }
        }
    }
    out.raw("</tbody></table></div></section>");
}

//! An approval obligation's JSON written by the direct writer from its
//! parts (the chain, its arguments and source, each step's sources from
//! the plan, the matched steps, and each step's people as the matching
//! worked them out for its `unblock`), not built as an
//! `ApprovalObligation` and an `Unblock` and handed to `serde_json`: the
//! same bytes as `prove` followed by `Decision::to_json` (the scenario,
//! unblock and property tests compare both paths). Who may approve a step
//! is worked out once, by `approvals.rs` (`Eval::step_people`), for the
//! matching and for the `unblock`; this file only writes.

use super::approvals::{APPROVE, Arg, StepPeople};
use super::json::cached;
use super::state::Eval;
use crate::json_writer::{JsonWriter, Template, escape_into, key};
use crate::names::{COMMAND_WORDS, source_ref};
use crate::proof::{SourceRef, StepProof};

/// A person who can approve, at the depth of a step's `people`: holes the
/// person and the person again, the last word of their `writ approve`
/// command (`approvals::APPROVE`).
fn approver_template(depth: usize) -> Template {
    Template::new(depth, |t| {
        t.elem();
        t.open_object();
        t.key(key!("person"));
        t.str_hole();
        t.key(key!("command"));
        t.open_array();
        for &i in &APPROVE {
            t.elem();
            t.str(COMMAND_WORDS[i as usize]);
        }
        t.elem();
        t.str_hole();
        t.close_array();
        t.close_object();
    })
}

/// A [`SourceRef`] as serde writes it: `module`, `path`, `line`,
/// `column`, `span`, `text`.
fn write_source_ref(w: &mut JsonWriter, s: &SourceRef) {
    w.open_object();
    w.key(key!("module"));
    w.str(&s.module);
    w.key(key!("path"));
    w.str(&s.path);
    w.key(key!("line"));
    w.u32(s.line);
    w.key(key!("column"));
    w.u32(s.column);
    w.key(key!("span"));
    w.open_array();
    for &n in &s.span {
        w.elem();
        w.u32(n);
    }
    w.close_array();
    w.key(key!("text"));
    w.str(&s.text);
    w.close_object();
}

impl<'a> Eval<'a, '_> {
    /// The fields `"check"` (`null`), `"approval"` and, when `missing`,
    /// `"unblock"` of chain `ci`'s obligation bound to `args`, inside its
    /// object: `matched` is its steps as settling matched them (when it
    /// did), else they are matched here against the `usable` approvals.
    /// A person who can approve is written from [`approver_template`],
    /// laid out once per prepared plan.
    pub(super) fn write_approval(
        &mut self,
        w: &mut JsonWriter,
        ci: u32,
        args: &[Arg<'a>],
        matched: Option<Vec<StepProof>>,
        usable: &[usize],
        missing: bool,
    ) {
        let (steps, people) = match matched {
            Some(steps) => (steps, None),
            None => {
                let m = self.match_chain_people(ci, args, usable, false);
                (m.steps, Some(m.people))
            }
        };
        let p = self.p;
        let chain = &p.plan.chains[ci as usize];
        let approver = &p.names.templates.approver;
        w.key(key!("check"));
        w.null();
        w.key(key!("approval"));
        w.open_object();
        w.key(key!("chain"));
        w.str(&chain.id);
        w.key(key!("args"));
        w.open_array();
        let mut text = String::with_capacity(64);
        for a in args {
            text.clear();
            self.write_arg(&mut text, a);
            w.elem();
            w.str(&text);
        }
        w.close_array();
        w.key(key!("source"));
        // Laid out once per chain (a value: the key set the separator).
        let laid_out = (p.chain_sources.get(ci as usize))
            .zip(p.names.templates.chain_sources.get(ci as usize))
            .map(|(s, slot)| {
                slot.get_or_init(|| {
                    let mut sw = JsonWriter::reuse(String::new());
                    write_source_ref(&mut sw, s);
                    let mut text = sw.finish();
                    text.pop(); // its newline
                    text
                })
            });
        match laid_out {
            Some(text) => w.raw(text),
            None => write_source_ref(w, &source_ref(&p.plan, &chain.origin)),
        }
        w.key(key!("expires_after"));
        match chain.expires_after {
            Some(n) => w.serde(&n),
            None => w.null(),
        }
        w.key(key!("steps"));
        w.open_array();
        for (step, s) in chain.steps.iter().zip(&steps) {
            w.elem();
            w.open_object();
            w.key(key!("sources"));
            // From the plan (the matching left them undescribed).
            w.open_array();
            for src in &step.sources {
                text.clear();
                self.write_source(&mut text, src, &chain.params, args);
                w.elem();
                w.str(&text);
            }
            w.close_array();
            w.key(key!("need"));
            w.u32(s.need);
            w.key(key!("eligible"));
            w.u32(s.eligible);
            w.key(key!("approvals"));
            w.open_array();
            for a in &s.approvals {
                w.elem();
                w.open_object();
                w.key(key!("person"));
                w.str(&a.person);
                w.key(key!("key"));
                w.str(&a.key);
                w.key(key!("digest"));
                w.str(&a.digest);
                w.key(key!("signed_at"));
                w.str(&a.signed_at);
                w.close_object();
            }
            w.close_array();
            w.close_object();
        }
        w.close_array();
        w.close_object();
        if !missing {
            return;
        }
        // The people of the steps still short: as matched, else (settling
        // matched the steps) worked out here for those steps alone.
        let people: Vec<StepPeople<'a>> = match people {
            Some(people) => people,
            None => (chain.steps.iter().zip(&steps))
                .map(|(step, proof)| {
                    if (proof.approvals.len() as u32) < proof.need {
                        self.step_people(step, args)
                    } else {
                        StepPeople::default()
                    }
                })
                .collect(),
        };
        w.key(key!("unblock"));
        w.open_object();
        w.key(key!("command"));
        w.null();
        w.key(key!("steps"));
        w.open_array();
        let mut escaped = String::with_capacity(32);
        for (i, sourced) in people.iter().enumerate().take(steps.len()) {
            // Written on the first person who can approve, or after the
            // step's people (so nothing is written for a step that has its
            // approvals).
            let mut opened = false;
            let open = |w: &mut JsonWriter, still_needed: u32| {
                w.elem();
                w.open_object();
                w.key(key!("step"));
                w.u32(i as u32 + 1);
                w.key(key!("still_needed"));
                w.u32(still_needed);
                w.key(key!("people"));
                w.open_array();
            };
            let still_needed = steps[i]
                .need
                .saturating_sub(steps[i].approvals.len() as u32);
            let t = cached(approver, w.depth() + 2, approver_template);
            // The step's sources, as `StepProof::sources` holds them.
            let sources = || {
                let mut text = String::new();
                for (k, src) in chain.steps[i].sources.iter().enumerate() {
                    if k > 0 {
                        text.push_str(", ");
                    }
                    self.write_source(&mut text, src, &chain.params, args);
                }
                text
            };
            let step = self.unblock_step(i, &steps, sourced, sources, |person| {
                if !opened {
                    open(w, still_needed);
                    opened = true;
                }
                escaped.clear();
                escape_into(&mut escaped, person);
                w.piece(&t, 0);
                w.raw(&escaped);
                w.piece(&t, 1);
                w.raw(&escaped);
                w.piece(&t, 2);
            });
            let Some((still_needed, blocked)) = step else {
                continue;
            };
            if !opened {
                open(w, still_needed);
            }
            w.close_array();
            w.key(key!("blocked"));
            w.opt_str(blocked.as_deref());
            w.close_object();
        }
        w.close_array();
        w.close_object();
    }
}

//! Who can unblock a missing obligation, with which command: an approval
//! chain's people per step still short, from each step's people as the
//! matching worked them out (`unblock_with`, `unblock_step`: the one place
//! that says who is offered and why the others are not; `unblock_chain`
//! works the people out again for a caller that has only the steps), and
//! a missing check's `writ run --only` or `writ evidence add junit`
//! command (`unblock_check`, `CommandTemplates`, `check_argv`). A step's
//! people (`StepPeople`) are defined here and worked out by
//! `approvals.rs` (`Eval::step_people`), which imports this module.

use super::state::{Arg, Eval, FxMap};
use crate::names::COMMAND_WORDS;
use crate::prepare::Prepared;
use crate::proof::{Approver, Command, NODE_HOLE, StepProof, Text, Unblock, UnblockStep};
use writ_graph::NodeIdx;

/// Who an approval step names and who of them may approve it, worked
/// out once per step ([`Eval::step_people`]).
#[derive(Default)]
pub(super) struct StepPeople<'a> {
    /// Everyone the step's sources name, sorted by name, each once.
    pub(super) sourced: Vec<Sourced<'a>>,
    /// Those of `sourced` who may approve: not an author or contributor
    /// of the change, a human the graph knows; sorted.
    pub(super) eligible: Vec<&'a str>,
}

/// One person a step's sources name ([`StepPeople::sourced`]).
#[derive(Clone, Copy)]
pub(super) struct Sourced<'a> {
    /// Their id, as the source names them.
    pub(super) name: &'a str,
    /// Their index in `Graph::people` when they are a human the graph
    /// knows (else they never approve).
    pub(super) human: Option<u32>,
    /// A known human who did not write or contribute to the change: one
    /// of [`StepPeople::eligible`].
    pub(super) eligible: bool,
}

/// Each person a proof offers as an approver, with their `writ approve`
/// command: looked up the first time the proof offers them (the plan's
/// `Names::approver`, which makes the command once per person per plan)
/// and shared by every other step that does (a typical change offers the
/// same owners for several obligations).
#[derive(Default)]
pub(super) struct Offered<'a> {
    made: FxMap<&'a str, Approver>,
}

impl<'a> Offered<'a> {
    /// Person `p` with their command, from the names of `prepared`: by
    /// their index in `Graph::people` when known (the plan's names hold
    /// one approver per person, shared by every proof), else by id.
    fn of(&mut self, prepared: &Prepared, p: &'a str, index: Option<u32>) -> Approver {
        let words = &prepared.names.command_words;
        let make = || {
            let person = Text::from(p);
            let command = (APPROVE.iter())
                .map(|&i| words[i as usize].clone())
                .chain(std::iter::once(person.clone()))
                .collect();
            Approver { person, command }
        };
        if let Some(i) = index {
            return prepared.names.approver_at(i as usize, make);
        }
        self.made
            .entry(p)
            .or_insert_with(|| prepared.names.approver(&prepared.graph, p, make))
            .clone()
    }
}

/// One word of a missing check's command.
#[derive(Clone, Copy, Debug)]
enum Word {
    /// `COMMAND_WORDS[i]`.
    Fixed(u8),
    /// The check's name.
    Check,
    /// The node's id.
    Node,
    /// `check@node` (what `writ run --only` takes).
    Only,
}

/// `writ approve --change <CHANGE> --plan <PLAN> --key <KEY> --as`, the
/// person's id to follow (indices into `COMMAND_WORDS`). No `--chain`:
/// an approval that names no chain counts for every approval chain the
/// person may fill, while one naming a chain is refused where the chain
/// has another instance they may not fill.
pub(super) const APPROVE: [u8; 9] = [0, 15, 4, 5, 2, 3, 6, 7, 16];

impl<'a> Eval<'a, '_> {
    /// Who can complete chain `ci` bound to `args`, given its matched
    /// `steps`: per step still short, the people whose approval would
    /// count, each with their `writ approve` command, and, when too few
    /// can, why. Works out each short step's people
    /// ([`Eval::step_people`]); [`Eval::unblock_with`] takes them from
    /// the matching.
    pub(super) fn unblock_chain(
        &self,
        ci: u32,
        args: &[Arg<'a>],
        steps: &[StepProof],
        approvers: &mut Offered<'a>,
    ) -> Unblock {
        let chain = &self.p.plan.chains[ci as usize];
        let people: Vec<StepPeople<'a>> = (chain.steps.iter().zip(steps))
            .map(|(step, proof)| {
                if (proof.approvals.len() as u32) < proof.need {
                    self.step_people(step, args)
                } else {
                    StepPeople::default()
                }
            })
            .collect();
        self.unblock_with(steps, &people, approvers)
    }

    /// [`Eval::unblock_chain`] from each step's people, as the matching
    /// worked them out (`people[i]` is step `i`'s); each person offered
    /// taken from `made` (the proof's approvers so far).
    pub(super) fn unblock_with(
        &self,
        steps: &[StepProof],
        people: &[StepPeople<'a>],
        made: &mut Offered<'a>,
    ) -> Unblock {
        let mut out = Vec::new();
        for (i, sourced) in people.iter().enumerate().take(steps.len()) {
            let mut offered = Vec::new();
            let sources = || steps[i].sources.join(", ");
            let step = self.unblock_step_of(i, steps, sourced, sources, |s| {
                offered.push(made.of(self.p, s.name, s.human));
            });
            if let Some((still_needed, blocked)) = step {
                out.push(UnblockStep {
                    step: i as u32 + 1,
                    still_needed,
                    people: offered,
                    blocked,
                });
            }
        }
        Unblock {
            command: None,
            steps: out,
        }
    }

    /// Step `i`'s part of an `unblock`, given `steps` as matched and the
    /// step's `people` as matching worked them out: `None` when it has
    /// its approvals; else the approvals still needed and, when too few
    /// people can give them, why (naming the step's `sources`, written
    /// only then). Each person who can (not counted yet, eligible, not
    /// counted for another step) is handed to `approver`, in order.
    pub(super) fn unblock_step(
        &self,
        i: usize,
        steps: &[StepProof],
        people: &StepPeople<'a>,
        sources: impl FnOnce() -> String,
        mut approver: impl FnMut(&'a str),
    ) -> Option<(u32, Option<String>)> {
        self.unblock_step_of(i, steps, people, sources, |s| approver(s.name))
    }

    /// [`Eval::unblock_step`], handing each person who can approve to
    /// `approver` with what matching knows of them.
    fn unblock_step_of(
        &self,
        i: usize,
        steps: &[StepProof],
        people: &StepPeople<'a>,
        sources: impl FnOnce() -> String,
        mut approver: impl FnMut(&Sourced<'a>),
    ) -> Option<(u32, Option<String>)> {
        let counted = |s: &StepProof, p: &str| s.approvals.iter().any(|a| a.person == p);
        let proof = steps.get(i)?;
        let have = proof.approvals.len() as u32;
        if have >= proof.need {
            return None;
        }
        let still_needed = proof.need - have;
        let mut can = 0usize;
        let mut excluded = Vec::new();
        for s in &people.sourced {
            let p = s.name;
            if counted(proof, p) {
                continue;
            }
            // One of `eligible` is no contributor and a human the graph
            // knows (why not said only for the others).
            let (eligible, human) = (s.eligible, s.human.is_some());
            let why = if self.change.author.id.as_deref() == Some(p) {
                Some(format!("`{p}` is the author"))
            } else if !eligible && self.authors.contains(&p) {
                Some(format!("`{p}` contributed to the change"))
            } else if !eligible && !human {
                Some(format!("`{p}` is an agent"))
            } else {
                steps
                    .iter()
                    .enumerate()
                    .find(|(j, s)| *j != i && counted(s, p))
                    .map(|(j, _)| {
                        format!(
                            "`{p}` already counts for step {} (one approval per person)",
                            j + 1
                        )
                    })
            };
            match why {
                Some(w) => excluded.push(w),
                None => {
                    can += 1;
                    approver(s);
                }
            }
        }
        let blocked = (can < still_needed as usize).then(|| {
            let sources = sources();
            let why = if excluded.is_empty() {
                format!("{sources} names no one else")
            } else {
                format!("of {sources}, {}", excluded.join(", "))
            };
            if can == 0 {
                format!("no one can approve this: {why}")
            } else {
                format!(
                    "not enough people can approve this: {still_needed} more needed, only {can} can; {why}"
                )
            }
        });
        Some((still_needed, blocked))
    }

    /// The `unblock` of missing check `c` (an index into
    /// `Prepared::checks`) on node `n`: the command that supplies it,
    /// `writ run --only` when the node declares the check (writ runs it),
    /// else a report recorded by `writ evidence add junit`
    /// ([`Eval::check_command`] says which words), named by its position in
    /// `commands` (added there the first time), or in full when the
    /// check's name holds `<NODE>` ([`Command`]).
    pub(super) fn unblock_check(
        &self,
        c: u32,
        n: NodeIdx,
        commands: &mut CommandTemplates,
    ) -> Unblock {
        let names = &self.p.names;
        let check: &str = names.checks.get(c as usize).map_or("?", |c| c);
        let declared = (self.p.names.node_json(&self.p.graph, n))
            .and_then(|j| j.declares(c))
            .unwrap_or_else(|| self.declares_check(n, check));
        let command = if check.contains(NODE_HOLE) {
            self.check_command(check, n, |argv| {
                Command::Argv(argv.iter().map(|a| Text::from(*a)).collect())
            })
        } else {
            Command::Template(commands.of(c, declared, || {
                let text = |w: &Word| -> Text {
                    match w {
                        Word::Fixed(i) => names.command_words[*i as usize].clone(),
                        Word::Check => names.checks[c as usize].clone(),
                        Word::Node => Text::from(NODE_HOLE),
                        Word::Only => Text::from(format!("{check}@{NODE_HOLE}")),
                    }
                };
                command_words(declared).iter().map(text).collect()
            }))
        };
        Unblock {
            command: Some(command),
            steps: Vec::new(),
        }
    }

    /// The argument vector of the command that supplies check `check` on
    /// node `n` (see [`Eval::unblock_check`]), handed to `f`.
    pub(super) fn check_command<R>(
        &self,
        check: &str,
        n: NodeIdx,
        f: impl FnOnce(&[&str]) -> R,
    ) -> R {
        check_argv(check, self.node_id(n), self.declares_check(n, check), f)
    }

    /// Whether node `n` declares check `check` (so `writ run` runs it).
    pub(super) fn declares_check(&self, n: NodeIdx, check: &str) -> bool {
        self.p.graph.view(n).is_some_and(|x| x.has_check(check))
    }
}

/// The commands a proof's missing checks name (`Proof::commands`), one
/// per (check, whether the node declares it), in the order first named.
#[derive(Default)]
pub(super) struct CommandTemplates {
    /// (check, declared) of each command, in `argvs`' order (a proof
    /// names a few: a linear search).
    keys: Vec<(u32, bool)>,
    /// The commands, `<NODE>` standing for the node.
    pub(super) argvs: Vec<Vec<Text>>,
}

impl CommandTemplates {
    /// The position of (check `c`, `declared`)'s command, made by `argv`
    /// the first time.
    pub(super) fn of(&mut self, c: u32, declared: bool, argv: impl FnOnce() -> Vec<Text>) -> u32 {
        let i = self.position(c, declared);
        if self.argvs.len() < self.keys.len() {
            self.argvs.push(argv());
        }
        i
    }

    /// The position of (check `c`, `declared`)'s command, added at the end
    /// the first time (the direct writer writes the commands from
    /// [`CommandTemplates::keys`]; [`CommandTemplates::of`] also keeps
    /// their words).
    pub(super) fn position(&mut self, c: u32, declared: bool) -> u32 {
        if let Some(i) = self.keys.iter().position(|&k| k == (c, declared)) {
            return i as u32;
        }
        self.keys.push((c, declared));
        (self.keys.len() - 1) as u32
    }

    /// (check, declared) of each command named, in order.
    pub(super) fn keys(&self) -> &[(u32, bool)] {
        &self.keys
    }
}

/// The argument vector of the command that supplies check `check` on the
/// node with id `node`, handed to `f`: `writ run --only` when the node
/// declares the check (`declared`), else `writ evidence add junit`
/// ([`command_words`]).
pub(super) fn check_argv<R>(
    check: &str,
    node: &str,
    declared: bool,
    f: impl FnOnce(&[&str]) -> R,
) -> R {
    let words = command_words(declared);
    let mut only = String::new();
    if words.iter().any(|w| matches!(w, Word::Only)) {
        only = format!("{check}@{node}");
    }
    let mut argv: [&str; 16] = [""; 16];
    for (slot, w) in argv.iter_mut().zip(words) {
        *slot = match w {
            Word::Fixed(i) => COMMAND_WORDS[*i as usize],
            Word::Check => check,
            Word::Node => node,
            Word::Only => &only,
        };
    }
    f(&argv[..words.len().min(argv.len())])
}

/// The words of the command that supplies a check on a node: `writ run
/// --only` when the node declares the check, else `writ evidence add
/// junit` (the one place both layouts are written).
fn command_words(declared: bool) -> &'static [Word] {
    use Word::{Check, Fixed, Node, Only};
    // Indices into `COMMAND_WORDS`.
    const RUN: &[Word] = &[
        Fixed(0), // writ
        Fixed(1), // run
        Fixed(2), // --plan
        Fixed(3), // <PLAN>
        Fixed(4), // --change
        Fixed(5), // <CHANGE>
        Fixed(6), // --key
        Fixed(7), // <KEY>
        Fixed(8), // --only
        Only,
    ];
    const JUNIT: &[Word] = &[
        Fixed(0),  // writ
        Fixed(9),  // evidence
        Fixed(10), // add
        Fixed(11), // junit
        Fixed(12), // <REPORT>
        Fixed(13), // --check
        Check,
        Fixed(14), // --node
        Node,
        Fixed(4), // --change
        Fixed(5), // <CHANGE>
        Fixed(2), // --plan
        Fixed(3), // <PLAN>
        Fixed(6), // --key
        Fixed(7), // <KEY>
    ];
    if declared { RUN } else { JUNIT }
}

//! The literals a plan compares (labels, times, teams, people, the
//! emergency flag): what the change space must vary to see every
//! distinction the plan can draw.

use std::collections::BTreeSet;
use writ_plan::ir::{Approvers, ChangeField, CompareOp, Expr};

/// Literals a plan compares: labels, times, teams, persons.
#[derive(Default)]
pub(super) struct Literals {
    pub(super) labels: BTreeSet<String>,
    pub(super) times: BTreeSet<i64>,
    pub(super) teams: BTreeSet<String>,
    pub(super) people: BTreeSet<String>,
    pub(super) emergency: bool,
}

impl Literals {
    /// The team or person an approval source names, if it names one.
    pub(super) fn approvers(&mut self, src: &Approvers) {
        match src {
            Approvers::Team(t) => {
                self.teams.insert(t.clone());
            }
            Approvers::Person(x) => {
                self.people.insert(x.clone());
            }
            Approvers::OwnersOfParam(_)
            | Approvers::Param(_)
            | Approvers::OwnersOfNode(_)
            | Approvers::OwnersOfTouched => {}
        }
    }

    /// The literals `e` compares. Each node is judged here; the recursion
    /// is the IR's (`writ_plan::walk`).
    pub(super) fn expr(&mut self, e: &Expr) {
        e.for_each(&mut |e| match e {
            Expr::Time(t) => {
                self.times.insert(*t);
            }
            Expr::Team(t) => {
                self.teams.insert(t.clone());
            }
            Expr::Person(p) => {
                self.people.insert(p.clone());
            }
            Expr::Compare(op, a, b) => {
                if matches!(**a, Expr::Change(ChangeField::Labels)) {
                    strings(b, &mut self.labels);
                }
                if matches!(op, CompareOp::In) && matches!(**b, Expr::Change(ChangeField::Labels)) {
                    strings(a, &mut self.labels);
                }
            }
            Expr::Change(ChangeField::Emergency) => self.emergency = true,
            Expr::List(_)
            | Expr::And(_)
            | Expr::Or(_)
            | Expr::Range(..)
            | Expr::Not(_)
            | Expr::Bool(_)
            | Expr::Int(_)
            | Expr::Str(_)
            | Expr::Duration(_)
            | Expr::Nodes(_)
            | Expr::NodeField { .. }
            | Expr::Change(_)
            | Expr::DecisionTime
            | Expr::AnyPath(_)
            | Expr::AllPaths(_) => {}
        })
    }
}

fn strings(e: &Expr, out: &mut BTreeSet<String>) {
    match e {
        Expr::Str(s) => {
            out.insert(s.clone());
        }
        Expr::List(xs) => xs.iter().for_each(|x| strings(x, out)),
        _ => {}
    }
}

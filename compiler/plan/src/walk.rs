//! The one walk over the IR's expressions: which sub-expressions a node
//! of [`Expr`] holds ([`Expr::children`], [`Expr::children_mut`]), and the
//! searches built on them ([`Expr::find`], [`Expr::any`],
//! [`Expr::for_each`]). Passes that look for something in a condition
//! (the runtime's `change.has_unowned` test, `writ prove`'s monotonicity
//! and literal collection, the checker's W0533) match the node they are
//! given and leave the recursion here, so a new kind of node with
//! sub-expressions is a compile error in this file, once.

use crate::ir::Expr;

/// What a search does at one node ([`Expr::find`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visit<C, R> {
    /// Stop: this is the answer.
    Found(R),
    /// Go on into the node's sub-expressions, with this context.
    Descend(C),
}

/// The sub-expressions of one node, in order.
type Parts<'e> = (&'e [Expr], Option<&'e Expr>, Option<&'e Expr>);

impl Expr {
    /// The node's direct sub-expressions, left to right.
    pub fn children(&self) -> impl Iterator<Item = &Expr> {
        let (many, a, b): Parts<'_> = match self {
            Expr::List(xs) | Expr::And(xs) | Expr::Or(xs) => (xs, None, None),
            Expr::Range(a, b) | Expr::Compare(_, a, b) => (&[], Some(a), Some(b)),
            Expr::Not(x) => (&[], Some(x), None),
            Expr::Bool(_)
            | Expr::Int(_)
            | Expr::Str(_)
            | Expr::Duration(_)
            | Expr::Time(_)
            | Expr::Nodes(_)
            | Expr::NodeField { .. }
            | Expr::Person(_)
            | Expr::Team(_)
            | Expr::Change(_)
            | Expr::DecisionTime
            | Expr::AnyPath(_)
            | Expr::AllPaths(_) => (&[], None, None),
        };
        many.iter().chain(a).chain(b)
    }

    /// [`Expr::children`], mutably (the same nodes in the same order).
    pub fn children_mut(&mut self) -> impl Iterator<Item = &mut Expr> {
        let (many, a, b): (&mut [Expr], Option<&mut Expr>, Option<&mut Expr>) = match self {
            Expr::List(xs) | Expr::And(xs) | Expr::Or(xs) => (xs, None, None),
            Expr::Range(a, b) | Expr::Compare(_, a, b) => (&mut [], Some(a), Some(b)),
            Expr::Not(x) => (&mut [], Some(x), None),
            Expr::Bool(_)
            | Expr::Int(_)
            | Expr::Str(_)
            | Expr::Duration(_)
            | Expr::Time(_)
            | Expr::Nodes(_)
            | Expr::NodeField { .. }
            | Expr::Person(_)
            | Expr::Team(_)
            | Expr::Change(_)
            | Expr::DecisionTime
            | Expr::AnyPath(_)
            | Expr::AllPaths(_) => (&mut [], None, None),
        };
        many.iter_mut().chain(a).chain(b)
    }

    /// The first answer `visit` finds, in pre-order (a node, then its
    /// children left to right). `visit` is given each node and the context
    /// its parent passed down (`cx` at the root), and says whether to stop
    /// or which context its children get.
    pub fn find<C: Copy, R>(
        &self,
        cx: C,
        visit: &mut impl FnMut(&Expr, C) -> Visit<C, R>,
    ) -> Option<R> {
        match visit(self, cx) {
            Visit::Found(r) => Some(r),
            Visit::Descend(cx) => self.children().find_map(|c| c.find(cx, visit)),
        }
    }

    /// Whether some node (this one or below) satisfies `pred`.
    pub fn any(&self, pred: &mut impl FnMut(&Expr) -> bool) -> bool {
        self.find((), &mut |e, ()| {
            if pred(e) {
                Visit::Found(())
            } else {
                Visit::Descend(())
            }
        })
        .is_some()
    }

    /// Calls `f` on every node, in pre-order.
    pub fn for_each(&self, f: &mut impl FnMut(&Expr)) {
        f(self);
        self.children().for_each(|c| c.for_each(f));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{ChangeField, CompareOp};

    fn sample() -> Expr {
        Expr::And(vec![
            Expr::Not(Box::new(Expr::Change(ChangeField::Emergency))),
            Expr::Compare(
                CompareOp::In,
                Box::new(Expr::Int(1)),
                Box::new(Expr::Range(Box::new(Expr::Int(0)), Box::new(Expr::Int(2)))),
            ),
            Expr::Or(vec![Expr::Bool(false), Expr::Str("x".into())]),
        ])
    }

    #[test]
    fn every_node_is_visited_once_in_pre_order() {
        let mut seen = Vec::new();
        sample().for_each(&mut |e| {
            seen.push(match e {
                Expr::And(_) => "and",
                Expr::Not(_) => "not",
                Expr::Change(_) => "change",
                Expr::Compare(..) => "compare",
                Expr::Int(_) => "int",
                Expr::Range(..) => "range",
                Expr::Or(_) => "or",
                Expr::Bool(_) => "bool",
                Expr::Str(_) => "str",
                _ => "other",
            })
        });
        assert_eq!(
            seen,
            [
                "and", "not", "change", "compare", "int", "range", "int", "int", "or", "bool",
                "str"
            ]
        );
    }

    #[test]
    fn children_and_children_mut_agree() {
        let mut e = sample();
        let mut shared = Vec::new();
        e.for_each(&mut |x| shared.push(x.children().count()));
        fn counts(e: &mut Expr, out: &mut Vec<usize>) {
            out.push(e.children_mut().count());
            for c in e.children_mut() {
                counts(c, out);
            }
        }
        let mut mutable = Vec::new();
        counts(&mut e, &mut mutable);
        assert_eq!(shared, mutable);
        assert_eq!(shared, [3, 1, 0, 2, 0, 2, 0, 0, 2, 0, 0]);
    }

    #[test]
    fn find_passes_the_context_down_and_stops_at_the_first_answer() {
        // Depth as the context: the first Int is found at depth 2.
        let found = sample().find(0u32, &mut |e, depth| match e {
            Expr::Int(i) => Visit::Found((*i, depth)),
            _ => Visit::Descend(depth + 1),
        });
        assert_eq!(found, Some((1, 2)));
        assert!(sample().any(&mut |e| matches!(e, Expr::Str(s) if s == "x")));
        assert!(!sample().any(&mut |e| matches!(e, Expr::Time(_))));
    }
}

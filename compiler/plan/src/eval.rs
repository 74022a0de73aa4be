//! The one evaluator of the plan's expressions: values ([`Value`]), the
//! evaluation of an expression ([`eval`]), conditions ([`truth`], and the
//! projection [`holds`] that `where` filters use) and the comparison
//! operators ([`compare`]: equality, order, membership, `is`).
//!
//! Two callers share it: the compiler evaluates `where` filters against each
//! node of the graph ([`crate::ir::Expr`] with a node bound to variable 0),
//! and the runtime evaluates `when` conditions against a change (its prepared
//! form of the same expressions). Each implements [`Expression`] for its form
//! of the tree and [`Env`] for the leaves only it can evaluate (node sets,
//! change fields, globs, variables); everything else is decided here, once.
//!
//! Missing attributes (docs/language.md § Missing attributes): an attribute a
//! node does not have is the value [`Value::Missing`]. It equals nothing (`==`
//! is false and `!=` true, even against another missing value), orders with
//! nothing (`<`, `<=`, `>`, `>=` are false), holds nothing and is in nothing
//! (`has`, `in` are false). Used as a condition it is an error: the runtime
//! reports it and the decision fails closed; a `where` filter keeps a node only
//! when its condition is true, so an error drops the node ([`holds`]).

use crate::ir::{CompareOp, NodeField};
use std::fmt;
use writ_graph::AttrRef;
use writ_graph::{Graph, NodeIdx, PrincipalKind};

/// A value: what an expression evaluates to. `N` is the caller's handle on a
/// node set (sorted node indices).
#[derive(Clone, Debug)]
pub enum Value<'a, N> {
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A string.
    Str(&'a str),
    /// A duration, in seconds.
    Duration(u64),
    /// An instant, Unix seconds UTC.
    Time(i64),
    /// A set of strings (tags, owners, checks, labels, files).
    Strs(Vec<&'a str>),
    /// A node set.
    Nodes(N),
    /// A person: `id` is `None` for an author the change does not name.
    Person {
        /// The person's id.
        id: Option<&'a str>,
        /// Whether the person is an agent.
        agent: bool,
    },
    /// A team, by id.
    Team(&'a str),
    /// A list.
    List(Vec<Value<'a, N>>),
    /// An inclusive range.
    Range(Box<Value<'a, N>>, Box<Value<'a, N>>),
    /// An attribute the node does not have.
    Missing,
}

impl<N> Value<'_, N> {
    /// The value's type, as error messages name it ("a string").
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Str(_) => "a string",
            Value::Duration(_) => "a duration",
            Value::Time(_) => "a time",
            Value::Strs(_) => "a set of strings",
            Value::Nodes(_) => "a node set",
            Value::Person { .. } => "a person",
            Value::Team(_) => "a team",
            Value::List(_) => "a list",
            Value::Range(..) => "a range",
            Value::Missing => "a missing attribute",
        }
    }
}

/// Why an expression could not be evaluated. The runtime states it as a
/// reason (`Display`); a `where` filter drops the node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EvalError {
    /// A variable index with no node bound to it.
    Unbound(u32),
    /// A node index outside the graph.
    NodeOutOfRange,
    /// A glob index outside the prepared globs.
    GlobOutOfRange,
    /// A condition whose value is not a boolean (its type's name).
    NotACondition(&'static str),
    /// `==`, `has`, `in` or `is` between values of these types.
    CannotCompare(&'static str, &'static str),
    /// `<`, `<=`, `>`, `>=` between values of these types.
    CannotOrder(&'static str, &'static str),
    /// `is` with something other than `agent`, `human`, `known`, `unknown`.
    UnknownPrincipalKind(String),
    /// A leaf only a change can give a value (evaluated without one: a
    /// `where` filter at compile time).
    NotStatic,
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvalError::Unbound(v) => write!(f, "variable {v} is not bound"),
            EvalError::NodeOutOfRange => f.write_str("a node out of range"),
            EvalError::GlobOutOfRange => f.write_str("a glob out of range"),
            EvalError::NotACondition(ty) => write!(f, "a condition is {ty}, not a boolean"),
            EvalError::CannotCompare(a, b) => write!(f, "cannot compare {a} with {b}"),
            EvalError::CannotOrder(a, b) => write!(f, "cannot order {a} and {b}"),
            EvalError::UnknownPrincipalKind(k) => write!(
                f,
                "`is {k}`: a person is `agent` or `human`, `known` or `unknown`"
            ),
            EvalError::NotStatic => f.write_str("the value is not known before a change"),
        }
    }
}

impl std::error::Error for EvalError {}

/// The shape of one expression node, as the evaluator sees it: the forms it
/// evaluates itself, and [`Form::Leaf`] for those the [`Env`] evaluates.
pub enum Form<'e, X> {
    /// A boolean constant.
    Bool(bool),
    /// An integer constant.
    Int(i64),
    /// A string constant.
    Str(&'e str),
    /// A duration, in seconds.
    Duration(u64),
    /// An instant, Unix seconds UTC.
    Time(i64),
    /// A person of the graph, by id.
    Person(&'e str),
    /// A team of the graph, by id.
    Team(&'e str),
    /// A list.
    List(&'e [X]),
    /// An inclusive range.
    Range(&'e X, &'e X),
    /// Negation.
    Not(&'e X),
    /// Conjunction (short-circuit, left to right).
    And(&'e [X]),
    /// Disjunction (short-circuit, left to right).
    Or(&'e [X]),
    /// A comparison.
    Compare(CompareOp, &'e X, &'e X),
    /// Anything else: node sets, node and change fields, globs,
    /// `decision.time` (see [`Env::leaf`]).
    Leaf,
}

/// A tree the evaluator can walk: the plan's [`crate::ir::Expr`], or a
/// caller's prepared form of it.
pub trait Expression: Sized {
    /// This node's form.
    fn form(&self) -> Form<'_, Self>;
}

impl Expression for crate::ir::Expr {
    fn form(&self) -> Form<'_, Self> {
        use crate::ir::Expr;
        match self {
            Expr::Bool(b) => Form::Bool(*b),
            Expr::Int(i) => Form::Int(*i),
            Expr::Str(s) => Form::Str(s),
            Expr::Duration(d) => Form::Duration(*d),
            Expr::Time(t) => Form::Time(*t),
            Expr::Person(p) => Form::Person(p),
            Expr::Team(t) => Form::Team(t),
            Expr::List(xs) => Form::List(xs),
            Expr::Range(a, b) => Form::Range(a, b),
            Expr::Not(x) => Form::Not(x),
            Expr::And(xs) => Form::And(xs),
            Expr::Or(xs) => Form::Or(xs),
            Expr::Compare(op, a, b) => Form::Compare(*op, a, b),
            Expr::Nodes(_)
            | Expr::NodeField { .. }
            | Expr::Change(_)
            | Expr::DecisionTime
            | Expr::AnyPath(_)
            | Expr::AllPaths(_) => Form::Leaf,
        }
    }
}

/// What an expression is evaluated against: the graph, and the leaves only
/// the caller can evaluate.
pub trait Env<'a, X: 'a> {
    /// The caller's handle on a node set.
    type Nodes: AsRef<[NodeIdx]>;
    /// The graph node ids, people and node sets refer to.
    fn graph(&self) -> &'a Graph;
    /// The value of a leaf ([`Form::Leaf`]).
    fn leaf(&mut self, e: &'a X) -> Result<Value<'a, Self::Nodes>, EvalError>;
    /// A leaf's truth when the caller can tell it without building its
    /// value (a node set is "not empty"); `None`: evaluate the value.
    fn leaf_truth(&mut self, _e: &'a X) -> Option<Result<bool, EvalError>> {
        None
    }
}

/// The value of `e`.
pub fn eval<'a, X: Expression, E: Env<'a, X>>(
    env: &mut E,
    e: &'a X,
) -> Result<Value<'a, E::Nodes>, EvalError> {
    Ok(match e.form() {
        Form::Bool(b) => Value::Bool(b),
        Form::Int(i) => Value::Int(i),
        Form::Str(s) => Value::Str(s),
        Form::Duration(d) => Value::Duration(d),
        Form::Time(t) => Value::Time(t),
        Form::Person(p) => person(env.graph(), p),
        Form::Team(t) => Value::Team(t),
        Form::List(xs) => Value::List(xs.iter().map(|x| eval(env, x)).collect::<Result<_, _>>()?),
        Form::Range(a, b) => Value::Range(Box::new(eval(env, a)?), Box::new(eval(env, b)?)),
        Form::Not(x) => Value::Bool(!truth(env, x)?),
        Form::And(xs) => {
            for x in xs {
                if !truth(env, x)? {
                    return Ok(Value::Bool(false));
                }
            }
            Value::Bool(true)
        }
        Form::Or(xs) => {
            for x in xs {
                if truth(env, x)? {
                    return Ok(Value::Bool(true));
                }
            }
            Value::Bool(false)
        }
        Form::Compare(op, a, b) => {
            let a = eval(env, a)?;
            let b = eval(env, b)?;
            Value::Bool(compare(env.graph(), op, &a, &b)?)
        }
        Form::Leaf => env.leaf(e)?,
    })
}

/// `e` as a condition: a boolean, or a node set ("not empty"). Anything
/// else, a missing attribute included, is an error.
pub fn truth<'a, X: Expression, E: Env<'a, X>>(env: &mut E, e: &'a X) -> Result<bool, EvalError> {
    if let Form::Leaf = e.form()
        && let Some(t) = env.leaf_truth(e)
    {
        return t;
    }
    match eval(env, e)? {
        Value::Bool(b) => Ok(b),
        Value::Nodes(n) => Ok(!n.as_ref().is_empty()),
        other => Err(EvalError::NotACondition(other.type_name())),
    }
}

/// `e` as a `where` filter: true only when its condition is true; false,
/// and a condition that cannot be evaluated, leave the node out.
pub fn holds<'a, X: Expression, E: Env<'a, X>>(env: &mut E, e: &'a X) -> bool {
    truth(env, e) == Ok(true)
}

/// Person `id` of the graph (an agent if the graph says so).
pub fn person<'a, N>(graph: &Graph, id: &'a str) -> Value<'a, N> {
    let agent = graph
        .person(id)
        .is_some_and(|p| p.kind == PrincipalKind::Agent);
    Value::Person {
        id: Some(id),
        agent,
    }
}

/// Field `field` of node `n`; [`Value::Missing`] for an attribute the node
/// does not have.
pub fn node_field<'a, N>(
    graph: &'a Graph,
    n: NodeIdx,
    field: &NodeField,
) -> Result<Value<'a, N>, EvalError> {
    let node = graph.view(n).ok_or(EvalError::NodeOutOfRange)?;
    Ok(match field {
        NodeField::Id => Value::Str(node.id()),
        NodeField::Kind => Value::Str(node.kind()),
        NodeField::Tags => Value::Strs(node.tags().collect()),
        NodeField::Owners => Value::Strs(node.owners().collect()),
        NodeField::Checks => Value::Strs(node.check_names().collect()),
        NodeField::Attr(name) => match node.attribute(name) {
            None => Value::Missing,
            Some(AttrRef::Bool(b)) => Value::Bool(b),
            Some(AttrRef::Int(i)) => Value::Int(i),
            Some(AttrRef::Str(s)) => Value::Str(s),
        },
    })
}

fn node_id(graph: &Graph, n: NodeIdx) -> &str {
    graph.node_id(n)
}

/// `a op b`.
pub fn compare<'a, N: AsRef<[NodeIdx]>>(
    graph: &Graph,
    op: CompareOp,
    a: &Value<'a, N>,
    b: &Value<'a, N>,
) -> Result<bool, EvalError> {
    let mismatch = || EvalError::CannotCompare(a.type_name(), b.type_name());
    match op {
        CompareOp::Eq => equal(graph, a, b),
        CompareOp::Ne => Ok(!equal(graph, a, b)?),
        CompareOp::Lt => Ok(order(a, b)?.is_some_and(|o| o.is_lt())),
        CompareOp::Le => Ok(order(a, b)?.is_some_and(|o| o.is_le())),
        CompareOp::Gt => Ok(order(a, b)?.is_some_and(|o| o.is_gt())),
        CompareOp::Ge => Ok(order(a, b)?.is_some_and(|o| o.is_ge())),
        CompareOp::Has => member(graph, a, b).map_err(|()| mismatch())?,
        CompareOp::In => member(graph, b, a).map_err(|()| mismatch())?,
        CompareOp::Is => match (a, b) {
            (Value::Person { agent, id }, Value::Str(k)) => {
                let known = || id.is_some_and(|id| graph.person(id).is_some());
                match *k {
                    "agent" => Ok(*agent),
                    "human" => Ok(!*agent),
                    "known" => Ok(known()),
                    "unknown" => Ok(!known()),
                    other => Err(EvalError::UnknownPrincipalKind(other.to_owned())),
                }
            }
            _ => Err(mismatch()),
        },
    }
}

/// `x == y`; a missing value equals nothing.
fn equal<'a, N: AsRef<[NodeIdx]>>(
    graph: &Graph,
    x: &Value<'a, N>,
    y: &Value<'a, N>,
) -> Result<bool, EvalError> {
    Ok(match (x, y) {
        (Value::Missing, _) | (_, Value::Missing) => false,
        (Value::Bool(p), Value::Bool(q)) => p == q,
        (Value::Int(p), Value::Int(q)) => p == q,
        (Value::Str(p), Value::Str(q)) => p == q,
        (Value::Duration(p), Value::Duration(q)) => p == q,
        (Value::Time(p), Value::Time(q)) => p == q,
        (Value::Person { id: p, .. }, Value::Person { id: q, .. }) => p.is_some() && p == q,
        (Value::Person { id: p, .. }, Value::Str(q))
        | (Value::Str(q), Value::Person { id: p, .. }) => *p == Some(*q),
        (Value::Team(p), Value::Team(q)) => p == q,
        (Value::Nodes(n), Value::Str(s)) | (Value::Str(s), Value::Nodes(n)) => {
            matches!(n.as_ref(), [one] if node_id(graph, *one) == *s)
        }
        (Value::Nodes(n), Value::Nodes(m)) => n.as_ref() == m.as_ref(),
        (Value::Strs(p), Value::Strs(q)) => {
            let (mut p, mut q) = (p.clone(), q.clone());
            p.sort_unstable();
            p.dedup();
            q.sort_unstable();
            q.dedup();
            p == q
        }
        _ => return Err(EvalError::CannotCompare(x.type_name(), y.type_name())),
    })
}

/// The order of `x` and `y`; `None` when one is missing.
fn order<N>(x: &Value<'_, N>, y: &Value<'_, N>) -> Result<Option<std::cmp::Ordering>, EvalError> {
    Ok(match (x, y) {
        (Value::Missing, _) | (_, Value::Missing) => None,
        (Value::Int(p), Value::Int(q)) => Some(p.cmp(q)),
        (Value::Duration(p), Value::Duration(q)) => Some(p.cmp(q)),
        (Value::Time(p), Value::Time(q)) => Some(p.cmp(q)),
        _ => return Err(EvalError::CannotOrder(x.type_name(), y.type_name())),
    })
}

/// Whether `set` holds `item`: `Err(())` when the types do not go together
/// (the caller names both operands), an error of an element comparison as
/// it is.
fn member<'a, N: AsRef<[NodeIdx]>>(
    graph: &Graph,
    set: &Value<'a, N>,
    item: &Value<'a, N>,
) -> Result<Result<bool, EvalError>, ()> {
    Ok(match set {
        Value::Missing => Ok(false),
        Value::Strs(s) => match item {
            Value::Str(x) | Value::Team(x) => Ok(s.contains(x)),
            Value::Person { id: Some(x), .. } => Ok(s.contains(x)),
            Value::Person { id: None, .. } | Value::Missing => Ok(false),
            _ => return Err(()),
        },
        Value::Nodes(n) => match item {
            Value::Str(s) => Ok(graph
                .node_index(s)
                .is_some_and(|x| n.as_ref().binary_search(&x).is_ok())),
            Value::Nodes(m) => Ok(m
                .as_ref()
                .iter()
                .all(|x| n.as_ref().binary_search(x).is_ok())),
            _ => return Err(()),
        },
        Value::List(items) => {
            for i in items {
                match equal(graph, item, i) {
                    Ok(true) => return Ok(Ok(true)),
                    Ok(false) => {}
                    Err(e) => return Ok(Err(e)),
                }
            }
            Ok(false)
        }
        Value::Range(lo, hi) => (|| {
            Ok(matches!(order(lo, item)?, Some(o) if o.is_le())
                && matches!(order(item, hi)?, Some(o) if o.is_le()))
        })(),
        _ => return Err(()),
    })
}

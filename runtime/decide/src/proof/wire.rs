//! The proof as its JSON holds it: writing the tree with every [`Name`]
//! as its text (`Serialize` for [`Proof`], through [`NamedSer`]), reading
//! it back with the texts interned into the proof's table (`Deserialize`
//! for [`Proof`], through wire forms of the records that hold names), and
//! comparing two proofs as their JSON does (`PartialEq` for [`Proof`]).
//! The bytes are those the records wrote when they held their texts
//! (`writ.proof/v4`): same fields, same order. Reading keeps every check
//! it made: unknown fields refused, an obligation's written `id` checked
//! against its check or approval.

use super::*;
use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Deserializer, Serialize};

/// A record of the proof tree written through its proof's name table.
trait NamedSer {
    /// Writes `self`, each [`Name`] as its text in `names`.
    fn ser<S: Serializer>(&self, names: &NameTable, s: S) -> Result<S::Ok, S::Error>;
}

/// `T` with the table its names are positions in: `Serialize`.
struct In<'p, T: ?Sized>(&'p NameTable, &'p T);

impl<T: NamedSer + ?Sized> Serialize for In<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.1.ser(self.0, s)
    }
}

impl NamedSer for Name {
    fn ser<S: Serializer>(&self, names: &NameTable, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(names.get(*self))
    }
}

impl<T: NamedSer> NamedSer for [T] {
    fn ser<S: Serializer>(&self, names: &NameTable, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter().map(|x| In(names, x)))
    }
}

impl<T: NamedSer> NamedSer for Few<T> {
    fn ser<S: Serializer>(&self, names: &NameTable, s: S) -> Result<S::Ok, S::Error> {
        self.as_slice().ser(names, s)
    }
}

impl<T: NamedSer> NamedSer for Option<T> {
    fn ser<S: Serializer>(&self, names: &NameTable, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Some(x) => s.serialize_some(&In(names, x)),
            None => s.serialize_none(),
        }
    }
}

impl Serialize for Proof {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let n = &self.names;
        let mut o = s.serialize_struct("Proof", 16)?;
        o.serialize_field("format", &self.format)?;
        o.serialize_field("outcome", &self.outcome)?;
        o.serialize_field("reasons", &self.reasons)?;
        o.serialize_field("plan", &self.plan)?;
        o.serialize_field("change", &self.change)?;
        o.serialize_field("decided_at", &self.decided_at)?;
        o.serialize_field("files", &self.files)?;
        o.serialize_field("unowned", &self.unowned)?;
        o.serialize_field("touched", &In(n, &self.touched[..]))?;
        o.serialize_field("witnesses", &In(n, &self.witnesses[..]))?;
        o.serialize_field("rules", &In(n, &self.rules[..]))?;
        o.serialize_field("not_fired", &self.not_fired)?;
        o.serialize_field("obligations", &In(n, &self.obligations[..]))?;
        o.serialize_field("commands", &self.commands)?;
        o.serialize_field("forbids", &In(n, &self.forbids[..]))?;
        o.serialize_field("rejected", &self.rejected)?;
        o.end()
    }
}

impl NamedSer for WitnessTree {
    fn ser<S: Serializer>(&self, n: &NameTable, s: S) -> Result<S::Ok, S::Error> {
        let mut o = s.serialize_struct("WitnessTree", 2)?;
        o.serialize_field("direction", &self.direction)?;
        o.serialize_field("nodes", &In(n, &self.nodes[..]))?;
        o.end()
    }
}

impl NamedSer for WitnessNode {
    fn ser<S: Serializer>(&self, n: &NameTable, s: S) -> Result<S::Ok, S::Error> {
        let mut o = s.serialize_struct("WitnessNode", 5)?;
        o.serialize_field("node", &In(n, &self.node))?;
        o.serialize_field("parent", &self.parent)?;
        o.serialize_field("via", &In(n, &self.via))?;
        o.serialize_field("file", &self.file())?;
        o.serialize_field("globs", self.globs())?;
        o.end()
    }
}

impl NamedSer for RuleProof {
    fn ser<S: Serializer>(&self, n: &NameTable, s: S) -> Result<S::Ok, S::Error> {
        let mut o = s.serialize_struct("RuleProof", 4)?;
        o.serialize_field("id", &self.id)?;
        o.serialize_field("source", &self.source)?;
        o.serialize_field("clauses", &self.clauses)?;
        o.serialize_field("instances", &In(n, &self.instances[..]))?;
        o.end()
    }
}

impl NamedSer for InstanceProof {
    fn ser<S: Serializer>(&self, n: &NameTable, s: S) -> Result<S::Ok, S::Error> {
        let mut o = s.serialize_struct("InstanceProof", 2)?;
        o.serialize_field("bindings", &In(n, &self.bindings))?;
        o.serialize_field("obligations", &self.obligations)?;
        o.end()
    }
}

impl NamedSer for BindingProof {
    fn ser<S: Serializer>(&self, n: &NameTable, s: S) -> Result<S::Ok, S::Error> {
        let mut o = s.serialize_struct("BindingProof", 3)?;
        o.serialize_field("var", &In(n, &self.var))?;
        o.serialize_field("node", &In(n, &self.node))?;
        o.serialize_field("witness", &self.witness)?;
        o.end()
    }
}

impl NamedSer for ObligationProof {
    fn ser<S: Serializer>(&self, n: &NameTable, s: S) -> Result<S::Ok, S::Error> {
        let mut o = s.serialize_struct("ObligationProof", 6)?;
        o.serialize_field("id", &self.id(n))?;
        o.serialize_field("status", &self.status)?;
        o.serialize_field("imposed_by", &self.imposed_by)?;
        o.serialize_field("check", &In(n, &self.check))?;
        o.serialize_field("approval", &self.approval)?;
        if self.unblock.is_some() {
            o.serialize_field("unblock", &self.unblock)?;
        }
        o.end()
    }
}

impl NamedSer for CheckObligation {
    fn ser<S: Serializer>(&self, n: &NameTable, s: S) -> Result<S::Ok, S::Error> {
        let mut o = s.serialize_struct("CheckObligation", 3)?;
        o.serialize_field("check", &In(n, &self.check))?;
        o.serialize_field("node", &In(n, &self.node))?;
        o.serialize_field("results", &self.results)?;
        o.end()
    }
}

impl NamedSer for ForbidProof {
    fn ser<S: Serializer>(&self, n: &NameTable, s: S) -> Result<S::Ok, S::Error> {
        let mut o = s.serialize_struct("ForbidProof", 8)?;
        o.serialize_field("id", &self.id)?;
        o.serialize_field("message", &self.message)?;
        o.serialize_field("status", &self.status)?;
        o.serialize_field("why", &self.why)?;
        o.serialize_field("source", &self.source)?;
        o.serialize_field("conditions", &self.conditions)?;
        o.serialize_field("instances", &In(n, &self.instances[..]))?;
        o.serialize_field("emergencies", &self.emergencies)?;
        o.end()
    }
}

/// Forbid proofs with the table their instances' names are positions in
/// (the evaluator's direct JSON writes the forbids so). Serialises as the
/// list of forbids.
#[derive(Clone, Debug, Default)]
pub struct Forbids {
    /// The forbids, in the proof's order.
    pub proofs: Vec<ForbidProof>,
    /// The texts their instances' bindings name.
    pub names: NameTable,
}

impl Serialize for Forbids {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        In(&self.names, &self.proofs[..]).serialize(s)
    }
}

// ---- reading (each wire form is named as the record it reads, so an
// error says what it said before)

/// A proof as its JSON holds it (names as texts).
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename = "Proof")]
struct ProofWire {
    format: String,
    outcome: Outcome,
    reasons: Vec<Reason>,
    plan: PlanRef,
    change: ChangeRef,
    decided_at: String,
    files: Vec<FileProof>,
    unowned: Vec<String>,
    touched: Vec<Text>,
    witnesses: Vec<TreeWire>,
    rules: Vec<RuleWire>,
    not_fired: NotFiredList,
    obligations: Vec<ObligationWire>,
    commands: Vec<Vec<Text>>,
    forbids: Vec<ForbidWire>,
    rejected: Vec<RejectedEvidence>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename = "WitnessTree")]
struct TreeWire {
    direction: WitnessDirection,
    nodes: Vec<NodeWire>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename = "WitnessNode")]
struct NodeWire {
    node: Text,
    parent: Option<u32>,
    via: Option<Text>,
    file: Option<Text>,
    globs: Vec<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename = "RuleProof")]
struct RuleWire {
    id: Text,
    source: SourceRef,
    clauses: Vec<ClauseRef>,
    instances: Vec<InstanceWire>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename = "InstanceProof")]
struct InstanceWire {
    bindings: Vec<BindingWire>,
    obligations: Few<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename = "BindingProof")]
struct BindingWire {
    var: Text,
    node: Text,
    witness: Option<Witness>,
}

/// An obligation as the JSON holds it: with its id, which must be the one
/// its check or approval says (checked as it is read, so the error says
/// where).
#[derive(Deserialize)]
#[serde(try_from = "ObligationRaw")]
struct ObligationWire(ObligationRaw);

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename = "ObligationWire")]
struct ObligationRaw {
    id: String,
    status: Status,
    imposed_by: Few<InstanceRef>,
    check: Option<CheckWire>,
    approval: Option<Box<ApprovalObligation>>,
    #[serde(default)]
    unblock: Option<Unblock>,
}

impl TryFrom<ObligationRaw> for ObligationWire {
    type Error = String;

    fn try_from(w: ObligationRaw) -> Result<Self, String> {
        // The one layout of the id ([`ObligationProof::write_id`]).
        let mut id = String::new();
        if let Some(c) = &w.check {
            write_check_id(&mut id, &c.check, &c.node);
        } else if let Some(a) = &w.approval {
            write_approval_id(&mut id, &a.chain, &a.args, |out, arg| out.push_str(arg));
        }
        if id != w.id {
            return Err(format!(
                "obligation `{}` says it is `{id}` (its check or approval)",
                w.id
            ));
        }
        Ok(ObligationWire(w))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename = "CheckObligation")]
struct CheckWire {
    check: Text,
    node: Text,
    results: Vec<CheckEvidence>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename = "ForbidProof")]
struct ForbidWire {
    id: String,
    message: String,
    status: ForbidStatus,
    why: String,
    source: SourceRef,
    conditions: Vec<ConditionValue>,
    instances: Vec<InstanceWire>,
    emergencies: Vec<EmergencyProof>,
}

impl<'de> Deserialize<'de> for Proof {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Proof, D::Error> {
        Ok(ProofWire::deserialize(d)?.into_proof())
    }
}

impl InstanceWire {
    fn read(self, names: &mut Interner) -> InstanceProof {
        InstanceProof {
            bindings: self
                .bindings
                .into_iter()
                .map(|b| BindingProof {
                    var: names.name(&b.var),
                    node: names.name(&b.node),
                    witness: b.witness,
                })
                .collect(),
            obligations: self.obligations,
        }
    }
}

impl ProofWire {
    /// The proof, its names interned in the order the JSON writes them.
    fn into_proof(self) -> Proof {
        let mut names = Interner::new();
        let touched = self.touched.iter().map(|t| names.name(t)).collect();
        let witnesses = self
            .witnesses
            .into_iter()
            .map(|t| WitnessTree {
                direction: t.direction,
                nodes: t
                    .nodes
                    .into_iter()
                    .map(|n| WitnessNode {
                        node: names.name(&n.node),
                        parent: n.parent,
                        via: n.via.map(|v| names.name(&v)),
                        root: WitnessNode::root_of(n.file, n.globs),
                    })
                    .collect(),
            })
            .collect();
        let rules = self
            .rules
            .into_iter()
            .map(|r| RuleProof {
                id: r.id,
                source: r.source,
                clauses: r.clauses,
                instances: r
                    .instances
                    .into_iter()
                    .map(|i| i.read(&mut names))
                    .collect(),
            })
            .collect();
        let obligations = self
            .obligations
            .into_iter()
            .map(|ObligationWire(o)| ObligationProof {
                status: o.status,
                imposed_by: o.imposed_by,
                check: o.check.map(|c| CheckObligation {
                    check: names.name(&c.check),
                    node: names.name(&c.node),
                    results: c.results.into_boxed_slice(),
                }),
                approval: o.approval,
                unblock: o.unblock,
            })
            .collect();
        let forbids = self
            .forbids
            .into_iter()
            .map(|f| ForbidProof {
                id: f.id,
                message: f.message,
                status: f.status,
                why: f.why,
                source: f.source,
                conditions: f.conditions,
                instances: f
                    .instances
                    .into_iter()
                    .map(|i| i.read(&mut names))
                    .collect(),
                emergencies: f.emergencies,
            })
            .collect();
        Proof {
            format: self.format,
            outcome: self.outcome,
            reasons: self.reasons,
            plan: self.plan,
            change: self.change,
            decided_at: self.decided_at,
            files: self.files,
            unowned: self.unowned,
            touched,
            witnesses,
            rules,
            not_fired: self.not_fired,
            obligations,
            commands: self.commands,
            forbids,
            rejected: self.rejected,
            names: names.finish(),
        }
    }
}

// ---- comparing

impl PartialEq for Proof {
    /// Whether the two proofs' JSON is the same: field by field when they
    /// name by the same table (a proof and its clone, two evaluations of
    /// the same inputs), else through their JSON, since the same name can
    /// hold two positions in two tables.
    fn eq(&self, other: &Proof) -> bool {
        if self.names != other.names {
            // Two proofs that cannot be written are not known equal.
            return match (serde_json::to_vec(self), serde_json::to_vec(other)) {
                (Ok(a), Ok(b)) => a == b,
                _ => false,
            };
        }
        // Every field named: a new field is a compile error here.
        let Proof {
            format,
            outcome,
            reasons,
            plan,
            change,
            decided_at,
            files,
            unowned,
            touched,
            witnesses,
            rules,
            not_fired,
            obligations,
            commands,
            forbids,
            rejected,
            names: _,
        } = self;
        *format == other.format
            && *outcome == other.outcome
            && *reasons == other.reasons
            && *plan == other.plan
            && *change == other.change
            && *decided_at == other.decided_at
            && *files == other.files
            && *unowned == other.unowned
            && *touched == other.touched
            && *witnesses == other.witnesses
            && *rules == other.rules
            && *not_fired == other.not_fired
            && *obligations == other.obligations
            && *commands == other.commands
            && *forbids == other.forbids
            && *rejected == other.rejected
    }
}

impl Eq for Proof {}

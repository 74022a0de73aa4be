//! The compliance controls a decision evidences, from the standard-library
//! modules its rules, forbids and approval chains come from, with the
//! documentation page of each (docs/stdlib/).

use std::collections::BTreeSet;
use writ_runtime::Proof;
use writ_runtime::proof::ForbidStatus;

/// A control a standard-library module implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Control {
    /// SOC 2 CC8.1, change management (`std::soc2`).
    Soc2Cc81,
    /// PCI DSS v4.0 6.5.1–6.5.4, changes in the CDE (`std::pci`).
    PciDss65,
    /// HIPAA Security Rule §164.312(b), audit controls (`std::hipaa`).
    Hipaa164312b,
}

impl Control {
    /// Every control, in display order.
    pub const ALL: [Control; 3] = [Control::Soc2Cc81, Control::PciDss65, Control::Hipaa164312b];

    /// The control's name as auditors write it.
    pub fn name(self) -> &'static str {
        match self {
            Control::Soc2Cc81 => "SOC 2 CC8.1",
            Control::PciDss65 => "PCI DSS 6.5",
            Control::Hipaa164312b => "HIPAA §164.312(b)",
        }
    }

    /// The standard-library module that implements it.
    pub fn module(self) -> &'static str {
        match self {
            Control::Soc2Cc81 => "std::soc2",
            Control::PciDss65 => "std::pci",
            Control::Hipaa164312b => "std::hipaa",
        }
    }

    /// Its page, relative to the documentation root.
    pub fn page(self) -> &'static str {
        match self {
            Control::Soc2Cc81 => "stdlib/soc2.md",
            Control::PciDss65 => "stdlib/pci.md",
            Control::Hipaa164312b => "stdlib/hipaa.md",
        }
    }

    fn of_module(module: &str) -> Option<Control> {
        Control::ALL.into_iter().find(|c| c.module() == module)
    }
}

/// The controls `proof` evidences: those whose module wrote a rule that
/// fired, a forbid that applied or was lifted, or an approval chain the
/// change owed. Sorted, each once.
pub fn evidenced(proof: &Proof) -> Vec<Control> {
    let modules = proof
        .rules
        .iter()
        .map(|r| &*r.source.module)
        .chain(
            proof
                .forbids
                .iter()
                .filter(|f| f.status != ForbidStatus::NotApplied)
                .map(|f| &*f.source.module),
        )
        .chain(
            proof
                .obligations
                .iter()
                .filter_map(|o| o.approval.as_ref())
                .map(|a| &*a.source.module),
        );
    let set: BTreeSet<Control> = modules.filter_map(Control::of_module).collect();
    set.into_iter().collect()
}

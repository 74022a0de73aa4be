//! The standard library's modules, embedded in the binary so `use std::…`
//! works offline. Sources live in `stdlib-policies/`; docs in `docs/stdlib/`.

/// `(module, file name, text)` of every standard-library module.
pub const MODULES: &[(&str, &str, &str)] = &[
    (
        "std::approvals",
        "approvals.writ",
        include_str!("../../../stdlib-policies/approvals.writ"),
    ),
    (
        "std::agents",
        "agents.writ",
        include_str!("../../../stdlib-policies/agents.writ"),
    ),
    (
        "std::emergency",
        "emergency.writ",
        include_str!("../../../stdlib-policies/emergency.writ"),
    ),
    (
        "std::reach",
        "reach.writ",
        include_str!("../../../stdlib-policies/reach.writ"),
    ),
    (
        "std::validation",
        "validation.writ",
        include_str!("../../../stdlib-policies/validation.writ"),
    ),
    (
        "std::soc2",
        "soc2.writ",
        include_str!("../../../stdlib-policies/soc2.writ"),
    ),
    (
        "std::pci",
        "pci.writ",
        include_str!("../../../stdlib-policies/pci.writ"),
    ),
    (
        "std::hipaa",
        "hipaa.writ",
        include_str!("../../../stdlib-policies/hipaa.writ"),
    ),
];

/// Whether `module` is a standard-library module (`std::…`).
pub fn is_std(module: &str) -> bool {
    module == "std" || module.starts_with("std::")
}

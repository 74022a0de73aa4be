//! The standard library's modules, embedded in the binary so `use std::…`
//! works offline. Sources live in `stdlib-policies/`.

/// `(module, file name, text)` of every standard-library module.
pub const MODULES: &[(&str, &str, &str)] = &[(
    "std::approvals",
    "approvals.writ",
    include_str!("../../../stdlib-policies/approvals.writ"),
)];

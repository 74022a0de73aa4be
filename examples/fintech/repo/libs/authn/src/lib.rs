//! Bearer token checks.

/// True when the header carries a bearer token.
pub fn is_bearer(header: &str) -> bool {
    header.starts_with("Bearer ")
}

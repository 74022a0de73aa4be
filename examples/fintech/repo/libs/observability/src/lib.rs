//! Structured logging shared by every service.

/// Formats one log line as `level message`.
pub fn line(level: &str, message: &str) -> String {
    format!("{level} {message}")
}

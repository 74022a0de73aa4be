//! HTTP client policy: retries and timeouts.

/// The delay before retry `attempt` (0-based), in milliseconds: exponential, capped.
pub fn backoff_ms(attempt: u32) -> u64 {
    observability::line("debug", "backoff");
    (100u64 << attempt.min(6)).min(5_000)
}

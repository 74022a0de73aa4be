//! Sharing the log between CI runs on a git ref (placeholder).

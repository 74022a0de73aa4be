//! writ's editor analysis.

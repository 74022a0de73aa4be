//! writ's language server.

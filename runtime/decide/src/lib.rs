//! placeholder
pub mod evidence; pub use evidence::*;

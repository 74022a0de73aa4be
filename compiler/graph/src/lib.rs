//! writ's system graph: nodes (services, libraries, data stores, …) with
//! owners, path globs and checks; the edges between them; teams and people;
//! and the change whose reach through that graph decides what must be
//! validated and who must approve.
//!
//! - [`Graph::load`] reads and validates the native format (JSON, see
//!   `docs/graph.md`), reporting every problem as a
//!   [`writ_diagnostics::Diagnostic`] with a byte span in the file.
//! - [`Index`] is the compact CSR form used for [`Index::reach`];
//!   [`PathIndex`] files every path claim under its literal prefix for
//!   [`Graph::touched`].
//! - [`Change`] is the change format (`docs/change.md`), built from git by
//!   [`change::from_git`].
//! - [`import`] turns CODEOWNERS, Backstage catalogs and `cargo metadata` into
//!   graph documents; [`generate`] makes synthetic graphs for benchmarks.

mod canonical;
pub mod change;
mod decode;
mod flat;
pub mod generate;
mod graph;
pub mod identity;
pub mod import;
pub mod index;
pub mod json;
pub mod lint;
mod load;
pub mod model;
pub mod paths;
pub mod render;
pub mod schema;

pub use change::{Change, ChangeFile, FileStatus, Identity};
pub use flat::{Buffer, Sink};
pub use graph::{
    AttrRef, Edge, Graph, Node, NodeView, Person, Principal, Strs, TableStrs, Team, count_by,
    is_valid_id, is_valid_name, parse_public_key,
};
pub use index::{
    Direction, EdgeKind, EdgeMask, Index, NodeIdx, Reach, ReachQuery, ReachScratch, Reached, Step,
};
pub use model::{Document, PrincipalKind, Spanned};
pub use paths::{FileTouch, PathIndex, Touched};

//! Renders proofs for people.

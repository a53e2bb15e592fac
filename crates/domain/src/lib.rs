//! Palermo's domain: the field's words as types, and the rules over them.
//!
//! Nothing here performs I/O or reads the clock: time is passed in through [`clock::Clock`].
//! Every other crate depends on this one; this one depends on none of them.

pub mod access;
pub mod assistance;
pub mod audit;
pub mod bulk_read;
pub mod clock;
pub mod consent;
pub mod coordination;
pub mod country;
pub mod deadline;
pub mod erasure;
pub mod ids;
pub mod indicators;
pub mod justice;
pub mod nrm;
pub mod org;
pub mod person;
pub mod policy;
pub mod prevention;
pub mod retention;
pub mod role;
pub mod screening;
pub mod signin;
pub mod values;

pub use values::ValidationError;

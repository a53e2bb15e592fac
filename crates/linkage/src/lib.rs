//! One person, one record: probabilistic record linkage for persons registered separately by
//! police, NGOs and other states, with names transliterated differently.
//!
//! Pure compute: records in, clusters out. No database, no HTTP, no clock.
//!
//! - [`normalise`]: folding and transliteration (Latin, Cyrillic, Arabic), name skeletons, phones.
//! - [`record`]: the input record and its derived comparison keys.
//! - [`compare`]: field comparisons with levels.
//! - [`model`]: Fellegi–Sunter weights, u from random pairs, m by EM, term-frequency adjustment.
//! - [`block`]: blocking keys whose union is bounded.
//! - [`cluster`]: clustering that does not chain unrelated people.
//! - [`clk`], [`clk_match`]: privacy-preserving matching across borders (Bloom-filter encodings
//!   with a segment per field; blocking, learned weights and one-to-one pairs on the encodings).
//! - [`generate`], [`score`]: synthetic data with ground truth, and pairwise precision/recall/F1.

pub mod block;
pub mod clk;
pub mod clk_match;
pub mod cluster;
pub mod compare;
pub mod csvio;
pub mod dedupe;
pub mod generate;
pub mod model;
pub mod normalise;
pub mod record;
pub mod rng;
pub mod score;

/// What can go wrong reading or writing linkage files.
#[derive(Debug, thiserror::Error)]
pub enum LinkageError {
    #[error("{file}: {message}")]
    Input { file: String, message: String },
    #[error("model: {0}")]
    Model(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

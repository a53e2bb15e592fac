//! Palermo's cryptography, in one place, on well-kept RustCrypto crates:
//!
//! - [`keys`]: the key file (outside the database), field encryption with XChaCha20-Poly1305
//!   and a key id on every ciphertext, and keyed blind indexes for exact search.
//! - [`password`]: Argon2id password hashing.
//! - [`totp`]: RFC 6238 one-time codes with replay protection.
//! - [`token`]: random tokens and their hashes (sessions, CSRF).

pub mod backup;
pub mod keys;
pub mod password;
pub mod token;
pub mod totp;

/// What can go wrong in this crate. Never carries secret or personal data.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("the operating system's random source failed")]
    Random,
    #[error("key file {path}: {reason}")]
    KeyFile { path: String, reason: String },
    #[error("ciphertext is malformed")]
    Malformed,
    #[error("ciphertext was made with key {0}, which is not in the key file")]
    UnknownKey(u32),
    #[error("decryption failed: wrong key, or the data was altered or moved to another record")]
    Decrypt,
    #[error("backup encryption: {0}")]
    Backup(String),
    #[error("password hashing failed: {0}")]
    Hash(String),
}

/// Fill a buffer from the operating system's random source.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], CryptoError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|_| CryptoError::Random)?;
    Ok(buf)
}

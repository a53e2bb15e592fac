//! Random bearer tokens. The database keeps only their SHA-256, so a copy of the database does
//! not hand out live sessions.

use crate::{CryptoError, random_bytes};
use data_encoding::BASE64URL_NOPAD;
use sha2::{Digest, Sha256};

/// A fresh 256-bit token, URL-safe base64.
pub fn new_token() -> Result<String, CryptoError> {
    Ok(BASE64URL_NOPAD.encode(&random_bytes::<32>()?))
}

/// The SHA-256 of a token, as stored.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Compare two byte strings in constant time (for CSRF tokens).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

//! Backup encryption with age (X25519 recipients): a backup is encrypted to the public key of
//! the people allowed to restore it; the matching identity (secret key) is kept offline.

use crate::CryptoError;
use age::secrecy::ExposeSecret;
use std::io::{Read, Write};

fn err(e: impl std::fmt::Display) -> CryptoError {
    CryptoError::Backup(e.to_string())
}

/// A new age identity: (identity file text, recipient `age1…`).
pub fn generate_identity(created: &str) -> (String, String) {
    let id = age::x25519::Identity::generate();
    let recipient = id.to_public().to_string();
    let text = format!("# Palermo backup identity, created {created}\n# recipient: {recipient}\n{}\n", id.to_string().expose_secret());
    (text, recipient)
}

/// Check a recipient string (`age1…`).
pub fn parse_recipient(s: &str) -> Result<age::x25519::Recipient, CryptoError> {
    s.trim().parse::<age::x25519::Recipient>().map_err(|_| err("the recipient must be an age public key (age1…)"))
}

/// Encrypt everything from `input` to `recipient`, writing the age file to `output`.
pub fn encrypt_to(recipient: &str, mut input: impl Read, output: impl Write) -> Result<(), CryptoError> {
    let r = parse_recipient(recipient)?;
    let enc = age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient)).map_err(err)?;
    let mut w = enc.wrap_output(output).map_err(err)?;
    std::io::copy(&mut input, &mut w).map_err(err)?;
    w.finish().map_err(err)?;
    Ok(())
}

/// Decrypt an age file with the identity in `identity_file_text` (lines starting with
/// `AGE-SECRET-KEY-`; comments allowed).
pub fn decrypt_with<'a, R: Read + 'a>(identity_file_text: &str, input: R) -> Result<Box<dyn Read + 'a>, CryptoError> {
    let line = identity_file_text
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .ok_or_else(|| err("the identity file holds no AGE-SECRET-KEY line"))?;
    let id = line.parse::<age::x25519::Identity>().map_err(|_| err("the identity file's key is not valid"))?;
    let dec = age::Decryptor::new(input).map_err(err)?;
    let reader = dec.decrypt(std::iter::once(&id as &dyn age::Identity)).map_err(|_| err("this identity cannot decrypt the backup"))?;
    Ok(Box::new(reader))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_wrong_identity() {
        let (id, rcpt) = generate_identity("today");
        let mut out = Vec::new();
        encrypt_to(&rcpt, &b"secret backup bytes"[..], &mut out).unwrap();
        assert!(!out.windows(6).any(|w| w == b"secret"));
        let mut plain = Vec::new();
        decrypt_with(&id, &out[..]).unwrap().read_to_end(&mut plain).unwrap();
        assert_eq!(plain, b"secret backup bytes");
        let (other, _) = generate_identity("today");
        assert!(decrypt_with(&other, &out[..]).is_err());
        assert!(parse_recipient("not-a-key").is_err());
    }
}

//! Time-based one-time passwords (RFC 6238, HMAC-SHA-1, 6 digits, 30-second steps), the
//! algorithm every authenticator app implements. A code is accepted for the current step and
//! one step either side (clock drift), and never twice: the caller stores the last step used.

use crate::{CryptoError, random_bytes};
use data_encoding::BASE32_NOPAD;
use hmac::{Hmac, Mac};
use sha1::Sha1;

pub const STEP_SECONDS: i64 = 30;
pub const DIGITS: u32 = 6;

/// A new 160-bit secret (RFC 4226 recommends 160 bits).
pub fn new_secret() -> Result<Vec<u8>, CryptoError> {
    Ok(random_bytes::<20>()?.to_vec())
}

/// The secret as an authenticator app expects it typed in: base32 without padding.
pub fn secret_base32(secret: &[u8]) -> String {
    BASE32_NOPAD.encode(secret)
}

/// The `otpauth://` URI for the QR code. `account` is the sign-in name, never personal data.
pub fn otpauth_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        enc(issuer),
        enc(account),
        secret_base32(secret),
        enc(issuer)
    )
}

/// The code for time step `step` (RFC 4226 HOTP over the step counter).
pub fn code_at_step(secret: &[u8], step: i64) -> u32 {
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret) else {
        return u32::MAX; // HMAC accepts any key length; unreachable in practice
    };
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let bytes = [digest[offset], digest[offset + 1], digest[offset + 2], digest[offset + 3]];
    let bin = u32::from_be_bytes(bytes) & 0x7fff_ffff;
    bin % 10u32.pow(DIGITS)
}

/// The step a unix time falls in.
pub fn step_of(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

/// Check a typed code. Returns the matched step if the code is right and its step is later than
/// `last_used_step`; the caller must store that step so the same code cannot be used again.
pub fn verify(secret: &[u8], typed: &str, unix_seconds: i64, last_used_step: Option<i64>) -> Option<i64> {
    let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if typed.len() != DIGITS as usize || !typed.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let value: u32 = typed.parse().ok()?;
    let now = step_of(unix_seconds);
    let mut matched = None;
    // Check every candidate so timing does not tell which step matched.
    for step in [now - 1, now, now + 1] {
        let ok = code_at_step(secret, step) == value;
        if ok && last_used_step.is_none_or(|last| step > last) {
            matched = Some(step);
        }
    }
    matched
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B test vectors (SHA-1, 8 digits there; we compare the last 6).
    #[test]
    fn rfc6238_vectors() {
        let secret = b"12345678901234567890";
        for (t, expected8) in
            [(59, 94287082u32), (1111111109, 7081804), (1111111111, 14050471), (1234567890, 89005924), (2000000000, 69279037)]
        {
            assert_eq!(code_at_step(secret, step_of(t)), expected8 % 1_000_000, "t={t}");
        }
    }

    #[test]
    fn a_code_is_accepted_once() {
        let secret = b"12345678901234567890";
        let t = 1_234_567_890;
        let code = format!("{:06}", code_at_step(secret, step_of(t)));
        let step = verify(secret, &code, t, None).unwrap();
        assert_eq!(verify(secret, &code, t + 5, Some(step)), None, "replay refused");
        assert_eq!(verify(secret, "000000x", t, None), None);
        assert_eq!(verify(secret, &code, t + 120, None), None, "too old");
    }

    #[test]
    fn uri_has_base32_secret() {
        let uri = otpauth_uri("Palermo", "amina k", b"12345678901234567890");
        assert!(uri.starts_with("otpauth://totp/Palermo:amina%20k?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"));
    }
}

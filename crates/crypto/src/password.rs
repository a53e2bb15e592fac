//! Argon2id password hashing (PHC string format). The parameters are at least the OWASP
//! baseline (19 MiB, 2 passes); the deployment default is stronger and aims at a quarter to half
//! a second per sign-in. Hashes made with weaker parameters are upgraded at the next sign-in.

use crate::{CryptoError, random_bytes};
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashCost {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl HashCost {
    /// OWASP Password Storage Cheat Sheet baseline for Argon2id: m = 19 MiB, t = 2, p = 1.
    pub const OWASP_MINIMUM: HashCost = HashCost { memory_kib: 19_456, iterations: 2, parallelism: 1 };
    /// The default: m = 64 MiB, t = 8, p = 1 (about 0.3 s on one core of a 2026 laptop).
    pub const DEFAULT: HashCost = HashCost { memory_kib: 65_536, iterations: 8, parallelism: 1 };

    pub fn is_at_least_owasp(&self) -> bool {
        self.memory_kib >= Self::OWASP_MINIMUM.memory_kib && self.iterations >= Self::OWASP_MINIMUM.iterations && self.parallelism >= 1
    }
}

/// Hashes and verifies passwords with a fixed cost.
#[derive(Clone)]
pub struct PasswordHasher {
    cost: HashCost,
    argon: Argon2<'static>,
    /// A hash of a random password, verified against when the user does not exist, so an
    /// unknown user costs the same time as a wrong password.
    dummy: String,
}

impl PasswordHasher {
    pub fn new(cost: HashCost) -> Result<Self, CryptoError> {
        if !cost.is_at_least_owasp() {
            return Err(CryptoError::Hash(format!(
                "Argon2id cost below the OWASP minimum (memory {} KiB, {} iterations)",
                HashCost::OWASP_MINIMUM.memory_kib,
                HashCost::OWASP_MINIMUM.iterations
            )));
        }
        let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None).map_err(|e| CryptoError::Hash(e.to_string()))?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let mut me = Self { cost, argon, dummy: String::new() };
        let random = data_encoding::HEXLOWER.encode(&random_bytes::<16>()?);
        me.dummy = me.hash(&random)?;
        Ok(me)
    }

    pub fn cost(&self) -> HashCost {
        self.cost
    }

    pub fn hash(&self, password: &str) -> Result<String, CryptoError> {
        let salt = SaltString::encode_b64(&random_bytes::<16>()?).map_err(|e| CryptoError::Hash(e.to_string()))?;
        self.argon.hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| CryptoError::Hash(e.to_string()))
    }

    /// Verify a password against a stored hash. `None` for the stored hash (unknown user), or a
    /// stored hash that does not parse, verifies against the dummy hash and returns false, taking
    /// the same time as a wrong password.
    pub fn verify(&self, password: &str, stored: Option<&str>) -> bool {
        match stored.and_then(|s| PasswordHash::new(s).ok()) {
            Some(parsed) => self.argon.verify_password(password.as_bytes(), &parsed).is_ok(),
            None => {
                if let Ok(dummy) = PasswordHash::new(&self.dummy) {
                    let _ = self.argon.verify_password(password.as_bytes(), &dummy);
                }
                false
            }
        }
    }

    /// Whether a stored hash was made with weaker parameters than the current ones and should be
    /// replaced after a successful sign-in.
    pub fn needs_rehash(&self, stored: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(stored) else {
            return true;
        };
        if parsed.algorithm.as_str() != "argon2id" {
            return true;
        }
        match Params::try_from(&parsed) {
            Ok(p) => p.m_cost() < self.cost.memory_kib || p.t_cost() < self.cost.iterations,
            Err(_) => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_verify_and_upgrade() {
        let weak = PasswordHasher::new(HashCost::OWASP_MINIMUM).unwrap();
        let h = weak.hash("correct horse battery staple").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(weak.verify("correct horse battery staple", Some(&h)));
        assert!(!weak.verify("correct horse battery stapl", Some(&h)));
        assert!(!weak.verify("anything", None));
        assert!(!weak.verify("anything", Some("not a hash")));
        assert!(!weak.needs_rehash(&h));
        let strong = PasswordHasher::new(HashCost { memory_kib: 32_768, iterations: 2, parallelism: 1 }).unwrap();
        assert!(strong.needs_rehash(&h));
        assert!(strong.verify("correct horse battery staple", Some(&h)), "old hashes still verify");
    }

    #[test]
    fn below_owasp_is_refused() {
        assert!(PasswordHasher::new(HashCost { memory_kib: 4096, iterations: 1, parallelism: 1 }).is_err());
    }
}

//! The key file and what is done with it.
//!
//! The key file lives outside the database (and outside its backups), readable only by the
//! service account (mode 0600). It holds numbered field-encryption keys, one of which is active,
//! and one blind-index key. Every ciphertext starts with the id of the key that made it, so keys
//! can rotate: new data uses the active key, old data stays readable until `palermo keys rotate`
//! re-encrypts it.
//!
//! Ciphertext layout: `"PK1"` ‖ key id (u32, big-endian) ‖ 24-byte nonce ‖ XChaCha20-Poly1305
//! ciphertext and tag. The associated data binds a ciphertext to its place (table, column,
//! record id), so a value copied to another record does not decrypt.

use crate::{CryptoError, random_bytes};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use data_encoding::BASE64;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

const MAGIC: &[u8; 3] = b"PK1";
const FORMAT: &str = "palermo-keys-v1";

#[derive(Serialize, Deserialize)]
struct KeyFileEntry {
    id: u32,
    created: String,
    material: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    format: String,
    active: u32,
    blind_index: String,
    #[serde(rename = "key")]
    keys: Vec<KeyFileEntry>,
}

/// The loaded keys. Key material is zeroed when dropped and never printed.
pub struct KeyRing {
    active: u32,
    keys: BTreeMap<u32, (Zeroizing<[u8; 32]>, String)>,
    blind_index: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing").field("active", &self.active).field("key_ids", &self.key_ids()).finish_non_exhaustive()
    }
}

fn decode_key(path: &str, what: &str, s: &str) -> Result<Zeroizing<[u8; 32]>, CryptoError> {
    let bytes = Zeroizing::new(
        BASE64
            .decode(s.as_bytes())
            .map_err(|_| CryptoError::KeyFile { path: path.to_owned(), reason: format!("{what} is not valid base64") })?,
    );
    let arr: [u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| CryptoError::KeyFile { path: path.to_owned(), reason: format!("{what} must be 32 bytes") })?;
    Ok(Zeroizing::new(arr))
}

impl KeyRing {
    /// A new key ring with one encryption key (id 1) and a blind-index key. `created` is a
    /// timestamp string recorded next to the key.
    pub fn generate(created: &str) -> Result<Self, CryptoError> {
        let mut keys = BTreeMap::new();
        keys.insert(1, (Zeroizing::new(random_bytes::<32>()?), created.to_owned()));
        Ok(Self { active: 1, keys, blind_index: Zeroizing::new(random_bytes::<32>()?) })
    }

    /// Add a new encryption key and make it the active one. Returns its id.
    pub fn rotate(&mut self, created: &str) -> Result<u32, CryptoError> {
        let id = self.keys.keys().next_back().copied().unwrap_or(0) + 1;
        self.keys.insert(id, (Zeroizing::new(random_bytes::<32>()?), created.to_owned()));
        self.active = id;
        Ok(id)
    }

    /// Forget every key except the active one (after all data was re-encrypted).
    pub fn retire_old_keys(&mut self) {
        let active = self.active;
        self.keys.retain(|id, _| *id == active);
    }

    pub fn active_key_id(&self) -> u32 {
        self.active
    }

    pub fn key_ids(&self) -> Vec<u32> {
        self.keys.keys().copied().collect()
    }

    /// Load a key file, refusing one that other users could read.
    pub fn load(path: &Path) -> Result<Self, CryptoError> {
        let p = path.display().to_string();
        let err = |reason: String| CryptoError::KeyFile { path: p.clone(), reason };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let meta = std::fs::metadata(path).map_err(|e| err(e.to_string()))?;
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(err(format!("is readable by other users (mode {mode:o}); run `chmod 600 {p}`")));
            }
        }
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?);
        let file: KeyFile = toml::from_str(&text).map_err(|e| err(format!("not a Palermo key file: {e}")))?;
        if file.format != FORMAT {
            return Err(err(format!("format must be \"{FORMAT}\"")));
        }
        let mut keys = BTreeMap::new();
        for k in &file.keys {
            keys.insert(k.id, (decode_key(&p, &format!("key {}", k.id), &k.material)?, k.created.clone()));
        }
        if !keys.contains_key(&file.active) {
            return Err(err(format!("active key {} is not in the file", file.active)));
        }
        let blind_index = decode_key(&p, "blind_index", &file.blind_index)?;
        Ok(Self { active: file.active, keys, blind_index })
    }

    /// Write the key file with mode 0600: atomically (temporary file, fsync, rename), so a crash
    /// never leaves a half-written key file.
    pub fn save(&self, path: &Path) -> Result<(), CryptoError> {
        let p = path.display().to_string();
        let err = |reason: String| CryptoError::KeyFile { path: p.clone(), reason };
        let file = KeyFile {
            format: FORMAT.to_owned(),
            active: self.active,
            blind_index: BASE64.encode(self.blind_index.as_slice()),
            keys: self
                .keys
                .iter()
                .map(|(id, (k, created))| KeyFileEntry { id: *id, created: created.clone(), material: BASE64.encode(k.as_slice()) })
                .collect(),
        };
        let body = Zeroizing::new(toml::to_string(&file).map_err(|e| err(e.to_string()))?);
        let text = Zeroizing::new(format!(
            "# Palermo key file. It decrypts every identity in the database: keep it outside the\n# database and its backups, readable only by the service account (mode 0600).\n{}",
            body.as_str()
        ));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
        }
        let tmp = path.with_extension("tmp");
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp).map_err(|e| err(e.to_string()))?;
        f.write_all(text.as_bytes()).map_err(|e| err(e.to_string()))?;
        f.sync_all().map_err(|e| err(e.to_string()))?;
        std::fs::rename(&tmp, path).map_err(|e| err(e.to_string()))?;
        Ok(())
    }

    /// Encrypt a value with the active key, bound to `aad` (for example `person:family_name:<id>`).
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let (key, _) = self.keys.get(&self.active).ok_or(CryptoError::UnknownKey(self.active))?;
        let cipher = XChaCha20Poly1305::new(key.as_slice().into());
        let nonce = random_bytes::<24>()?;
        let ct = cipher.encrypt(XNonce::from_slice(&nonce), Payload { msg: plaintext, aad }).map_err(|_| CryptoError::Decrypt)?;
        let mut out = Vec::with_capacity(3 + 4 + 24 + ct.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.active.to_be_bytes());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    /// The key id a ciphertext was made with.
    pub fn key_id_of(blob: &[u8]) -> Result<u32, CryptoError> {
        if blob.len() < 3 + 4 + 24 + 16 || &blob[..3] != MAGIC {
            return Err(CryptoError::Malformed);
        }
        let id: [u8; 4] = blob[3..7].try_into().map_err(|_| CryptoError::Malformed)?;
        Ok(u32::from_be_bytes(id))
    }

    /// Decrypt a value sealed with [`KeyRing::seal`] under the same `aad`.
    pub fn open(&self, blob: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let id = Self::key_id_of(blob)?;
        let (key, _) = self.keys.get(&id).ok_or(CryptoError::UnknownKey(id))?;
        let cipher = XChaCha20Poly1305::new(key.as_slice().into());
        let nonce = XNonce::from_slice(&blob[7..31]);
        cipher.decrypt(nonce, Payload { msg: &blob[31..], aad }).map(Zeroizing::new).map_err(|_| CryptoError::Decrypt)
    }

    /// A keyed blind index of a value for exact search: HMAC-SHA-256 over the field's name and
    /// the value normalised by [`normalise_for_search`], truncated to 16 bytes. Equal values
    /// give equal indexes; without the key, an index says nothing about the value.
    pub fn blind_index(&self, field: &str, value: &str) -> Vec<u8> {
        let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(self.blind_index.as_slice()) else {
            return Vec::new(); // HMAC accepts any key length
        };
        mac.update(field.as_bytes());
        mac.update(&[0]);
        mac.update(normalise_for_search(value).as_bytes());
        mac.finalize().into_bytes()[..16].to_vec()
    }
}

/// The form a value is compared in for exact search: compatibility-decomposed, combining marks
/// removed (José = Jose), lower-cased, whitespace collapsed.
pub fn normalise_for_search(value: &str) -> String {
    let stripped: String = value.nfkd().filter(|c| !unicode_normalization::char::is_combining_mark(*c)).collect::<String>().to_lowercase();
    stripped.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn seal_open_round_trip_and_binding() {
        let ring = KeyRing::generate("2026-11-28").unwrap();
        let ct = ring.seal("Amina Kamara".as_bytes(), b"person:name:1").unwrap();
        assert_eq!(ring.open(&ct, b"person:name:1").unwrap().as_slice(), b"Amina Kamara");
        assert!(matches!(ring.open(&ct, b"person:name:2"), Err(CryptoError::Decrypt)), "moved to another record");
        let mut bad = ct.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(ring.open(&bad, b"person:name:1").is_err());
        assert!(!ct.windows(5).any(|w| w == b"Amina"));
    }

    #[test]
    fn rotation_keeps_old_data_readable() {
        let mut ring = KeyRing::generate("a").unwrap();
        let old = ring.seal(b"x", b"aad").unwrap();
        assert_eq!(ring.rotate("b").unwrap(), 2);
        let new = ring.seal(b"y", b"aad").unwrap();
        assert_eq!(KeyRing::key_id_of(&old).unwrap(), 1);
        assert_eq!(KeyRing::key_id_of(&new).unwrap(), 2);
        assert_eq!(ring.open(&old, b"aad").unwrap().as_slice(), b"x");
        ring.retire_old_keys();
        assert!(matches!(ring.open(&old, b"aad"), Err(CryptoError::UnknownKey(1))));
    }

    #[test]
    fn key_file_round_trip_and_permissions() {
        let dir = std::env::temp_dir().join(format!("palermo-keys-{}", std::process::id()));
        let path = dir.join("keys.toml");
        let ring = KeyRing::generate("now").unwrap();
        ring.save(&path).unwrap();
        let loaded = KeyRing::load(&path).unwrap();
        let ct = ring.seal(b"v", b"a").unwrap();
        assert_eq!(loaded.open(&ct, b"a").unwrap().as_slice(), b"v");
        assert_eq!(ring.blind_index("f", "José  Pérez"), loaded.blind_index("f", "jose perez"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let e = KeyRing::load(&path).unwrap_err().to_string();
            assert!(e.contains("chmod 600"), "{e}");
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    proptest! {
        #[test]
        fn open_never_panics_on_garbage(blob in proptest::collection::vec(any::<u8>(), 0..100)) {
            let ring = KeyRing::generate("t").unwrap();
            let _ = ring.open(&blob, b"x");
        }

        #[test]
        fn normalisation_is_idempotent(s in "\\PC*") {
            let once = normalise_for_search(&s);
            prop_assert_eq!(normalise_for_search(&once), once.clone());
        }
    }
}

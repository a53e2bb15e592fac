//! Key rotation: a new encryption key becomes active, and every ciphertext made with an older
//! key is re-encrypted under it, in batches, each batch in one audited transaction.

use crate::{Palermo, RequestMeta, Result};
use palermo_crypto::keys::KeyRing;
use palermo_domain::audit::Outcome;
use palermo_store::Ciphertext;
use std::sync::Arc;

/// What a rotation did.
#[derive(Debug, Clone)]
pub struct Rotation {
    pub new_key_id: u32,
    pub reencrypted: u64,
    pub retired: Vec<u32>,
}

impl Palermo {
    /// Rotate the field-encryption key. Run with the server stopped: a running server keeps
    /// the key ring it started with. `progress` is told how many values were re-encrypted.
    pub async fn rotate_keys(&mut self, retire_old: bool, progress: &dyn Fn(u64)) -> Result<Rotation> {
        let path = self.config.key_file();
        let mut ring = KeyRing::load(&path)?;
        let before = ring.key_ids();
        let new_id = ring.rotate(&self.now().to_string())?;
        ring.save(&path)?;
        self.keys = Arc::new(ring);
        let meta = RequestMeta::cli();
        let mut done = 0u64;
        loop {
            let batch = self.store.ciphertexts_not_under(i64::from(new_id), 500).await?;
            if batch.is_empty() {
                break;
            }
            let mut out = Vec::with_capacity(batch.len());
            for c in &batch {
                let aad = c.place.aad();
                let plain = self.keys.open(&c.ciphertext, aad.as_bytes())?;
                out.push(Ciphertext {
                    place: c.place.clone(),
                    ciphertext: self.keys.seal(&plain, aad.as_bytes())?,
                    key_id: i64::from(new_id),
                });
            }
            let mut ev = self.event(None, &meta, "keys.reencrypt", None, Outcome::Ok);
            ev.actor_user_id = Some("console".into());
            ev.purpose = Some(format!("{} values to key {new_id}", out.len()));
            self.store.replace_ciphertexts(&out, &[ev]).await?;
            done += out.len() as u64;
            progress(done);
        }
        let mut retired = Vec::new();
        if retire_old {
            let mut ring = KeyRing::load(&path)?;
            ring.retire_old_keys();
            ring.save(&path)?;
            retired = before;
            self.keys = Arc::new(ring);
        }
        Ok(Rotation { new_key_id: new_id, reencrypted: done, retired })
    }
}

//! The audit chain: every entry carries the hash of the one before it, so editing, deleting or
//! reordering any entry breaks the chain from that point on.
//!
//! `hash(n) = SHA-256("palermo-audit-v1" ‖ hash(n-1) ‖ canonical(entry n))`, where the canonical
//! form is every field, length-prefixed, including the sequence number. The genesis `hash(0)`
//! is 32 zero bytes.

use sha2::{Digest, Sha256};
use time::OffsetDateTime;

pub type Hash = [u8; 32];
pub const GENESIS: Hash = [0u8; 32];

/// What happened with the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Denied,
    Failed,
    /// Read back from storage with a code Palermo never writes: the row was edited. Hashes as
    /// "?", which no genuine entry does, so verification reports the entry as altered.
    Unrecognised,
}

impl Outcome {
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Denied => "denied",
            Outcome::Failed => "failed",
            Outcome::Unrecognised => "?",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        match s {
            "ok" => Some(Outcome::Ok),
            "denied" => Some(Outcome::Denied),
            "failed" => Some(Outcome::Failed),
            _ => None,
        }
    }
}

/// One audit entry before it is placed in the chain. Never holds a person's identity: objects
/// are named by id, never by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub at: OffsetDateTime,
    pub actor_user_id: Option<String>,
    pub actor_org_id: Option<String>,
    pub action: String,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub section: Option<String>,
    pub purpose: Option<String>,
    pub request_id: Option<String>,
    pub outcome: Outcome,
}

/// An entry as stored: its place in the chain and its hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainedEntry {
    pub seq: i64,
    pub event: AuditEvent,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

fn put(buf: &mut Vec<u8>, field: Option<&str>) {
    match field {
        None => buf.extend_from_slice(&u32::MAX.to_be_bytes()),
        Some(s) => {
            let len = u32::try_from(s.len()).unwrap_or(u32::MAX - 1);
            buf.extend_from_slice(&len.to_be_bytes());
            buf.extend_from_slice(s.as_bytes());
        }
    }
}

/// The canonical byte form of an entry at position `seq`.
pub fn canonical(seq: i64, e: &AuditEvent) -> Vec<u8> {
    let mut buf = Vec::with_capacity(256);
    buf.extend_from_slice(&seq.to_be_bytes());
    buf.extend_from_slice(&e.at.unix_timestamp_nanos().to_be_bytes());
    put(&mut buf, e.actor_user_id.as_deref());
    put(&mut buf, e.actor_org_id.as_deref());
    put(&mut buf, Some(&e.action));
    put(&mut buf, e.object_type.as_deref());
    put(&mut buf, e.object_id.as_deref());
    put(&mut buf, e.section.as_deref());
    put(&mut buf, e.purpose.as_deref());
    put(&mut buf, e.request_id.as_deref());
    put(&mut buf, Some(e.outcome.code()));
    buf
}

/// The hash of entry `seq` given the previous entry's hash.
pub fn chain_hash(prev: &[u8], seq: i64, e: &AuditEvent) -> Hash {
    let mut h = Sha256::new();
    h.update(b"palermo-audit-v1");
    h.update(prev);
    h.update(canonical(seq, e));
    h.finalize().into()
}

/// Where the chain broke, naming the first bad entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("audit entry {expected} is missing (found entry {found} in its place): entries were deleted or reordered")]
    Gap { expected: i64, found: i64 },
    #[error("audit entry {seq} does not link to entry {}: an entry was deleted, inserted or reordered", seq - 1)]
    BrokenLink { seq: i64 },
    #[error("audit entry {seq} was altered: its content no longer matches its hash")]
    Altered { seq: i64 },
    #[error("the audit log ends at entry {last} but entry {witnessed} was witnessed outside the database: the newest entries were deleted")]
    Truncated { last: i64, witnessed: i64 },
    #[error("audit entry {seq} differs from the head witnessed outside the database")]
    HeadMismatch { seq: i64 },
}

/// A head witnessed outside the database (the head file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub seq: i64,
    pub hash: Hash,
}

/// Walks entries in `seq` order and checks every link. Call [`ChainVerifier::push`] per entry,
/// then [`ChainVerifier::finish`] with the witnessed heads.
#[derive(Debug)]
pub struct ChainVerifier {
    last_seq: i64,
    last_hash: Vec<u8>,
    /// Hashes at the witnessed sequence numbers, captured while walking.
    seen: Vec<(i64, Vec<u8>)>,
    witnesses: Vec<Head>,
}

impl ChainVerifier {
    pub fn new(witnesses: Vec<Head>) -> Self {
        Self { last_seq: 0, last_hash: GENESIS.to_vec(), seen: Vec::new(), witnesses }
    }

    pub fn push(&mut self, entry: &ChainedEntry) -> Result<(), ChainError> {
        let expected = self.last_seq + 1;
        if entry.seq != expected {
            return Err(ChainError::Gap { expected, found: entry.seq });
        }
        if entry.prev_hash != self.last_hash {
            return Err(ChainError::BrokenLink { seq: entry.seq });
        }
        if chain_hash(&entry.prev_hash, entry.seq, &entry.event).as_slice() != entry.hash.as_slice() {
            return Err(ChainError::Altered { seq: entry.seq });
        }
        if self.witnesses.iter().any(|w| w.seq == entry.seq) {
            self.seen.push((entry.seq, entry.hash.clone()));
        }
        self.last_seq = entry.seq;
        self.last_hash = entry.hash.clone();
        Ok(())
    }

    /// Checks the witnessed heads against what was walked. Returns the number of entries.
    pub fn finish(self) -> Result<i64, ChainError> {
        for w in &self.witnesses {
            if w.seq > self.last_seq {
                return Err(ChainError::Truncated { last: self.last_seq, witnessed: w.seq });
            }
            if w.seq == 0 {
                continue;
            }
            match self.seen.iter().find(|(s, _)| *s == w.seq) {
                Some((_, h)) if h.as_slice() == w.hash.as_slice() => {}
                _ => return Err(ChainError::HeadMismatch { seq: w.seq }),
            }
        }
        Ok(self.last_seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn event(i: u32) -> AuditEvent {
        AuditEvent {
            at: OffsetDateTime::from_unix_timestamp(1_700_000_000 + i64::from(i)).unwrap(),
            actor_user_id: Some(format!("user-{}", i % 3)),
            actor_org_id: None,
            action: format!("action-{}", i % 5),
            object_type: Some("user".into()),
            object_id: Some(format!("{i}")),
            section: None,
            purpose: None,
            request_id: Some(format!("req-{i}")),
            outcome: if i.is_multiple_of(7) { Outcome::Denied } else { Outcome::Ok },
        }
    }

    fn build(n: u32) -> Vec<ChainedEntry> {
        let mut prev = GENESIS.to_vec();
        (1..=n)
            .map(|i| {
                let seq = i64::from(i);
                let ev = event(i);
                let hash = chain_hash(&prev, seq, &ev).to_vec();
                let e = ChainedEntry { seq, event: ev, prev_hash: prev.clone(), hash: hash.clone() };
                prev = hash;
                e
            })
            .collect()
    }

    fn verify(entries: &[ChainedEntry], head: Option<Head>) -> Result<i64, ChainError> {
        let mut v = ChainVerifier::new(head.into_iter().collect());
        for e in entries {
            v.push(e)?;
        }
        v.finish()
    }

    fn head_of(entries: &[ChainedEntry]) -> Head {
        let last = entries.last().unwrap();
        Head { seq: last.seq, hash: last.hash.clone().try_into().unwrap() }
    }

    #[test]
    fn an_intact_chain_verifies() {
        let c = build(20);
        assert_eq!(verify(&c, Some(head_of(&c))), Ok(20));
    }

    #[derive(Debug, Clone)]
    enum Tamper {
        EditAction(usize),
        EditTime(usize),
        EditOutcome(usize),
        Delete(usize),
        Swap(usize, usize),
        SwapKeepSeq(usize, usize),
        Truncate(usize),
        Rehash(usize),
    }

    fn arb_tamper(n: usize) -> impl Strategy<Value = Tamper> {
        prop_oneof![
            (0..n).prop_map(Tamper::EditAction),
            (0..n).prop_map(Tamper::EditTime),
            (0..n).prop_map(Tamper::EditOutcome),
            (0..n).prop_map(Tamper::Delete),
            (0..n, 0..n).prop_filter("distinct", |(a, b)| a != b).prop_map(|(a, b)| Tamper::Swap(a, b)),
            (0..n, 0..n).prop_filter("distinct", |(a, b)| a != b).prop_map(|(a, b)| Tamper::SwapKeepSeq(a, b)),
            (1..=n).prop_map(Tamper::Truncate),
            (0..n).prop_map(Tamper::Rehash),
        ]
    }

    proptest! {
        /// Any single tampering with the stored rows is detected, given the witnessed head.
        #[test]
        fn random_tampering_is_always_detected(t in arb_tamper(30)) {
            let original = build(30);
            let head = head_of(&original);
            let mut c = original.clone();
            match t {
                Tamper::EditAction(i) => c[i].event.action.push('x'),
                Tamper::EditTime(i) => c[i].event.at += time::Duration::microseconds(1),
                Tamper::EditOutcome(i) => c[i].event.outcome = if c[i].event.outcome == Outcome::Ok { Outcome::Denied } else { Outcome::Ok },
                Tamper::Delete(i) => { c.remove(i); }
                Tamper::Swap(a, b) => c.swap(a, b),
                Tamper::SwapKeepSeq(a, b) => {
                    // An attacker swaps row contents but leaves the sequence numbers in place.
                    let (sa, sb) = (c[a].seq, c[b].seq);
                    c.swap(a, b);
                    c[a].seq = sa;
                    c[b].seq = sb;
                }
                Tamper::Truncate(k) => c.truncate(30 - k),
                Tamper::Rehash(i) => {
                    // Edit an entry and recompute its own hash: the next link breaks, or, for
                    // the newest entry, the witnessed head no longer matches.
                    c[i].event.action = "covered-up".into();
                    c[i].hash = chain_hash(&c[i].prev_hash, c[i].seq, &c[i].event).to_vec();
                }
            }
            prop_assert!(verify(&c, Some(head)).is_err());
        }
    }

    #[test]
    fn the_first_bad_entry_is_named() {
        let mut c = build(10);
        c[4].event.action = "edited".into();
        assert_eq!(verify(&c, None), Err(ChainError::Altered { seq: 5 }));
        let mut c = build(10);
        c.remove(6);
        assert_eq!(verify(&c, None), Err(ChainError::Gap { expected: 7, found: 8 }));
        let mut c = build(10);
        let h = head_of(&c);
        c.truncate(8);
        assert_eq!(verify(&c, Some(h)), Err(ChainError::Truncated { last: 8, witnessed: 10 }));
    }
}

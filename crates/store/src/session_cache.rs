//! PostgreSQL only: the sessions this server has resolved, kept in memory while the database
//! says nothing about them has changed.
//!
//! On PostgreSQL every request's session read is a round trip to another process, and it cost a
//! fifth to a quarter of a case page's CPU at 1M cases (docs/PERFORMANCE.md). A session changes
//! only when it ends, is re-authenticated or passes its second factor, or when its user or
//! organisation changes; migration 0028's triggers announce each such write, from any server or
//! tool, with `NOTIFY palermo_sessions` when it commits. Every server listens (see
//! [`listen`]) and forgets all it holds on each announcement. What is kept:
//!
//! - **Coherent.** An entry is used only while the listener is connected. A read that raced with
//!   an announcement is not kept (the epoch it started under has passed), and a lost listener
//!   connection forgets everything and keeps nothing until it is listening again.
//! - **On this server at once.** This server's own writes to sessions and users forget
//!   everything before they return ([`SessionCache::forget_all`]), so a sign-out answered "ok" is
//!   refused on the very next request here; another server learns it from the announcement,
//!   milliseconds later.
//! - **Bounded.** An entry is used for at most [`KEEP_AT_MOST`] (a backstop: announcements are
//!   the rule), and at most [`CAPACITY`] entries are held.
//! - **Never the reason to refuse.** The service reads the session again from the database
//!   before refusing one that looks idle (its last-seen time is only written now and then, and
//!   a copy may be older than the row).
//!
//! SQLite has no cache: its session read is a call into the same process, and other processes
//! writing the same file (the CLI) could not announce their writes.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::SessionContext;

/// How long an entry may be used at most, announcements or not.
pub const KEEP_AT_MOST: Duration = Duration::from_secs(30);
/// How many sessions are held at most; when full, everything is forgotten.
pub const CAPACITY: usize = 20_000;
/// The channel migration 0028's triggers notify.
pub const CHANNEL: &str = "palermo_sessions";

#[derive(Default)]
pub struct SessionCache {
    entries: Mutex<HashMap<Vec<u8>, (SessionContext, Instant)>>,
    /// Bumped by every forgetting: a read that started under an older epoch is not kept.
    epoch: AtomicU64,
    /// Whether the listener is connected and subscribed; entries are used only then.
    listening: AtomicBool,
}

impl SessionCache {
    /// The epoch a database read starts under (pass it to [`SessionCache::keep`]).
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::SeqCst)
    }

    /// The session, if held, listened for and younger than [`KEEP_AT_MOST`].
    pub fn get(&self, token_hash: &[u8]) -> Option<SessionContext> {
        if !self.listening.load(Ordering::SeqCst) {
            return None;
        }
        let map = self.entries.lock().ok()?;
        map.get(token_hash).filter(|(_, at)| at.elapsed() < KEEP_AT_MOST).map(|(c, _)| c.clone())
    }

    /// Keep a session read from the database under `epoch`, unless something was announced
    /// since (or the listener is not connected).
    pub fn keep(&self, epoch: u64, token_hash: &[u8], ctx: &SessionContext) {
        let Ok(mut map) = self.entries.lock() else { return };
        // Checked under the lock that `reset` takes, so a forgetting is either seen here or
        // clears what this inserts.
        if !self.listening.load(Ordering::SeqCst) || self.epoch.load(Ordering::SeqCst) != epoch {
            return;
        }
        if map.len() >= CAPACITY {
            map.clear();
        }
        map.insert(token_hash.to_vec(), (ctx.clone(), Instant::now()));
    }

    /// The session's last-seen time was written (by this server): the copy follows it.
    pub fn touched(&self, token_hash: &[u8], now: time::OffsetDateTime) {
        if let Ok(mut map) = self.entries.lock()
            && let Some((c, _)) = map.get_mut(token_hash)
        {
            c.session.last_seen_at = now;
        }
    }

    /// Forget everything (an announcement, or this server's own write to sessions or users).
    pub fn forget_all(&self) {
        self.reset(None);
    }

    /// Start or stop using the cache (the listener subscribed, or lost), forgetting everything.
    fn set_listening(&self, on: bool) {
        self.reset(Some(on));
    }

    /// Under the lock that [`SessionCache::keep`] takes: set the listening flag (if given), move
    /// to a new epoch and clear — so a read kept concurrently is either seen here or refused.
    fn reset(&self, listening: Option<bool>) {
        if let Ok(mut map) = self.entries.lock() {
            if let Some(on) = listening {
                self.listening.store(on, Ordering::SeqCst);
            }
            self.epoch.fetch_add(1, Ordering::SeqCst);
            map.clear();
        } else {
            // A poisoned lock: stop using the cache altogether rather than trust it.
            self.listening.store(false, Ordering::SeqCst);
        }
    }
}

/// Listen for announcements until `stop` resolves (its sender is dropped with the store):
/// subscribe, forget everything on every notification, and on a lost connection forget
/// everything and stop using the cache until subscribed again. `pool` is the listener's own
/// (one connection).
pub async fn listen(pool: sqlx::PgPool, cache: std::sync::Arc<SessionCache>, mut stop: tokio::sync::oneshot::Receiver<()>) {
    loop {
        cache.set_listening(false);
        let subscribed = async {
            let mut listener = sqlx::postgres::PgListener::connect_with(&pool).await?;
            listener.listen(CHANNEL).await?;
            Ok::<_, sqlx::Error>(listener)
        };
        let mut listener = tokio::select! {
            _ = &mut stop => return,
            l = subscribed => match l {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!(error = %e, "session announcements: cannot subscribe; sessions are read from the database until it can");
                    tokio::select! {
                        _ = &mut stop => return,
                        _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
                    }
                }
            },
        };
        cache.set_listening(true);
        loop {
            tokio::select! {
                _ = &mut stop => return,
                r = listener.try_recv() => match r {
                    Ok(Some(_)) => cache.forget_all(),
                    // The connection was lost (and re-established, re-subscribed): whatever was
                    // announced meanwhile is unknown, so everything goes.
                    Ok(None) => cache.forget_all(),
                    Err(e) => {
                        tracing::warn!(error = %e, "session announcements: listener failed; reconnecting");
                        break;
                    }
                },
            }
        }
    }
}

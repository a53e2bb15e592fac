//! E-mail notifications (issue 4): a referral or a transfer offered to an organisation, a
//! referral answered. Only when `[smtp]` is configured.
//!
//! A use case queues its notices as outbox rows in the transaction of the change they announce
//! (an acknowledged change never loses its notice); [`Palermo::send_due_notifications`], run by
//! the server every `smtp.poll_seconds`, hands them to the SMTP relay. A row names the
//! recipient user; the address is the user's contact, opened from the vault when the message
//! is sent (a contact that is not an e-mail address ends the row as `no_address`). Messages say
//! what is waiting and link to the page; they never hold a person's identity, a case reference
//! or anything of the case beyond the kind of service.

use crate::{Palermo, Result, ServiceError};
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use palermo_domain::audit::Outcome as AuditOutcome;
use palermo_domain::ids::{OrgId, UserId};
use palermo_domain::role::{Role, Roles};
use palermo_store::OutboxRecord;
use time::Duration;
use uuid::Uuid;

/// Attempts before a notification is given up (`failed`); the wait doubles each time, from one
/// minute up to an hour (about ten hours in all).
pub const MAX_ATTEMPTS: i64 = 12;

/// What one look at the outbox did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SendReport {
    pub sent: usize,
    pub retry: usize,
    pub failed: usize,
    pub no_address: usize,
}

fn retry_after(attempts: i64) -> Duration {
    Duration::minutes(1i64 << attempts.clamp(0, 6).min(6)).min(Duration::hours(1))
}

impl Palermo {
    /// Outbox rows for the users of `org` who hold one of `roles` (enabled accounts), or none
    /// when no SMTP relay is configured.
    pub(crate) async fn notices_for_org(
        &self,
        org: OrgId,
        roles: &[Role],
        kind: &str,
        subject: &str,
        body: &str,
    ) -> Result<Vec<OutboxRecord>> {
        if !self.config.smtp.enabled() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for u in self.store.list_users(Some(org)).await? {
            let held = Roles::from_stored(&u.roles).unwrap_or_default();
            if !u.disabled && roles.iter().any(|r| held.has(*r)) {
                out.push(self.notice(u.id, kind, subject, body)?);
            }
        }
        Ok(out)
    }

    /// One outbox row for one user, or none when no SMTP relay is configured.
    pub(crate) fn notice_for_user(&self, user: UserId, kind: &str, subject: &str, body: &str) -> Result<Vec<OutboxRecord>> {
        if !self.config.smtp.enabled() {
            return Ok(Vec::new());
        }
        Ok(vec![self.notice(user, kind, subject, body)?])
    }

    fn notice(&self, user: UserId, kind: &str, subject: &str, body: &str) -> Result<OutboxRecord> {
        let (_, id) = self.new_ids()?;
        let now = self.now();
        Ok(OutboxRecord {
            id: id.0,
            recipient_user_id: user,
            kind: kind.into(),
            subject: subject.into(),
            body: format!("{body}\n\n-- \nPalermo. This message holds no personal data; sign in to see more.\n"),
            status: "pending".into(),
            attempts: 0,
            next_attempt_at: now,
            last_error: None,
            created_at: now,
            sent_at: None,
        })
    }

    /// A link into Palermo for a message body.
    pub(crate) fn link(&self, path: &str) -> String {
        format!("{}{path}", self.config.smtp.base_url.trim().trim_end_matches('/'))
    }

    /// Send the notifications whose time has come (at most 100 per call). A relay that refuses
    /// or cannot be reached leaves the row pending with a later attempt.
    pub async fn send_due_notifications(&self) -> Result<SendReport> {
        let smtp = &self.config.smtp;
        let mut report = SendReport::default();
        if !smtp.enabled() {
            return Ok(report);
        }
        let due = self.store.outbox_due(self.now(), 100).await?;
        if due.is_empty() {
            return Ok(report);
        }
        let from: Mailbox = smtp.from.parse().map_err(|_| ServiceError::Setup("smtp.from is not an e-mail address".into()))?;
        let mailer = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp.host.trim())
            .port(smtp.port)
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        for mut row in due {
            let address = self.contact_of(row.recipient_user_id, row.id).await?.and_then(|c| c.trim().parse::<Mailbox>().ok());
            let Some(to) = address else {
                row.status = "no_address".into();
                self.store.outbox_mark(&row).await?;
                report.no_address += 1;
                continue;
            };
            let message = Message::builder()
                .from(from.clone())
                .to(to)
                .subject(row.subject.clone())
                .header(ContentType::TEXT_PLAIN)
                .body(row.body.clone())
                .map_err(|e| ServiceError::Internal(e.to_string()))?;
            row.attempts += 1;
            match mailer.send(message).await {
                Ok(_) => {
                    row.status = "sent".into();
                    row.sent_at = Some(self.now());
                    row.last_error = None;
                    report.sent += 1;
                }
                Err(e) => {
                    // The relay's answer, without the address.
                    row.last_error = Some(e.to_string().chars().take(300).collect());
                    if row.attempts >= MAX_ATTEMPTS {
                        row.status = "failed".into();
                        report.failed += 1;
                    } else {
                        row.next_attempt_at = self.now() + retry_after(row.attempts);
                        report.retry += 1;
                    }
                    tracing::warn!(notification = %row.id, attempts = row.attempts, "the SMTP relay did not take a notification");
                }
            }
            self.store.outbox_mark(&row).await?;
        }
        Ok(report)
    }

    /// A user's contact (decrypted), for addressing a notification. Opening it is a read of a
    /// sealed field like any other, so it is audited (by the system, naming the notification)
    /// before the value is decrypted.
    async fn contact_of(&self, user: UserId, notification: Uuid) -> Result<Option<String>> {
        let sealed = self.store.vault_get("user", user.0).await?;
        let Some(v) = sealed.iter().find(|v| v.field == crate::admin::CONTACT_FIELD) else { return Ok(None) };
        let mut ev = self.event(
            None,
            &crate::RequestMeta::task("email-outbox"),
            "user.contact_read",
            Some(("user", user.0.to_string())),
            AuditOutcome::Ok,
        );
        ev.purpose = Some(format!("e-mail notification {notification}"));
        self.audit_read(ev).await?;
        let aad = format!("user:{}:{}", v.field, user.0);
        Ok(Some(String::from_utf8_lossy(&self.keys.open(&v.ciphertext, aad.as_bytes())?).into_owned()))
    }

    /// A user's newest notifications and what became of them (no address shown).
    pub async fn notifications_of(&self, user: UserId) -> Result<Vec<OutboxRecord>> {
        Ok(self.store.outbox_of_user(user, 50).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_up_to_an_hour() {
        assert_eq!(retry_after(1), Duration::minutes(2));
        assert_eq!(retry_after(5), Duration::minutes(32));
        assert_eq!(retry_after(6), Duration::hours(1));
        assert_eq!(retry_after(40), Duration::hours(1));
        assert_eq!(retry_after(-3), Duration::minutes(1));
    }
}

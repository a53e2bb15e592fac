-- E-mail notifications (issue 4): written in the same transaction as the change they announce,
-- sent later by a background task. A row names the recipient user, never an address (the
-- address is opened from the identity vault when the message is sent), and holds no identity.
CREATE TABLE email_outbox (
    id                      BLOB PRIMARY KEY NOT NULL,
    recipient_user_id       BLOB NOT NULL REFERENCES users(id),
    kind                    TEXT NOT NULL,              -- referral_received | referral_answered | transfer_offered
    subject                 TEXT NOT NULL,
    body                    TEXT NOT NULL,
    status                  TEXT NOT NULL,              -- pending | sent | failed | no_address
    attempts                INTEGER NOT NULL DEFAULT 0,
    next_attempt_at         TEXT NOT NULL,
    last_error              TEXT,
    created_at              TEXT NOT NULL,
    sent_at                 TEXT
);
CREATE INDEX email_outbox_due ON email_outbox(status, next_attempt_at);

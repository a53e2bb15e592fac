-- E-mail notifications (issue 4): written in the same transaction as the change they announce,
-- sent later by a background task. A row names the recipient user, never an address (the
-- address is opened from the identity vault when the message is sent), and holds no identity.
CREATE TABLE email_outbox (
    id                      uuid PRIMARY KEY,
    recipient_user_id       uuid NOT NULL REFERENCES users(id),
    kind                    text NOT NULL,              -- referral_received | referral_answered | transfer_offered
    subject                 text NOT NULL,
    body                    text NOT NULL,
    status                  text NOT NULL,              -- pending | sent | failed | no_address
    attempts                bigint NOT NULL DEFAULT 0,
    next_attempt_at         timestamptz NOT NULL,
    last_error              text,
    created_at              timestamptz NOT NULL,
    sent_at                 timestamptz
);
CREATE INDEX email_outbox_due ON email_outbox(status, next_attempt_at);

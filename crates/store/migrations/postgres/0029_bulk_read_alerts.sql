-- Security goal 8: a user who opened the identities of more people outside their caseload than
-- `security.bulk_read_people` within `security.bulk_read_window_minutes` is paused and the
-- auditors are alerted. One row per alert: who, when the window's reads began, when the alert
-- was raised, until when reads are paused, and the ids of the people read (ids only, never a
-- name: the flagged reads themselves are in the audit log).
CREATE TABLE bulk_read_alerts (
    id                      uuid PRIMARY KEY,
    user_id                 uuid NOT NULL REFERENCES users(id),
    org_id                  uuid NOT NULL REFERENCES organisations(id),
    since                   timestamptz NOT NULL,
    raised_at               timestamptz NOT NULL,
    paused_until            timestamptz NOT NULL,
    people                  text NOT NULL
);
CREATE INDEX bulk_read_alerts_by_time ON bulk_read_alerts(raised_at);

-- Security goal 8: a user who opened the identities of more people outside their caseload than
-- `security.bulk_read_people` within `security.bulk_read_window_minutes` is paused and the
-- auditors are alerted. One row per alert: who, when the window's reads began, when the alert
-- was raised, until when reads are paused, and the ids of the people read (ids only, never a
-- name: the flagged reads themselves are in the audit log).
CREATE TABLE bulk_read_alerts (
    id                      BLOB PRIMARY KEY NOT NULL,
    user_id                 BLOB NOT NULL REFERENCES users(id),
    org_id                  BLOB NOT NULL REFERENCES organisations(id),
    since                   TEXT NOT NULL,
    raised_at               TEXT NOT NULL,
    paused_until            TEXT NOT NULL,
    people                  TEXT NOT NULL
);
CREATE INDEX bulk_read_alerts_by_time ON bulk_read_alerts(raised_at);

-- Reintegration and follow-up contacts at set intervals (issue 4).
CREATE TABLE follow_ups (
    id                      BLOB PRIMARY KEY NOT NULL,
    case_id                 BLOB NOT NULL REFERENCES cases(id),
    path                    TEXT NOT NULL,              -- ReintegrationPath code
    due_on                  TEXT NOT NULL,
    done_on                 TEXT,
    outcome                 TEXT,                       -- FollowUpOutcome code
    organisation_id         BLOB NOT NULL REFERENCES organisations(id),
    planned_by              BLOB NOT NULL REFERENCES users(id),
    created_at              TEXT NOT NULL,
    version                 INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX follow_ups_by_case ON follow_ups(case_id);
CREATE INDEX follow_ups_by_due ON follow_ups(due_on);

-- Residence status and children's protection records (issue 4). Coded facts only; nothing
-- identifying (a guardian is named by organisation; free TEXT stays out).
CREATE TABLE residence_permits (
    id                      BLOB PRIMARY KEY NOT NULL,
    case_id                 BLOB NOT NULL REFERENCES cases(id),
    kind                    TEXT NOT NULL,              -- reflection_period | temporary_residence | permanent_residence | asylum_claim | other
    status                  TEXT NOT NULL,              -- applied | granted | refused | expired | withdrawn
    applied_on              TEXT,
    valid_from              TEXT,
    valid_until             TEXT,
    authority               TEXT NOT NULL,
    linked_decision         TEXT,                       -- reasonable_grounds | conclusive_grounds
    recorded_by             BLOB NOT NULL REFERENCES users(id),
    organisation_id         BLOB NOT NULL REFERENCES organisations(id),
    recorded_at             TEXT NOT NULL
);
CREATE INDEX residence_permits_by_case ON residence_permits(case_id);
CREATE INDEX residence_permits_by_expiry ON residence_permits(valid_until);

CREATE TABLE child_records (
    id                      BLOB PRIMARY KEY NOT NULL,
    case_id                 BLOB NOT NULL REFERENCES cases(id),
    kind                    TEXT NOT NULL,              -- guardian_appointment | best_interests_assessment | best_interests_determination | age_assessment | family_tracing
    on_date                 TEXT NOT NULL,
    organisation_id         BLOB NOT NULL REFERENCES organisations(id),
    detail                  TEXT NOT NULL,              -- JSON of coded facts
    recorded_by             BLOB NOT NULL REFERENCES users(id),
    recorded_at             TEXT NOT NULL
);
CREATE INDEX child_records_by_case ON child_records(case_id);

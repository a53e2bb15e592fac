-- Residence status and children's protection records (issue 4). Coded facts only; nothing
-- identifying (a guardian is named by organisation; free text stays out).
CREATE TABLE residence_permits (
    id                      uuid PRIMARY KEY,
    case_id                 uuid NOT NULL REFERENCES cases(id),
    kind                    text NOT NULL,              -- reflection_period | temporary_residence | permanent_residence | asylum_claim | other
    status                  text NOT NULL,              -- applied | granted | refused | expired | withdrawn
    applied_on              date,
    valid_from              date,
    valid_until             date,
    authority               text NOT NULL,
    linked_decision         text,                       -- reasonable_grounds | conclusive_grounds
    recorded_by             uuid NOT NULL REFERENCES users(id),
    organisation_id         uuid NOT NULL REFERENCES organisations(id),
    recorded_at             timestamptz NOT NULL
);
CREATE INDEX residence_permits_by_case ON residence_permits(case_id);
CREATE INDEX residence_permits_by_expiry ON residence_permits(valid_until);

CREATE TABLE child_records (
    id                      uuid PRIMARY KEY,
    case_id                 uuid NOT NULL REFERENCES cases(id),
    kind                    text NOT NULL,              -- guardian_appointment | best_interests_assessment | best_interests_determination | age_assessment | family_tracing
    on_date                 date NOT NULL,
    organisation_id         uuid NOT NULL REFERENCES organisations(id),
    detail                  text NOT NULL,              -- JSON of coded facts
    recorded_by             uuid NOT NULL REFERENCES users(id),
    recorded_at             timestamptz NOT NULL
);
CREATE INDEX child_records_by_case ON child_records(case_id);

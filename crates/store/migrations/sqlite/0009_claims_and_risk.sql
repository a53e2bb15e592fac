-- Compensation and restitution claims, and risk assessments with their safety plans (issue 4).
-- Money is integer minor units with its ISO 4217 currency; never a float.
CREATE TABLE compensation_claims (
    id                      BLOB PRIMARY KEY NOT NULL,
    case_id                 BLOB NOT NULL REFERENCES cases(id),
    kind                    TEXT NOT NULL,
    status                  TEXT NOT NULL,
    currency                TEXT NOT NULL,
    claimed_minor           INTEGER NOT NULL,
    awarded_minor           INTEGER,
    paid_minor              INTEGER,
    filed_on                TEXT,
    decided_on              TEXT,
    paid_on                 TEXT,
    recorded_by             BLOB NOT NULL REFERENCES users(id),
    organisation_id         BLOB NOT NULL REFERENCES organisations(id),
    recorded_at             TEXT NOT NULL
);
CREATE INDEX compensation_claims_by_case ON compensation_claims(case_id);

CREATE TABLE risk_assessments (
    id                      BLOB PRIMARY KEY NOT NULL,
    case_id                 BLOB NOT NULL REFERENCES cases(id),
    assessed_on             TEXT NOT NULL,
    level                   TEXT NOT NULL,              -- low | medium | high
    risk_to                 TEXT NOT NULL,              -- comma-separated: person, family, staff
    safety_measures         TEXT NOT NULL,              -- comma-separated SafetyMeasure codes
    review_on               TEXT NOT NULL,
    recorded_by             BLOB NOT NULL REFERENCES users(id),
    organisation_id         BLOB NOT NULL REFERENCES organisations(id),
    recorded_at             TEXT NOT NULL
);
CREATE INDEX risk_assessments_by_case ON risk_assessments(case_id);

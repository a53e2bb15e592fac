-- Compensation and restitution claims, and risk assessments with their safety plans (issue 4).
-- Money is integer minor units with its ISO 4217 currency; never a float.
CREATE TABLE compensation_claims (
    id                      uuid PRIMARY KEY,
    case_id                 uuid NOT NULL REFERENCES cases(id),
    kind                    text NOT NULL,
    status                  text NOT NULL,
    currency                text NOT NULL,
    claimed_minor           bigint NOT NULL,
    awarded_minor           bigint,
    paid_minor              bigint,
    filed_on                date,
    decided_on              date,
    paid_on                 date,
    recorded_by             uuid NOT NULL REFERENCES users(id),
    organisation_id         uuid NOT NULL REFERENCES organisations(id),
    recorded_at             timestamptz NOT NULL
);
CREATE INDEX compensation_claims_by_case ON compensation_claims(case_id);

CREATE TABLE risk_assessments (
    id                      uuid PRIMARY KEY,
    case_id                 uuid NOT NULL REFERENCES cases(id),
    assessed_on             date NOT NULL,
    level                   text NOT NULL,              -- low | medium | high
    risk_to                 text NOT NULL,              -- comma-separated: person, family, staff
    safety_measures         text NOT NULL,              -- comma-separated SafetyMeasure codes
    review_on               date NOT NULL,
    recorded_by             uuid NOT NULL REFERENCES users(id),
    organisation_id         uuid NOT NULL REFERENCES organisations(id),
    recorded_at             timestamptz NOT NULL
);
CREATE INDEX risk_assessments_by_case ON risk_assessments(case_id);

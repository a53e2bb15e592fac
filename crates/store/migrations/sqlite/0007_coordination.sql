-- Coordination and assistance (issue 4): the service directory, referrals between organisations,
-- and services delivered. Nothing here identifies a person: a referral names a case.
CREATE TABLE org_services (
    id                      BLOB PRIMARY KEY NOT NULL,
    organisation_id         BLOB NOT NULL REFERENCES organisations(id),
    kind                    TEXT NOT NULL,              -- ServiceKind code
    name                    TEXT NOT NULL,
    regions                 TEXT NOT NULL,              -- comma-separated region codes
    languages               TEXT NOT NULL,              -- comma-separated ISO 639 codes
    ages                    TEXT NOT NULL,              -- adults | children | all
    sexes                   TEXT NOT NULL,              -- any | female | male
    capacity                INTEGER,                     -- places (shelter beds); NULL when not counted
    available               INTEGER,                     -- free places now
    active                  BOOLEAN NOT NULL,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL
);
CREATE INDEX org_services_by_kind ON org_services(kind, active);
CREATE INDEX org_services_by_org ON org_services(organisation_id);

CREATE TABLE referrals (
    id                      BLOB PRIMARY KEY NOT NULL,
    case_id                 BLOB NOT NULL REFERENCES cases(id),
    service_id              BLOB NOT NULL REFERENCES org_services(id),
    kind                    TEXT NOT NULL,
    sender_org_id           BLOB NOT NULL REFERENCES organisations(id),
    recipient_org_id        BLOB NOT NULL REFERENCES organisations(id),
    sent_by                 BLOB NOT NULL REFERENCES users(id),
    urgent                  BOOLEAN NOT NULL,
    basis                   TEXT NOT NULL,              -- consent | child_rule | emergency_override
    override_reason         TEXT,
    status                  TEXT NOT NULL,              -- sent | accepted | declined | completed | revoked
    decline_reason          TEXT,
    sent_at                 TEXT NOT NULL,
    responded_at            TEXT,
    closed_at               TEXT,
    updated_at              TEXT NOT NULL,
    version                 INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX referrals_by_case ON referrals(case_id);
CREATE INDEX referrals_by_recipient ON referrals(recipient_org_id, status);
CREATE INDEX referrals_by_sender ON referrals(sender_org_id, status);

CREATE TABLE services_delivered (
    id                      BLOB PRIMARY KEY NOT NULL,
    case_id                 BLOB NOT NULL REFERENCES cases(id),
    referral_id             BLOB REFERENCES referrals(id),
    organisation_id         BLOB NOT NULL REFERENCES organisations(id),
    kind                    TEXT NOT NULL,
    delivered_on            TEXT NOT NULL,
    delivered_by            BLOB NOT NULL REFERENCES users(id),
    outcome                 TEXT NOT NULL,              -- ServiceOutcome code
    recorded_at             TEXT NOT NULL
);
CREATE INDEX services_delivered_by_case ON services_delivered(case_id);
CREATE INDEX services_delivered_by_org ON services_delivered(organisation_id, delivered_on);

-- Coordination and assistance (issue 4): the service directory, referrals between organisations,
-- and services delivered. Nothing here identifies a person: a referral names a case.
CREATE TABLE org_services (
    id                      uuid PRIMARY KEY,
    organisation_id         uuid NOT NULL REFERENCES organisations(id),
    kind                    text NOT NULL,              -- ServiceKind code
    name                    text NOT NULL,
    regions                 text NOT NULL,              -- comma-separated region codes
    languages               text NOT NULL,              -- comma-separated ISO 639 codes
    ages                    text NOT NULL,              -- adults | children | all
    sexes                   text NOT NULL,              -- any | female | male
    capacity                bigint,                     -- places (shelter beds); NULL when not counted
    available               bigint,                     -- free places now
    active                  boolean NOT NULL,
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL
);
CREATE INDEX org_services_by_kind ON org_services(kind, active);
CREATE INDEX org_services_by_org ON org_services(organisation_id);

CREATE TABLE referrals (
    id                      uuid PRIMARY KEY,
    case_id                 uuid NOT NULL REFERENCES cases(id),
    service_id              uuid NOT NULL REFERENCES org_services(id),
    kind                    text NOT NULL,
    sender_org_id           uuid NOT NULL REFERENCES organisations(id),
    recipient_org_id        uuid NOT NULL REFERENCES organisations(id),
    sent_by                 uuid NOT NULL REFERENCES users(id),
    urgent                  boolean NOT NULL,
    basis                   text NOT NULL,              -- consent | child_rule | emergency_override
    override_reason         text,
    status                  text NOT NULL,              -- sent | accepted | declined | completed | revoked
    decline_reason          text,
    sent_at                 timestamptz NOT NULL,
    responded_at            timestamptz,
    closed_at               timestamptz,
    updated_at              timestamptz NOT NULL,
    version                 bigint NOT NULL DEFAULT 1
);
CREATE INDEX referrals_by_case ON referrals(case_id);
CREATE INDEX referrals_by_recipient ON referrals(recipient_org_id, status);
CREATE INDEX referrals_by_sender ON referrals(sender_org_id, status);

CREATE TABLE services_delivered (
    id                      uuid PRIMARY KEY,
    case_id                 uuid NOT NULL REFERENCES cases(id),
    referral_id             uuid REFERENCES referrals(id),
    organisation_id         uuid NOT NULL REFERENCES organisations(id),
    kind                    text NOT NULL,
    delivered_on            date NOT NULL,
    delivered_by            uuid NOT NULL REFERENCES users(id),
    outcome                 text NOT NULL,              -- ServiceOutcome code
    recorded_at             timestamptz NOT NULL
);
CREATE INDEX services_delivered_by_case ON services_delivered(case_id);
CREATE INDEX services_delivered_by_org ON services_delivered(organisation_id, delivered_on);

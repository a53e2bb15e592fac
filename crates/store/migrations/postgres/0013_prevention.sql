-- Prevention and capacity (issue 6; resolution 58/137 ¶2, ¶5(b), ¶10, ¶12, ¶13): campaigns, trainings of
-- officials (participants by sex), budgets by programme area and fiscal year (minor units + ISO 4217), and treaty
-- status imported from the UN Treaty Collection with its source and as-of date.

CREATE TABLE campaigns (
    id                      uuid PRIMARY KEY,
    org_id                  uuid NOT NULL REFERENCES organisations(id),
    title                   text NOT NULL,
    kind                    text NOT NULL,
    channels                text NOT NULL,
    audience                text NOT NULL,
    regions                 text NOT NULL,
    starts_on               date NOT NULL,
    ends_on                 date,
    reach                   bigint,
    cost_minor              bigint,
    currency                text,
    partners                text NOT NULL,
    created_by              uuid NOT NULL REFERENCES users(id),
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL,
    version                 bigint NOT NULL
);
CREATE INDEX campaigns_by_start ON campaigns(starts_on);

CREATE TABLE trainings (
    id                      uuid PRIMARY KEY,
    org_id                  uuid NOT NULL REFERENCES organisations(id),
    topic                   text NOT NULL,
    audience                text NOT NULL,
    held_on                 date NOT NULL,
    participants_female     bigint NOT NULL,
    participants_male       bigint NOT NULL,
    participants_other      bigint NOT NULL,
    organiser               text NOT NULL,
    created_by              uuid NOT NULL REFERENCES users(id),
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL,
    version                 bigint NOT NULL
);
CREATE INDEX trainings_by_date ON trainings(held_on);

CREATE TABLE budgets (
    id                      uuid PRIMARY KEY,
    org_id                  uuid NOT NULL REFERENCES organisations(id),
    programme_area          text NOT NULL,
    fiscal_year             bigint NOT NULL,
    allocated_minor         bigint NOT NULL,
    spent_minor             bigint NOT NULL,
    currency                text NOT NULL,
    funder                  text NOT NULL,
    created_by              uuid NOT NULL REFERENCES users(id),
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL,
    version                 bigint NOT NULL
);
CREATE INDEX budgets_by_year ON budgets(fiscal_year);

CREATE TABLE treaty_status (
    id                      uuid PRIMARY KEY,
    country                 text NOT NULL,
    iso3                    text NOT NULL,
    instrument              text NOT NULL,
    signature_date          date,
    consent_date            date,
    consent_type            text,
    source                  text NOT NULL,
    as_of                   date NOT NULL,
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL,
    version                 bigint NOT NULL
);
CREATE UNIQUE INDEX treaty_status_by_country ON treaty_status(country, instrument);
CREATE INDEX treaty_status_by_iso3 ON treaty_status(iso3);

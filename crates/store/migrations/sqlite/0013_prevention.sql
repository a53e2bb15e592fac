-- Prevention and capacity (issue 6; resolution 58/137 ¶2, ¶5(b), ¶10, ¶12, ¶13): campaigns, trainings of
-- officials (participants by sex), budgets by programme area and fiscal year (minor units + ISO 4217), and treaty
-- status imported from the UN Treaty Collection with its source and as-of date.

CREATE TABLE campaigns (
    id                      BLOB PRIMARY KEY NOT NULL,
    org_id                  BLOB NOT NULL REFERENCES organisations(id),
    title                   TEXT NOT NULL,
    kind                    TEXT NOT NULL,
    channels                TEXT NOT NULL,
    audience                TEXT NOT NULL,
    regions                 TEXT NOT NULL,
    starts_on               TEXT NOT NULL,
    ends_on                 TEXT,
    reach                   INTEGER,
    cost_minor              INTEGER,
    currency                TEXT,
    partners                TEXT NOT NULL,
    created_by              BLOB NOT NULL REFERENCES users(id),
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    version                 INTEGER NOT NULL
);
CREATE INDEX campaigns_by_start ON campaigns(starts_on);

CREATE TABLE trainings (
    id                      BLOB PRIMARY KEY NOT NULL,
    org_id                  BLOB NOT NULL REFERENCES organisations(id),
    topic                   TEXT NOT NULL,
    audience                TEXT NOT NULL,
    held_on                 TEXT NOT NULL,
    participants_female     INTEGER NOT NULL,
    participants_male       INTEGER NOT NULL,
    participants_other      INTEGER NOT NULL,
    organiser               TEXT NOT NULL,
    created_by              BLOB NOT NULL REFERENCES users(id),
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    version                 INTEGER NOT NULL
);
CREATE INDEX trainings_by_date ON trainings(held_on);

CREATE TABLE budgets (
    id                      BLOB PRIMARY KEY NOT NULL,
    org_id                  BLOB NOT NULL REFERENCES organisations(id),
    programme_area          TEXT NOT NULL,
    fiscal_year             INTEGER NOT NULL,
    allocated_minor         INTEGER NOT NULL,
    spent_minor             INTEGER NOT NULL,
    currency                TEXT NOT NULL,
    funder                  TEXT NOT NULL,
    created_by              BLOB NOT NULL REFERENCES users(id),
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    version                 INTEGER NOT NULL
);
CREATE INDEX budgets_by_year ON budgets(fiscal_year);

CREATE TABLE treaty_status (
    id                      BLOB PRIMARY KEY NOT NULL,
    country                 TEXT NOT NULL,
    iso3                    TEXT NOT NULL,
    instrument              TEXT NOT NULL,
    signature_date          TEXT,
    consent_date            TEXT,
    consent_type            TEXT,
    source                  TEXT NOT NULL,
    as_of                   TEXT NOT NULL,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    version                 INTEGER NOT NULL
);
CREATE UNIQUE INDEX treaty_status_by_country ON treaty_status(country, instrument);
CREATE INDEX treaty_status_by_iso3 ON treaty_status(iso3);

-- Persons (issue 3, part 1): non-identifying fields in clear for statistics; identity in identity_vault.
CREATE TABLE persons (
    id                      BLOB PRIMARY KEY NOT NULL,
    reference               TEXT NOT NULL UNIQUE,
    organisation_id         BLOB NOT NULL REFERENCES organisations(id),
    created_by              BLOB NOT NULL REFERENCES users(id),
    sex                     TEXT NOT NULL,
    age_at_identification   INTEGER,
    age_group               TEXT NOT NULL,
    citizenships            TEXT NOT NULL,
    languages               TEXT NOT NULL,
    migration_status        TEXT,
    created_at              TEXT NOT NULL,
    version                 INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX persons_by_organisation ON persons(organisation_id);

CREATE TABLE reference_counters (
    prefix  TEXT PRIMARY KEY NOT NULL,
    last    INTEGER NOT NULL
);

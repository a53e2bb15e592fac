-- Persons (issue 3, part 1): non-identifying fields in clear for statistics; identity in identity_vault.
CREATE TABLE persons (
    id                      uuid PRIMARY KEY,
    reference               text NOT NULL UNIQUE,
    organisation_id         uuid NOT NULL REFERENCES organisations(id),
    created_by              uuid NOT NULL REFERENCES users(id),
    sex                     text NOT NULL,
    age_at_identification   integer,
    age_group               text NOT NULL,
    citizenships            text NOT NULL,
    languages               text NOT NULL,
    migration_status        text,
    created_at              timestamptz NOT NULL,
    version                 bigint NOT NULL DEFAULT 1
);
CREATE INDEX persons_by_organisation ON persons(organisation_id);

CREATE TABLE reference_counters (
    prefix  text PRIMARY KEY,
    last    bigint NOT NULL
);

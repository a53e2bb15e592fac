-- The justice track (issue 5; resolution 58/137 ¶1, ¶4, ¶5, ¶7): reports received, investigations,
-- mutual legal assistance, suspects (identity sealed in identity_vault, record_type suspect: never
-- in the victims' register), charges with ICCS codes and verdicts, proceeds of crime with the date
-- of each step, and disclosures of victims' cases to investigations (on consent or a recorded legal
-- obligation) with hearing dates (of the whole case, or of one victim's part in it). What a report says is sealed too (record_type crime_report).

CREATE TABLE investigations (
    id                      BLOB PRIMARY KEY NOT NULL,
    reference               TEXT NOT NULL UNIQUE,
    lead_org_id             BLOB NOT NULL REFERENCES organisations(id),
    prosecution_org_id      BLOB REFERENCES organisations(id),
    status                  TEXT NOT NULL,
    opened_on               TEXT NOT NULL,
    closed_on               TEXT,
    closure_reason          TEXT,
    forms                   TEXT NOT NULL,
    origin_countries        TEXT NOT NULL,
    transit_countries       TEXT NOT NULL,
    destination_countries   TEXT NOT NULL,
    joint_team              BOOLEAN NOT NULL,
    jit_countries           TEXT NOT NULL,
    investigators           TEXT NOT NULL,
    created_by              BLOB NOT NULL REFERENCES users(id),
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    version                 INTEGER NOT NULL
);
CREATE INDEX investigations_by_lead ON investigations(lead_org_id, opened_on);
CREATE INDEX investigations_by_prosecution ON investigations(prosecution_org_id);
CREATE INDEX investigations_by_opened ON investigations(opened_on);

CREATE TABLE crime_reports (
    id                      BLOB PRIMARY KEY NOT NULL,
    reference               TEXT NOT NULL UNIQUE,
    org_id                  BLOB NOT NULL REFERENCES organisations(id),
    channel                 TEXT NOT NULL,
    received_on             TEXT NOT NULL,
    risk                    TEXT NOT NULL,
    status                  TEXT NOT NULL,
    closure_reason          TEXT,
    investigation_id        BLOB REFERENCES investigations(id),
    decided_on              TEXT,
    created_by              BLOB NOT NULL REFERENCES users(id),
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    version                 INTEGER NOT NULL
);
CREATE INDEX crime_reports_by_org ON crime_reports(org_id, received_on);
CREATE INDEX crime_reports_by_channel ON crime_reports(channel, status);
CREATE INDEX crime_reports_by_investigation ON crime_reports(investigation_id);

CREATE TABLE mla_requests (
    id                      BLOB PRIMARY KEY NOT NULL,
    investigation_id        BLOB NOT NULL REFERENCES investigations(id),
    direction               TEXT NOT NULL,
    country                 TEXT NOT NULL,
    requested_on            TEXT NOT NULL,
    subject                 TEXT NOT NULL,
    status                  TEXT NOT NULL,
    answered_on             TEXT,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    version                 INTEGER NOT NULL
);
CREATE INDEX mla_requests_by_investigation ON mla_requests(investigation_id);

CREATE TABLE suspects (
    id                      BLOB PRIMARY KEY NOT NULL,
    reference               TEXT NOT NULL UNIQUE,
    investigation_id        BLOB NOT NULL REFERENCES investigations(id),
    suspected_on            TEXT NOT NULL,
    sex                     TEXT NOT NULL,
    age                     INTEGER,
    age_group               TEXT NOT NULL,
    citizenships            TEXT NOT NULL,
    roles                   TEXT NOT NULL,
    relation_to_victims     TEXT NOT NULL,
    arrested_on             TEXT,
    created_by              BLOB NOT NULL REFERENCES users(id),
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    version                 INTEGER NOT NULL
);
CREATE INDEX suspects_by_investigation ON suspects(investigation_id);
CREATE INDEX suspects_by_date ON suspects(suspected_on);

CREATE TABLE charges (
    id                      BLOB PRIMARY KEY NOT NULL,
    suspect_id              BLOB NOT NULL REFERENCES suspects(id),
    investigation_id        BLOB NOT NULL REFERENCES investigations(id),
    offence                 TEXT NOT NULL,
    iccs                    TEXT,
    legal_provision         TEXT NOT NULL,
    charged_on              TEXT NOT NULL,
    verdict                 TEXT,
    verdict_on              TEXT,
    sentence_months         INTEGER,
    fine_minor              INTEGER,
    fine_currency           TEXT,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    version                 INTEGER NOT NULL
);
CREATE INDEX charges_by_suspect ON charges(suspect_id);
CREATE INDEX charges_by_investigation ON charges(investigation_id);
CREATE INDEX charges_by_date ON charges(charged_on);
CREATE INDEX charges_by_verdict ON charges(verdict_on);

CREATE TABLE assets (
    id                      BLOB PRIMARY KEY NOT NULL,
    investigation_id        BLOB NOT NULL REFERENCES investigations(id),
    kind                    TEXT NOT NULL,
    status                  TEXT NOT NULL,
    value_minor             INTEGER NOT NULL,
    currency                TEXT NOT NULL,
    authority               TEXT NOT NULL,
    frozen_on               TEXT,
    seized_on               TEXT,
    confiscated_on          TEXT,
    returned_on             TEXT,
    compensation_on         TEXT,
    released_on             TEXT,
    charge_id               BLOB REFERENCES charges(id),
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    version                 INTEGER NOT NULL
);
CREATE INDEX assets_by_investigation ON assets(investigation_id);
CREATE INDEX assets_by_confiscation ON assets(confiscated_on);

CREATE TABLE disclosures (
    id                      BLOB PRIMARY KEY NOT NULL,
    investigation_id        BLOB NOT NULL REFERENCES investigations(id),
    case_id                 BLOB NOT NULL REFERENCES cases(id),
    recipient_org_id        BLOB NOT NULL REFERENCES organisations(id),
    basis                   TEXT NOT NULL,
    legal_obligation        TEXT,
    participation           TEXT NOT NULL,
    protection              TEXT NOT NULL,
    interpreter_language    TEXT,
    legal_representative    TEXT,
    ended_on                TEXT,
    created_by              BLOB NOT NULL REFERENCES users(id),
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    version                 INTEGER NOT NULL
);
CREATE INDEX disclosures_by_case ON disclosures(case_id);
CREATE INDEX disclosures_by_investigation ON disclosures(investigation_id);

CREATE TABLE hearings (
    id                      BLOB PRIMARY KEY NOT NULL,
    disclosure_id           BLOB REFERENCES disclosures(id),
    investigation_id        BLOB NOT NULL REFERENCES investigations(id),
    case_id                 BLOB REFERENCES cases(id),
    held_on                 TEXT NOT NULL,
    kind                    TEXT NOT NULL,
    court                   TEXT NOT NULL,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    version                 INTEGER NOT NULL
);
CREATE INDEX hearings_by_case ON hearings(case_id, held_on);
CREATE INDEX hearings_by_disclosure ON hearings(disclosure_id);
CREATE INDEX hearings_by_investigation ON hearings(investigation_id, held_on);

-- Notes and evidence references (the text sealed in identity_vault, record_type investigation_note; no
-- evidence files are stored).
CREATE TABLE investigation_notes (
    id                      BLOB PRIMARY KEY NOT NULL,
    investigation_id        BLOB NOT NULL REFERENCES investigations(id),
    kind                    TEXT NOT NULL,
    created_by              BLOB NOT NULL REFERENCES users(id),
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    version                 INTEGER NOT NULL
);
CREATE INDEX investigation_notes_by_investigation ON investigation_notes(investigation_id, created_at);

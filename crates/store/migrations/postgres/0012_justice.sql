-- The justice track (issue 5; resolution 58/137 ¶1, ¶4, ¶5, ¶7): reports received, investigations,
-- mutual legal assistance, suspects (identity sealed in identity_vault, record_type suspect: never
-- in the victims' register), charges with ICCS codes and verdicts, proceeds of crime with the date
-- of each step, and disclosures of victims' cases to investigations (on consent or a recorded legal
-- obligation) with hearing dates (of the whole case, or of one victim's part in it). What a report says is sealed too (record_type crime_report).

CREATE TABLE investigations (
    id                      uuid PRIMARY KEY,
    reference               text NOT NULL UNIQUE,
    lead_org_id             uuid NOT NULL REFERENCES organisations(id),
    prosecution_org_id      uuid REFERENCES organisations(id),
    status                  text NOT NULL,
    opened_on               date NOT NULL,
    closed_on               date,
    closure_reason          text,
    forms                   text NOT NULL,
    origin_countries        text NOT NULL,
    transit_countries       text NOT NULL,
    destination_countries   text NOT NULL,
    joint_team              boolean NOT NULL,
    jit_countries           text NOT NULL,
    investigators           text NOT NULL,
    created_by              uuid NOT NULL REFERENCES users(id),
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL,
    version                 bigint NOT NULL
);
CREATE INDEX investigations_by_lead ON investigations(lead_org_id, opened_on);
CREATE INDEX investigations_by_prosecution ON investigations(prosecution_org_id);
CREATE INDEX investigations_by_opened ON investigations(opened_on);

CREATE TABLE crime_reports (
    id                      uuid PRIMARY KEY,
    reference               text NOT NULL UNIQUE,
    org_id                  uuid NOT NULL REFERENCES organisations(id),
    channel                 text NOT NULL,
    received_on             date NOT NULL,
    risk                    text NOT NULL,
    status                  text NOT NULL,
    closure_reason          text,
    investigation_id        uuid REFERENCES investigations(id),
    decided_on              date,
    created_by              uuid NOT NULL REFERENCES users(id),
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL,
    version                 bigint NOT NULL
);
CREATE INDEX crime_reports_by_org ON crime_reports(org_id, received_on);
CREATE INDEX crime_reports_by_channel ON crime_reports(channel, status);
CREATE INDEX crime_reports_by_investigation ON crime_reports(investigation_id);

CREATE TABLE mla_requests (
    id                      uuid PRIMARY KEY,
    investigation_id        uuid NOT NULL REFERENCES investigations(id),
    direction               text NOT NULL,
    country                 text NOT NULL,
    requested_on            date NOT NULL,
    subject                 text NOT NULL,
    status                  text NOT NULL,
    answered_on             date,
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL,
    version                 bigint NOT NULL
);
CREATE INDEX mla_requests_by_investigation ON mla_requests(investigation_id);

CREATE TABLE suspects (
    id                      uuid PRIMARY KEY,
    reference               text NOT NULL UNIQUE,
    investigation_id        uuid NOT NULL REFERENCES investigations(id),
    suspected_on            date NOT NULL,
    sex                     text NOT NULL,
    age                     bigint,
    age_group               text NOT NULL,
    citizenships            text NOT NULL,
    roles                   text NOT NULL,
    relation_to_victims     text NOT NULL,
    arrested_on             date,
    created_by              uuid NOT NULL REFERENCES users(id),
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL,
    version                 bigint NOT NULL
);
CREATE INDEX suspects_by_investigation ON suspects(investigation_id);
CREATE INDEX suspects_by_date ON suspects(suspected_on);

CREATE TABLE charges (
    id                      uuid PRIMARY KEY,
    suspect_id              uuid NOT NULL REFERENCES suspects(id),
    investigation_id        uuid NOT NULL REFERENCES investigations(id),
    offence                 text NOT NULL,
    iccs                    text,
    legal_provision         text NOT NULL,
    charged_on              date NOT NULL,
    verdict                 text,
    verdict_on              date,
    sentence_months         bigint,
    fine_minor              bigint,
    fine_currency           text,
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL,
    version                 bigint NOT NULL
);
CREATE INDEX charges_by_suspect ON charges(suspect_id);
CREATE INDEX charges_by_investigation ON charges(investigation_id);
CREATE INDEX charges_by_date ON charges(charged_on);
CREATE INDEX charges_by_verdict ON charges(verdict_on);

CREATE TABLE assets (
    id                      uuid PRIMARY KEY,
    investigation_id        uuid NOT NULL REFERENCES investigations(id),
    kind                    text NOT NULL,
    status                  text NOT NULL,
    value_minor             bigint NOT NULL,
    currency                text NOT NULL,
    authority               text NOT NULL,
    frozen_on               date,
    seized_on               date,
    confiscated_on          date,
    returned_on             date,
    compensation_on         date,
    released_on             date,
    charge_id               uuid REFERENCES charges(id),
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL,
    version                 bigint NOT NULL
);
CREATE INDEX assets_by_investigation ON assets(investigation_id);
CREATE INDEX assets_by_confiscation ON assets(confiscated_on);

CREATE TABLE disclosures (
    id                      uuid PRIMARY KEY,
    investigation_id        uuid NOT NULL REFERENCES investigations(id),
    case_id                 uuid NOT NULL REFERENCES cases(id),
    recipient_org_id        uuid NOT NULL REFERENCES organisations(id),
    basis                   text NOT NULL,
    legal_obligation        text,
    participation           text NOT NULL,
    protection              text NOT NULL,
    interpreter_language    text,
    legal_representative    text,
    ended_on                date,
    created_by              uuid NOT NULL REFERENCES users(id),
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL,
    version                 bigint NOT NULL
);
CREATE INDEX disclosures_by_case ON disclosures(case_id);
CREATE INDEX disclosures_by_investigation ON disclosures(investigation_id);

CREATE TABLE hearings (
    id                      uuid PRIMARY KEY,
    disclosure_id           uuid REFERENCES disclosures(id),
    investigation_id        uuid NOT NULL REFERENCES investigations(id),
    case_id                 uuid REFERENCES cases(id),
    held_on                 date NOT NULL,
    kind                    text NOT NULL,
    court                   text NOT NULL,
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL,
    version                 bigint NOT NULL
);
CREATE INDEX hearings_by_case ON hearings(case_id, held_on);
CREATE INDEX hearings_by_disclosure ON hearings(disclosure_id);
CREATE INDEX hearings_by_investigation ON hearings(investigation_id, held_on);

-- Notes and evidence references (the text sealed in identity_vault, record_type investigation_note; no
-- evidence files are stored).
CREATE TABLE investigation_notes (
    id                      uuid PRIMARY KEY,
    investigation_id        uuid NOT NULL REFERENCES investigations(id),
    kind                    text NOT NULL,
    created_by              uuid NOT NULL REFERENCES users(id),
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL,
    version                 bigint NOT NULL
);
CREATE INDEX investigation_notes_by_investigation ON investigation_notes(investigation_id, created_at);

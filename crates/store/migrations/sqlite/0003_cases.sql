-- NRM cases (issue 3): referrals and anonymous notifications, their screening, timeline, consents and
-- break-glass grants. Identity stays in identity_vault; free-text reasons and views are sealed there too.
CREATE TABLE cases (
    id                      BLOB PRIMARY KEY NOT NULL,
    reference               TEXT NOT NULL UNIQUE,
    kind                    TEXT NOT NULL,              -- referral | anonymous_notification
    person_id               BLOB REFERENCES persons(id),
    owner_org_id            BLOB NOT NULL REFERENCES organisations(id),
    authority_org_id        BLOB REFERENCES organisations(id),
    case_worker_id          BLOB REFERENCES users(id),
    decision_maker_id       BLOB REFERENCES users(id),
    region                  TEXT NOT NULL,
    stage                   TEXT,                       -- NULL for an anonymous notification
    referred_on             TEXT NOT NULL,
    rg_positive_on          TEXT,
    last_negative_kind      TEXT,
    last_negative_told_on   TEXT,
    ended_from              TEXT,
    deadline_kind           TEXT,
    deadline_on             TEXT,
    sex                     TEXT NOT NULL,
    age_group               TEXT NOT NULL,
    exploitation_form       TEXT NOT NULL,
    created_by              BLOB NOT NULL REFERENCES users(id),
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    version                 INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX cases_by_owner ON cases(owner_org_id, updated_at);
CREATE INDEX cases_by_authority ON cases(authority_org_id, deadline_on);
CREATE INDEX cases_by_case_worker ON cases(case_worker_id);
CREATE INDEX cases_by_decision_maker ON cases(decision_maker_id);
CREATE INDEX cases_by_region ON cases(region, updated_at);
CREATE INDEX cases_by_deadline ON cases(deadline_on);
CREATE INDEX cases_by_person ON cases(person_id);

CREATE TABLE screenings (
    id                      BLOB PRIMARY KEY NOT NULL,
    case_id                 BLOB NOT NULL REFERENCES cases(id),
    organisation_id         BLOB NOT NULL REFERENCES organisations(id),
    screened_by             BLOB NOT NULL REFERENCES users(id),
    screened_on             TEXT NOT NULL,
    population              TEXT NOT NULL,
    exploitation_form       TEXT NOT NULL,
    catalogue_version       TEXT NOT NULL,
    list_id                 TEXT NOT NULL,
    acts                    TEXT NOT NULL,
    means                   TEXT NOT NULL,
    purposes                TEXT NOT NULL,
    indicators              TEXT NOT NULL,
    elements_met            BOOLEAN NOT NULL,
    indicators_suggest      BOOLEAN NOT NULL,
    created_at              TEXT NOT NULL
);
CREATE INDEX screenings_by_case ON screenings(case_id);

CREATE TABLE case_events (
    id                      BLOB PRIMARY KEY NOT NULL,
    case_id                 BLOB NOT NULL REFERENCES cases(id),
    at                      TEXT NOT NULL,
    actor_user_id           BLOB REFERENCES users(id),
    actor_org_id            BLOB REFERENCES organisations(id),
    kind                    TEXT NOT NULL,
    stage_after             TEXT,
    on_date                 TEXT,
    detail                  TEXT NOT NULL               -- JSON of coded, non-identifying facts
);
CREATE INDEX case_events_by_case ON case_events(case_id, at);

CREATE TABLE consents (
    id                      BLOB PRIMARY KEY NOT NULL,
    case_id                 BLOB NOT NULL REFERENCES cases(id),
    purpose                 TEXT NOT NULL,
    recipient_org_id        BLOB REFERENCES organisations(id),
    status                  TEXT NOT NULL,              -- given | refused | withdrawn
    decided_on              TEXT NOT NULL,
    form                    TEXT NOT NULL,              -- written | oral
    interpreter_language    TEXT,
    checklist               TEXT NOT NULL,
    given_by                TEXT NOT NULL,              -- person | guardian | person_and_guardian
    recorded_by             BLOB NOT NULL REFERENCES users(id),
    case_version            INTEGER NOT NULL,         -- the case version this record was written with: orders consents
    recorded_at             TEXT NOT NULL
);
CREATE INDEX consents_by_case ON consents(case_id, recorded_at);
CREATE INDEX consents_by_recipient ON consents(recipient_org_id, purpose);

CREATE TABLE break_glass (
    id                      BLOB PRIMARY KEY NOT NULL,
    case_id                 BLOB NOT NULL REFERENCES cases(id),
    user_id                 BLOB NOT NULL REFERENCES users(id),
    org_id                  BLOB NOT NULL REFERENCES organisations(id),
    reason                  TEXT NOT NULL,
    granted_at              TEXT NOT NULL,
    expires_at              TEXT NOT NULL
);
CREATE INDEX break_glass_by_case ON break_glass(case_id, user_id, expires_at);
CREATE INDEX break_glass_by_time ON break_glass(granted_at);

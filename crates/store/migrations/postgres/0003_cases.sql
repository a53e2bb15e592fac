-- NRM cases (issue 3): referrals and anonymous notifications, their screening, timeline, consents and
-- break-glass grants. Identity stays in identity_vault; free-text reasons and views are sealed there too.
CREATE TABLE cases (
    id                      uuid PRIMARY KEY,
    reference               text NOT NULL UNIQUE,
    kind                    text NOT NULL,              -- referral | anonymous_notification
    person_id               uuid REFERENCES persons(id),
    owner_org_id            uuid NOT NULL REFERENCES organisations(id),
    authority_org_id        uuid REFERENCES organisations(id),
    case_worker_id          uuid REFERENCES users(id),
    decision_maker_id       uuid REFERENCES users(id),
    region                  text NOT NULL,
    stage                   text,                       -- NULL for an anonymous notification
    referred_on             date NOT NULL,
    rg_positive_on          date,
    last_negative_kind      text,
    last_negative_told_on   date,
    ended_from              text,
    deadline_kind           text,
    deadline_on             date,
    sex                     text NOT NULL,
    age_group               text NOT NULL,
    exploitation_form       text NOT NULL,
    created_by              uuid NOT NULL REFERENCES users(id),
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL,
    version                 bigint NOT NULL DEFAULT 1
);
CREATE INDEX cases_by_owner ON cases(owner_org_id, updated_at);
CREATE INDEX cases_by_authority ON cases(authority_org_id, deadline_on);
CREATE INDEX cases_by_case_worker ON cases(case_worker_id);
CREATE INDEX cases_by_decision_maker ON cases(decision_maker_id);
CREATE INDEX cases_by_region ON cases(region, updated_at);
CREATE INDEX cases_by_deadline ON cases(deadline_on);
CREATE INDEX cases_by_person ON cases(person_id);

CREATE TABLE screenings (
    id                      uuid PRIMARY KEY,
    case_id                 uuid NOT NULL REFERENCES cases(id),
    organisation_id         uuid NOT NULL REFERENCES organisations(id),
    screened_by             uuid NOT NULL REFERENCES users(id),
    screened_on             date NOT NULL,
    population              text NOT NULL,
    exploitation_form       text NOT NULL,
    catalogue_version       text NOT NULL,
    list_id                 text NOT NULL,
    acts                    text NOT NULL,
    means                   text NOT NULL,
    purposes                text NOT NULL,
    indicators              text NOT NULL,
    elements_met            boolean NOT NULL,
    indicators_suggest      boolean NOT NULL,
    created_at              timestamptz NOT NULL
);
CREATE INDEX screenings_by_case ON screenings(case_id);

CREATE TABLE case_events (
    id                      uuid PRIMARY KEY,
    case_id                 uuid NOT NULL REFERENCES cases(id),
    at                      timestamptz NOT NULL,
    actor_user_id           uuid REFERENCES users(id),
    actor_org_id            uuid REFERENCES organisations(id),
    kind                    text NOT NULL,
    stage_after             text,
    on_date                 date,
    detail                  text NOT NULL               -- JSON of coded, non-identifying facts
);
CREATE INDEX case_events_by_case ON case_events(case_id, at);

CREATE TABLE consents (
    id                      uuid PRIMARY KEY,
    case_id                 uuid NOT NULL REFERENCES cases(id),
    purpose                 text NOT NULL,
    recipient_org_id        uuid REFERENCES organisations(id),
    status                  text NOT NULL,              -- given | refused | withdrawn
    decided_on              date NOT NULL,
    form                    text NOT NULL,              -- written | oral
    interpreter_language    text,
    checklist               text NOT NULL,
    given_by                text NOT NULL,              -- person | guardian | person_and_guardian
    recorded_by             uuid NOT NULL REFERENCES users(id),
    case_version            bigint NOT NULL,         -- the case version this record was written with: orders consents
    recorded_at             timestamptz NOT NULL
);
CREATE INDEX consents_by_case ON consents(case_id, recorded_at);
CREATE INDEX consents_by_recipient ON consents(recipient_org_id, purpose);

CREATE TABLE break_glass (
    id                      uuid PRIMARY KEY,
    case_id                 uuid NOT NULL REFERENCES cases(id),
    user_id                 uuid NOT NULL REFERENCES users(id),
    org_id                  uuid NOT NULL REFERENCES organisations(id),
    reason                  text NOT NULL,
    granted_at              timestamptz NOT NULL,
    expires_at              timestamptz NOT NULL
);
CREATE INDEX break_glass_by_case ON break_glass(case_id, user_id, expires_at);
CREATE INDEX break_glass_by_time ON break_glass(granted_at);

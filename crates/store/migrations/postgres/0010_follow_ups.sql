-- Reintegration and follow-up contacts at set intervals (issue 4).
CREATE TABLE follow_ups (
    id                      uuid PRIMARY KEY,
    case_id                 uuid NOT NULL REFERENCES cases(id),
    path                    text NOT NULL,              -- ReintegrationPath code
    due_on                  date NOT NULL,
    done_on                 date,
    outcome                 text,                       -- FollowUpOutcome code
    organisation_id         uuid NOT NULL REFERENCES organisations(id),
    planned_by              uuid NOT NULL REFERENCES users(id),
    created_at              timestamptz NOT NULL,
    version                 bigint NOT NULL DEFAULT 1
);
CREATE INDEX follow_ups_by_case ON follow_ups(case_id);
CREATE INDEX follow_ups_by_due ON follow_ups(due_on);

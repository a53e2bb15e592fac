-- Transfer of case ownership (issue 4): the owner's case team proposes, the receiving
-- organisation accepts (the case becomes its own) or declines, or the proposer cancels.
CREATE TABLE case_transfers (
    id                      uuid PRIMARY KEY,
    case_id                 uuid NOT NULL REFERENCES cases(id),
    from_org_id             uuid NOT NULL REFERENCES organisations(id),
    to_org_id               uuid NOT NULL REFERENCES organisations(id),
    proposed_by             uuid NOT NULL REFERENCES users(id),
    reason                  text NOT NULL,
    basis                   text NOT NULL,              -- consent | child_rule
    status                  text NOT NULL,              -- proposed | accepted | declined | cancelled
    decline_reason          text,
    proposed_at             timestamptz NOT NULL,
    answered_at             timestamptz,
    answered_by             uuid REFERENCES users(id),
    version                 bigint NOT NULL DEFAULT 1
);
CREATE INDEX case_transfers_by_case ON case_transfers(case_id);
CREATE INDEX case_transfers_to ON case_transfers(to_org_id, status);
CREATE INDEX case_transfers_from ON case_transfers(from_org_id, status);

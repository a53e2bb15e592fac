-- Transfer of case ownership (issue 4): the owner's case team proposes, the receiving
-- organisation accepts (the case becomes its own) or declines, or the proposer cancels.
CREATE TABLE case_transfers (
    id                      BLOB PRIMARY KEY NOT NULL,
    case_id                 BLOB NOT NULL REFERENCES cases(id),
    from_org_id             BLOB NOT NULL REFERENCES organisations(id),
    to_org_id               BLOB NOT NULL REFERENCES organisations(id),
    proposed_by             BLOB NOT NULL REFERENCES users(id),
    reason                  TEXT NOT NULL,
    basis                   TEXT NOT NULL,              -- consent | child_rule
    status                  TEXT NOT NULL,              -- proposed | accepted | declined | cancelled
    decline_reason          TEXT,
    proposed_at             TEXT NOT NULL,
    answered_at             TEXT,
    answered_by             BLOB REFERENCES users(id),
    version                 INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX case_transfers_by_case ON case_transfers(case_id);
CREATE INDEX case_transfers_to ON case_transfers(to_org_id, status);
CREATE INDEX case_transfers_from ON case_transfers(from_org_id, status);

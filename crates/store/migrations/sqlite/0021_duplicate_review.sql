-- Duplicate review (issue 7, in the application): candidate pairs of persons found by the
-- linkage crate within one organisation's register, the decision a person took on each
-- ("same person" merges, "different" is remembered), and what a merge moved, so that an
-- unmerge restores both records exactly.
ALTER TABLE persons ADD COLUMN merged_into BLOB REFERENCES persons(id);

CREATE TABLE duplicate_candidates (
    id                      BLOB PRIMARY KEY NOT NULL,
    organisation_id         BLOB NOT NULL REFERENCES organisations(id),
    person_a                BLOB NOT NULL REFERENCES persons(id),   -- the smaller id of the two
    person_b                BLOB NOT NULL REFERENCES persons(id),
    probability             REAL NOT NULL,                          -- match probability (0..1)
    levels                  TEXT NOT NULL,                          -- comparison levels, JSON array
    status                  TEXT NOT NULL,                          -- open | merged | different
    found_at                TEXT NOT NULL,
    decided_by              BLOB REFERENCES users(id),
    decided_at              TEXT,
    survivor                BLOB REFERENCES persons(id),            -- merged: the record kept
    moved_cases             TEXT,                                   -- merged: case ids moved, JSON array
    version                 INTEGER NOT NULL DEFAULT 1,
    UNIQUE (person_a, person_b)
);
CREATE INDEX duplicate_candidates_by_org ON duplicate_candidates(organisation_id, status, probability);

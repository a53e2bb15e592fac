-- Duplicate review (issue 7, in the application): candidate pairs of persons found by the
-- linkage crate within one organisation's register, the decision a person took on each
-- ("same person" merges, "different" is remembered), and what a merge moved, so that an
-- unmerge restores both records exactly.
ALTER TABLE persons ADD COLUMN merged_into uuid REFERENCES persons(id);

CREATE TABLE duplicate_candidates (
    id                      uuid PRIMARY KEY,
    organisation_id         uuid NOT NULL REFERENCES organisations(id),
    person_a                uuid NOT NULL REFERENCES persons(id),   -- the smaller id of the two
    person_b                uuid NOT NULL REFERENCES persons(id),
    probability             double precision NOT NULL,              -- match probability (0..1)
    levels                  text NOT NULL,                          -- comparison levels, JSON array
    status                  text NOT NULL,                          -- open | merged | different
    found_at                timestamptz NOT NULL,
    decided_by              uuid REFERENCES users(id),
    decided_at              timestamptz,
    survivor                uuid REFERENCES persons(id),            -- merged: the record kept
    moved_cases             text,                                   -- merged: case ids moved, JSON array
    version                 bigint NOT NULL DEFAULT 1,
    UNIQUE (person_a, person_b)
);
CREATE INDEX duplicate_candidates_by_org ON duplicate_candidates(organisation_id, status, probability);

-- Security goal 19 (GDPR art. 17): a person's identity erased on request. One row per person
-- record erased (a record merged into it is erased with it): when, by whom, and the request as
-- the data-protection officer recorded it. The identity values themselves are deleted from
-- identity_vault in the same transaction, with the free text sealed on the person's cases.
CREATE TABLE erasures (
    person_id               BLOB PRIMARY KEY NOT NULL REFERENCES persons(id),
    erased_at               TEXT NOT NULL,
    erased_by               BLOB NOT NULL REFERENCES users(id),
    request                 TEXT NOT NULL
);
CREATE INDEX erasures_by_time ON erasures(erased_at);

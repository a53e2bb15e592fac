-- Security goal 19 (GDPR art. 17): a person's identity erased on request. One row per person
-- record erased (a record merged into it is erased with it): when, by whom (or by the retention
-- schedule, security goal 20), and the request as the data-protection officer recorded it (or the
-- retention rule). The identity values themselves are deleted from
-- identity_vault in the same transaction, with the free text sealed on the person's cases.
CREATE TABLE erasures (
    person_id               BLOB PRIMARY KEY NOT NULL REFERENCES persons(id),
    erased_at               TEXT NOT NULL,
    erased_by               BLOB REFERENCES users(id),           -- NULL: the retention schedule
    request                 TEXT NOT NULL
);
CREATE INDEX erasures_by_time ON erasures(erased_at);
-- The retention schedule looks for persons registered before its cutoff (security goal 20).
CREATE INDEX persons_by_created ON persons(created_at);

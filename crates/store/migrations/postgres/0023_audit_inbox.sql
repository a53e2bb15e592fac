-- The audit inbox is SQLite's (see the SQLite migration 0023): on PostgreSQL audited reads are
-- appended to the chain directly, as a commit there does not disturb other connections' reads.
-- The table exists so that both engines have the same schema; it stays empty here.
CREATE TABLE audit_inbox_folds (
    generation              BYTEA PRIMARY KEY NOT NULL,
    folded_upto             BIGINT NOT NULL
);

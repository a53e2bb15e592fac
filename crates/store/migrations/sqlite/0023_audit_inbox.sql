-- The audit inbox (SQLite): entries of audited reads are committed first to a small database
-- file of their own beside this one (`<database>.audit-inbox`), so that answering a read does
-- not change this database's write-ahead log (which would make every reading connection drop
-- its memory map). A fold moves them into the hash chain here, about ten times a second, in one
-- transaction that also records, per inbox file (its random generation), the last entry
-- moved: a fold interrupted by a crash is neither lost nor repeated.
CREATE TABLE audit_inbox_folds (
    generation              BLOB PRIMARY KEY NOT NULL,
    folded_upto             INTEGER NOT NULL
);

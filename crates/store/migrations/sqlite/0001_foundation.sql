-- Palermo foundation schema (SQLite). Forward-only: later changes add migrations, never edit this.
CREATE TABLE organisations (
    id           BLOB PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL UNIQUE,
    org_type     TEXT NOT NULL,
    sector       TEXT NOT NULL,
    region       TEXT NOT NULL,
    is_operator  BOOLEAN NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE users (
    id                  BLOB PRIMARY KEY NOT NULL,
    organisation_id     BLOB NOT NULL REFERENCES organisations(id),
    username            TEXT NOT NULL UNIQUE,
    display_name        TEXT NOT NULL,
    roles               TEXT NOT NULL,
    password_hash       TEXT NOT NULL,
    locale              TEXT,
    disabled            BOOLEAN NOT NULL DEFAULT 0,
    mfa_secret          BLOB,
    mfa_enabled         BOOLEAN NOT NULL DEFAULT 0,
    mfa_last_step       INTEGER,
    mfa_exempt          BOOLEAN NOT NULL DEFAULT 0,
    password_changed_at TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    version             INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX users_by_organisation ON users(organisation_id);

-- Identity values of every kind of record, encrypted (key id inside the ciphertext), with an
-- optional keyed blind index for exact search. Erasure and key rotation work on this one table.
CREATE TABLE identity_vault (
    record_type  TEXT NOT NULL,
    record_id    BLOB NOT NULL,
    field        TEXT NOT NULL,
    ciphertext   BLOB NOT NULL,
    key_id       INTEGER NOT NULL,
    blind_index  BLOB,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (record_type, record_id, field)
);
CREATE INDEX identity_vault_by_blind_index ON identity_vault(record_type, field, blind_index);
CREATE INDEX identity_vault_by_key ON identity_vault(key_id);

CREATE TABLE sessions (
    token_hash    BLOB PRIMARY KEY NOT NULL,
    user_id       BLOB NOT NULL REFERENCES users(id),
    created_at    TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    mfa_done      BOOLEAN NOT NULL,
    csrf_token    TEXT NOT NULL,
    reauth_at     TEXT
);
CREATE INDEX sessions_by_user ON sessions(user_id);

CREATE TABLE sign_in_throttle (
    throttle_key     TEXT PRIMARY KEY NOT NULL,
    failures         INTEGER NOT NULL,
    last_failure_at  TEXT NOT NULL,
    locked_until     TEXT
);

CREATE TABLE instance_settings (
    key    TEXT PRIMARY KEY NOT NULL,
    value  TEXT NOT NULL
);

CREATE TABLE audit_log (
    seq            INTEGER PRIMARY KEY NOT NULL,
    at             TEXT NOT NULL,
    actor_user_id  TEXT,
    actor_org_id   TEXT,
    action         TEXT NOT NULL,
    object_type    TEXT,
    object_id      TEXT,
    section        TEXT,
    purpose        TEXT,
    request_id     TEXT,
    outcome        TEXT NOT NULL,
    prev_hash      BLOB NOT NULL,
    hash           BLOB NOT NULL
);
CREATE INDEX audit_log_by_object ON audit_log(object_type, object_id);
CREATE INDEX audit_log_by_actor ON audit_log(actor_user_id);

CREATE TABLE audit_head (
    id    INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    seq   INTEGER NOT NULL,
    hash  BLOB NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, zeroblob(32));

-- Append-only against accidents; the hash chain is what catches an attacker who drops these.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- Palermo foundation schema (PostgreSQL). Same meaning as migrations/sqlite/0001_foundation.sql.
-- Forward-only: later changes add migrations, never edit this.
CREATE TABLE organisations (
    id           uuid PRIMARY KEY,
    name         text NOT NULL,
    name_key     text NOT NULL UNIQUE,
    org_type     text NOT NULL,
    sector       text NOT NULL,
    region       text NOT NULL,
    is_operator  boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL,
    version      bigint NOT NULL DEFAULT 1
);

CREATE TABLE users (
    id                  uuid PRIMARY KEY,
    organisation_id     uuid NOT NULL REFERENCES organisations(id),
    username            text NOT NULL UNIQUE,
    display_name        text NOT NULL,
    roles               text NOT NULL,
    password_hash       text NOT NULL,
    locale              text,
    disabled            boolean NOT NULL DEFAULT false,
    mfa_secret          bytea,
    mfa_enabled         boolean NOT NULL DEFAULT false,
    mfa_last_step       bigint,
    mfa_exempt          boolean NOT NULL DEFAULT false,
    password_changed_at timestamptz NOT NULL,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    version             bigint NOT NULL DEFAULT 1
);
CREATE INDEX users_by_organisation ON users(organisation_id);

CREATE TABLE identity_vault (
    record_type  text NOT NULL,
    record_id    uuid NOT NULL,
    field        text NOT NULL,
    ciphertext   bytea NOT NULL,
    key_id       bigint NOT NULL,
    blind_index  bytea,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (record_type, record_id, field)
);
CREATE INDEX identity_vault_by_blind_index ON identity_vault(record_type, field, blind_index);
CREATE INDEX identity_vault_by_key ON identity_vault(key_id);

CREATE TABLE sessions (
    token_hash    bytea PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES users(id),
    created_at    timestamptz NOT NULL,
    last_seen_at  timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    mfa_done      boolean NOT NULL,
    csrf_token    text NOT NULL,
    reauth_at     timestamptz
);
CREATE INDEX sessions_by_user ON sessions(user_id);

CREATE TABLE sign_in_throttle (
    throttle_key     text PRIMARY KEY,
    failures         bigint NOT NULL,
    last_failure_at  timestamptz NOT NULL,
    locked_until     timestamptz
);

CREATE TABLE instance_settings (
    key    text PRIMARY KEY,
    value  text NOT NULL
);

CREATE TABLE audit_log (
    seq            bigint PRIMARY KEY,
    at             timestamptz NOT NULL,
    actor_user_id  text,
    actor_org_id   text,
    action         text NOT NULL,
    object_type    text,
    object_id      text,
    section        text,
    purpose        text,
    request_id     text,
    outcome        text NOT NULL,
    prev_hash      bytea NOT NULL,
    hash           bytea NOT NULL
);
CREATE INDEX audit_log_by_object ON audit_log(object_type, object_id);
CREATE INDEX audit_log_by_actor ON audit_log(actor_user_id);

CREATE TABLE audit_head (
    id    integer PRIMARY KEY CHECK (id = 1),
    seq   bigint NOT NULL,
    hash  bytea NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

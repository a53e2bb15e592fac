-- Every server keeps the sessions it has resolved in memory while nothing about them changes
-- (crate::session_cache). These triggers announce each change that could matter, from any server
-- or tool, on the channel `palermo_sessions` when its transaction commits; every server listens
-- and forgets all it holds. Statement-level: one announcement per statement (and PostgreSQL
-- delivers identical announcements of one transaction once). A session's last-seen time, written
-- now and then by each request's server, is not announced: no server refuses a session on its copy
-- of that time without reading the row again.
CREATE FUNCTION palermo_announce_sessions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('palermo_sessions', TG_TABLE_NAME);
    RETURN NULL;
END $$;

CREATE TRIGGER sessions_ended AFTER DELETE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION palermo_announce_sessions();
CREATE TRIGGER sessions_changed AFTER UPDATE OF token_hash, user_id, created_at, expires_at, mfa_done, csrf_token, reauth_at ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION palermo_announce_sessions();
CREATE TRIGGER users_changed AFTER UPDATE OR DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION palermo_announce_sessions();
CREATE TRIGGER organisations_changed AFTER UPDATE OR DELETE ON organisations
    FOR EACH STATEMENT EXECUTE FUNCTION palermo_announce_sessions();

-- PostgreSQL's migration 28 announces changes to sessions and users to every server, which keep
-- resolved sessions in memory (crate::session_cache). SQLite keeps no such cache (its session read
-- is in-process, and other processes writing the file could not announce): nothing to do here.
SELECT 1;

-- The service's own words, one row per version. Version 1 is the seeds' defaults and is not
-- stored; an administrator's edit adds version 2, 3, … A CAF keeps the version it was started
-- with (cafs.wording_version), so versions are never changed or removed.
CREATE TABLE wordings (
    version BIGINT PRIMARY KEY,
    wording TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by BIGINT REFERENCES users(id)
);
CREATE TRIGGER wordings_immutable BEFORE UPDATE OR DELETE ON wordings
    FOR EACH ROW EXECUTE FUNCTION caf_history_immutable();
CREATE TRIGGER wordings_no_truncate BEFORE TRUNCATE ON wordings
    FOR EACH STATEMENT EXECUTE FUNCTION caf_history_immutable();

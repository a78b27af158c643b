-- The service's own words, one row per version. Version 1 is the seeds' defaults and is not
-- stored; an administrator's edit adds version 2, 3, … A CAF keeps the version it was started
-- with (cafs.wording_version), so versions are never changed or removed.
CREATE TABLE wordings (
    version INTEGER PRIMARY KEY,
    wording TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by INTEGER REFERENCES users(id)
);
CREATE TRIGGER wordings_no_update BEFORE UPDATE ON wordings
BEGIN SELECT RAISE(ABORT, 'wordings are immutable'); END;
CREATE TRIGGER wordings_no_delete BEFORE DELETE ON wordings
BEGIN SELECT RAISE(ABORT, 'wordings are immutable'); END;

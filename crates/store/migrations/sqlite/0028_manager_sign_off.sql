-- Manager sign-off, where the authority switches it on: for each step (the assessment, the
-- plan, closure) whether the practitioner's line manager or deputy must approve it before it
-- takes effect. Every switch is off until an administrator turns it on.
CREATE TABLE manager_sign_off_switches (
    step TEXT PRIMARY KEY CHECK (step IN ('assessment', 'plan', 'closure')),
    required INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL DEFAULT 0,
    updated_by INTEGER REFERENCES users(id)
);
INSERT INTO manager_sign_off_switches (step, required) VALUES ('assessment', 0);
INSERT INTO manager_sign_off_switches (step, required) VALUES ('plan', 0);
INSERT INTO manager_sign_off_switches (step, required) VALUES ('closure', 0);

-- A step sent for a manager's sign-off. `asked` holds what the step needs to take effect on
-- approval (the plan's review date, the closure's reason and summary). While a request is
-- 'waiting' what it is about cannot change; it ends 'approved', 'returned' (with comments)
-- or 'withdrawn' (the CAF closed meanwhile). At most one is waiting per CAF.
CREATE TABLE caf_sign_off_requests (
    id INTEGER PRIMARY KEY,
    caf_id INTEGER NOT NULL REFERENCES cafs(id),
    step TEXT NOT NULL CHECK (step IN ('assessment', 'plan', 'closure')),
    asked TEXT NOT NULL,
    sent_by INTEGER NOT NULL REFERENCES users(id),
    sent_at INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('waiting', 'approved', 'returned', 'withdrawn')),
    decided_by INTEGER REFERENCES users(id),
    decided_at INTEGER,
    comments TEXT
);
CREATE UNIQUE INDEX caf_sign_off_requests_one_waiting ON caf_sign_off_requests(caf_id) WHERE status = 'waiting';
CREATE INDEX caf_sign_off_requests_by_caf ON caf_sign_off_requests(caf_id, id);
CREATE INDEX caf_sign_off_requests_waiting ON caf_sign_off_requests(status, sent_by);

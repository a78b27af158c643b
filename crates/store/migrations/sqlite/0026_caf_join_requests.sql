-- Requests to join a CAF's team around the family from practitioners who found through the
-- search only that the CAF exists. One request may wait per person and CAF; the answer
-- (accepted, with the team membership it made, or declined with the reason given to the
-- practitioner) is written once, on the row, in the same transaction as its effects.
CREATE TABLE caf_join_requests (
    id INTEGER PRIMARY KEY,
    caf_id INTEGER NOT NULL REFERENCES cafs(id),
    requester_id INTEGER NOT NULL REFERENCES users(id),
    agency_id INTEGER NOT NULL REFERENCES agencies(id),
    reason TEXT NOT NULL,
    asked_at INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'declined')),
    answered_at INTEGER,
    answered_by INTEGER REFERENCES users(id),
    answer TEXT NOT NULL DEFAULT '',
    member_id INTEGER REFERENCES caf_team_members(id)
);
CREATE UNIQUE INDEX caf_join_requests_waiting ON caf_join_requests(caf_id, requester_id) WHERE status = 'pending';
CREATE INDEX caf_join_requests_caf ON caf_join_requests(caf_id, id);
CREATE INDEX caf_join_requests_requester ON caf_join_requests(requester_id, id);
-- An answer is final.
CREATE TRIGGER caf_join_requests_answered BEFORE UPDATE ON caf_join_requests
WHEN OLD.status <> 'pending'
BEGIN SELECT RAISE(ABORT, 'an answered request to join is final'); END;
CREATE TRIGGER caf_join_requests_no_delete BEFORE DELETE ON caf_join_requests
BEGIN SELECT RAISE(ABORT, 'requests to join are kept'); END;

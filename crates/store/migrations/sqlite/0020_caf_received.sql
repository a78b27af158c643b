-- What a CAF was made from when it came from elsewhere: a whole CAF sent by another system
-- (kind 'document') or a step-down from children's social care (kind 'step_down'). `as_sent`
-- is the sender's record as they sent it (JSON: versions, events, team, plan…), read-only;
-- immutable like the other history.
CREATE TABLE caf_received (
    caf_id INTEGER PRIMARY KEY REFERENCES cafs(id),
    kind TEXT NOT NULL,
    sender TEXT NOT NULL,
    sender_reference TEXT,
    as_sent TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    received_by INTEGER REFERENCES users(id)
);
CREATE TRIGGER caf_received_no_update BEFORE UPDATE ON caf_received
BEGIN SELECT RAISE(ABORT, 'caf_received is immutable'); END;
CREATE TRIGGER caf_received_no_delete BEFORE DELETE ON caf_received
BEGIN SELECT RAISE(ABORT, 'caf_received is immutable'); END;

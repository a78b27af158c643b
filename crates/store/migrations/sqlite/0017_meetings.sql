-- Meetings of the team around the family (the whole record as JSON: attendees, written
-- reports, notes); immutable like the other history: a correction is a new meeting record.
CREATE TABLE caf_meetings (
    id INTEGER PRIMARY KEY,
    caf_id INTEGER NOT NULL REFERENCES cafs(id),
    kind TEXT NOT NULL,
    held_on TEXT NOT NULL,
    meeting TEXT NOT NULL,
    recorded_at INTEGER NOT NULL,
    recorded_by INTEGER REFERENCES users(id)
);
CREATE INDEX caf_meetings_caf ON caf_meetings(caf_id);
CREATE TRIGGER caf_meetings_no_update BEFORE UPDATE ON caf_meetings
BEGIN SELECT RAISE(ABORT, 'caf_meetings are immutable'); END;
CREATE TRIGGER caf_meetings_no_delete BEFORE DELETE ON caf_meetings
BEGIN SELECT RAISE(ABORT, 'caf_meetings are immutable'); END;

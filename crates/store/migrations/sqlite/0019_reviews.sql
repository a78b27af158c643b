-- Reviews of the plan (the whole record as JSON: who took part, how each action went, the
-- Parent/Child Indicators scored again, consent, views, decision), each freezing the CAF
-- version `version`; immutable like the other history.
CREATE TABLE caf_reviews (
    id INTEGER PRIMARY KEY,
    caf_id INTEGER NOT NULL REFERENCES cafs(id),
    number INTEGER NOT NULL,
    held_on TEXT NOT NULL,
    decision TEXT NOT NULL,
    review TEXT NOT NULL,
    version INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    recorded_by INTEGER REFERENCES users(id)
);
CREATE UNIQUE INDEX caf_reviews_number ON caf_reviews(caf_id, number);
CREATE TRIGGER caf_reviews_no_update BEFORE UPDATE ON caf_reviews
BEGIN SELECT RAISE(ABORT, 'caf_reviews are immutable'); END;
CREATE TRIGGER caf_reviews_no_delete BEFORE DELETE ON caf_reviews
BEGIN SELECT RAISE(ABORT, 'caf_reviews are immutable'); END;

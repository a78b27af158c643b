-- One-time keys of "add a person" submissions: the key each add form carries, or an API
-- client's Idempotency-Key. A submission sent again, or many times at once, finds the record
-- the first one created instead of creating another. Keys belong to the user who sent them,
-- so one user's key never reveals another's record.
CREATE TABLE person_submissions (
    user_id INTEGER NOT NULL REFERENCES users(id),
    submission_key TEXT NOT NULL,
    -- SHA-256 of the details submitted: the same key with other details is not a repeat.
    details_digest TEXT NOT NULL,
    person_id INTEGER NOT NULL REFERENCES people(id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, submission_key)
);

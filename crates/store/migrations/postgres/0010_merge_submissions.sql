-- A merge asked for over the API with an Idempotency-Key: a retry with the same key finds the
-- merge the first request made instead of being refused as "already merged".
ALTER TABLE person_merges ADD COLUMN submission_key TEXT;
CREATE UNIQUE INDEX person_merges_submission ON person_merges(user_id, submission_key);

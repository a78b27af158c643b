-- Outgoing email, one row per mail to one user. `dedupe_key` is unique per user, so whatever
-- notices the same thing twice (two instances, a re-run job) queues it once. States:
-- 'held' waits for the user's daily digest; 'queued' is due from `send_after`; 'sending' is
-- claimed by `claimed_by` until `claimed_until` (a lease: if that instance dies the row is
-- claimed again once the lease has passed); 'sent'; 'failed' after the last attempt;
-- 'digested' was gathered into the digest row `digest_id`. The body is built from a fixed
-- template in the code, never from case data (see ecaf_domain::notification).
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    dedupe_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    urgency TEXT NOT NULL CHECK (urgency IN ('urgent', 'digest')),
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    link_path TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('held', 'queued', 'sending', 'sent', 'failed', 'digested')),
    created_at INTEGER NOT NULL,
    send_after INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    claimed_by TEXT,
    claimed_until INTEGER,
    sent_at INTEGER,
    digest_id INTEGER REFERENCES outbox(id),
    UNIQUE (user_id, dedupe_key)
);
CREATE INDEX outbox_due ON outbox (state, send_after);
CREATE INDEX outbox_held ON outbox (user_id) WHERE state = 'held';

-- What each user chose to receive; no row means both on.
CREATE TABLE notification_preferences (
    user_id INTEGER PRIMARY KEY REFERENCES users(id),
    urgent_emails INTEGER NOT NULL,
    daily_digest INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

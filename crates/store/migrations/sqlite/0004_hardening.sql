-- Hardening: a table the readiness probe writes to (and rolls back), sign-in attempts recorded
-- before the password is checked (so parallel guesses cannot race the throttle), and the
-- service's own secrets shared by every instance (the key that binds pre-sign-in form tokens).
CREATE TABLE readiness_probes (
    id INTEGER PRIMARY KEY,
    checked_at INTEGER NOT NULL
);

DROP TABLE sign_in_failures;
CREATE TABLE sign_in_attempts (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    source_address TEXT NOT NULL,
    at INTEGER NOT NULL,
    succeeded INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sign_in_attempts_pair ON sign_in_attempts(email, source_address, at);
CREATE INDEX sign_in_attempts_email ON sign_in_attempts(email, at);
CREATE INDEX sign_in_attempts_address ON sign_in_attempts(source_address, at);
CREATE INDEX sign_in_attempts_at ON sign_in_attempts(at);

CREATE TABLE service_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Periodic jobs run once per period across all instances. An instance runs a job's period
-- only if it inserted (or took over, after the holder's lease passed without finishing) the
-- period's row here; `finished_at` set means the period is done, whoever restarts.
CREATE TABLE job_leases (
    job TEXT NOT NULL,
    period_start INTEGER NOT NULL,
    holder TEXT NOT NULL,
    lease_until INTEGER NOT NULL,
    finished_at INTEGER,
    PRIMARY KEY (job, period_start)
);

-- Each run of a job, for the administrators' page.
CREATE TABLE job_runs (
    id INTEGER PRIMARY KEY,
    job TEXT NOT NULL,
    period_start INTEGER NOT NULL,
    instance TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    outcome TEXT NOT NULL CHECK (outcome IN ('running', 'succeeded', 'failed')),
    message TEXT NOT NULL DEFAULT '',
    items INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX job_runs_recent ON job_runs (started_at);

-- Local alert rules an administrator switches on for the area, each off until then, with the
-- threshold it is checked against (days for an unfinished draft, months for a first review).
CREATE TABLE alert_rules (
    code TEXT PRIMARY KEY,
    enabled BIGINT NOT NULL DEFAULT 0,
    threshold BIGINT NOT NULL,
    updated_at BIGINT NOT NULL DEFAULT 0,
    updated_by BIGINT REFERENCES users(id)
);
INSERT INTO alert_rules (code, enabled, threshold) VALUES ('draft_unfinished', 0, 30);
INSERT INTO alert_rules (code, enabled, threshold) VALUES ('no_review_held', 0, 3);

-- The home pages and the alert computation read open CAFs by state and their actions by date.
CREATE INDEX caf_actions_due ON caf_actions(caf_id, due_on, status);
CREATE INDEX cafs_opened ON cafs(opened_on);
CREATE INDEX cafs_closed ON cafs(closed_on);

-- The change feed of what the early help team's list shows (docs/PERFORMANCE.md): one row for
-- every written row of a CAF's facts, and one without a CAF when a user's name or managers or an
-- agency's name changes. Written by triggers so that no write, bulk or not, can forget it. SQLite
-- has one writer at a time, so ids are in commit order; `xact` is PostgreSQL's.
CREATE TABLE caf_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    caf_id INTEGER,
    xact INTEGER NOT NULL DEFAULT 0
);

CREATE TRIGGER cafs_changed_insert AFTER INSERT ON cafs
BEGIN INSERT INTO caf_changes (caf_id) VALUES (NEW.id); END;
CREATE TRIGGER cafs_changed_update AFTER UPDATE ON cafs
BEGIN INSERT INTO caf_changes (caf_id) VALUES (NEW.id); END;
CREATE TRIGGER cafs_changed_delete AFTER DELETE ON cafs
BEGIN INSERT INTO caf_changes (caf_id) VALUES (OLD.id); END;
CREATE TRIGGER caf_actions_changed_insert AFTER INSERT ON caf_actions
BEGIN INSERT INTO caf_changes (caf_id) VALUES (NEW.caf_id); END;
CREATE TRIGGER caf_actions_changed_update AFTER UPDATE ON caf_actions
BEGIN INSERT INTO caf_changes (caf_id) VALUES (NEW.caf_id); END;
CREATE TRIGGER caf_actions_changed_delete AFTER DELETE ON caf_actions
BEGIN INSERT INTO caf_changes (caf_id) VALUES (OLD.caf_id); END;
CREATE TRIGGER caf_consents_changed_insert AFTER INSERT ON caf_consents
BEGIN INSERT INTO caf_changes (caf_id) VALUES (NEW.caf_id); END;
CREATE TRIGGER caf_consents_changed_update AFTER UPDATE ON caf_consents
BEGIN INSERT INTO caf_changes (caf_id) VALUES (NEW.caf_id); END;
CREATE TRIGGER caf_consents_changed_delete AFTER DELETE ON caf_consents
BEGIN INSERT INTO caf_changes (caf_id) VALUES (OLD.caf_id); END;
CREATE TRIGGER caf_consent_agencies_changed_insert AFTER INSERT ON caf_consent_agencies
BEGIN INSERT INTO caf_changes (caf_id) VALUES ((SELECT k.caf_id FROM caf_consents k WHERE k.id = NEW.consent_id)); END;
CREATE TRIGGER caf_consent_agencies_changed_update AFTER UPDATE ON caf_consent_agencies
BEGIN INSERT INTO caf_changes (caf_id) VALUES ((SELECT k.caf_id FROM caf_consents k WHERE k.id = NEW.consent_id)); END;
CREATE TRIGGER caf_consent_agencies_changed_delete AFTER DELETE ON caf_consent_agencies
BEGIN INSERT INTO caf_changes (caf_id) VALUES ((SELECT k.caf_id FROM caf_consents k WHERE k.id = OLD.consent_id)); END;
CREATE TRIGGER caf_versions_changed_insert AFTER INSERT ON caf_versions
BEGIN INSERT INTO caf_changes (caf_id) VALUES (NEW.caf_id); END;
CREATE TRIGGER caf_reviews_changed_insert AFTER INSERT ON caf_reviews
BEGIN INSERT INTO caf_changes (caf_id) VALUES (NEW.caf_id); END;
CREATE TRIGGER caf_team_members_changed_insert AFTER INSERT ON caf_team_members
BEGIN INSERT INTO caf_changes (caf_id) VALUES (NEW.caf_id); END;
CREATE TRIGGER caf_team_members_changed_update AFTER UPDATE ON caf_team_members
BEGIN INSERT INTO caf_changes (caf_id) VALUES (NEW.caf_id); END;
CREATE TRIGGER caf_team_members_changed_delete AFTER DELETE ON caf_team_members
BEGIN INSERT INTO caf_changes (caf_id) VALUES (OLD.caf_id); END;
CREATE TRIGGER caf_sharing_decisions_changed_insert AFTER INSERT ON caf_sharing_decisions
BEGIN INSERT INTO caf_changes (caf_id) VALUES (NEW.caf_id); END;
CREATE TRIGGER caf_sharing_decisions_changed_update AFTER UPDATE ON caf_sharing_decisions
BEGIN INSERT INTO caf_changes (caf_id) VALUES (NEW.caf_id); END;
CREATE TRIGGER caf_sharing_decisions_changed_delete AFTER DELETE ON caf_sharing_decisions
BEGIN INSERT INTO caf_changes (caf_id) VALUES (OLD.caf_id); END;
CREATE TRIGGER caf_sharing_decision_agencies_changed_insert AFTER INSERT ON caf_sharing_decision_agencies
BEGIN INSERT INTO caf_changes (caf_id) VALUES ((SELECT d.caf_id FROM caf_sharing_decisions d WHERE d.id = NEW.decision_id)); END;
CREATE TRIGGER caf_sharing_decision_agencies_changed_update AFTER UPDATE ON caf_sharing_decision_agencies
BEGIN INSERT INTO caf_changes (caf_id) VALUES ((SELECT d.caf_id FROM caf_sharing_decisions d WHERE d.id = NEW.decision_id)); END;
CREATE TRIGGER caf_sharing_decision_agencies_changed_delete AFTER DELETE ON caf_sharing_decision_agencies
BEGIN INSERT INTO caf_changes (caf_id) VALUES ((SELECT d.caf_id FROM caf_sharing_decisions d WHERE d.id = OLD.decision_id)); END;
CREATE TRIGGER users_changed_insert AFTER INSERT ON users
BEGIN INSERT INTO caf_changes (caf_id) VALUES (NULL); END;
CREATE TRIGGER users_changed_update AFTER UPDATE OF name, line_manager_id, deputy_id ON users
BEGIN INSERT INTO caf_changes (caf_id) VALUES (NULL); END;
CREATE TRIGGER agencies_changed_insert AFTER INSERT ON agencies
BEGIN INSERT INTO caf_changes (caf_id) VALUES (NULL); END;
CREATE TRIGGER agencies_changed_update AFTER UPDATE OF name ON agencies
BEGIN INSERT INTO caf_changes (caf_id) VALUES (NULL); END;

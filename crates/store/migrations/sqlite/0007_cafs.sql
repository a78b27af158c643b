-- The CAF: an episode for one child (or a family CAF for siblings), its sections, the
-- family's consent, the team around the family, and an immutable event log from which the
-- chronology, the versions and the audit trail of each CAF come. Current state and its event
-- are always written in one transaction.
CREATE TABLE cafs (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    owning_agency_id INTEGER NOT NULL REFERENCES agencies(id),
    assessor_id INTEGER REFERENCES users(id),
    lead_professional_id INTEGER REFERENCES users(id),
    purpose TEXT NOT NULL DEFAULT 'caf',
    opened_on TEXT NOT NULL,
    closed_on TEXT,
    closure_reason TEXT,
    -- A CAF reopened after closure is a new CAF linked to the one before.
    follows_caf_id INTEGER REFERENCES cafs(id),
    -- Loaded from a previous system's index: existence and contact only, no content.
    imported INTEGER NOT NULL DEFAULT 0,
    imported_contact TEXT,
    -- The wording (element names, consent text, terms) it is completed with.
    wording_version INTEGER NOT NULL DEFAULT 1,
    revision INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    created_by INTEGER REFERENCES users(id),
    updated_at INTEGER NOT NULL,
    updated_by INTEGER REFERENCES users(id)
);
CREATE INDEX cafs_state ON cafs(state);
CREATE INDEX cafs_assessor ON cafs(assessor_id);
CREATE INDEX cafs_lead_professional ON cafs(lead_professional_id);
CREATE INDEX cafs_owning_agency ON cafs(owning_agency_id);

-- The children a CAF is about (one, or the siblings of a family CAF).
CREATE TABLE caf_children (
    caf_id INTEGER NOT NULL REFERENCES cafs(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    PRIMARY KEY (caf_id, person_id)
);
CREATE INDEX caf_children_person ON caf_children(person_id);

-- One row per section (per child where a section is about one child of a family CAF;
-- child_id NULL for the sections the family shares). Content is JSON.
CREATE TABLE caf_sections (
    id INTEGER PRIMARY KEY,
    caf_id INTEGER NOT NULL REFERENCES cafs(id),
    section TEXT NOT NULL,
    child_id INTEGER REFERENCES people(id),
    status TEXT NOT NULL,
    content TEXT NOT NULL,
    revision INTEGER NOT NULL DEFAULT 1,
    updated_at INTEGER NOT NULL,
    updated_by INTEGER REFERENCES users(id)
);
CREATE UNIQUE INDEX caf_sections_key ON caf_sections(caf_id, section, COALESCE(child_id, 0));

-- Every change to a CAF, immutable.
CREATE TABLE caf_events (
    id INTEGER PRIMARY KEY,
    caf_id INTEGER NOT NULL REFERENCES cafs(id),
    at INTEGER NOT NULL,
    user_id INTEGER REFERENCES users(id),
    kind TEXT NOT NULL,
    -- The date the event is about (a meeting, a consent), for the chronology.
    occurred_on TEXT,
    significant INTEGER NOT NULL DEFAULT 0,
    summary TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX caf_events_caf ON caf_events(caf_id, id);
CREATE TRIGGER caf_events_no_update BEFORE UPDATE ON caf_events
BEGIN SELECT RAISE(ABORT, 'caf_events is append-only'); END;
CREATE TRIGGER caf_events_no_delete BEFORE DELETE ON caf_events
BEGIN SELECT RAISE(ABORT, 'caf_events is append-only'); END;

-- Frozen at sign-off (version 1) and at each review (2, 3, …).
CREATE TABLE caf_versions (
    caf_id INTEGER NOT NULL REFERENCES cafs(id),
    number INTEGER NOT NULL,
    at INTEGER NOT NULL,
    user_id INTEGER REFERENCES users(id),
    reason TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    PRIMARY KEY (caf_id, number)
);
CREATE TRIGGER caf_versions_no_update BEFORE UPDATE ON caf_versions
BEGIN SELECT RAISE(ABORT, 'caf_versions are immutable'); END;
CREATE TRIGGER caf_versions_no_delete BEFORE DELETE ON caf_versions
BEGIN SELECT RAISE(ABORT, 'caf_versions are immutable'); END;

-- Agreement to the CAF (stage 'agreement') and consent to store and share (stage 'sharing');
-- a later consent supersedes an earlier one of its stage; withdrawal is recorded on it.
CREATE TABLE caf_consents (
    id INTEGER PRIMARY KEY,
    caf_id INTEGER NOT NULL REFERENCES cafs(id),
    stage TEXT NOT NULL,
    given_by TEXT NOT NULL,
    given_on TEXT NOT NULL,
    may_contact_agencies INTEGER NOT NULL DEFAULT 0,
    signed_copy_kept TEXT NOT NULL DEFAULT '',
    recorded_at INTEGER NOT NULL,
    recorded_by INTEGER REFERENCES users(id),
    withdrawn_on TEXT,
    withdrawal TEXT
);
CREATE INDEX caf_consents_caf ON caf_consents(caf_id, stage, id);

CREATE TABLE caf_consent_agencies (
    consent_id INTEGER NOT NULL REFERENCES caf_consents(id),
    agency_id INTEGER NOT NULL REFERENCES agencies(id),
    PRIMARY KEY (consent_id, agency_id)
);
CREATE INDEX caf_consent_agencies_agency ON caf_consent_agencies(agency_id);

-- A share without consent, or a decision not to share, with its basis.
CREATE TABLE caf_sharing_decisions (
    id INTEGER PRIMARY KEY,
    caf_id INTEGER NOT NULL REFERENCES cafs(id),
    shared INTEGER NOT NULL,
    basis TEXT NOT NULL,
    reasoning TEXT NOT NULL,
    decided_on TEXT NOT NULL,
    decided_by INTEGER REFERENCES users(id),
    recorded_at INTEGER NOT NULL
);
CREATE TABLE caf_sharing_decision_agencies (
    decision_id INTEGER NOT NULL REFERENCES caf_sharing_decisions(id),
    agency_id INTEGER NOT NULL REFERENCES agencies(id),
    PRIMARY KEY (decision_id, agency_id)
);

-- The team around the child or family: users, or people without an account.
CREATE TABLE caf_team_members (
    id INTEGER PRIMARY KEY,
    caf_id INTEGER NOT NULL REFERENCES cafs(id),
    user_id INTEGER REFERENCES users(id),
    name TEXT NOT NULL,
    agency_id INTEGER REFERENCES agencies(id),
    agency_name TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL DEFAULT '',
    contact TEXT NOT NULL DEFAULT '',
    joined_on TEXT NOT NULL,
    left_on TEXT
);
CREATE INDEX caf_team_members_caf ON caf_team_members(caf_id);
CREATE INDEX caf_team_members_user ON caf_team_members(user_id);

-- The children and families register: people, their other names, addresses and relationships,
-- an immutable history of every change, merges (undoable), and an ordered change feed that
-- keeps every instance's matching index current.
CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    external_id TEXT UNIQUE,
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    gender TEXT,
    date_of_birth TEXT,
    date_of_birth_is_expected INTEGER NOT NULL DEFAULT 0,
    nhs_number TEXT,
    upn TEXT,
    telephone TEXT,
    ethnicity TEXT,
    first_language TEXT NOT NULL DEFAULT '',
    communication_needs TEXT NOT NULL DEFAULT '',
    interpreter_needed INTEGER NOT NULL DEFAULT 0,
    disability TEXT NOT NULL DEFAULT '',
    merged_into_id INTEGER REFERENCES people(id),
    revision INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    created_by INTEGER REFERENCES users(id),
    updated_at INTEGER NOT NULL,
    updated_by INTEGER REFERENCES users(id)
);
CREATE INDEX people_nhs_number ON people(nhs_number);
CREATE INDEX people_upn ON people(upn);
CREATE INDEX people_merged_into ON people(merged_into_id);

CREATE TABLE person_other_names (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id),
    kind TEXT NOT NULL,
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL
);
CREATE INDEX person_other_names_person ON person_other_names(person_id);

CREATE TABLE person_addresses (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id),
    is_main INTEGER NOT NULL,
    line1 TEXT NOT NULL DEFAULT '',
    line2 TEXT NOT NULL DEFAULT '',
    town TEXT NOT NULL DEFAULT '',
    postcode TEXT,
    description TEXT NOT NULL DEFAULT ''
);
CREATE INDEX person_addresses_person ON person_addresses(person_id);
CREATE INDEX person_addresses_postcode ON person_addresses(postcode);

-- "related_person is the <relationship> of person", e.g. Jo is the mother of Amelia.
CREATE TABLE relationships (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id),
    related_person_id INTEGER NOT NULL REFERENCES people(id),
    relationship TEXT NOT NULL,
    parental_responsibility INTEGER NOT NULL DEFAULT 0,
    lives_with INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    created_by INTEGER REFERENCES users(id),
    ended_at INTEGER,
    ended_by INTEGER REFERENCES users(id)
);
CREATE INDEX relationships_person ON relationships(person_id);
CREATE INDEX relationships_related ON relationships(related_person_id);

-- Every change to a person: who, when, what, and the full record after it. Never updated.
CREATE TABLE person_history (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id),
    revision INTEGER NOT NULL,
    at INTEGER NOT NULL,
    user_id INTEGER REFERENCES users(id),
    actor_email TEXT,
    event TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    snapshot TEXT NOT NULL
);
CREATE INDEX person_history_person ON person_history(person_id, id);
CREATE TRIGGER person_history_no_update BEFORE UPDATE ON person_history
BEGIN SELECT RAISE(ABORT, 'person_history is append-only'); END;
CREATE TRIGGER person_history_no_delete BEFORE DELETE ON person_history
BEGIN SELECT RAISE(ABORT, 'person_history is append-only'); END;

CREATE TABLE person_merges (
    id INTEGER PRIMARY KEY,
    kept_id INTEGER NOT NULL REFERENCES people(id),
    merged_id INTEGER NOT NULL REFERENCES people(id),
    reason TEXT NOT NULL,
    at INTEGER NOT NULL,
    user_id INTEGER REFERENCES users(id),
    undone_at INTEGER,
    undone_by INTEGER REFERENCES users(id)
);
CREATE INDEX person_merges_kept ON person_merges(kept_id);
CREATE INDEX person_merges_merged ON person_merges(merged_id);

-- The change feed: one row per committed change to a person, in commit order.
CREATE TABLE person_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id INTEGER NOT NULL,
    at INTEGER NOT NULL
);

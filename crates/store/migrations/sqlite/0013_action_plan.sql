-- The SMART action plan: each action says what will be done, by whom (a member of the team
-- around the family, a child, or a parent or carer), by when and towards which outcome, and
-- where it stands. Every change is also an event in caf_events.
CREATE TABLE caf_actions (
    id INTEGER PRIMARY KEY,
    caf_id INTEGER NOT NULL REFERENCES cafs(id),
    what TEXT NOT NULL,
    -- 'team_member' (owner_member_id), 'child' (owner_person_id) or 'parent_or_carer' (owner_name).
    owner_kind TEXT NOT NULL,
    owner_member_id INTEGER REFERENCES caf_team_members(id),
    owner_person_id INTEGER REFERENCES people(id),
    owner_name TEXT NOT NULL DEFAULT '',
    -- The owner's agency, for a team member with one: the family's consent must name it.
    agency_id INTEGER REFERENCES agencies(id),
    due_on TEXT NOT NULL,
    waiting_list TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL,
    status TEXT NOT NULL,
    not_done_reason TEXT NOT NULL DEFAULT '',
    revision INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    created_by INTEGER REFERENCES users(id),
    updated_at INTEGER NOT NULL,
    updated_by INTEGER REFERENCES users(id)
);
CREATE INDEX caf_actions_caf ON caf_actions(caf_id, id);
CREATE INDEX caf_actions_member ON caf_actions(owner_member_id);

-- Set when the plan is agreed, and at each review.
ALTER TABLE cafs ADD COLUMN next_review_on TEXT;

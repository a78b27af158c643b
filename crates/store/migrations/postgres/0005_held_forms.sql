-- What a practitioner typed into a register form, held briefly so that the page after a POST
-- can be a GET: search results and the "is this the child you are adding?" question are
-- pages Back and Refresh return to, without names and dates of birth in the URL (and so in
-- browser history on shared computers, or in proxies' logs). The URL carries only the random
-- key; a row is read only by the user who made it and only until it expires (30 minutes).
CREATE TABLE held_forms (
    held_key TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    -- 'search' (the search terms) or 'add' (the add form waiting for the duplicate check).
    purpose TEXT NOT NULL,
    -- The form's fields as JSON, exactly as typed.
    fields TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX held_forms_expires_at ON held_forms (expires_at);

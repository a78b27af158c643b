-- Where the choice of lead professional stands: not_decided, appointed (cafs.lead_professional_id),
-- none_needed_yet, or at_the_meeting.
ALTER TABLE cafs ADD COLUMN lead_status TEXT NOT NULL DEFAULT 'not_decided';

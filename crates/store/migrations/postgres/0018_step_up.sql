-- The telephone referral of a CAF stepped up (JSON: service, date, to whom, why, consent).
ALTER TABLE cafs ADD COLUMN step_up TEXT;

-- A closed CAF keeps the lead professional's closing summary (what carries on after it) and,
-- for a reason that says nothing on its own ("other"), the explanation.
ALTER TABLE cafs ADD COLUMN closure_summary TEXT;
ALTER TABLE cafs ADD COLUMN closure_explanation TEXT;

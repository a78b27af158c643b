-- Every access decision asks whether the CAF was shared with the actor's agency.
CREATE INDEX caf_sharing_decisions_caf ON caf_sharing_decisions(caf_id);

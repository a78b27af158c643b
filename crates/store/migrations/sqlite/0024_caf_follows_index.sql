-- The CAF started after a closed one is found by `follows_caf_id` on every read of a CAF
-- (its episode): without this index that was a scan of every CAF, about 8 ms at 100k CAFs.
CREATE INDEX cafs_follows ON cafs(follows_caf_id);

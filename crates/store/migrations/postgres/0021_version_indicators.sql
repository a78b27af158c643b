-- Each version's Parent/Child Indicators (JSON [[need, score], …]) beside its snapshot, so
-- distance travelled is read without parsing whole snapshots. Versions frozen before this
-- column have it NULL and are read from their snapshot.
ALTER TABLE caf_versions ADD COLUMN indicators TEXT;

-- Loop breakers: the name of the source's suppress rule that matched an event, which then ended as
-- `suppressed` instead of being delivered (docs/storage-schema.md). Kept after an operator's replay.
ALTER TABLE events ADD COLUMN suppressed_by TEXT;

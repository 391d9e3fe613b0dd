-- What each attempt reached and was answered, for the operator's "why did it fail" view
-- (docs/storage-schema.md): the destination, its HTTP status, the first 1 KB of its answer, and when the
-- next attempt is due.
ALTER TABLE attempts ADD COLUMN destination TEXT;
ALTER TABLE attempts ADD COLUMN response_status INTEGER;
ALTER TABLE attempts ADD COLUMN response_body TEXT;
ALTER TABLE attempts ADD COLUMN next_retry_at INTEGER;

-- The event log: a queryable record of every accepted event and every handler attempt (D1).
-- Written off the ingress hot path: accepted rows by the ledger's outbox after each queue send,
-- outcomes by the queue consumer, one batch per invocation. See docs/storage-schema.md.

CREATE TABLE IF NOT EXISTS events (
  source TEXT NOT NULL,
  event_id TEXT NOT NULL,
  type TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  status TEXT NOT NULL DEFAULT 'accepted',
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  delivered_at INTEGER,
  latency_ms INTEGER,
  body_size INTEGER NOT NULL DEFAULT 0,
  shard INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (source, event_id)
);
CREATE INDEX IF NOT EXISTS events_by_received ON events (received_at DESC, source, event_id);
CREATE INDEX IF NOT EXISTS events_by_status ON events (status, received_at DESC);
CREATE INDEX IF NOT EXISTS events_by_type ON events (type, received_at DESC);

CREATE TABLE IF NOT EXISTS attempts (
  source TEXT NOT NULL,
  event_id TEXT NOT NULL,
  handler TEXT NOT NULL,
  replay INTEGER NOT NULL DEFAULT 0,
  attempt INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  error TEXT,
  started_at INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  PRIMARY KEY (source, event_id, handler, replay, attempt)
);

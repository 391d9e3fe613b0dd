/** All SQL of the D1 event log (tables: migrations/0001_event_log.sql, docs/storage-schema.md). Times in ms. */

export const INSERT_ACCEPTED = `
INSERT INTO events (source, event_id, type, received_at, status, body_size, shard, updated_at)
VALUES (?, ?, ?, ?, 'accepted', ?, ?, ?)
ON CONFLICT (source, event_id) DO NOTHING`;

/** The consumer's view wins: it knows the outcome. The row is created if the outbox insert was missed. */
export const UPSERT_OUTCOME = `
INSERT INTO events (source, event_id, type, received_at, status, attempts, last_error, delivered_at, latency_ms, body_size, shard, updated_at, suppressed_by)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
ON CONFLICT (source, event_id) DO UPDATE SET
  status = excluded.status,
  attempts = max(events.attempts, excluded.attempts),
  last_error = coalesce(excluded.last_error, events.last_error),
  delivered_at = coalesce(events.delivered_at, excluded.delivered_at),
  latency_ms = coalesce(events.latency_ms, excluded.latency_ms),
  suppressed_by = coalesce(excluded.suppressed_by, events.suppressed_by),
  updated_at = excluded.updated_at`;

export const INSERT_ATTEMPT = `
INSERT INTO attempts (source, event_id, handler, replay, attempt, outcome, error, started_at, duration_ms,
  destination, response_status, response_body, next_retry_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (source, event_id, handler, replay, attempt) DO UPDATE SET
  outcome = excluded.outcome, error = excluded.error, duration_ms = excluded.duration_ms,
  destination = excluded.destination, response_status = excluded.response_status,
  response_body = excluded.response_body, next_retry_at = excluded.next_retry_at`;

/**
 * An operator redrive: a dead event is retrying again. Only a row still `dead` changes, so an outcome the
 * consumer recorded first (the redriven handler may already have run) is never overwritten.
 */
export const MARK_REDRIVEN =
  "UPDATE events SET status = 'retrying', updated_at = ? WHERE source = ? AND event_id = ? AND status = 'dead'";

export const DELETE_EVENTS_BEFORE =
  "DELETE FROM events WHERE shard = ? AND received_at < ? AND status IN ('delivered', 'dead', 'no_handler', 'suppressed', 'filtered')";
export const DELETE_ORPHAN_ATTEMPTS = `
DELETE FROM attempts WHERE NOT EXISTS (
  SELECT 1 FROM events e WHERE e.source = attempts.source AND e.event_id = attempts.event_id)`;

export const SELECT_EVENT = "SELECT * FROM events WHERE source = ? AND event_id = ?";
export const SELECT_ATTEMPTS =
  "SELECT * FROM attempts WHERE source = ? AND event_id = ? ORDER BY started_at, handler, replay, attempt";

export const COUNT_BY_STATUS_AND_SOURCE = `
SELECT source, status, count(*) AS count FROM events WHERE received_at >= ? GROUP BY source, status ORDER BY source, status`;

export const COUNT_DELIVERED_LATENCIES =
  "SELECT count(*) AS n FROM events WHERE received_at >= ? AND latency_ms IS NOT NULL";
export const LATENCY_AT_OFFSET =
  "SELECT latency_ms FROM events WHERE received_at >= ? AND latency_ms IS NOT NULL ORDER BY latency_ms LIMIT 1 OFFSET ?";

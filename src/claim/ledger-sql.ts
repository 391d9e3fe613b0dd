/**
 * All SQL of the EventLedger Durable Object. Tables are documented in docs/storage-schema.md.
 * Times are Unix milliseconds.
 */

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  source TEXT NOT NULL,
  event_id TEXT NOT NULL,
  type TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  headers TEXT NOT NULL,
  body_size INTEGER NOT NULL,
  status TEXT NOT NULL DEFAULT 'accepted',
  enqueued_at INTEGER,
  shard INTEGER NOT NULL,
  replays INTEGER NOT NULL DEFAULT 0,
  verified_with TEXT,
  routes TEXT,
  PRIMARY KEY (source, event_id)
);
CREATE INDEX IF NOT EXISTS events_outbox ON events (received_at) WHERE enqueued_at IS NULL;
CREATE INDEX IF NOT EXISTS events_by_received ON events (received_at);
CREATE INDEX IF NOT EXISTS events_unsettled ON events (enqueued_at)
  WHERE enqueued_at IS NOT NULL AND status IN ('accepted', 'retrying');
CREATE TABLE IF NOT EXISTS event_bodies (
  source TEXT NOT NULL,
  event_id TEXT NOT NULL,
  chunk INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (source, event_id, chunk)
);
CREATE TABLE IF NOT EXISTS deliveries (
  source TEXT NOT NULL,
  event_id TEXT NOT NULL,
  handler TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  revived_at INTEGER NOT NULL DEFAULT 0,
  lease_until INTEGER,
  not_before INTEGER,
  last_error TEXT,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (source, event_id, handler)
);
CREATE TABLE IF NOT EXISTS signed_contents (
  source TEXT NOT NULL,
  digest TEXT NOT NULL,
  event_id TEXT NOT NULL,
  claimed_at INTEGER NOT NULL,
  PRIMARY KEY (source, digest)
);
CREATE INDEX IF NOT EXISTS signed_contents_by_age ON signed_contents (claimed_at);
`;

/** Columns added after the first release: ledgers created before them get them once, at start. */
export const ADDED_EVENT_COLUMNS = {
  verified_with: "ALTER TABLE events ADD COLUMN verified_with TEXT",
  /** JSON array of the route names chosen at claim time; NULL: no route was configured then. */
  routes: "ALTER TABLE events ADD COLUMN routes TEXT",
};
export const EVENT_COLUMNS = "SELECT name FROM pragma_table_info('events')";

export const INSERT_EVENT = `
INSERT INTO events (source, event_id, type, received_at, headers, body_size, shard, verified_with, routes, status, enqueued_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (source, event_id) DO NOTHING
RETURNING event_id`;

export const INSERT_BODY_CHUNK =
  "INSERT INTO event_bodies (source, event_id, chunk, data) VALUES (?, ?, ?, ?)";

export const SELECT_BODY_CHUNKS =
  "SELECT data FROM event_bodies WHERE source = ? AND event_id = ? ORDER BY chunk";

/** An event as the outbox and the re-drives send it. */
export type OutboxRow = {
  source: string;
  event_id: string;
  type: string;
  shard: number;
  received_at: number;
  body_size: number;
};

/** Pending outbox rows; `revived` is 1 when the event already has delivery rows (an operator redrive). */
export const SELECT_OUTBOX = `
SELECT source, event_id, type, shard, received_at, body_size,
  EXISTS (SELECT 1 FROM deliveries d WHERE d.source = e.source AND d.event_id = e.event_id) AS revived
FROM events e WHERE enqueued_at IS NULL ORDER BY received_at LIMIT ?`;

/** Used by the consumer: a redelivered message proves the send went through even if marking it did not. */
export const MARK_ENQUEUED =
  "UPDATE events SET enqueued_at = ? WHERE source = ? AND event_id = ? AND enqueued_at IS NULL";

/** Hands an event back to the outbox, so that its messages are sent (again) with the outbox's guarantees. */
export const RETURN_TO_OUTBOX = "UPDATE events SET enqueued_at = NULL WHERE source = ? AND event_id = ?";

/** Every delivery row of one event, for building the messages that can run its unfinished handlers. */
export const SELECT_DELIVERY_WAITS = `
SELECT handler, state, lease_until, not_before FROM deliveries WHERE source = ? AND event_id = ?`;

export const COUNT_OUTBOX = "SELECT count(*) AS n FROM events WHERE enqueued_at IS NULL";

/**
 * Enqueued events whose handlers (replays included) are not finished: none started yet, or one `running`
 * or `failed`. `last_activity` is the latest of the enqueue (or re-send) and every delivery update, lease
 * and backoff: until some time after it, a message for the event may legitimately still be on its way.
 */
const EVENT_DELIVERIES = `
FROM deliveries d
WHERE d.source = e.source AND d.event_id = e.event_id`;

const UNFINISHED_ENQUEUED = `
SELECT e.source, e.event_id, e.type, e.shard, e.received_at, e.body_size,
  max(e.enqueued_at, coalesce((
    SELECT max(max(d.updated_at, coalesce(d.lease_until, 0), coalesce(d.not_before, 0))) ${EVENT_DELIVERIES}
  ), 0)) AS last_activity
FROM events e
WHERE e.enqueued_at IS NOT NULL AND e.status IN ('accepted', 'retrying')
  AND (NOT EXISTS (SELECT 1 ${EVENT_DELIVERIES})
    OR EXISTS (SELECT 1 ${EVENT_DELIVERIES} AND d.state IN ('running', 'failed')))`;

/**
 * When an unfinished event counts as stalled: after a silence of STALLED_REDRIVE_SECONDS (the first
 * parameter, in ms), or of its age at its last activity if that is longer. Each re-send therefore waits
 * about twice as long as the one before, so a slow queue backlog is not flooded with copies.
 */
const STALLED_AT = "last_activity + max(?, last_activity - received_at)";

/** Unfinished events stalled by the given time (second parameter), longest-stalled first. */
export const SELECT_STALLED = `
SELECT source, event_id, type, shard, received_at, body_size FROM (${UNFINISHED_ENQUEUED})
WHERE ${STALLED_AT} <= ? ORDER BY last_activity LIMIT ?`;

/** When the next unfinished event becomes stalled (null when there are none). */
export const NEXT_STALLED_AT = `SELECT min(${STALLED_AT}) AS at FROM (${UNFINISHED_ENQUEUED})`;

/**
 * Unfinished events that were last enqueued before the given time (the ledger instance's start, first
 * parameter) and whose deliveries nothing has touched since: their messages may have died with the
 * previous runtime. Served by `events_unsettled`.
 */
export const SELECT_UNTOUCHED_SINCE = `
SELECT e.source, e.event_id, e.type, e.shard, e.received_at, e.body_size FROM events e
WHERE e.enqueued_at IS NOT NULL AND e.status IN ('accepted', 'retrying') AND e.enqueued_at < ?1
  AND NOT EXISTS (SELECT 1 ${EVENT_DELIVERIES} AND d.updated_at >= ?1)
ORDER BY e.enqueued_at LIMIT ?2`;

/** 1 while an enqueued event is unfinished, else 0 (served by `events_unsettled`). */
export const HAS_UNFINISHED = `
SELECT EXISTS (
  SELECT 1 FROM events WHERE enqueued_at IS NOT NULL AND status IN ('accepted', 'retrying')
) AS n`;

/** Marks an event sent. Unconditional, so 0 rows written means the row cannot be addressed by its id. */
export const MARK_SENT = "UPDATE events SET enqueued_at = ? WHERE source = ? AND event_id = ?";

export const SELECT_EVENT = `
SELECT type, received_at, headers, body_size, status, shard, verified_with, routes FROM events WHERE source = ? AND event_id = ?`;

export const SELECT_DELIVERY = `
SELECT state, attempts, lease_until, not_before FROM deliveries
WHERE source = ? AND event_id = ? AND handler = ?`;

export const START_ATTEMPT = `
INSERT INTO deliveries (source, event_id, handler, state, attempts, lease_until, updated_at)
VALUES (?, ?, ?, 'running', 1, ?, ?)
ON CONFLICT (source, event_id, handler) DO UPDATE SET
  state = 'running', attempts = attempts + 1, lease_until = excluded.lease_until,
  not_before = NULL, updated_at = excluded.updated_at
RETURNING attempts, revived_at`;

/** Only the holder of the current attempt may settle it (a fencing token against stale workers). */
export const SETTLE_ATTEMPT = `
UPDATE deliveries SET state = ?, lease_until = NULL, not_before = ?, last_error = ?, updated_at = ?
WHERE source = ? AND event_id = ? AND handler = ? AND attempts = ? AND state = 'running'`;

export const SELECT_DELIVERY_STATES =
  "SELECT state, attempts, last_error FROM deliveries WHERE source = ? AND event_id = ? ORDER BY updated_at";

export const SET_STATUS = "UPDATE events SET status = ? WHERE source = ? AND event_id = ?";

/** Terminal events past retention are forgotten, with their bodies and deliveries. */
export const SELECT_EXPIRED = `
SELECT source, event_id, shard FROM events
WHERE received_at < ? AND status IN ('delivered', 'dead', 'no_handler', 'suppressed', 'filtered') LIMIT 500`;
export const DELETE_EVENT = "DELETE FROM events WHERE source = ? AND event_id = ?";
export const DELETE_BODY = "DELETE FROM event_bodies WHERE source = ? AND event_id = ?";
export const DELETE_DELIVERIES = "DELETE FROM deliveries WHERE source = ? AND event_id = ?";

/**
 * Body chunks of finished events received in [?1, ?2) (the replay window's end), oldest first, at most ?3:
 * the replay window is over, the claim stays. `dead` bodies are kept with the claim so redrive always works.
 * No new index: `events_by_received` already bounds the scan to that range, and the caller moves ?1 up to
 * what it has purged, so each run reads about the rows it deletes. An index on event_bodies would cost a
 * written row on every accept to save reads the watermark already avoids.
 */
export const SELECT_BODIES_PAST_REPLAY = `
SELECT b.rowid AS body_row, e.received_at FROM events e
JOIN event_bodies b ON b.source = e.source AND b.event_id = e.event_id
WHERE e.received_at >= ?1 AND e.received_at < ?2 AND e.status IN ('delivered', 'no_handler', 'suppressed', 'filtered')
ORDER BY e.received_at LIMIT ?3`;
export const DELETE_BODY_ROW = "DELETE FROM event_bodies WHERE rowid = ?";
/** 1 while the event still has its body (inside the replay window, or not finished), else 0. */
export const HAS_BODY = "SELECT EXISTS (SELECT 1 FROM event_bodies WHERE source = ? AND event_id = ?) AS n";
/**
 * 1 while the shard holds any event, else 0. The alarm asks this on every run (every
 * OUTBOX_REDRIVE_SECONDS while events arrive), so it must not be `count(*)`: that reads every retained
 * row, each a billed row read (bench/README.md, "storage work").
 */
export const COUNT_EVENTS = "SELECT EXISTS (SELECT 1 FROM events) AS n";

export const NEXT_REPLAY =
  "UPDATE events SET replays = replays + 1 WHERE source = ? AND event_id = ? RETURNING replays, type, shard";

/** 1 when the event has any delivery row (a handler was ever begun for it), else 0. */
export const HAS_DELIVERIES =
  "SELECT EXISTS (SELECT 1 FROM deliveries WHERE source = ? AND event_id = ?) AS n";

/** Gives dead handlers a fresh budget of attempts (operator redrive); numbering continues. */
export const REVIVE_DEAD = `
UPDATE deliveries SET state = 'failed', revived_at = attempts, not_before = NULL, updated_at = ?
WHERE source = ? AND event_id = ? AND state = 'dead'`;

/**
 * Claims signed content for an event id (presets whose signature does not cover the id): returns the id
 * that holds the content, which is the caller's own id unless another id claimed it first.
 */
export const CLAIM_SIGNED_CONTENT = `
INSERT INTO signed_contents (source, digest, event_id, claimed_at) VALUES (?, ?, ?, ?)
ON CONFLICT (source, digest) DO UPDATE SET event_id = event_id
RETURNING event_id`;

/** A few content claims past retention are forgotten on every new claim, so the table stays bounded. */
export const FORGET_SIGNED_CONTENTS = `
DELETE FROM signed_contents WHERE rowid IN (
  SELECT rowid FROM signed_contents WHERE claimed_at < ? ORDER BY claimed_at LIMIT 8
)`;

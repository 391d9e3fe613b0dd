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

export const INSERT_EVENT = `
INSERT INTO events (source, event_id, type, received_at, headers, body_size, shard)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (source, event_id) DO NOTHING
RETURNING event_id`;

export const INSERT_BODY_CHUNK =
  "INSERT INTO event_bodies (source, event_id, chunk, data) VALUES (?, ?, ?, ?)";

export const SELECT_BODY_CHUNKS =
  "SELECT data FROM event_bodies WHERE source = ? AND event_id = ? ORDER BY chunk";

export const SELECT_OUTBOX = `
SELECT source, event_id, type, shard, received_at, body_size FROM events
WHERE enqueued_at IS NULL ORDER BY received_at LIMIT ?`;

export const MARK_ENQUEUED =
  "UPDATE events SET enqueued_at = ? WHERE source = ? AND event_id = ? AND enqueued_at IS NULL";

export const COUNT_OUTBOX = "SELECT count(*) AS n FROM events WHERE enqueued_at IS NULL";

/**
 * Enqueued events whose own (non-replay) handlers are not finished: none started yet, or one `running`
 * or `failed`. `last_activity` is the latest of the enqueue (or re-send) and every delivery update, lease
 * and backoff: until some time after it, a message for the event may legitimately still be on its way.
 * Replay delivery keys (`<handler>#replay-<n>`, see deliveryKey) are left out: a plain re-sent message
 * cannot run them, so they must not keep an event stalled.
 */
const OWN_DELIVERIES = `
FROM deliveries d
WHERE d.source = e.source AND d.event_id = e.event_id AND d.handler NOT LIKE '%#replay-%'`;

const UNFINISHED_ENQUEUED = `
SELECT e.source, e.event_id, e.type, e.shard, e.received_at, e.body_size,
  max(e.enqueued_at, coalesce((
    SELECT max(max(d.updated_at, coalesce(d.lease_until, 0), coalesce(d.not_before, 0))) ${OWN_DELIVERIES}
  ), 0)) AS last_activity
FROM events e
WHERE e.enqueued_at IS NOT NULL AND e.status IN ('accepted', 'retrying')
  AND (NOT EXISTS (SELECT 1 ${OWN_DELIVERIES})
    OR EXISTS (SELECT 1 ${OWN_DELIVERIES} AND d.state IN ('running', 'failed')))`;

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

export const MARK_REDRIVEN = "UPDATE events SET enqueued_at = ? WHERE source = ? AND event_id = ?";

export const SELECT_EVENT = `
SELECT type, received_at, headers, body_size, status, shard FROM events WHERE source = ? AND event_id = ?`;

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
WHERE received_at < ? AND status IN ('delivered', 'dead') LIMIT 500`;
export const DELETE_EVENT = "DELETE FROM events WHERE source = ? AND event_id = ?";
export const DELETE_BODY = "DELETE FROM event_bodies WHERE source = ? AND event_id = ?";
export const DELETE_DELIVERIES = "DELETE FROM deliveries WHERE source = ? AND event_id = ?";
/**
 * 1 while the shard holds any event, else 0. The alarm asks this on every run (every
 * OUTBOX_REDRIVE_SECONDS while events arrive), so it must not be `count(*)`: that reads every retained
 * row, each a billed row read (bench/README.md, "storage work").
 */
export const COUNT_EVENTS = "SELECT EXISTS (SELECT 1 FROM events) AS n";

export const NEXT_REPLAY =
  "UPDATE events SET replays = replays + 1 WHERE source = ? AND event_id = ? RETURNING replays, type, shard";

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

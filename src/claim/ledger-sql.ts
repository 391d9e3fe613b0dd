/**
 * All SQL of the EventLedger Durable Object over the tables of ledger-schema.ts (docs/storage-schema.md).
 * Rows are addressed by `seq` wherever possible: it is the claim's rowid, so every lookup and update by it
 * touches one row and no index. Times are Unix milliseconds.
 */

/** Claims `(source, id)`: returns the new claim's `seq`, or no row when the id was already claimed. */
export const INSERT_CLAIM = `
INSERT INTO claims (source, event_id, type, received_at, body_size, shard, verified_with, routes, status, headers, body)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (source, event_id) DO NOTHING
RETURNING seq`;

export const INSERT_BODY_CHUNK = "INSERT INTO body_chunks (seq, chunk, data) VALUES (?, ?, ?)";
export const SELECT_BODY_CHUNKS = "SELECT data FROM body_chunks WHERE seq = ? ORDER BY chunk";
export const DELETE_BODY_CHUNKS = "DELETE FROM body_chunks WHERE seq = ?";

export const SELECT_SEQ = "SELECT seq FROM claims WHERE source = ? AND event_id = ?";

/** A claim as the consumer and the operator actions read it (without its body). */
export type ClaimRow = {
  seq: number;
  source: string;
  event_id: string;
  type: string;
  received_at: number;
  body_size: number;
  shard: number;
  verified_with: string | null;
  routes: string | null;
  status: string;
  replays: number;
  headers: string | null;
};

const CLAIM_COLUMNS =
  "seq, source, event_id, type, received_at, body_size, shard, verified_with, routes, status, replays, headers";
export const SELECT_CLAIM = `SELECT ${CLAIM_COLUMNS} FROM claims WHERE source = ? AND event_id = ?`;
export const SELECT_CLAIM_BY_SEQ = `SELECT ${CLAIM_COLUMNS} FROM claims WHERE seq = ?`;
export const SELECT_BODY = "SELECT body FROM claims WHERE seq = ?";

/** The outbox: claims past the sent mark that need delivering, in acceptance order. */
export const SELECT_UNSENT = `
SELECT ${CLAIM_COLUMNS} FROM claims WHERE seq > ? AND status = 'accepted' ORDER BY seq LIMIT ?`;
export const MAX_SEQ = "SELECT coalesce(max(seq), 0) AS n FROM claims";

/** Claims handed back to the outbox (operator redrive, replay, lost messages): sent again, then forgotten. */
export const INSERT_RESEND = "INSERT INTO resends (seq) VALUES (?) ON CONFLICT (seq) DO NOTHING";
export const SELECT_RESENDS = `
SELECT ${CLAIM_COLUMNS} FROM claims WHERE seq IN (SELECT seq FROM resends ORDER BY seq LIMIT ?) ORDER BY seq`;
export const DELETE_RESEND = "DELETE FROM resends WHERE seq = ?";
export const COUNT_RESENDS = "SELECT EXISTS (SELECT 1 FROM resends) AS n";

/** One (event, delivery key) outcome row, for deciding what may run. */
export type OutcomeRow = {
  handler: string;
  state: string;
  attempts: number;
  revived_at: number;
  not_before: number | null;
  last_error: string | null;
  updated_at: number;
};
export const SELECT_OUTCOMES =
  "SELECT handler, state, attempts, revived_at, not_before, last_error, updated_at FROM outcomes WHERE seq = ?";

/** Records a settled attempt (and the attempt's details) for one (event, delivery key). */
export const UPSERT_OUTCOME = `
INSERT INTO outcomes (seq, handler, state, attempts, not_before, last_error, updated_at,
  started_at, duration_ms, destination, response_status, response_body)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
ON CONFLICT (seq, handler) DO UPDATE SET
  state = excluded.state, attempts = excluded.attempts, not_before = excluded.not_before,
  last_error = coalesce(excluded.last_error, outcomes.last_error), updated_at = excluded.updated_at,
  started_at = excluded.started_at, duration_ms = excluded.duration_ms, destination = excluded.destination,
  response_status = excluded.response_status, response_body = excluded.response_body`;

export const INSERT_FAILED_ATTEMPT = `
INSERT INTO failed_attempts (seq, handler, attempt, outcome, error, started_at, duration_ms, destination,
  response_status, response_body, next_retry_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (seq, handler, attempt) DO NOTHING`;

/** The event's log fields after a settle: one statement, one written row (no indexed column unless failing). */
export const SET_EVENT_OUTCOME = `
UPDATE claims SET status = ?2, attempts = max(attempts, ?3), last_error = coalesce(?4, last_error),
  delivered_at = coalesce(delivered_at, ?5), suppressed_by = ?6
WHERE seq = ?1`;

export const SET_STATUS = "UPDATE claims SET status = ? WHERE seq = ?";

/** Gives dead deliveries a fresh budget of attempts (operator redrive); numbering continues. */
export const REVIVE_DEAD = `
UPDATE outcomes SET state = 'failed', revived_at = attempts, not_before = NULL, updated_at = ?
WHERE seq = ? AND state = 'dead'`;

export const NEXT_REPLAY = "UPDATE claims SET replays = replays + 1 WHERE seq = ? RETURNING replays";

/**
 * Unfinished claims: `accepted` ones from the low-water mark on (a range scan of the rowid), and `retrying`
 * ones through the partial index `claims_failing`. Only sent claims count: unsent ones are the outbox's.
 */
export const SELECT_UNFINISHED = `
SELECT * FROM (
  SELECT ${CLAIM_COLUMNS} FROM claims WHERE seq >= ?1 AND seq <= ?2 AND status = 'accepted'
  UNION ALL
  SELECT ${CLAIM_COLUMNS} FROM claims WHERE status = 'retrying' AND seq <= ?2
) WHERE seq > ?3 ORDER BY seq LIMIT ?4`;

/** The oldest `accepted` claim at or after the low-water mark (null when none). */
export const OLDEST_ACCEPTED =
  "SELECT seq AS n FROM claims WHERE seq >= ? AND status = 'accepted' ORDER BY seq LIMIT 1";
export const HAS_RETRYING = "SELECT EXISTS (SELECT 1 FROM claims WHERE status = 'retrying') AS n";

/** The stored request of finished events received before the cutoff, from a seq on: dropped after replay. */
export const SELECT_REQUESTS_PAST_REPLAY = `
SELECT seq, received_at, body_size FROM claims
WHERE seq > ?1 AND seq < ?2 AND received_at < ?3 AND headers IS NOT NULL
  AND status IN ('delivered', 'no_handler', 'suppressed', 'filtered', 'superseded')
ORDER BY seq LIMIT ?4`;
/**
 * The first claim received at or after a time, scanning from a seq on: it reads about the rows before it,
 * which bounds the purge scans (there is no index on `received_at`: it would cost a row on every accept).
 */
export const FIRST_SEQ_SINCE =
  "SELECT seq AS n FROM claims WHERE seq > ? AND received_at >= ? ORDER BY seq LIMIT 1";
export const DROP_REQUEST = "UPDATE claims SET headers = NULL, body = NULL WHERE seq = ?";

/** Terminal claims past retention, oldest first. */
export const SELECT_EXPIRED = `
SELECT seq FROM claims WHERE seq < ? AND received_at < ?
  AND status IN ('delivered', 'dead', 'no_handler', 'suppressed', 'filtered', 'superseded')
ORDER BY seq LIMIT 500`;
export const DELETE_CLAIM = "DELETE FROM claims WHERE seq = ?";
export const DELETE_OUTCOMES = "DELETE FROM outcomes WHERE seq = ?";
export const DELETE_FAILED_ATTEMPTS = "DELETE FROM failed_attempts WHERE seq = ?";

/** 1 while the shard holds any claim (never `count(*)`: that reads, and bills, every row). */
export const HAS_CLAIMS = "SELECT EXISTS (SELECT 1 FROM claims) AS n";

/** Small persisted values of the shard (the lease horizon, the accepted low-water mark). */
export const SELECT_SETTING = "SELECT value FROM ledger_settings WHERE name = ?";
export const SET_SETTING = `
INSERT INTO ledger_settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`;

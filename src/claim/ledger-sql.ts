/**
 * All SQL of the EventLedger Durable Object over the tables of ledger-schema.ts (docs/storage-schema.md).
 * Rows are addressed by `seq` wherever possible: it is the claim's rowid, so every lookup and update by it
 * touches one row and no index. Times are Unix milliseconds.
 */

/**
 * Claims `(source, id)` under the given `seq` in `table` (today's: claim-tables.ts): returns it, or no row when
 * the id was already claimed there (the other days were looked at before: `SELECT_SEQ`). The ledger numbers
 * claims itself (see `SeqCounter`) so that a number is never used twice, not even after the newest claims
 * were forgotten: SQLite would reuse the largest rowid, which the sent mark has already passed.
 */
export const INSERT_CLAIM = (table: string) => `
INSERT INTO ${table} (seq, source, event_id, type, received_at, body_size, shard, verified_with, routes, status, request_index)
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
  done_record: string | null;
  request_index: number | null;
};

const CLAIM_COLUMNS =
  "seq, source, event_id, type, received_at, body_size, shard, verified_with, routes, status, replays, done_record, request_index";
export const SELECT_CLAIM = `SELECT ${CLAIM_COLUMNS} FROM claims WHERE source = ? AND event_id = ?`;

/** The outbox: claims past the sent mark that need delivering, in acceptance order. */
export const SELECT_UNSENT = `
SELECT ${CLAIM_COLUMNS} FROM claims WHERE seq > ? AND status = 'accepted' ORDER BY seq LIMIT ?`;

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

/** A delivery held while its route is paused: it keeps its attempts and its place (its claim's seq). */
export const HOLD = `
INSERT INTO outcomes (seq, handler, state, attempts, last_error, updated_at)
VALUES (?1, ?2, 'held', ?3, 'held: the route is paused', ?4)
ON CONFLICT (seq, handler) DO UPDATE SET state = 'held', updated_at = excluded.updated_at`;

export const INSERT_FAILED_ATTEMPT = `
INSERT INTO failed_attempts (seq, handler, attempt, outcome, error, started_at, duration_ms, destination,
  response_status, response_body, next_retry_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (seq, handler, attempt) DO NOTHING`;

/** The event's log fields after a settle: one statement, one written row (no indexed column unless failing). */
export const SET_EVENT_OUTCOME = (table: string) => `
UPDATE ${table} SET status = ?2, attempts = max(attempts, ?3), last_error = coalesce(?4, last_error),
  delivered_at = coalesce(delivered_at, ?5), suppressed_by = coalesce(?6, suppressed_by)
WHERE seq = ?1`;

export const SET_STATUS = (table: string) => `UPDATE ${table} SET status = ?2 WHERE seq = ?1`;

/**
 * A claim's only delivery succeeded at its first settle: the claim itself records it (status, attempt and
 * the attempt's record as JSON), and no `outcomes` row is written. One written row for the whole settle.
 */
export const SET_DELIVERED_ALONE = (table: string) => `
UPDATE ${table} SET status = 'delivered', attempts = max(attempts, ?2), delivered_at = coalesce(delivered_at, ?3),
  done_record = ?4
WHERE seq = ?1`;

/** Deliveries held while their route was paused (a scan of `outcomes`: only resuming a route asks it). */
export const SELECT_HELD = "SELECT seq, handler FROM outcomes WHERE state = 'held'";
/** A held delivery may run again: it goes back to the outbox as runnable. */
export const RELEASE_HELD =
  "UPDATE outcomes SET state = 'failed', not_before = NULL, updated_at = ? WHERE seq = ? AND handler = ? AND state = 'held'";

/** Gives dead deliveries a fresh budget of attempts (operator redrive); numbering continues. */
export const REVIVE_DEAD = `
UPDATE outcomes SET state = 'failed', revived_at = attempts, not_before = NULL, updated_at = ?
WHERE seq = ? AND state = 'dead'`;

export const NEXT_REPLAY = (table: string) =>
  `UPDATE ${table} SET replays = replays + 1 WHERE seq = ? RETURNING replays`;

/**
 * Unfinished claims: `accepted` ones from the low-water mark on (a range scan of the rowid), and `retrying`
 * ones through each day's partial index `_failing` (SQLite uses a partial index only when the query repeats
 * its WHERE term, hence the repeated `IN`: without it this read every claim).
 * Only sent claims count: unsent ones are the outbox's.
 */
export const SELECT_UNFINISHED = `
SELECT * FROM (
  SELECT ${CLAIM_COLUMNS} FROM claims WHERE seq >= ?1 AND seq <= ?2 AND status = 'accepted'
  UNION ALL
  SELECT ${CLAIM_COLUMNS} FROM claims
  WHERE status IN ('retrying', 'dead') AND status = 'retrying' AND seq <= ?2
) WHERE seq > ?3 ORDER BY seq LIMIT ?4`;

/** The oldest `accepted` claim at or after the low-water mark (null when none). */
export const OLDEST_ACCEPTED =
  "SELECT seq AS n FROM claims WHERE seq >= ? AND status = 'accepted' ORDER BY seq LIMIT 1";

/**
 * The expiry scan of kept claims (claim-tables.ts: days go whole) looks at a window of the oldest (`seq` after
 * ?1, at most ?2 of them): no index on `received_at` (it would cost a written row on every accept), and
 * acceptance order is time order up to clock skew, so what is old enough is at the front.
 */
const WINDOW =
  "SELECT seq, received_at, status, replays FROM claims_kept WHERE seq > ?1 ORDER BY seq LIMIT ?2";

/**
 * True for a claim (`claim` names its table or alias) whose latest replay has settled nothing yet: queued, or
 * waiting in its lane. Its outcome rows are keyed `<route>#replay-<n>` (event-message.ts, `deliveryKey`).
 */
export const REPLAY_PENDING = (claim: string) => `(${claim}.replays > 0 AND NOT EXISTS (
  SELECT 1 FROM outcomes o WHERE o.seq = ${claim}.seq AND o.handler GLOB '*#replay-' || ${claim}.replays))`;

/** Statuses after which an event never needs its request again, once the replay window is over. */
export const FINISHED_STATUSES = new Set(["delivered", "no_handler", "suppressed", "filtered", "superseded"]);
/** The same statuses as an SQL list: `('delivered', …)`. */
export const FINISHED_SQL = `(${[...FINISHED_STATUSES].map((status) => `'${status}'`).join(", ")})`;

/** Claims in [?1, ?2] that are not finished: their stored request outlives the replay window. */
export const UNFINISHED_IN_RANGE = `
SELECT seq FROM claims WHERE seq BETWEEN ?1 AND ?2 AND status NOT IN ${FINISHED_SQL}`;

/**
 * Terminal kept claims in the window (the oldest) received before ?3, without a delivery still to run (a
 * `dead` claim may have another route held, or a replay retrying: `outcomes` says so), nor a replay that has
 * not begun, unless received before ?5 (its message was never sent: given up).
 */
export const SELECT_EXPIRED = `
SELECT seq, received_at FROM (${WINDOW}) w
WHERE received_at < ?3 AND status IN ('delivered', 'dead', 'no_handler', 'suppressed', 'filtered', 'superseded')
  AND NOT EXISTS (SELECT 1 FROM outcomes o WHERE o.seq = w.seq AND o.state IN ('failed', 'held'))
  AND (received_at < ?5 OR NOT ${REPLAY_PENDING("w")}) LIMIT ?4`;
export const DELETE_KEPT_CLAIM = "DELETE FROM claims_kept WHERE seq = ?";
export const DELETE_OUTCOMES = "DELETE FROM outcomes WHERE seq = ?";
export const DELETE_FAILED_ATTEMPTS = "DELETE FROM failed_attempts WHERE seq = ?";

/** 1 while the shard holds any claim (never `count(*)`: that reads, and bills, every row). */
export const HAS_CLAIMS = "SELECT EXISTS (SELECT 1 FROM claims) AS n";

/** Small persisted values of the shard (the lease horizon, the accepted low-water mark). */
export const SELECT_SETTING = "SELECT value FROM ledger_settings WHERE name = ?";
export const SET_SETTING_AT_LEAST = `
INSERT INTO ledger_settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)`;
export const SET_SETTING = `
INSERT INTO ledger_settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`;

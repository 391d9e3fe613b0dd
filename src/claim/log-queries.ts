/**
 * One ledger shard's claims read as the searchable event log: pages of a search, one event with its
 * attempts, and the counts behind the metrics. There is no index on `received_at` (each index costs a
 * written row per event), so every query walks the rowid (`seq`, acceptance order) from the newest end and
 * finds time boundaries by binary search over it; reads stay about O(limit) rows in the common case.
 */
import { z } from "zod";
import { claimTableNames, seqBoundsSql } from "./claim-tables";
import { DoneRecord } from "./delivery-state";
import { parseDeliveryKey } from "./event-message";
import { ClaimStatus, DeliveryState, type ListLogInput } from "./ledger-rpc";

/**
 * How far a claim's `received_at` (the accepting isolate's clock, taken before the claim reaches the
 * shard) may fall behind that of a claim accepted before it in the same shard. Time boundaries are
 * searched this much wider, so within this skew no claim is missed; beyond it a claim just outside a
 * `since`/`until` boundary may be left out.
 */
export const RECEIVED_AT_SKEW_MS = 60_000;
/** Rows one page of a search without a usable index examines per shard before it hands back a cursor. */
export const SCAN_WINDOW_ROWS = 20_000;
/** Prefix matches of an id search sorted in memory; past this, the search walks `seq` instead. */
const ID_MATCHES_SORTED_MAX = 1_000;
/** Rows the summary reads per shard (the newest); past this it says `truncated`. */
export const SUMMARY_ROWS_MAX = 50_000;
/** Distinct sources walked by an id search without a source. */
const SOURCES_MAX = 500;

const COLUMNS = `seq, source, event_id, type, received_at, body_size, shard, status, attempts, last_error,
  delivered_at, suppressed_by, replays, verified_with, routes`;

export const ClaimRow = z.object({
  seq: z.number(),
  source: z.string(),
  event_id: z.string(),
  type: z.string(),
  received_at: z.number(),
  body_size: z.number(),
  shard: z.number(),
  status: ClaimStatus,
  attempts: z.number(),
  last_error: z.string().nullable(),
  delivered_at: z.number().nullable(),
  suppressed_by: z.string().nullable(),
  replays: z.number(),
  /** Which configured secret verified it (`current`, `previous`), null when not recorded. */
  verified_with: z.string().nullable(),
  /** JSON array of the routes chosen when it was claimed; null when the consumer chose. */
  routes: z.string().nullable(),
});
export type ClaimRow = z.infer<typeof ClaimRow>;

export type LogFilter = Omit<ListLogInput, "limit">;

/**
 * A shard's page, newest (highest `seq`) first. `next` is null when no further claim matches; otherwise
 * further matches all have `seq < next.seq` and were received at about `next.receivedAt` or earlier.
 */
export interface ClaimPage {
  rows: ClaimRow[];
  next: { seq: number; receivedAt: number } | null;
  rowsRead: number;
}

/** Runs queries and counts the rows they read (table and index rows, as the runtime bills them). */
class CountingReader {
  rowsRead = 0;
  constructor(private readonly sql: SqlStorage) {}

  all(query: string, ...params: SqlStorageValue[]): Record<string, SqlStorageValue>[] {
    const cursor = this.sql.exec(query, ...params);
    const rows = cursor.toArray();
    this.rowsRead += cursor.rowsRead;
    return rows;
  }

  claims(query: string, ...params: SqlStorageValue[]): ClaimRow[] {
    return z.array(ClaimRow).parse(this.all(query, ...params));
  }

  /** The lowest and highest `seq`, by two rowid seeks per claims table; null for an empty shard. */
  seqBounds(): { first: number; last: number } | null {
    const [row] = this.all(seqBoundsSql(claimTableNames(this.sql)));
    const bounds = z.object({ first: z.number(), last: z.number() }).safeParse(row);
    return bounds.success ? bounds.data : null;
  }

  /**
   * A `seq` boundary for time `at`, by binary search over rowid seeks (about log2(rows) one-row reads).
   * Exact when `received_at` never decreases with `seq`; with skew up to RECEIVED_AT_SKEW_MS, every claim
   * received at `at + RECEIVED_AT_SKEW_MS` or later has `seq >=` the result, and every claim received
   * before `at - RECEIVED_AT_SKEW_MS` has `seq <` it. Invariant: the last row at or below `lo` was received
   * before `at`, and the first row at or above `hi` at `at` or later (or does not exist).
   */
  firstSeqReceivedFrom(at: number, bounds: { first: number; last: number }): number {
    let lo = bounds.first - 1;
    let hi = bounds.last + 1;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      const [probe] = this.all(
        "SELECT seq, received_at FROM claims WHERE seq >= ? AND seq < ? ORDER BY seq LIMIT 1",
        mid,
        hi,
      );
      const row = z.object({ seq: z.number(), received_at: z.number() }).safeParse(probe);
      if (row.success && row.data.received_at < at) lo = row.data.seq;
      else hi = mid;
    }
    return hi;
  }

  /** The newest row with `lower <= seq < below`, or null. */
  newestBelow(lower: number, below: number): { seq: number; receivedAt: number } | null {
    const [probe] = this.all(
      "SELECT seq, received_at FROM claims WHERE seq >= ? AND seq < ? ORDER BY seq DESC LIMIT 1",
      lower,
      below,
    );
    const row = z.object({ seq: z.number(), received_at: z.number() }).safeParse(probe);
    return row.success ? { seq: row.data.seq, receivedAt: row.data.received_at } : null;
  }
}

/** `s` as a GLOB pattern that matches only itself: `*`, `?` and `[` are bracketed. */
function literalGlob(s: string): string {
  return s.replace(/[*?[]/g, "[$&]");
}

/** `customer.*` matches every type starting `customer.`; `*` is the only wildcard, all else is literal. */
function typeGlob(pattern: string): string {
  return pattern.split("*").map(literalGlob).join("*");
}

/**
 * The filter's conditions (besides the `seq` range) as SQL over `claims`, with their parameters. A unary `+`
 * keeps SQLite from answering `source = ?` or `status = ?` through an index: the page is a `seq` range (rowid
 * order), and an index on either would read every claim of that source or status instead.
 */
function conditions(filter: LogFilter): { where: string; params: SqlStorageValue[] } {
  const clauses: string[] = [];
  const params: SqlStorageValue[] = [];
  const add = (clause: string, value: SqlStorageValue | undefined) => {
    if (value === undefined) return;
    clauses.push(clause);
    params.push(value);
  };
  add("+source = ?", filter.source);
  add("event_id GLOB ?", filter.id === undefined ? undefined : `${literalGlob(filter.id)}*`);
  add("type GLOB ?", filter.type === undefined ? undefined : typeGlob(filter.type));
  add("+status = ?", filter.status);
  add("received_at >= ?", filter.since);
  add("received_at < ?", filter.until);
  add("EXISTS (SELECT 1 FROM json_each(claims.routes) WHERE value = ?)", filter.route);
  return { where: clauses.map((clause) => ` AND ${clause}`).join(""), params };
}

/** The `seq` range a search covers: `[lower, upper)`. */
function seqRange(reader: CountingReader, filter: LogFilter, bounds: { first: number; last: number }) {
  const lower =
    filter.since === undefined
      ? bounds.first
      : reader.firstSeqReceivedFrom(filter.since - RECEIVED_AT_SKEW_MS, bounds);
  let upper = Math.min(bounds.last + 1, filter.beforeSeq ?? Number.POSITIVE_INFINITY);
  if (filter.until !== undefined)
    upper = Math.min(upper, reader.firstSeqReceivedFrom(filter.until + RECEIVED_AT_SKEW_MS, bounds));
  return { lower, upper };
}

/** The first `limit` of `rows` (fetched as `limit + 1`), and where the rest begins. */
function pageOf(rows: ClaimRow[], limit: number, rowsRead: number): ClaimPage {
  const last = rows[limit - 1];
  const following = rows[limit];
  return {
    rows: rows.slice(0, limit),
    next: last && following ? { seq: last.seq, receivedAt: following.received_at } : null,
    rowsRead,
  };
}

/**
 * One page of the shard's claims matching `filter`, newest (`seq`) first, below `filter.beforeSeq`.
 * The plan is chosen, not left to the planner, so that no query sorts a whole table:
 * - an id: the prefix's matches from each day's `_by_key` (per source), sorted in memory when there are few;
 * - `retrying` / `dead`: each day's partial index `_failing` (status, seq) gives them in order;
 * - otherwise a walk down `seq` over at most `scanWindow` rows: a page may then come back short with a
 *   `next` (the window held fewer matches), which the caller treats as "more may follow".
 */
export function listClaims(
  sql: SqlStorage,
  filter: LogFilter,
  limit: number,
  scanWindow = SCAN_WINDOW_ROWS,
): ClaimPage {
  const reader = new CountingReader(sql);
  const bounds = reader.seqBounds();
  if (!bounds) return { rows: [], next: null, rowsRead: reader.rowsRead };
  const { lower, upper } = seqRange(reader, filter, bounds);
  if (upper <= lower) return { rows: [], next: null, rowsRead: reader.rowsRead };
  const { where, params } = conditions(filter);

  if (filter.id !== undefined) {
    const seqs = idMatches(reader, filter.source, filter.id, lower, upper);
    if (seqs) {
      const rows = reader.claims(
        `SELECT ${COLUMNS} FROM claims WHERE seq IN (SELECT value FROM json_each(?))${where}
         ORDER BY seq DESC LIMIT ?`,
        JSON.stringify(seqs),
        ...params,
        limit + 1,
      );
      return pageOf(rows, limit, reader.rowsRead);
    }
  }

  if (filter.status === "retrying" || filter.status === "dead") {
    const rows = reader.claims(
      `SELECT ${COLUMNS} FROM claims
       WHERE status IN ('retrying', 'dead') AND seq >= ? AND seq < ?${where} ORDER BY seq DESC LIMIT ?`,
      lower,
      upper,
      ...params,
      limit + 1,
    );
    return pageOf(rows, limit, reader.rowsRead);
  }

  const windowStart = Math.max(lower, upper - scanWindow);
  const rows = reader.claims(
    `SELECT ${COLUMNS} FROM claims WHERE seq >= ? AND seq < ?${where} ORDER BY seq DESC LIMIT ?`,
    windowStart,
    upper,
    ...params,
    limit + 1,
  );
  if (rows.length > limit || windowStart === lower) return pageOf(rows, limit, reader.rowsRead);
  const unexamined = reader.newestBelow(lower, windowStart);
  return {
    rows,
    next: unexamined ? { seq: windowStart, receivedAt: unexamined.receivedAt } : null,
    rowsRead: reader.rowsRead,
  };
}

/**
 * The `seq` of every claim whose id starts with `prefix` in `[lower, upper)`, from each day's `_by_key`
 * index (the given source, or each source in turn); null when there are more than ID_MATCHES_SORTED_MAX.
 */
function idMatches(
  reader: CountingReader,
  source: string | undefined,
  prefix: string,
  lower: number,
  upper: number,
): number[] | null {
  const seqs: number[] = [];
  for (const name of source === undefined ? sourcesIn(reader) : [source]) {
    const rows = reader.all(
      `SELECT seq FROM claims
       WHERE source = ? AND event_id GLOB ? AND seq >= ? AND seq < ? LIMIT ?`,
      name,
      `${literalGlob(prefix)}*`,
      lower,
      upper,
      ID_MATCHES_SORTED_MAX + 1 - seqs.length,
    );
    seqs.push(
      ...z
        .array(z.object({ seq: z.number() }))
        .parse(rows)
        .map((row) => row.seq),
    );
    if (seqs.length > ID_MATCHES_SORTED_MAX) return null;
  }
  return seqs;
}

/** The shard's distinct sources, by one index seek per day each (a loose index scan of the days' `_by_key`). */
function sourcesIn(reader: CountingReader): string[] {
  const names: string[] = [];
  let after = "";
  while (names.length < SOURCES_MAX) {
    const [row] = reader.all("SELECT source FROM claims WHERE source > ? ORDER BY source LIMIT 1", after);
    const next = z.object({ source: z.string() }).safeParse(row);
    if (!next.success) break;
    names.push(next.data.source);
    after = next.data.source;
  }
  return names;
}

/** One attempt of one delivery key, as the event log shows it. */
export const LogAttempt = z.object({
  handler: z.string(),
  replay: z.number(),
  attempt: z.number(),
  outcome: z.enum(["done", "failed", "dead"]),
  error: z.string().nullable(),
  started_at: z.number(),
  duration_ms: z.number(),
  destination: z.string().nullable(),
  response_status: z.number().nullable(),
  response_body: z.string().nullable(),
  next_retry_at: z.number().nullable(),
});
export type LogAttempt = z.infer<typeof LogAttempt>;

const StoredAttempt = LogAttempt.omit({ replay: true });

/**
 * One delivery key's current state (its `outcomes` row, the claim's `done_record`, or a chosen route not
 * settled yet). `last_error` is the last failure, or for `suppressed` the rule's name; `not_before` is when a
 * `failed` delivery may run again.
 */
export const LogDelivery = z.object({
  handler: z.string(),
  replay: z.number(),
  state: DeliveryState,
  attempts: z.number(),
  last_error: z.string().nullable(),
  not_before: z.number().nullable(),
  updated_at: z.number().nullable(),
});
export type LogDelivery = z.infer<typeof LogDelivery>;

export interface ClaimDetail {
  claim: ClaimRow;
  /** Oldest first: every attempt that did not succeed, and the last attempt of each delivery that did. */
  attempts: LogAttempt[];
  /** Every delivery key's current state: the event's own (in the order of its routes), then its replays'. */
  deliveries: LogDelivery[];
}

const OutcomeRow = z.object({
  handler: z.string(),
  state: DeliveryState,
  attempts: z.number(),
  last_error: z.string().nullable(),
  not_before: z.number().nullable(),
  updated_at: z.number(),
  started_at: z.number().nullable(),
  duration_ms: z.number().nullable(),
  destination: z.string().nullable(),
  response_status: z.number().nullable(),
  response_body: z.string().nullable(),
});
type OutcomeRow = z.infer<typeof OutcomeRow>;

/**
 * The attempt a claim records on itself when its only delivery succeeded at once (delivery-state.ts
 * `DoneRecord`: no `outcomes` row was written for it), as a log attempt; null when it records none.
 */
function doneOnClaim(reader: CountingReader, seq: number): z.infer<typeof StoredAttempt> | null {
  const [row] = reader.all(
    "SELECT done_record, delivered_at FROM claims WHERE seq = ? AND done_record IS NOT NULL",
    seq,
  );
  const parsed = DoneRecord.safeParse(JSON.parse(String(row?.done_record ?? "null")));
  if (!parsed.success) return null;
  const [handler, attempt, durationMs, status] = parsed.data;
  const startedAt = Number(row?.delivered_at ?? 0) - durationMs;
  return {
    handler,
    attempt,
    outcome: "done",
    error: null,
    started_at: startedAt,
    duration_ms: durationMs,
    destination: null,
    response_status: status,
    response_body: null,
    next_retry_at: null,
  };
}

/** The last attempt of a delivery that succeeded, from its `outcomes` row. */
const succeededAttempt = (row: OutcomeRow): z.infer<typeof StoredAttempt> => ({
  handler: row.handler,
  attempt: row.attempts,
  outcome: "done",
  error: null,
  started_at: row.started_at ?? row.updated_at,
  duration_ms: row.duration_ms ?? 0,
  destination: row.destination,
  response_status: row.response_status,
  response_body: row.response_body,
  next_retry_at: null,
});

/**
 * Every delivery key's state: each `outcomes` row, the claim's own record of a first-try success, and the
 * routes chosen at acceptance that have neither (`pending`). A row released from a hold without ever
 * running (`failed`, no attempt) is `pending` too: it waits to run, it did not fail. `attempts` counts the
 * attempts that ran.
 */
function deliveriesOf(
  claim: ClaimRow,
  rows: OutcomeRow[],
  doneAlone: z.infer<typeof StoredAttempt> | null,
): LogDelivery[] {
  const states = rows.map((row): LogDelivery => {
    const { handler, replay = 0 } = parseDeliveryKey(row.handler);
    return {
      handler,
      replay,
      state: row.state === "failed" && row.attempts === 0 ? "pending" : row.state,
      // A suppressed delivery is recorded under the number of the attempt it was suppressed at, which never ran.
      attempts: row.state === "suppressed" ? Math.max(0, row.attempts - 1) : row.attempts,
      last_error: row.last_error,
      not_before: row.state === "failed" ? row.not_before : null,
      updated_at: row.updated_at,
    };
  });
  if (doneAlone)
    states.push({
      handler: doneAlone.handler,
      replay: 0,
      state: "done",
      attempts: doneAlone.attempt,
      last_error: null,
      not_before: null,
      updated_at: claim.delivered_at,
    });
  const routes = z
    .array(z.string())
    .catch([])
    .parse(JSON.parse(claim.routes ?? "[]"));
  for (const route of routes)
    if (!states.some((known) => known.handler === route && known.replay === 0))
      states.push({
        handler: route,
        replay: 0,
        state: "pending",
        attempts: 0,
        last_error: null,
        not_before: null,
        updated_at: null,
      });
  const place = (handler: string) => {
    const index = routes.indexOf(handler);
    return index < 0 ? routes.length : index;
  };
  return states.sort(
    (a, b) =>
      a.replay - b.replay ||
      place(a.handler) - place(b.handler) ||
      (a.handler < b.handler ? -1 : a.handler > b.handler ? 1 : 0),
  );
}

/**
 * The claim of `source`/`id` with its attempts (replays included) and every delivery's current state; null
 * when this shard does not hold it.
 */
export function readClaim(sql: SqlStorage, source: string, id: string): ClaimDetail | null {
  const reader = new CountingReader(sql);
  const [claim] = reader.claims(
    `SELECT ${COLUMNS} FROM claims WHERE source = ? AND event_id = ?`,
    source,
    id,
  );
  if (!claim) return null;
  const failed = reader.all(
    `SELECT handler, attempt, outcome, error, started_at, duration_ms, destination, response_status,
       response_body, next_retry_at FROM failed_attempts WHERE seq = ?`,
    claim.seq,
  );
  const outcomes = z.array(OutcomeRow).parse(
    reader.all(
      `SELECT handler, state, attempts, last_error, not_before, updated_at, started_at, duration_ms,
         destination, response_status, response_body
       FROM outcomes WHERE seq = ?`,
      claim.seq,
    ),
  );
  const doneAlone = doneOnClaim(reader, claim.seq);
  const succeeded = outcomes.filter((row) => row.state === "done").map(succeededAttempt);
  const attempts = z
    .array(StoredAttempt)
    .parse([...failed, ...succeeded, ...(doneAlone ? [doneAlone] : [])])
    .map(({ handler: key, ...attempt }) => {
      const { handler, replay } = parseDeliveryKey(key);
      return { ...attempt, handler, replay: replay ?? 0 };
    })
    .sort(
      (a, b) =>
        a.started_at - b.started_at ||
        (a.handler < b.handler ? -1 : a.handler > b.handler ? 1 : 0) ||
        a.replay - b.replay ||
        a.attempt - b.attempt,
    );
  return { claim, attempts, deliveries: deliveriesOf(claim, outcomes, doneAlone) };
}

export interface ClaimSummary {
  counts: { source: string; status: ClaimStatus; count: number }[];
  /** Delivery latencies (`delivered_at - received_at`, ms) ascending, with how many claims had each. */
  latencies: { ms: number; count: number }[];
  /** True when older claims received since `since` were left out (only the newest `maxRows` are read). */
  truncated: boolean;
  rowsRead: number;
}

const SummaryRow = z.object({ source: z.string(), status: ClaimStatus, latency_ms: z.number().nullable() });

/** Counts by (source, status) and the delivery latencies of the claims received at or after `since`. */
export function summarizeClaims(sql: SqlStorage, since: number, maxRows = SUMMARY_ROWS_MAX): ClaimSummary {
  const reader = new CountingReader(sql);
  const bounds = reader.seqBounds();
  if (!bounds) return { counts: [], latencies: [], truncated: false, rowsRead: reader.rowsRead };
  const lower = reader.firstSeqReceivedFrom(since - RECEIVED_AT_SKEW_MS, bounds);
  const start = Math.max(lower, bounds.last + 1 - maxRows);
  const counts = new Map<string, { source: string; status: ClaimStatus; count: number }>();
  const latencies = new Map<number, number>();
  // One pass, aggregated here: a GROUP BY would read every row a second time through its sorter.
  const rows = reader.all(
    `SELECT source, status, max(0, delivered_at - received_at) AS latency_ms FROM claims
     WHERE seq >= ? AND received_at >= ?`,
    start,
    since,
  );
  for (const row of rows) {
    const { source, status, latency_ms } = SummaryRow.parse(row);
    const key = JSON.stringify([source, status]);
    const counted = counts.get(key) ?? { source, status, count: 0 };
    counted.count++;
    counts.set(key, counted);
    if (latency_ms !== null) latencies.set(latency_ms, (latencies.get(latency_ms) ?? 0) + 1);
  }
  const truncated = start > lower && reader.newestBelow(lower, start) !== null;
  return {
    counts: [...counts.values()],
    latencies: [...latencies].sort(([a], [b]) => a - b).map(([ms, count]) => ({ ms, count })),
    truncated,
    rowsRead: reader.rowsRead,
  };
}

/** One route's deliveries among the claims read: finished well, dead, and still to go. */
export interface RouteActivity {
  route: string;
  pending: number;
  delivered: number;
  dead: number;
}

const RouteRow = z.object({
  route: z.string(),
  status: ClaimStatus,
  state: z.string().nullable(),
  done_with: z.string().nullable(),
});

/**
 * Per route, how many of the claims received since `since` it delivered, gave up (dead) or still owes
 * (pending: the claim is unfinished and the route has not finished it). A claim's routes are those chosen
 * when it was claimed; for claims stored without routes, the deliveries it has. Reads the newest `maxRows`
 * claims of the window at most.
 */
export function routeActivity(
  sql: SqlStorage,
  since: number,
  maxRows = SUMMARY_ROWS_MAX,
): { routes: RouteActivity[]; truncated: boolean } {
  const reader = new CountingReader(sql);
  const bounds = reader.seqBounds();
  if (!bounds) return { routes: [], truncated: false };
  const lower = reader.firstSeqReceivedFrom(since - RECEIVED_AT_SKEW_MS, bounds);
  const start = Math.max(lower, bounds.last + 1 - maxRows);
  const rows = z.array(RouteRow).parse(
    reader.all(
      `SELECT r.value AS route, c.status, o.state, json_extract(c.done_record, '$[0]') AS done_with
       FROM claims c
       JOIN json_each(coalesce(c.routes, (
         SELECT json_group_array(handler) FROM (
           SELECT handler FROM outcomes WHERE seq = c.seq AND handler NOT LIKE '%#replay-%'
           UNION SELECT json_extract(c.done_record, '$[0]') WHERE c.done_record IS NOT NULL)))) r
       LEFT JOIN outcomes o ON o.seq = c.seq AND o.handler = r.value
       WHERE c.seq >= ? AND c.received_at >= ?`,
      start,
      since,
    ),
  );
  const byRoute = new Map<string, RouteActivity>();
  for (const row of rows) {
    const activity = byRoute.get(row.route) ?? { route: row.route, pending: 0, delivered: 0, dead: 0 };
    byRoute.set(row.route, activity);
    if (row.state === "done" || row.done_with === row.route) activity.delivered++;
    else if (row.state === "dead") activity.dead++;
    else if (row.status === "accepted" || row.status === "retrying") activity.pending++;
  }
  return { routes: [...byRoute.values()], truncated: start > lower };
}

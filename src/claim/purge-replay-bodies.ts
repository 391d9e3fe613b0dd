/**
 * Forgets what finished events no longer need: the stored request (headers and body) once the replay window
 * is over, and the whole claim once the retention is. Both walk `seq` from a boundary found by a short scan
 * (there is no index on `received_at`: it would cost a written row on every accept), in bounded batches.
 */
import * as SQL from "./ledger-sql";

/** Stored requests dropped per alarm run at most, so one run stays short; the alarm returns while any remain. */
export const BODY_PURGE_BATCH = 500;

/** How often the scan starts again from the oldest claim, for events that finished after their window. */
const FULL_SCAN_EVERY_MS = 86_400_000;

/** Claims one purge scan looks at, at most. */
const SCAN_WINDOW = 10_000;

/**
 * Where the next scan may start: just before the first claim of the window received at or after `cutoff`
 * (older ones are done, or unfinished and left to the daily full scan), or after the whole window, which
 * then needs another scan at once when it was full.
 */
function nextStart(sql: SqlStorage, after: number, cutoff: number): { start: number; more: boolean } {
  const first = sql
    .exec<{ n: number | null }>(SQL.FIRST_SEQ_SINCE_IN_WINDOW, after, SCAN_WINDOW, cutoff)
    .one().n;
  if (first !== null) return { start: first - 1, more: false };
  const window = sql
    .exec<{ n: number | null; size: number }>(SQL.LAST_SEQ_IN_WINDOW, after, SCAN_WINDOW)
    .one();
  return { start: window.n ?? after, more: window.size === SCAN_WINDOW };
}

/**
 * Remembers (in memory) up to which seq requests are already dropped, so a run reads about the rows it
 * changes instead of every claim kept for deduplication. An event that finishes after its window passed
 * (a long retry, a redriven dead event) loses its request at the next full scan: at start, then daily.
 * `dead` events keep theirs with the claim, so a redrive always works.
 */
export class ReplayBodyPurger {
  private purgedThrough = 0;
  private fullScanAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly sql: SqlStorage) {}

  /** Drops up to BODY_PURGE_BATCH requests of finished events received before `cutoff`; "more" while any remain. */
  purge(cutoff: number, now: number): "done" | "more" {
    if (now - this.fullScanAt >= FULL_SCAN_EVERY_MS) {
      this.purgedThrough = 0;
      this.fullScanAt = now;
    }
    const rows = this.sql
      .exec<{ seq: number; body_size: number }>(
        SQL.SELECT_REQUESTS_PAST_REPLAY,
        this.purgedThrough,
        SCAN_WINDOW,
        cutoff,
        BODY_PURGE_BATCH,
      )
      .toArray();
    for (const { seq, body_size } of rows) {
      this.sql.exec(SQL.DROP_REQUEST, seq);
      if (body_size > 1024 * 1024) this.sql.exec(SQL.DELETE_BODY_CHUNKS, seq);
    }
    const last = rows.at(-1);
    if (rows.length === BODY_PURGE_BATCH && last) return "more";
    const { start, more } = nextStart(this.sql, this.purgedThrough, cutoff);
    this.purgedThrough = start;
    return more ? "more" : "done";
  }
}

/**
 * Forgets up to 500 finished claims received before `cutoff`, with everything kept for them; returns their
 * seqs (the caller forgets what it keeps in memory for them).
 */
export function forgetExpired(sql: SqlStorage, cutoff: number): number[] {
  const expired = sql.exec<{ seq: number }>(SQL.SELECT_EXPIRED, 0, SCAN_WINDOW, cutoff, 500).toArray();
  for (const { seq } of expired) {
    sql.exec(SQL.DELETE_BODY_CHUNKS, seq);
    sql.exec(SQL.DELETE_OUTCOMES, seq);
    sql.exec(SQL.DELETE_FAILED_ATTEMPTS, seq);
    sql.exec(SQL.DELETE_RESEND, seq);
    sql.exec(SQL.DELETE_CLAIM, seq);
  }
  return expired.map((row) => row.seq);
}

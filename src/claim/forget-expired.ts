/**
 * Forgets finished claims once the retention is over, from a window of the oldest claims (there is no index on
 * `received_at`: it would cost a written row on every accept), in bounded batches. Stored requests go sooner,
 * with their hour (stored-requests.ts).
 */
import * as SQL from "./ledger-sql";

/** Claims one expiry scan looks at, at most. */
const SCAN_WINDOW = 10_000;

/**
 * Forgets up to 500 finished claims received before `cutoff`, with everything kept for them; returns their
 * seqs (the caller forgets what it keeps in memory for them).
 */
export function forgetExpired(sql: SqlStorage, cutoff: number): number[] {
  const expired = sql.exec<{ seq: number }>(SQL.SELECT_EXPIRED, 0, SCAN_WINDOW, cutoff, 500).toArray();
  for (const { seq } of expired) {
    sql.exec(SQL.DELETE_OUTCOMES, seq);
    sql.exec(SQL.DELETE_FAILED_ATTEMPTS, seq);
    sql.exec(SQL.DELETE_RESEND, seq);
    sql.exec(SQL.DELETE_CLAIM, seq);
  }
  return expired.map((row) => row.seq);
}

/**
 * Forgets finished kept claims once the retention is over, from a window of the oldest (there is no index on
 * `received_at`: it would cost a written row on every accept), in bounded batches. Kept claims are the
 * unfinished ones of days already dropped (claim-tables.ts: every other claim goes with its day's table).
 * Stored requests go sooner (stored-requests.ts).
 */
import * as SQL from "./ledger-sql";

/** `ledger_settings` name of the largest seq ever forgotten. */
export const FORGOTTEN_THROUGH = "forgotten_through";

/** Claims one expiry scan looks at, at most. */
const SCAN_WINDOW = 10_000;
/** Claims one run forgets at most; the alarm comes back soon while a full batch was forgotten. */
export const FORGET_BATCH = 500;

/**
 * Forgets up to FORGET_BATCH finished kept claims received before `cutoff`, with their outcome rows; returns
 * them (the caller forgets their requests and what it keeps in memory for them). A claim whose latest replay
 * has not begun stays, unless received before `replaysGiveUp` (by default never: 0).
 */
export function forgetExpired(
  sql: SqlStorage,
  cutoff: number,
  replaysGiveUp = 0,
): { seq: number; received_at: number }[] {
  const expired = sql
    .exec<{ seq: number; received_at: number }>(
      SQL.SELECT_EXPIRED,
      0,
      SCAN_WINDOW,
      cutoff,
      FORGET_BATCH,
      replaysGiveUp,
    )
    .toArray();
  for (const { seq } of expired) {
    sql.exec(SQL.DELETE_OUTCOMES, seq);
    sql.exec(SQL.DELETE_FAILED_ATTEMPTS, seq);
    sql.exec(SQL.DELETE_RESEND, seq);
    sql.exec(SQL.DELETE_KEPT_CLAIM, seq);
  }
  // Numbers are never used twice: the counter starts past the largest one ever forgotten (store-event.ts).
  const last = Math.max(0, ...expired.map((row) => row.seq));
  if (last > 0) sql.exec(SQL.SET_SETTING_AT_LEAST, FORGOTTEN_THROUGH, last);
  return expired;
}

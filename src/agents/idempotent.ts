/**
 * Exactly-once effects for an Agent (or any SQLite Durable Object) that Hookgate delivers to: a call can
 * run twice when the consumer dies after it and before recording success, so the Agent records the
 * delivery's idempotency key in the same synchronous transaction as its state change, and a second call
 * with that key changes nothing. This file imports nothing, so an Agent in another Worker can copy it.
 */

/** The table kept in the Agent's own storage: one row per applied idempotency key. */
export const APPLIED_KEYS_TABLE = "hookgate_applied_keys";

/** Keys are kept this long by default: past retries, redrives and the ledger's own retention (7 days). */
const DEFAULT_KEEP_DAYS = 30;
const DAY_MS = 86_400_000;

/** What `onceFor` did: ran `apply` (and returns its value), or found the key applied before. */
export type OnceResult<T> = { readonly applied: true; readonly value: T } | { readonly applied: false };

/** Idempotent and cheap, so it runs on every call: it survives `deleteAll()` and needs no migration. */
function ensureTable(sql: SqlStorage): void {
  sql.exec(
    `CREATE TABLE IF NOT EXISTS ${APPLIED_KEYS_TABLE} (key TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`,
  );
  sql.exec(`CREATE INDEX IF NOT EXISTS ${APPLIED_KEYS_TABLE}_by_time ON ${APPLIED_KEYS_TABLE} (applied_at)`);
}

/**
 * Runs `apply` at most once per `idempotencyKey`, atomically with recording the key: both commit in one
 * `transactionSync`, or neither does (an `apply` that throws leaves the key unrecorded, so a retry applies
 * it). `apply` must be synchronous and write only through `storage` (its SQL or KV API): an `await` would
 * end the transaction, so a returned promise is refused. Keys older than `keepDays` are pruned as it goes.
 *
 * @example
 * async onWebhook(envelope, { idempotencyKey }) {
 *   onceFor(this.ctx.storage, idempotencyKey, () => {
 *     this.ctx.storage.sql.exec("UPDATE jobs SET status = ? WHERE id = ?", envelope.payload.status, id);
 *   });
 * }
 */
export function onceFor<T>(
  storage: DurableObjectStorage,
  idempotencyKey: string,
  apply: () => T,
  { keepDays = DEFAULT_KEEP_DAYS, now = Date.now() }: { keepDays?: number; now?: number } = {},
): OnceResult<T> {
  return storage.transactionSync(() => {
    const { sql } = storage;
    ensureTable(sql);
    sql.exec(`DELETE FROM ${APPLIED_KEYS_TABLE} WHERE applied_at < ?`, now - keepDays * DAY_MS);
    const recorded = sql.exec(
      `INSERT INTO ${APPLIED_KEYS_TABLE} (key, applied_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`,
      idempotencyKey,
      now,
    ).rowsWritten;
    if (recorded === 0) return { applied: false };
    const value = apply();
    if (value instanceof Promise)
      throw new TypeError("onceFor: apply must be synchronous (an await would end the transaction)");
    return { applied: true, value };
  });
}

/** The ledger side of operator actions: numbering replays, reviving dead handlers, reading a stored request. */
import * as SQL from "./ledger-sql";
import { readBody } from "./store-event";

/** A replay started, or refused because the body is past the replay window (its claim is still kept). */
export type ReplayStart = { replay: number; type: string; shard: number } | { claimKeptUntil: number } | null;

/**
 * Numbers a new replay of an event (replays bypass deduplication on purpose); null when unknown. An event
 * whose body is gone is not replayed (handlers would run on nothing): it answers when its claim expires.
 */
export function startReplay(
  sql: SqlStorage,
  source: string,
  id: string,
  claimRetentionMs: number,
): ReplayStart {
  const event = sql.exec<{ received_at: number }>(SQL.SELECT_EVENT, source, id).toArray()[0];
  if (!event) return null;
  if (sql.exec<{ n: number }>(SQL.HAS_BODY, source, id).one().n === 0)
    return { claimKeptUntil: event.received_at + claimRetentionMs };
  const row = sql
    .exec<{ replays: number; type: string; shard: number }>(SQL.NEXT_REPLAY, source, id)
    .toArray()[0];
  return row ? { replay: row.replays, type: row.type, shard: row.shard } : null;
}

/**
 * Gives an event's dead handlers (replays included) a fresh set of attempts and hands the event back to
 * the outbox, in one transaction, so the messages that run them are sent with the outbox's guarantees.
 * Returns how many handlers were revived (null: unknown event).
 */
export function reviveDead(storage: DurableObjectStorage, source: string, id: string): number | null {
  return storage.transactionSync(() => {
    if (storage.sql.exec(SQL.SELECT_EVENT, source, id).toArray().length === 0) return null;
    const revived = storage.sql.exec(SQL.REVIVE_DEAD, Date.now(), source, id).rowsWritten;
    if (revived > 0) {
      storage.sql.exec(SQL.SET_STATUS, "retrying", source, id);
      storage.sql.exec(SQL.RETURN_TO_OUTBOX, source, id);
    }
    return revived;
  });
}

/** The stored request: headers and the raw body, byte for byte; null once purged. */
export function readStored(
  sql: SqlStorage,
  source: string,
  id: string,
): { headers: Record<string, string>; body: Uint8Array } | null {
  const row = sql.exec<{ headers: string }>(SQL.SELECT_EVENT, source, id).toArray()[0];
  const body = readBody(sql, source, id);
  return row && body ? { headers: JSON.parse(row.headers), body } : null;
}

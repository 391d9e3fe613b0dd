/** The ledger side of operator actions: numbering replays, reviving dead deliveries, reading a stored request. */
import { claimKeptUntil, claimTables } from "./claim-tables";
import * as SQL from "./ledger-sql";
import type { StoredRequest, StoredRequests } from "./stored-requests";

/** A replay started, or refused because the body is past the replay window (its claim is still kept). */
export type ReplayStart = { replay: number; type: string; shard: number } | { claimKeptUntil: number } | null;

const claimOf = (sql: SqlStorage, source: string, id: string) =>
  sql.exec<SQL.ClaimRow>(SQL.SELECT_CLAIM, source, id).toArray()[0];

/**
 * Numbers a new replay of an event (replays bypass deduplication on purpose); null when unknown. An event
 * whose request is gone is not replayed (handlers would run on nothing): it answers when its claim expires.
 */
export function startReplay(
  sql: SqlStorage,
  requests: StoredRequests,
  source: string,
  id: string,
  claimRetentionMs: number,
): ReplayStart {
  const claim = claimOf(sql, source, id);
  if (!claim) return null;
  if (!requests.has(claim)) return { claimKeptUntil: claimKeptUntil(claim.received_at, claimRetentionMs) };
  const [numbered] = claimTables(sql).update<{ replays: number }>(claim.seq, SQL.NEXT_REPLAY, claim.seq);
  if (!numbered) return null;
  return { replay: numbered.replays, type: claim.type, shard: claim.shard };
}

/**
 * Gives an event's dead deliveries (replays included) a fresh set of attempts and hands the event back to
 * the outbox, in one transaction, so the messages that run them are sent with the outbox's guarantees.
 * Returns how many deliveries were revived (null: unknown event).
 */
export function reviveDead(storage: DurableObjectStorage, source: string, id: string): number | null {
  return storage.transactionSync(() => {
    const claim = claimOf(storage.sql, source, id);
    if (!claim) return null;
    const revived = storage.sql.exec(SQL.REVIVE_DEAD, Date.now(), claim.seq).rowsWritten;
    if (revived > 0) {
      claimTables(storage.sql).update(claim.seq, SQL.SET_STATUS, claim.seq, "retrying");
      storage.sql.exec(SQL.INSERT_RESEND, claim.seq);
    }
    return revived;
  });
}

/** The stored request: headers and the raw body, byte for byte; null once purged. */
export function readStored(
  sql: SqlStorage,
  requests: StoredRequests,
  source: string,
  id: string,
): Promise<StoredRequest | null> {
  const claim = claimOf(sql, source, id);
  return claim ? requests.read(claim) : Promise.resolve(null);
}

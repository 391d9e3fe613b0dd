/** Stores claimed events, with their stored request, in the ledger's SQLite; numbers the claims. */

import { FORGOTTEN_THROUGH } from "./forget-expired";
import type { AcceptInput, AcceptOutcome } from "./ledger-rpc";
import { readSetting } from "./ledger-settings";
import * as SQL from "./ledger-sql";
import type { StoredRequests } from "./stored-requests";

/**
 * Numbers claims: one past the largest `seq` stored, sent (the persisted sent mark) or forgotten (the
 * `forgotten_through` setting), so a number is never used twice, even when the newest claims were forgotten
 * (SQLite would reuse the largest rowid).
 */
export class SeqCounter {
  private next: number;

  constructor(
    private readonly sql: SqlStorage,
    sentThrough: number,
  ) {
    const forgotten = readSetting(sql, FORGOTTEN_THROUGH);
    const stored = sql.exec<{ n: number }>(SQL.MAX_SEQ).one().n;
    this.next = Math.max(sentThrough, forgotten, stored) + 1;
  }

  /** The number the next claim gets (`max(seq)` is one read of the rowid b-tree's last entry). */
  peek(): number {
    this.next = Math.max(this.next, this.sql.exec<{ n: number }>(SQL.MAX_SEQ).one().n + 1);
    return this.next;
  }

  /** Uses up the number `peek` gave. */
  take(): void {
    this.next++;
  }
}

/**
 * Claims `(source, id)` and stores the event with it. The caller runs it inside a transaction (the group
 * commit), so a claim is never visible without its request. Returns "duplicate" when the id was already
 * claimed. An event chosen for no route is stored as `filtered`: finished, with nothing to send.
 */
export function storeEvent(
  sql: SqlStorage,
  seqs: SeqCounter,
  requests: StoredRequests,
  event: AcceptInput,
): AcceptOutcome {
  const claimed = sql
    .exec<{ seq: number }>(
      SQL.INSERT_CLAIM,
      seqs.peek(),
      event.source,
      event.id,
      event.type,
      event.receivedAt,
      event.body.byteLength,
      event.shard,
      event.verifiedWith ?? null,
      event.routes ? JSON.stringify(event.routes) : null,
      event.routes?.length === 0 ? "filtered" : "accepted",
    )
    .toArray()[0];
  if (!claimed) return "duplicate";
  seqs.take();
  requests.store(claimed.seq, event.receivedAt, event.headers, event.body);
  return "accepted";
}

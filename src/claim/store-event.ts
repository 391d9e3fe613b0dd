/** Stores claimed events in the ledger's SQLite, their requests in R2 first; numbers the claims. */

import { claimTables } from "./claim-tables";
import { FORGOTTEN_THROUGH } from "./forget-expired";
import type { AcceptInput, AcceptOutcome } from "./ledger-rpc";
import { readSetting } from "./ledger-settings";
import * as SQL from "./ledger-sql";
import { entryKeyOf } from "./request-segment";
import type { StoredRequests } from "./stored-requests";

/**
 * Numbers claims: one past the largest `seq` stored, sent (the persisted sent mark) or forgotten (the
 * `forgotten_through` setting), so a number is never used twice, even when the newest claims were forgotten
 * (SQLite would reuse the largest rowid). A number reserved for a claim that then failed is skipped.
 */
export class SeqCounter {
  private next: number;

  constructor(
    private readonly sql: SqlStorage,
    sentThrough: number,
  ) {
    const forgotten = readSetting(sql, FORGOTTEN_THROUGH);
    const stored = claimTables(sql).maxSeq();
    this.next = Math.max(sentThrough, forgotten, stored) + 1;
  }

  /** Reserves `count` consecutive numbers; returns the first (`max(seq)` is one read of a rowid b-tree). */
  reserve(count: number): number {
    const first = Math.max(this.next, claimTables(this.sql).maxSeq() + 1);
    this.next = first + count;
    return first;
  }
}

/**
 * Where a new claim goes: its number, its request's index in its R2 segment and its claims table (today's when
 * staged, created then: outside the group's transaction, so a failed job cannot roll the table back while the
 * ledger still counts on it); or already claimed.
 */
export type StagedClaim = { seq: number; requestIndex: number; table: string } | "duplicate";

/**
 * Stages a group's accepts before its transaction: an id claimed already (or twice in the group) is a
 * duplicate and writes nothing; the others get consecutive numbers and their requests are written to R2
 * as one segment. The group commits only after R2 holds them, so a claim never exists without its request;
 * when the write fails, those accepts fail (the sender retries), their twins in the group too, and nothing
 * is claimed.
 */
export async function stageAccepts(
  sql: SqlStorage,
  seqs: SeqCounter,
  requests: StoredRequests,
  payloads: (AcceptInput | undefined)[],
): Promise<(StagedClaim | Error | undefined)[]> {
  const staged: (StagedClaim | Error | undefined)[] = payloads.map(() => undefined);
  const fresh: number[] = [];
  const seen = new Set<string>();
  /** Second copies of an id in this group: duplicates only if its first copy is claimed. */
  const twins: number[] = [];
  payloads.forEach((event, index) => {
    if (!event) return;
    const key = JSON.stringify([event.source, event.id]);
    const claimed = sql.exec(SQL.SELECT_SEQ, event.source, event.id).toArray().length > 0;
    if (claimed || seen.has(key)) staged[index] = "duplicate";
    else fresh.push(index);
    if (!claimed && seen.has(key)) twins.push(index);
    seen.add(key);
  });
  if (fresh.length === 0) return staged;
  const first = seqs.reserve(fresh.length);
  const table = claimTables(sql).current(Date.now(), first);
  try {
    const indexes = await requests.write(
      first,
      fresh.flatMap((index) => {
        const event = payloads[index];
        return event
          ? [{ key: entryKeyOf(event.source, event.id), headers: event.headers, body: event.body }]
          : [];
      }),
    );
    fresh.forEach((index, n) => {
      staged[index] = { seq: first + n, requestIndex: indexes[n] ?? 0, table };
    });
  } catch (error) {
    const failed = error instanceof Error ? error : new Error(String(error));
    // A twin told "duplicate" would be answered 200 with nothing claimed: the provider stops retrying.
    for (const index of [...fresh, ...twins]) staged[index] = failed;
  }
  return staged;
}

/**
 * Claims `(source, id)` with the number and request staging gave it. The caller runs it inside the group's
 * transaction. Returns "duplicate" when the id was already claimed. An event chosen for no route is stored
 * as `filtered`: finished, with nothing to send.
 */
export function storeEvent(
  sql: SqlStorage,
  staged: StagedClaim | undefined,
  event: AcceptInput,
): AcceptOutcome {
  if (staged === undefined) throw new Error("an accept reached its transaction without being staged");
  if (staged === "duplicate") return "duplicate";
  const claimed = sql
    .exec<{ seq: number }>(
      SQL.INSERT_CLAIM(staged.table),
      staged.seq,
      event.source,
      event.id,
      event.type,
      event.receivedAt,
      event.body.byteLength,
      event.shard,
      event.verifiedWith ?? null,
      event.routes ? JSON.stringify(event.routes) : null,
      event.routes?.length === 0 ? "filtered" : "accepted",
      staged.requestIndex,
    )
    .toArray()[0];
  return claimed ? "accepted" : "duplicate";
}

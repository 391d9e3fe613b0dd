/**
 * Seeds event-log rows (ledger `claims`, with `outcomes` and `failed_attempts` where asked) in the shard
 * each event belongs to, as the ledger would write them, so admin and dashboard tests control every field.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { claimTables, ensureDayTable } from "../../src/claim/claim-tables";
import { LEDGER_SCHEMA } from "../../src/claim/ledger-schema";
import { entryKeyOf } from "../../src/claim/request-segment";
import { ledgerFor, shardForEvent } from "../../src/claim/shard-for-event";
import { settingsFrom } from "../../src/config/settings";

export type LoggedEvent = {
  id: string;
  type?: string;
  status: string;
  lastError?: string;
  attempts?: number;
  receivedAt?: number;
  deliveredAt?: number;
  routes?: string[];
};

export type ClaimSeed = LoggedEvent & { source: string };

/** The parts of a ledger instance a seed needs: its claim numbering and its stored requests (tests only). */
export type LedgerInternals = {
  seqs: { reserve(count: number): number };
  requests: {
    write(
      firstSeq: number,
      requests: { key: string; headers: Record<string, string>; body: Uint8Array }[],
    ): Promise<number[]>;
  };
};

const SEED_BODY = new TextEncoder().encode("{}");

/** Inserts one claim without a stored request (as after the replay window); returns its seq. */
export function insertClaim(sql: SqlStorage, shard: number, seed: ClaimSeed): number {
  return insertRow(sql, shard, seed, null, null);
}

/**
 * Stores claims as the ledger accepts them: numbered by the ledger's counter, their requests (headers `{}`,
 * body `{}`) written to R2 as one segment first. Returns their seqs.
 */
export async function storeClaims(
  instance: unknown,
  sql: SqlStorage,
  shard: number,
  seeds: ClaimSeed[],
): Promise<number[]> {
  const ledger = instance as LedgerInternals;
  const first = ledger.seqs.reserve(seeds.length);
  const indexes = await ledger.requests.write(
    first,
    seeds.map((seed) => ({ key: entryKeyOf(seed.source, seed.id), headers: {}, body: SEED_BODY })),
  );
  return seeds.map((seed, n) => insertRow(sql, shard, seed, first + n, indexes[n] ?? 0));
}

function insertRow(
  sql: SqlStorage,
  shard: number,
  seed: ClaimSeed,
  seq: number | null,
  requestIndex: number | null,
): number {
  const receivedAt = seed.receivedAt ?? Date.now();
  const table = ensureDayTable(sql, receivedAt);
  const tables = claimTables(sql);
  tables.refresh();
  return sql
    .exec<{ seq: number }>(
      `INSERT INTO ${table} (seq, source, event_id, type, received_at, body_size, shard, routes, status, attempts,
         last_error, delivered_at, request_index)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
      seq ?? tables.maxSeq() + 1,
      seed.source,
      seed.id,
      seed.type ?? "issues.opened",
      receivedAt,
      SEED_BODY.byteLength,
      shard,
      seed.routes ? JSON.stringify(seed.routes) : null,
      seed.status,
      seed.attempts ?? 1,
      seed.lastError ?? null,
      seed.deliveredAt ?? null,
      requestIndex,
    )
    .one().seq;
}

/** The shard an event is claimed in under the test configuration. */
export const shardOf = (source: string, id: string) =>
  shardForEvent(source, id, settingsFrom(env).CLAIM_SHARDS);

/**
 * Creates the log tables in every shard. (Until the ledger creates them itself, a fan-out to a shard
 * that never got a seeded row would find no `claims` table.)
 */
export async function ensureLogTables(): Promise<void> {
  const shards = settingsFrom(env).CLAIM_SHARDS;
  await Promise.all(
    Array.from({ length: shards }, (_, shard) =>
      runInDurableObject(ledgerFor(env, shard), (_i, state) => {
        state.storage.sql.exec(LEDGER_SCHEMA);
        claimTables(state.storage.sql);
      }),
    ),
  );
}

/** Runs `write` in the ledger shard of `source`/`id`, with that claim's seq. */
export async function inShardOf(
  source: string,
  id: string,
  write: (sql: SqlStorage, seq: number) => void,
): Promise<void> {
  await runInDurableObject(ledgerFor(env, shardOf(source, id)), (_i, state) => {
    const { seq } = state.storage.sql
      .exec<{ seq: number }>("SELECT seq FROM claims WHERE source = ? AND event_id = ?", source, id)
      .one();
    write(state.storage.sql, seq);
  });
}

/**
 * One claim per event, each in its own shard, newest first in list order (each 1 ms older than the one
 * before, and accepted in time order, as the ledger would).
 */
export async function logEvents(source: string, events: LoggedEvent[]): Promise<void> {
  await ensureLogTables();
  const now = Date.now();
  const seeds = events.map((event, index) => ({ receivedAt: now - index, ...event, source })).reverse();
  for (const seed of seeds) {
    const shard = shardOf(source, seed.id);
    await runInDurableObject(ledgerFor(env, shard), (instance, state) =>
      storeClaims(instance, state.storage.sql, shard, [seed]),
    );
  }
}

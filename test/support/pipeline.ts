/** Drives the real queue consumer and ledger from tests: batches, shards, and ledger inspection. */
import {
  createExecutionContext,
  createMessageBatch,
  getQueueResult,
  runInDurableObject,
} from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import type { EventMessage } from "../../src/claim/event-message";
import { ledgerFor, shardForEvent } from "../../src/claim/shard-for-event";
import { settingsFrom } from "../../src/config/settings";
import type { HandlerRegistry } from "../../src/handlers/handler-registry";
import { deliverBatch } from "../../src/queue/deliver-batch";
import { type Fixture, post } from "./signed-requests";

export function ledgerOf(source: string, id: string, testEnv: Env = env) {
  const shard = shardForEvent(source, id, settingsFrom(testEnv).CLAIM_SHARDS);
  return { shard, ledger: ledgerFor(testEnv, shard) };
}

/** Posts a signed fixture through the real HTTP entry point; returns the event id. */
export async function accept(fixture: Fixture): Promise<string> {
  const response = await exports.default.fetch(post(fixture));
  if (response.status !== 202) throw new Error(`expected 202, got ${response.status}`);
  return (await response.json<{ id: string }>()).id;
}

export function messageFor(source: string, id: string, type: string, testEnv: Env = env): EventMessage {
  return { v: 1, source, id, type, shard: ledgerOf(source, id, testEnv).shard };
}

let sequence = 0;

/** Runs one consumer invocation over `bodies` and returns the queue's ack/retry result. */
export async function consume(
  bodies: unknown[],
  registry: HandlerRegistry,
  testEnv: Env = env,
  attempts = 1,
) {
  const batch = createMessageBatch(
    "hookgate-events",
    bodies.map((body) => ({ id: `m${++sequence}`, timestamp: new Date(), attempts, body })),
  );
  // The test batch records `retry()` but not its options, so the requested delays are observed here.
  const delays = new Map<string, number | undefined>();
  for (const message of batch.messages) {
    const retry = message.retry.bind(message);
    message.retry = (options) => {
      delays.set(message.id, options?.delaySeconds);
      retry(options);
    };
  }
  const ctx = createExecutionContext();
  await deliverBatch(batch, testEnv, registry);
  const result = await getQueueResult(batch, ctx);
  const retryMessages = result.retryMessages.map(({ msgId }) => ({ msgId, delaySeconds: delays.get(msgId) }));
  return { batch, result: { ...result, retryMessages } };
}

export type DeliveryRow = { handler: string; state: string; attempts: number; last_error: string | null };

/**
 * Reads the ledger's rows for one event, straight from its SQLite storage: the claim (with `enqueued_at`
 * set once the outbox's sent mark passed it) and its settled deliveries.
 */
export function inspectLedger(source: string, id: string, testEnv: Env = env) {
  const { ledger } = ledgerOf(source, id, testEnv);
  return runInDurableObject(ledger, (_instance, state) => {
    const sql = state.storage.sql;
    const claim = sql
      .exec<{ seq: number; status: string; done_record: string | null }>(
        "SELECT seq, status, done_record FROM claims WHERE source = ? AND event_id = ?",
        source,
        id,
      )
      .toArray()[0];
    const sentThrough =
      sql
        .exec<{ value: number }>("SELECT value FROM ledger_settings WHERE name = 'sent_through'")
        .toArray()[0]?.value ?? 0;
    const event = claim && { status: claim.status, enqueued_at: claim.seq <= sentThrough ? claim.seq : null };
    const deliveries = claim
      ? sql
          .exec<DeliveryRow>(
            "SELECT handler, state, attempts, last_error FROM outcomes WHERE seq = ? ORDER BY updated_at",
            claim.seq,
          )
          .toArray()
      : [];
    // A claim whose only delivery succeeded at once keeps it on the claim row (delivery-state.ts DoneRecord).
    if (claim?.done_record) {
      const [handler, attempts] = JSON.parse(claim.done_record) as [string, number];
      deliveries.unshift({ handler, state: "done", attempts, last_error: null });
    }
    return { event, deliveries };
  });
}

/** The ledger instance's in-memory leases (private state, reached from tests only). */
type WithLeases = { leases: { leases: Map<number, Map<string, { attempt: number; until: number }>> } };

/** Moves a handler's lease and backoff into the past, as if time had passed. */
export function expireWaits(source: string, id: string, testEnv: Env = env) {
  const { ledger } = ledgerOf(source, id, testEnv);
  return runInDurableObject(ledger, (instance, state) => {
    const sql = state.storage.sql;
    const seq = sql
      .exec<{ seq: number }>("SELECT seq FROM claims WHERE source = ? AND event_id = ?", source, id)
      .toArray()[0]?.seq;
    sql.exec("UPDATE outcomes SET not_before = 0 WHERE seq = ?", seq ?? -1);
    const { leases } = instance as unknown as WithLeases;
    for (const lease of leases.leases.get(seq ?? -1)?.values() ?? []) lease.until = 0;
    // A new instance loads leases from their batch rows: those end now too.
    sql.exec("UPDATE lease_batches SET until = 0 WHERE until > 0");
  });
}

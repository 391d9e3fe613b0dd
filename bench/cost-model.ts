/**
 * Turns the work bench/storage-work.perf.ts counts per event into dollars per million events at
 * Cloudflare's list prices, and into the sustained rate one deployment holds (and which limit sets it),
 * so that docs/scaling.md and issue 16's targets use computed figures, never hand arithmetic.
 */
import type { StorageWork } from "./report.ts";

/**
 * Cloudflare list prices on Workers Paid, beyond the included usage, in dollars. Read on 2026-11-30 from:
 * - Workers: developers.cloudflare.com/workers/platform/pricing ($0.30 per million requests, $0.02 per
 *   million CPU ms; queue consumer invocations are Worker requests);
 * - Durable Objects: developers.cloudflare.com/durable-objects/platform/pricing ($0.15 per million
 *   requests, every RPC method call and every alarm invocation is one; SQLite storage: $1.00 per million
 *   rows written, $0.001 per million rows read, $0.20 per GB-month stored);
 * - Queues: developers.cloudflare.com/queues/platform/pricing ($0.40 per million operations; a message
 *   is one write, one read and one delete, each per 64 KB);
 * - D1: developers.cloudflare.com/d1/platform/pricing ($1.00 per million rows written, $0.001 per million
 *   rows read, $0.75 per GB-month stored).
 */
export const PRICE = {
  workerRequest: 0.3 / 1e6,
  workerCpuMs: 0.02 / 1e6,
  durableObjectRequest: 0.15 / 1e6,
  sqliteRowWritten: 1.0 / 1e6,
  sqliteRowRead: 0.001 / 1e6,
  sqliteGbMonth: 0.2,
  queueOperation: 0.4 / 1e6,
  d1RowWritten: 1.0 / 1e6,
  d1GbMonth: 0.75,
} as const;

/** Published platform limits the capacity arithmetic uses (docs/scaling.md, "The limits that matter"). */
export const LIMIT = {
  /** Cloudflare's guidance for one Durable Object (single-threaded): about 1,000 requests/s. */
  durableObjectRequestsPerSecond: 1_000,
  durableObjectBytes: 10e9,
  d1DatabaseBytes: 10e9,
  queueMessagesPerSecond: 5_000,
  queueOperationBytes: 64 * 1024,
} as const;

/** The default deployment (wrangler.toml): what the per-event figures are amortised over. */
export interface Deployment {
  shards: number;
  retentionDays: number;
  /** Queue consumer `max_batch_size`: at load every consumer invocation carries this many messages. */
  consumerBatch: number;
  /** OUTBOX_REDRIVE_SECONDS: a busy shard runs its alarm once per this period. */
  alarmSeconds: number;
  queues: number;
}

export const DEFAULT_DEPLOYMENT: Deployment = {
  shards: 4,
  retentionDays: 7,
  consumerBatch: 50,
  alarmSeconds: 5,
  queues: 1,
};

/** What one event costs in billed units, amortised at a sustained `rate` (events/s). */
export interface PerEventUnits {
  workerRequests: number;
  durableObjectRequests: number;
  ledgerRowsWritten: number;
  ledgerRowsRead: number;
  eventLogRowsWritten: number;
  queueMessages: number;
  queueOperations: number;
  ledgerBytes: number;
  eventLogBytes: number;
  /** Net CPU per event when a load run measured it (local, an upper bound); 0 when not measured. */
  cpuMs: number;
}

const CONSUMER_CALLS = ["beginDeliveries", "settleDeliveries"];

/**
 * Billed units per event from what the storage bench counted for one lone event, amortised at load:
 * a consumer invocation carries `consumerBatch` messages and calls each shard it touches once to begin
 * and once to settle (so the lone event's consumer calls are scaled by min(shards, batch) ÷ batch), and
 * each busy shard runs one alarm per `alarmSeconds`, shared by every event that arrives meanwhile.
 */
export function perEventUnits(
  work: StorageWork,
  deployment: Deployment,
  rate: number,
  cpuMs: number | null,
): PerEventUnits {
  const e = work.perEvent;
  const calls = e.durableObjectCalls ?? {};
  const consumerCalls = CONSUMER_CALLS.reduce((n, m) => n + (calls[m] ?? 0), 0);
  const ingressCalls = Object.entries(calls)
    .filter(([method]) => !CONSUMER_CALLS.includes(method) && method !== "alarm")
    .reduce((n, [, count]) => n + count, 0);
  const shardsPerBatch = Math.min(deployment.shards, deployment.consumerBatch);
  const alarmsPerEvent = deployment.shards / deployment.alarmSeconds / rate;
  const messages = e.queue?.messageBytes ?? [];
  const operationsPerMessage = (bytes: number) =>
    3 * Math.max(1, Math.ceil(bytes / LIMIT.queueOperationBytes));
  return {
    workerRequests: 1 + 1 / deployment.consumerBatch,
    durableObjectRequests:
      ingressCalls + (consumerCalls * shardsPerBatch) / deployment.consumerBatch + alarmsPerEvent,
    ledgerRowsWritten: e.ledger.written,
    ledgerRowsRead: e.ledger.read + (e.alarmRun?.read ?? 0) * alarmsPerEvent,
    eventLogRowsWritten: e.eventLog.rowsWritten,
    queueMessages: messages.length,
    queueOperations: messages.reduce((n, bytes) => n + operationsPerMessage(bytes), 0),
    ledgerBytes: work.bytesPerRetainedEvent?.ledger ?? 0,
    eventLogBytes: work.bytesPerRetainedEvent?.eventLog ?? 0,
    cpuMs: cpuMs ?? 0,
  };
}

/** Dollars per million events, by item, at list prices; storage held for the retention window. */
export function dollarsPerMillion(units: PerEventUnits, deployment: Deployment): Record<string, number> {
  const months = deployment.retentionDays / 30;
  const items = {
    "Workers requests": units.workerRequests * PRICE.workerRequest,
    "Workers CPU": units.cpuMs * PRICE.workerCpuMs,
    "Durable Object requests": units.durableObjectRequests * PRICE.durableObjectRequest,
    "Durable Object rows written": units.ledgerRowsWritten * PRICE.sqliteRowWritten,
    "Durable Object rows read": units.ledgerRowsRead * PRICE.sqliteRowRead,
    "Durable Object storage": (units.ledgerBytes / 1e9) * months * PRICE.sqliteGbMonth,
    "D1 rows written": units.eventLogRowsWritten * PRICE.d1RowWritten,
    "D1 storage": (units.eventLogBytes / 1e9) * months * PRICE.d1GbMonth,
    "Queue operations": units.queueOperations * PRICE.queueOperation,
  };
  const perMillion = Object.fromEntries(Object.entries(items).map(([k, v]) => [k, v * 1e6]));
  return { ...perMillion, total: Object.values(perMillion).reduce((n, v) => n + v, 0) };
}

/** Each bound on the sustained rate (events/s) of a deployment; `setBy` names the lowest. */
export function capacity(units: PerEventUnits, deployment: Deployment) {
  const retentionSeconds = deployment.retentionDays * 86_400;
  const bounds: Record<string, number> = {
    "Durable Object requests (~1,000/s per shard)":
      (deployment.shards * LIMIT.durableObjectRequestsPerSecond) / units.durableObjectRequests,
    "ledger storage (10 GB per shard)":
      units.ledgerBytes > 0
        ? (deployment.shards * LIMIT.durableObjectBytes) / (units.ledgerBytes * retentionSeconds)
        : Number.POSITIVE_INFINITY,
    "D1 event log (10 GB)":
      units.eventLogBytes > 0
        ? LIMIT.d1DatabaseBytes / (units.eventLogBytes * retentionSeconds)
        : Number.POSITIVE_INFINITY,
    "queue (5,000 messages/s per queue)":
      (deployment.queues * LIMIT.queueMessagesPerSecond) / Math.max(units.queueMessages, 1e-9),
  };
  const [setBy, eventsPerSecond] = Object.entries(bounds).reduce((low, b) => (b[1] < low[1] ? b : low));
  return { eventsPerSecond, setBy, bounds };
}

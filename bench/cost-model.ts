/**
 * Turns the work bench/storage-work.perf.ts counts per event into dollars per million events at
 * Cloudflare's list prices, and into the sustained rate one deployment holds (and which limit sets it),
 * so that docs/scaling.md and issue 16's targets use computed figures, never hand arithmetic.
 */
import type { PipelineRun, StorageWork } from "./report.ts";

/**
 * Cloudflare list prices on Workers Paid, beyond the included usage, in dollars. Read on 2026-11-30 from:
 * - Workers: developers.cloudflare.com/workers/platform/pricing ($0.30 per million requests, $0.02 per
 *   million CPU ms; queue consumer invocations are Worker requests);
 * - Durable Objects: developers.cloudflare.com/durable-objects/platform/pricing ($0.15 per million
 *   requests: every RPC method call and every alarm invocation is one; $12.50 per million GB-s of
 *   duration at 128 MB per active object; SQLite storage: $1.00 per million rows written, $0.001 per
 *   million rows read, $0.20 per GB-month stored);
 * - Queues: developers.cloudflare.com/queues/platform/pricing ($0.40 per million operations; a message
 *   is one write, one read and one delete, each per 64 KB);
 * - R2: developers.cloudflare.com/r2/pricing ($4.50 per million Class A operations: put, list; $0.36 per
 *   million Class B: get, head; deletes free; $0.015 per GB-month stored; no egress fee).
 */
export const PRICE = {
  workerRequest: 0.3 / 1e6,
  workerCpuMs: 0.02 / 1e6,
  durableObjectRequest: 0.15 / 1e6,
  durableObjectGbSecond: 12.5 / 1e6,
  sqliteRowWritten: 1.0 / 1e6,
  sqliteRowRead: 0.001 / 1e6,
  sqliteGbMonth: 0.2,
  queueOperation: 0.4 / 1e6,
  r2ClassA: 4.5 / 1e6,
  r2ClassB: 0.36 / 1e6,
  r2GbMonth: 0.015,
} as const;

/** Published platform limits the capacity arithmetic uses (docs/scaling.md, "The limits that matter"). */
export const LIMIT = {
  /** Cloudflare's guidance for one Durable Object (single-threaded): about 1,000 requests/s. */
  durableObjectRequestsPerSecond: 1_000,
  durableObjectBytes: 10e9,
  durableObjectMemoryGb: 0.128,
  queueMessagesPerSecond: 5_000,
  queueOperationBytes: 64 * 1024,
} as const;

/** A deployment's shape (wrangler.toml and its vars): what the per-event figures are amortised over. */
export interface Deployment {
  shards: number;
  retentionDays: number;
  replayHours: number;
  /** Queue consumer `max_batch_size`: at load every consumer invocation carries this many messages. */
  consumerBatch: number;
  /** OUTBOX_REDRIVE_SECONDS: a busy shard runs its alarm once per this period. */
  alarmSeconds: number;
  queues: number;
  /** Routes with a gate (RouteGate objects kept busy). */
  routes: number;
}

/** The default deployment: wrangler.toml as shipped (4 shards, two event queues, one route). */
export const DEFAULT_DEPLOYMENT: Deployment = {
  shards: 4,
  retentionDays: 7,
  replayHours: 72,
  consumerBatch: 50,
  alarmSeconds: 5,
  queues: 2,
  routes: 1,
};

/** What one event costs in billed units at a sustained `rate` (events/s). */
export interface PerEventUnits {
  workerRequests: number;
  durableObjectRequests: number;
  /** Ledger calls alone (accept, claimSignedContent, begin, settle, alarms): what the shards serve. */
  ledgerRequests: number;
  gateRequests: number;
  /** Rows written while the event is accepted and delivered, alarms included (steady state). */
  rowsWritten: number;
  /** Rows written later: the request purge after the replay window, expiry, lease batches deleted. */
  deferredRowsWritten: number;
  rowsRead: number;
  queueMessages: number;
  queueOperations: number;
  /** R2 operations on stored requests: Class A (segment puts, the purge's lists), Class B (reads). */
  r2ClassA: number;
  r2ClassB: number;
  /** Bytes kept in the ledger while the request is kept (the replay window), and after it until retention ends. */
  bytesDuringReplay: number;
  bytesAfterReplay: number;
  /** Bytes of stored requests in R2 during the replay window. */
  r2BytesDuringReplay: number;
  durableObjectGbSeconds: number;
  /** Net CPU per event when a load run measured it (local, an upper bound); 0 when not measured. */
  cpuMs: number;
}

/**
 * Statements that run once per shard and period: creating a period's signed-content table, or a day's claims
 * table with its indexes and the view over the claims tables.
 */
const oncePerPeriod = (statement: string) => /^(CREATE|DROP VIEW)/.test(statement);

/** Rows a run wrote and read per event, without what happens once per shard and period. */
export function steadyRows(run: PipelineRun): { written: number; read: number; oncePerPeriod: number } {
  let written = 0;
  let read = 0;
  let once = 0;
  for (const [name, row] of Object.entries(run.ledger.byStatement)) {
    if (oncePerPeriod(name)) once += row.rowsWritten;
    else written += row.rowsWritten;
    read += row.rowsRead;
  }
  return { written: written / run.events, read: read / run.events, oncePerPeriod: once };
}

const sum = (values: Iterable<number>) => [...values].reduce((n, v) => n + v, 0);

/**
 * Billed units per event, from a counted run (the batched one by default): its calls, rows and messages
 * divided by its events, plus each busy shard's alarm once per `alarmSeconds` (its rows as counted in
 * that run, its reads as measured with the most retained claims), shared by every event meanwhile.
 */
export function perEventUnits(
  work: StorageWork,
  deployment: Deployment,
  rate: number,
  cpuMs: number | null,
  run: PipelineRun = work.batch,
): PerEventUnits {
  const n = run.events;
  const calls = Object.entries(run.durableObjectCalls).filter(([method]) => method !== "alarm");
  const gateCalls = sum(calls.filter(([m]) => m.startsWith("gate.")).map(([, c]) => c)) / n;
  const ledgerCalls = sum(calls.filter(([m]) => !m.startsWith("gate.")).map(([, c]) => c)) / n;
  const alarmsPerEvent = deployment.shards / deployment.alarmSeconds / rate;
  const alarmRuns = Math.max(1, run.alarmRuns.runs);
  const busiestAlarm = Math.max(0, ...work.alarm.map((a) => a.alarmRowsRead));
  const rows = steadyRows(run);
  const messages = run.queue.messageBytes;
  const operationsPerMessage = (bytes: number) =>
    3 * Math.max(1, Math.ceil(bytes / LIMIT.queueOperationBytes));
  const objects = deployment.shards + deployment.routes;
  return {
    workerRequests: 1 + 1 / deployment.consumerBatch,
    durableObjectRequests: ledgerCalls + gateCalls + alarmsPerEvent,
    ledgerRequests: ledgerCalls + alarmsPerEvent,
    gateRequests: gateCalls,
    rowsWritten: rows.written + (run.alarmRuns.written / alarmRuns) * alarmsPerEvent,
    deferredRowsWritten: work.deferred.written / work.deferred.events,
    rowsRead: rows.read + busiestAlarm * alarmsPerEvent + work.deferred.read / work.deferred.events,
    queueMessages: messages.length / n,
    queueOperations: sum(messages.map(operationsPerMessage)) / n,
    r2ClassA: (run.r2.put + run.r2.list) / n + work.deferred.r2.list / work.deferred.events,
    r2ClassB:
      (run.r2.get + run.r2.head) / n + (work.deferred.r2.get + work.deferred.r2.head) / work.deferred.events,
    bytesDuringReplay: work.bytesPerRetainedEvent.afterDelivery,
    bytesAfterReplay: work.bytesPerRetainedEvent.afterReplayWindow,
    r2BytesDuringReplay: work.bytesPerRetainedEvent.r2BytesDuringWindow,
    durableObjectGbSeconds: (objects * LIMIT.durableObjectMemoryGb) / rate,
    cpuMs: cpuMs ?? 0,
  };
}

/** How much time one claims table covers (src/claim/claim-tables.ts, CLAIM_PERIOD_MS; Node cannot import it). */
const CLAIM_DAY_SECONDS = 86_400;

/**
 * Byte-seconds one event occupies in its shard: the replay window with its request, then the claim alone, until
 * its day's claims table is dropped: the retention after the day ends, so half a day longer on average.
 */
export function byteSecondsPerEvent(units: PerEventUnits, deployment: Deployment): number {
  const retention = deployment.retentionDays * 86_400 + CLAIM_DAY_SECONDS / 2;
  const replay = Math.min(deployment.replayHours * 3_600, retention);
  return units.bytesDuringReplay * replay + units.bytesAfterReplay * (retention - replay);
}

/** Dollars per million events, by item, at list prices; every row the event ever causes is counted. */
export function dollarsPerMillion(units: PerEventUnits, deployment: Deployment): Record<string, number> {
  const month = 30 * 86_400;
  const gbMonths = byteSecondsPerEvent(units, deployment) / 1e9 / month;
  const replaySeconds = Math.min(deployment.replayHours * 3_600, deployment.retentionDays * 86_400);
  const r2GbMonths = (units.r2BytesDuringReplay * replaySeconds) / 1e9 / month;
  const items = {
    "Workers requests": units.workerRequests * PRICE.workerRequest,
    "Workers CPU": units.cpuMs * PRICE.workerCpuMs,
    "Durable Object requests": units.durableObjectRequests * PRICE.durableObjectRequest,
    "Durable Object duration": units.durableObjectGbSeconds * PRICE.durableObjectGbSecond,
    "rows written (delivery)": units.rowsWritten * PRICE.sqliteRowWritten,
    "rows written (later: purge, expiry)": units.deferredRowsWritten * PRICE.sqliteRowWritten,
    "rows read": units.rowsRead * PRICE.sqliteRowRead,
    "Durable Object storage": gbMonths * PRICE.sqliteGbMonth,
    "Queue operations": units.queueOperations * PRICE.queueOperation,
    "R2 operations (stored requests)": units.r2ClassA * PRICE.r2ClassA + units.r2ClassB * PRICE.r2ClassB,
    "R2 storage (stored requests)": r2GbMonths * PRICE.r2GbMonth,
  };
  const perMillion = Object.fromEntries(Object.entries(items).map(([k, v]) => [k, v * 1e6]));
  return { ...perMillion, total: sum(Object.values(perMillion)) };
}

/** Each bound on the sustained rate (events/s) of a deployment; `setBy` names the lowest. */
export function capacity(units: PerEventUnits, deployment: Deployment, directMicrosecondsPerEvent: number) {
  const bounds: Record<string, number> = {
    "ledger storage (10 GB per shard)":
      (deployment.shards * LIMIT.durableObjectBytes) / byteSecondsPerEvent(units, deployment),
    "ledger requests (~1,000/s per shard)":
      (deployment.shards * LIMIT.durableObjectRequestsPerSecond) / units.ledgerRequests,
    "ledger SQLite work (direct calls, this machine)": (deployment.shards * 1e6) / directMicrosecondsPerEvent,
    "route gate (~1,000 requests/s per route)":
      units.gateRequests > 0
        ? LIMIT.durableObjectRequestsPerSecond / units.gateRequests
        : Number.POSITIVE_INFINITY,
    "queues (5,000 messages/s each)":
      (deployment.queues * LIMIT.queueMessagesPerSecond) / Math.max(units.queueMessages, 1e-9),
  };
  const [setBy, eventsPerSecond] = Object.entries(bounds).reduce((low, b) => (b[1] < low[1] ? b : low));
  return { eventsPerSecond, setBy, bounds };
}

/**
 * What a deployment needs for `rate` events/s: shards (the higher of the storage and request bounds) and
 * queues. With more shards a consumer batch touches more of them: the consumer calls each touched shard
 * twice (begin, settle), so per event those calls grow to 2 × min(shards, batch) ÷ batch. Each route's gate
 * (one object per route) is asked once per consumer round of `consumerBatch` events, whatever the shards.
 */
export function sizeFor(rate: number, units: PerEventUnits, deployment: Deployment) {
  const byStorage = Math.ceil((rate * byteSecondsPerEvent(units, deployment)) / LIMIT.durableObjectBytes);
  const touchedPerBatch = (shards: number) =>
    Math.min(shards, deployment.consumerBatch) / deployment.consumerBatch;
  const measuredConsumerShare = touchedPerBatch(deployment.shards);
  // Ingress calls as counted (the consumer's share taken out), then the consumer's at this many shards.
  const ingress = units.ledgerRequests - 2 * measuredConsumerShare;
  const requestsAt = (shards: number) => ingress + 2 * touchedPerBatch(shards);
  let shards = Math.max(byStorage, deployment.shards);
  const byRequests = () => Math.ceil((rate * requestsAt(shards)) / LIMIT.durableObjectRequestsPerSecond);
  while (byRequests() > shards) shards = byRequests();
  return {
    shards,
    byStorage,
    byRequests: byRequests(),
    ledgerRequestsPerEvent: requestsAt(shards),
    queues: Math.ceil((rate * units.queueMessages) / LIMIT.queueMessagesPerSecond),
    gateRequestsPerSecond: rate / deployment.consumerBatch,
  };
}

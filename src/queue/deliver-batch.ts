/**
 * The queue consumer: runs each event's routes (or, without routes, its agent handlers) exactly once per
 * (event, route).
 * Messages are grouped by ledger shard so that each shard costs two round trips per batch
 * (`beginDeliveries`, `settleDeliveries`), and every handler of the batch runs concurrently.
 * Each event is acked or retried on its own (a bundled message once all its events are: bundled-acks.ts);
 * none is acked before its outcome is recorded (the ledger is also the log: each settle carries its
 * attempt's record). Dead letters and failures are then reported to
 * the alert desk (when ALERT_WEBHOOK_URL is set), and one log line sums the batch up.
 */
import { reportIncidents } from "../alerts/report-incidents";
import { deliveryKey, type EventMessage, eventsOf, QueuedMessage } from "../claim/event-message";
import type { BeginResult } from "../claim/ledger-rpc";
import { retryDelaySeconds } from "../claim/retry-delay";
import { ledgerFor } from "../claim/shard-for-event";
import { type Settings, settingsFrom } from "../config/settings";
import type { HandlerRegistry } from "../handlers/handler-registry";
import { gateNameFor, routeTableFor } from "../handlers/route-table";
import { reportToLanes } from "../lanes/consumer-lanes";
import { callFaults } from "../shared/fault-injection";
import { describeError, log, logError } from "../shared/log";
import { BundledAcks, type EventAck } from "./bundled-acks";
import { type DeadItem, deadLetter } from "./dead-letter";
import { incidentsOfBatch } from "./incidents-of-batch";
import { admitDeliveries, reportToGates } from "./route-gates";
import { type AttemptSummary, runEvent, type ShardRun, type Verdict } from "./run-event";

type Item = { message: EventAck; event: EventMessage };

/**
 * Events run per round of an invocation. A batch of bundles can carry many more; they run in rounds so
 * that leases (begun per round) and connections stay as they are for a batch of single messages.
 */
const EVENTS_PER_ROUND = 50;

/** Runs one queue consumer invocation: every message of the batch is acked or retried before it returns. */
export async function deliverBatch(
  batch: MessageBatch<unknown>,
  env: Env,
  registry: HandlerRegistry,
): Promise<void> {
  const started = Date.now();
  const settings = settingsFrom(env);
  const items: Item[] = [];
  const bundles: BundledAcks[] = [];
  for (const message of batch.messages) {
    const parsed = QueuedMessage.safeParse(message.body);
    if (!parsed.success) {
      // Not something Hookgate enqueued: nothing to deliver, and retrying cannot fix it.
      logError("deliver", { outcome: "invalid_message", messageId: message.id });
      message.ack();
      continue;
    }
    const events = eventsOf(parsed.data);
    if (parsed.data.v === 1) {
      for (const event of events) items.push({ message, event });
      continue;
    }
    const bundle = new BundledAcks(message, events);
    bundles.push(bundle);
    events.forEach((event, index) => {
      items.push({ message: bundle.ackOf(index), event });
    });
  }
  const ran = { done: 0, failed: 0, dead: 0 };
  let shards = 0;
  for (let start = 0; start < items.length; start += EVENTS_PER_ROUND) {
    const round = await deliverRound(items.slice(start, start + EVENTS_PER_ROUND), env, registry, settings);
    shards += round.shards;
    for (const attempt of round.attempts) ran[attempt.outcome]++;
  }
  await Promise.all(bundles.map((bundle) => bundle.finish(env)));
  log("deliver", {
    outcome: "batch",
    messages: batch.messages.length,
    events: items.length,
    shards,
    ...ran,
    ms: Date.now() - started,
  });
}

/** Runs one round of events: begins them per shard, asks the route gates, runs, settles, reports. */
async function deliverRound(
  items: Item[],
  env: Env,
  registry: HandlerRegistry,
  settings: Settings,
): Promise<{ shards: number; attempts: AttemptSummary[] }> {
  const byShard = new Map<number, Item[]>();
  for (const item of items) {
    const ofShard = byShard.get(item.event.shard) ?? [];
    ofShard.push(item);
    byShard.set(item.event.shard, ofShard);
  }
  // Begin every shard's deliveries, then ask each route's gate once for the whole round (not once per shard:
  // with many shards that was a gate call per event), then run and settle shard by shard.
  const shards = [...byShard];
  const begun = await Promise.all(
    shards.map(([shard, ofShard]) => beginShard(shard, ofShard, env, registry, settings)),
  );
  const table = routeTableFor(env, registry);
  const gateOf = (route: string) => gateNameFor(route, env, registry);
  const ratePerSecondOf = (route: string) => table.routes.get(route)?.ratePerSecond ?? null;
  const admissions = await admitDeliveries(
    env,
    begun.flatMap((results) => results ?? []),
    { ratePerSecondOf, gateOf },
  );
  const entries = await Promise.all(
    shards.map(([shard, ofShard], index) =>
      deliverShard(shard, ofShard, begun[index] ?? null, {
        env,
        registry,
        settings,
        refused: admissions.refused,
      }),
    ),
  );
  const attempts = entries.flat();
  await reportToGates(
    env,
    attempts.map((a) => ({ ...a, ok: a.outcome === "done" })),
    admissions.failing,
    settings.ROUTE_CIRCUIT_FAILURES,
    gateOf,
  );
  await reportIncidents(env, incidentsOfBatch(attempts));
  return { shards: byShard.size, attempts };
}

/** Leases one shard's deliveries for its messages; null (and every message retried) when the ledger fails. */
async function beginShard(
  shard: number,
  items: Item[],
  env: Env,
  registry: HandlerRegistry,
  settings: Settings,
): Promise<BeginResult[] | null> {
  // A message naming no handler runs the routes stored with the event; the registry's matches serve only
  // events stored without routes (none was configured when they were claimed).
  const plans = items.map(({ event }) => ({
    source: event.source,
    id: event.id,
    handlers: (event.handler
      ? [event.handler]
      : registry.match(event.source, event.type, env).map((r) => r.name)
    ).map((name) => deliveryKey(name, event.replay)),
    useStoredRoutes: event.handler === undefined,
    replay: event.replay,
  }));
  try {
    return await ledgerFor(env, shard).beginDeliveries(plans);
  } catch (error) {
    logError("deliver", { outcome: "ledger_unavailable", shard, error: describeError(error) });
    for (const { message } of items)
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts, settings) });
    return null;
  }
}

/** Runs one shard's leased deliveries, settles them in one call, and acks or retries each message. */
async function deliverShard(
  shard: number,
  items: Item[],
  begun: BeginResult[] | null,
  context: Omit<ShardRun, "ledger">,
): Promise<AttemptSummary[]> {
  if (!begun) return [];
  const { env, settings } = context;
  const ledger = ledgerFor(env, shard);
  const run: ShardRun = { ...context, ledger };
  const runs = await Promise.all(begun.map((result, index) => runEvent(result, items[index]?.event, run)));
  const settlements = runs.flatMap((r) => r.settlements);
  try {
    if (callFaults(env)?.settleFails) throw new Error("injected fault: consumer died before settling");
    if (settlements.length > 0) await ledger.settleDeliveries(settlements);
  } catch (error) {
    // Outcomes were not recorded: leases expire and the handlers run again with the same idempotency key.
    logError("deliver", { outcome: "settle_failed", shard, error: describeError(error) });
    for (const { message } of items) message.retry({ delaySeconds: settings.HANDLER_LEASE_SECONDS });
    return [];
  }
  await reportToLanes(
    env,
    runs.flatMap((r) => r.lanes),
  );
  await applyVerdicts(
    items,
    runs.map((r) => r.verdict),
    env,
  );
  return runs.flatMap((r) => r.attempts);
}

async function applyVerdicts(items: Item[], verdicts: Verdict[], env: Env): Promise<void> {
  const dead: DeadItem[] = [];
  items.forEach((item, index) => {
    const verdict = verdicts[index] ?? { kind: "ack" };
    if (verdict.kind === "ack") item.message.ack();
    else if (verdict.kind === "retry") item.message.retry({ delaySeconds: verdict.delaySeconds });
    else dead.push({ ...item, handlers: verdict.handlers, cause: verdict.cause });
  });
  await deadLetter(env, dead);
}

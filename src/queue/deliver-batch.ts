/**
 * The queue consumer: runs each event's routes (or, without routes, its agent handlers) exactly once per
 * (event, route).
 * Messages are grouped by ledger shard so that each shard costs two round trips per batch
 * (`beginDeliveries`, `settleDeliveries`), and every handler of the batch runs concurrently.
 * Each message is acked or retried on its own; none is acked before its outcome is recorded.
 * Outcomes then go to the D1 event log in one batch per invocation, dead letters and failures are
 * reported to the alert desk (when ALERT_WEBHOOK_URL is set), and one log line sums the batch up.
 */
import { reportIncidents } from "../alerts/report-incidents";
import { deliveryKey, EventMessage } from "../claim/event-message";
import type { BeginResult, SettledStatus, StoredEvent } from "../claim/ledger-rpc";
import { retryDelaySeconds } from "../claim/retry-delay";
import { ledgerFor } from "../claim/shard-for-event";
import { type Settings, settingsFrom } from "../config/settings";
import {
  type AcceptedRow,
  type AttemptRow,
  type OutcomeRow,
  recordOutcomes,
} from "../event-log/record-event-log";
import type { HandlerRegistry } from "../handlers/handler-registry";
import { callFaults } from "../shared/fault-injection";
import { describeError, log, logError } from "../shared/log";
import { type DeadItem, deadLetter } from "./dead-letter";
import { incidentsOfBatch } from "./incidents-of-batch";
import { runEvent, type ShardRun, type Verdict } from "./run-event";

type Item = { message: Message<unknown>; event: EventMessage };

/** What one shard's work adds to the event log. */
type LogEntries = { events: OutcomeRow[]; attempts: AttemptRow[] };

/** Runs one queue consumer invocation: every message of the batch is acked or retried before it returns. */
export async function deliverBatch(
  batch: MessageBatch<unknown>,
  env: Env,
  registry: HandlerRegistry,
): Promise<void> {
  const started = Date.now();
  const settings = settingsFrom(env);
  const byShard = new Map<number, Item[]>();
  for (const message of batch.messages) {
    const parsed = EventMessage.safeParse(message.body);
    if (!parsed.success) {
      // Not something Hookgate enqueued: nothing to deliver, and retrying cannot fix it.
      logError("deliver", { outcome: "invalid_message", messageId: message.id });
      message.ack();
      continue;
    }
    const items = byShard.get(parsed.data.shard) ?? [];
    items.push({ message, event: parsed.data });
    byShard.set(parsed.data.shard, items);
  }
  const entries = await Promise.all(
    [...byShard].map(([shard, items]) => deliverShard(shard, items, env, registry, settings)),
  );
  const attempts = entries.flatMap((e) => e.attempts);
  await recordOutcomes(
    env.EVENT_LOG,
    entries.flatMap((e) => e.events),
    attempts,
  );
  await reportIncidents(env, incidentsOfBatch(attempts));
  const ran = { done: 0, failed: 0, dead: 0 };
  for (const attempt of attempts) ran[attempt.outcome]++;
  log("deliver", {
    outcome: "batch",
    messages: batch.messages.length,
    shards: byShard.size,
    ...ran,
    ms: Date.now() - started,
  });
}

async function deliverShard(
  shard: number,
  items: Item[],
  env: Env,
  registry: HandlerRegistry,
  settings: Settings,
): Promise<LogEntries> {
  const ledger = ledgerFor(env, shard);
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
  const nothing: LogEntries = { events: [], attempts: [] };
  let begun: BeginResult[];
  try {
    begun = await ledger.beginDeliveries(plans);
  } catch (error) {
    logError("deliver", { outcome: "ledger_unavailable", shard, error: describeError(error) });
    for (const { message } of items)
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts, settings) });
    return nothing;
  }

  const run: ShardRun = { ledger, env, registry, settings };
  const runs = await Promise.all(begun.map((result, index) => runEvent(result, items[index]?.event, run)));
  const settlements = runs.flatMap((r) => r.settlements);
  let statuses: SettledStatus[] = [];
  try {
    if (callFaults(env)?.settleFails) throw new Error("injected fault: consumer died before settling");
    if (settlements.length > 0) statuses = await ledger.settleDeliveries(settlements);
  } catch (error) {
    // Outcomes were not recorded: leases expire and the handlers run again with the same idempotency key.
    logError("deliver", { outcome: "settle_failed", shard, error: describeError(error) });
    for (const { message } of items) message.retry({ delaySeconds: settings.HANDLER_LEASE_SECONDS });
    return nothing;
  }
  await applyVerdicts(
    items,
    runs.map((r) => r.verdict),
    env,
  );
  return { events: outcomeRows(begun, statuses), attempts: runs.flatMap((r) => r.attempts) };
}

/** The event-log row of one event in a given status. */
function outcomeRow(event: StoredEvent, status: Omit<OutcomeRow, keyof AcceptedRow>): OutcomeRow {
  const { source, id, type, receivedAt, bodySize, shard } = event;
  return { source, id, type, receivedAt, bodySize, shard, ...status };
}

/** Event-log rows for every event whose status changed in this batch (`no_handler` ones included). */
function outcomeRows(begun: BeginResult[], statuses: SettledStatus[]): OutcomeRow[] {
  const stored = new Map<string, StoredEvent>();
  const now = Date.now();
  const rows: OutcomeRow[] = [];
  for (const result of begun) {
    if (!result.found) continue;
    stored.set(`${result.source}\n${result.id}`, result.event);
    if (result.status === "no_handler")
      rows.push(
        outcomeRow(result.event, { status: "no_handler", attempts: 0, lastError: null, deliveredAt: null }),
      );
  }
  for (const settled of statuses) {
    const event = stored.get(`${settled.source}\n${settled.id}`);
    if (!event) continue;
    const { status, attempts, lastError, suppressedBy } = settled;
    const deliveredAt = status === "delivered" ? now : null;
    rows.push(outcomeRow(event, { status, attempts, lastError, deliveredAt, suppressedBy }));
  }
  return rows;
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

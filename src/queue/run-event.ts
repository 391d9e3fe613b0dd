/**
 * Runs the handlers that `beginDeliveries` leased for one event, and returns what to do with its message
 * and what to record (settlements for the ledger, attempts for the event log), without touching either.
 * An event that matches one of its source's suppress rules runs no handler: its leases settle as
 * `suppressed` with the rule's name, in the same `settleDeliveries` round trip; so does a route over its
 * budget (rule `budget`, src/queue/route-budgets.ts), for that route only.
 */

import { type EventMessage, handlerOfKey, idempotencyKeyOf } from "../claim/event-message";
import type { BeginResult, HandlerDecision, SettleInput } from "../claim/ledger-rpc";
import { retryDelaySeconds } from "../claim/retry-delay";
import type { ledgerFor } from "../claim/shard-for-event";
import type { Settings } from "../config/settings";
import { sourcesFor } from "../config/sources-from-env";
import type { HandlerRegistry } from "../handlers/handler-registry";
import { runnerFor } from "../handlers/route-table";
import { admitToLanes, type LaneGate, laneReportsOf } from "../lanes/consumer-lanes";
import type { LaneReport } from "../lanes/lane-schemas";
import { log, logError } from "../shared/log";
import { buildEnvelope } from "./build-envelope";
import { applyRouteBudgets } from "./route-budgets";
import { deliveryRef, type Refusal } from "./route-gates";
import { type HandlerOutcome, runHandler } from "./run-handler";
import { suppressingRule } from "./suppressing-rule";

/** Why a queued replay's handlers are given up when its payload was deleted meanwhile. */
const PAYLOAD_GONE =
  "the stored payload was deleted (past REPLAY_RETENTION_HOURS) before this replay ran; nothing was sent";

/** What to do with one message once its handlers have run. */
export type Verdict =
  | { kind: "ack" }
  | { kind: "retry"; delaySeconds: number }
  /** `cause`: the error that made a handler dead in this run (null when it was already dead). */
  | { kind: "dead"; handlers: string[]; cause: string | null };

/** What one shard's consumer needs to run its events. */
export interface ShardRun {
  ledger: ReturnType<typeof ledgerFor>;
  env: Env;
  registry: HandlerRegistry;
  settings: Settings;
  /** Deliveries the routes' gates refused to start now (route-gates.ts), by `deliveryRef`. */
  refused?: ReadonlyMap<string, Refusal>;
}

/** One attempt as the batch's summary, the alert desk and the route's gate see it. */
export interface AttemptSummary {
  handler: string;
  outcome: "done" | "failed" | "dead";
  status?: number | null;
  retryAfterSeconds?: number | null;
  error?: string | null;
}

/** One event's outcome: what to do with its message, and what to record in the ledger (with each attempt). */
export interface EventRun {
  verdict: Verdict;
  settlements: SettleInput;
  attempts: AttemptSummary[];
  /** What to tell ordered lanes once the settlements are recorded (deliver-batch.ts, `reportToLanes`). */
  lanes: LaneReport[];
}

/** Runs the handlers `beginDeliveries` leased for one event; returns their settlements and the verdict. */
export async function runEvent(
  result: BeginResult,
  message: EventMessage | undefined,
  run: ShardRun,
): Promise<EventRun> {
  const { source, id } = result;
  if (!result.found) {
    logError("deliver", { outcome: "event_not_in_ledger", source, id });
    return { verdict: { kind: "ack" }, settlements: [], attempts: [], lanes: [] };
  }
  const delays: number[] = [];
  const dead: string[] = [];
  for (const decision of result.handlers) {
    if (decision.decision === "leased" || decision.decision === "waiting")
      delays.push(decision.retryInMs / 1000);
    if (decision.decision === "dead") dead.push(decision.handler);
  }
  const leased = result.handlers.filter((h) => h.decision === "run");
  // A delivery its route's gate refused starts later and keeps its attempt: held while the route is paused,
  // else its message comes back when the gate says.
  const gated: SettleInput = [];
  const runnable = leased.filter(({ handler, attempt }) => {
    const refusal = run.refused?.get(deliveryRef(source, id, handler));
    if (!refusal) return true;
    const outcome = refusal.reason === "paused" ? ("held" as const) : ("deferred" as const);
    gated.push({ source, id, handler, attempt, outcome });
    if (outcome === "deferred") delays.push(refusal.retryInMs / 1000);
    return false;
  });
  let outcomes: HandlerRun[] = [];
  let overBudget: SettleInput = [];
  let lanes: LaneGate | null = null;
  if (runnable.length > 0) {
    // A body too large to travel with `beginDeliveries` is read on its own, with its headers.
    const stored =
      result.event.body !== null
        ? { headers: result.event.headers, body: result.event.body }
        : await run.ledger.readStored({ source, id });
    const body = stored?.body ?? null;
    // Null only when the payload was deleted after REPLAY_RETENTION_HOURS while a replay was queued:
    // its handlers are given up with that reason, never run on an empty body.
    const refusal = body === null ? PAYLOAD_GONE : null;
    const config = sourcesFor(run.env).sources.get(source);
    const event = { ...result.event, headers: stored?.headers ?? result.event.headers };
    const envelope = buildEnvelope(event, body ?? new Uint8Array(0), config);
    const rule = message?.replay || refusal ? null : suppressingRule(config?.suppress ?? [], envelope);
    if (rule !== null) {
      log("deliver", { source, id, type: envelope.type, outcome: "suppressed", rule });
      const settlements = runnable.map(({ handler, attempt }) => ({
        source,
        id,
        handler,
        attempt,
        outcome: "suppressed" as const,
        rule,
      }));
      return {
        verdict: verdictOf(delays, [], null),
        settlements: [...gated, ...settlements],
        attempts: [],
        lanes: [],
      };
    }
    const budgets =
      message?.replay || refusal
        ? { admitted: runnable, suppressed: [] }
        : await applyRouteBudgets(runnable, envelope, run.env, run.registry);
    overBudget = budgets.suppressed;
    // Ordered routes run only their lane's head; the others wait, released, for the lane to send them again.
    lanes = await admitToLanes(run.env, envelope, budgets.admitted, result.event.shard);
    if (lanes.retryInSeconds !== null) delays.push(lanes.retryInSeconds);
    outcomes = await Promise.all(
      lanes.run.map((go) => runLeasedHandler(go.envelope, go.lease, message?.replay, run, refusal)),
    );
  }
  let cause: string | null = null;
  for (const outcome of outcomes) {
    if (outcome.settlement.outcome === "dead") {
      dead.push(outcome.settlement.handler);
      cause ??= outcome.settlement.error;
    }
    if (outcome.retryInSeconds !== null) delays.push(outcome.retryInSeconds);
  }
  const settlements = outcomes.map((o) => o.settlement);
  return {
    verdict: verdictOf(delays, dead, cause),
    settlements: [...gated, ...overBudget, ...(lanes?.held ?? []), ...settlements],
    attempts: outcomes.map((o) => o.attempt),
    lanes: lanes ? laneReportsOf(lanes, settlements) : [],
  };
}

/** Retry at the soonest pending delay; else dead-letter when a handler died; else ack. */
function verdictOf(delays: number[], dead: string[], cause: string | null): Verdict {
  if (delays.length > 0) return { kind: "retry", delaySeconds: Math.max(0, Math.ceil(Math.min(...delays))) };
  return dead.length > 0 ? { kind: "dead", handlers: dead, cause } : { kind: "ack" };
}

/** One handler run: its settlement (with the attempt's record), and when to look again (null: finished). */
interface HandlerRun {
  settlement: SettleInput[number];
  attempt: AttemptSummary;
  retryInSeconds: number | null;
}

async function runLeasedHandler(
  envelope: ReturnType<typeof buildEnvelope>,
  lease: Extract<HandlerDecision, { decision: "run" }>,
  replay: number | undefined,
  { registry, env, settings }: ShardRun,
  refusal: string | null,
): Promise<HandlerRun> {
  const { source, id } = envelope;
  const { handler: key, attempt, budgetUsed } = lease;
  const name = handlerOfKey(key);
  const runner = runnerFor(name, env, registry);
  const maxAttempts = runner?.maxAttempts ?? settings.HANDLER_MAX_ATTEMPTS;
  const notRun = (error: string, permanent: boolean): HandlerOutcome => ({
    ok: false as const,
    error,
    permanent,
    startedAt: Date.now(),
    durationMs: 0,
    details: { destination: `handler ${name}` },
  });
  const outcome = refusal
    ? notRun(refusal, true)
    : runner
      ? await runHandler(
          runner.handler,
          envelope,
          attempt,
          idempotencyKeyOf(source, id, name, replay),
          env,
          settings,
        )
      : notRun(`no route or handler is named "${name}" any more`, false);
  const exhausted = !outcome.ok && (outcome.permanent || budgetUsed >= maxAttempts);
  const delay = outcome.ok ? 0 : retryDelaySeconds(budgetUsed, settings, outcome.retryAfterSeconds);
  const retryAt = Date.now() + delay * 1000;
  const settled = outcome.ok ? ("done" as const) : exhausted ? ("dead" as const) : ("failed" as const);
  const record = {
    startedAt: outcome.startedAt,
    durationMs: outcome.durationMs,
    destination: outcome.details.destination ?? null,
    responseStatus: outcome.details.status ?? null,
    responseBody: outcome.details.responseBody ?? null,
  };
  const attemptSummary: AttemptSummary = {
    handler: name,
    outcome: settled,
    status: record.responseStatus,
    retryAfterSeconds: outcome.ok ? null : (outcome.retryAfterSeconds ?? null),
    error: outcome.ok ? null : outcome.error,
  };
  if (!outcome.ok)
    log("deliver", {
      source,
      id,
      type: envelope.type,
      handler: name,
      attempt,
      outcome: settled,
      destination: record.destination,
      error: outcome.error,
      nextTryInSeconds: exhausted ? null : delay,
      ms: outcome.durationMs,
    });
  if (outcome.ok)
    return {
      settlement: { source, id, handler: key, attempt, outcome: "done", record },
      attempt: attemptSummary,
      retryInSeconds: null,
    };
  return {
    settlement: {
      source,
      id,
      handler: key,
      attempt,
      outcome: exhausted ? "dead" : "failed",
      error: outcome.error,
      retryAt,
      record,
    },
    attempt: attemptSummary,
    retryInSeconds: exhausted ? null : delay,
  };
}

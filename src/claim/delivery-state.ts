/**
 * The per (event, handler) delivery state machine: leases handlers to consumers (`begin`), records their
 * fenced outcomes (`settle`), and derives each event's status from its deliveries.
 */
import { z } from "zod";
import type { Settings } from "../config/settings";
import { deliveryKey } from "./event-message";
import type {
  BeginInput,
  BeginResult,
  EventStatus,
  HandlerDecision,
  SettledStatus,
  SettleInput,
} from "./ledger-rpc";
import { VerifiedWith } from "./ledger-rpc";
import * as SQL from "./ledger-sql";
import { readBody } from "./store-event";

/** Bodies up to this size travel inline with `beginDeliveries`; larger ones are read separately. */
const INLINE_BODY_BYTES = 256 * 1024;

type EventRow = {
  type: string;
  received_at: number;
  headers: string;
  body_size: number;
  status: EventStatus;
  shard: number;
  verified_with: string | null;
  routes: string | null;
};

const StoredRoutes = z.array(z.string());

/** The delivery keys of an event's stored routes for one replay; null when it was stored without routes. */
function storedRouteKeys(row: EventRow, replay: number | undefined): string[] | null {
  if (row.routes === null) return null;
  const routes = StoredRoutes.safeParse(JSON.parse(row.routes));
  return routes.success ? routes.data.map((route) => deliveryKey(route, replay)) : null;
}

/**
 * Leases every runnable handler of each event to the calling consumer. A handler already done, dead,
 * leased by another attempt, or waiting out its backoff is not run. When the message names no handler,
 * the routes stored with the event at claim time are its handlers. An event stored without routes (none
 * was configured) for which no handler was ever begun and none matches becomes `no_handler`, a terminal
 * status; one whose routes matched nothing was stored `filtered` and is never enqueued.
 */
export function beginDeliveries(sql: SqlStorage, settings: Settings, items: BeginInput): BeginResult[] {
  const now = Date.now();
  const leaseUntil = now + settings.HANDLER_LEASE_SECONDS * 1000;
  return items.map(({ source, id, handlers: given, useStoredRoutes, replay }): BeginResult => {
    const row = sql.exec<EventRow>(SQL.SELECT_EVENT, source, id).toArray()[0];
    if (!row) return { source, id, found: false };
    // A redelivered message proves the send went through even if marking it did not.
    sql.exec(SQL.MARK_ENQUEUED, now, source, id);
    const stored = useStoredRoutes ? storedRouteKeys(row, replay) : null;
    const handlers = stored ?? given;
    const decisions = [...new Set(handlers)].map((handler) =>
      decide(sql, source, id, handler, now, leaseUntil),
    );
    let status = row.status;
    if (
      row.routes === null &&
      decisions.length === 0 &&
      sql.exec<{ n: number }>(SQL.HAS_DELIVERIES, source, id).one().n === 0
    ) {
      status = "no_handler";
      sql.exec(SQL.SET_STATUS, status, source, id);
    }
    return {
      source,
      id,
      found: true,
      status,
      event: {
        source,
        id,
        type: row.type,
        receivedAt: row.received_at,
        bodySize: row.body_size,
        shard: row.shard,
        headers: JSON.parse(row.headers),
        verifiedWith: VerifiedWith.safeParse(row.verified_with).data ?? null,
        body: row.body_size <= INLINE_BODY_BYTES ? readBody(sql, source, id) : null,
      },
      handlers: decisions,
    };
  });
}

function decide(
  sql: SqlStorage,
  source: string,
  id: string,
  handler: string,
  now: number,
  leaseUntil: number,
): HandlerDecision {
  const current = sql
    .exec<{ state: string; attempts: number; lease_until: number | null; not_before: number | null }>(
      SQL.SELECT_DELIVERY,
      source,
      id,
      handler,
    )
    .toArray()[0];
  // A suppressed delivery is finished too: a message delivered again must not start it.
  if (current?.state === "done" || current?.state === "dead" || current?.state === "suppressed") {
    return { handler, decision: current.state, attempt: current.attempts };
  }
  if (current?.state === "running" && (current.lease_until ?? 0) > now) {
    const retryInMs = (current.lease_until ?? now) - now;
    return { handler, decision: "leased", attempt: current.attempts, retryInMs };
  }
  if (current?.state === "failed" && (current.not_before ?? 0) > now) {
    const retryInMs = (current.not_before ?? now) - now;
    return { handler, decision: "waiting", attempt: current.attempts, retryInMs };
  }
  const { attempts, revived_at } = sql
    .exec<{ attempts: number; revived_at: number }>(SQL.START_ATTEMPT, source, id, handler, leaseUntil, now)
    .one();
  return { handler, decision: "run", attempt: attempts, budgetUsed: attempts - revived_at };
}

/**
 * Records handler outcomes (fenced by attempt number); returns each touched event's new status. Deliveries
 * the consumer suppressed count for nothing once others exist: a replay of a suppressed event that is
 * delivered makes the event `delivered`.
 */
export function settleDeliveries(sql: SqlStorage, outcomes: SettleInput): SettledStatus[] {
  const now = Date.now();
  const touched = new Map<string, { source: string; id: string }>();
  for (const outcome of outcomes) {
    const failed = outcome.outcome === "failed" || outcome.outcome === "dead";
    sql.exec(
      SQL.SETTLE_ATTEMPT,
      outcome.outcome,
      failed ? outcome.retryAt : null,
      // A suppressed delivery keeps the rule's name where a failed one keeps its error.
      failed ? outcome.error : outcome.outcome === "suppressed" ? outcome.rule : null,
      now,
      outcome.source,
      outcome.id,
      outcome.handler,
      outcome.attempt,
    );
    touched.set(`${outcome.source}\n${outcome.id}`, { source: outcome.source, id: outcome.id });
  }
  return [...touched.values()].map(({ source, id }) => {
    const rows = sql
      .exec<{ state: string; attempts: number; last_error: string | null }>(
        SQL.SELECT_DELIVERY_STATES,
        source,
        id,
      )
      .toArray();
    const live = rows.filter((row) => row.state !== "suppressed");
    const status = live.length === 0 ? "suppressed" : statusOf(live.map((row) => row.state));
    sql.exec(SQL.SET_STATUS, status, source, id);
    const attempts = Math.max(0, ...live.map((row) => row.attempts));
    const lastError = live.findLast((row) => row.last_error !== null)?.last_error ?? null;
    const suppressedBy = status === "suppressed" ? (rows[0]?.last_error ?? null) : null;
    return { source, id, status, attempts, lastError, suppressedBy };
  });
}

function statusOf(states: string[]): EventStatus {
  if (states.includes("dead")) return "dead";
  if (states.every((state) => state === "done")) return "delivered";
  if (states.includes("failed")) return "retrying";
  return "accepted";
}

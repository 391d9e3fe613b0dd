/**
 * The per (event, delivery key) state machine: leases deliveries to consumers (`begin`, in memory: see
 * lease-book.ts), records their fenced outcomes (`settle`: one `outcomes` row per delivery key, plus a row in
 * `failed_attempts` for each attempt that did not succeed), and keeps the claim's status, which is also the
 * log's, derived from its deliveries. A first-try delivery to one route writes two rows here.
 */
import { z } from "zod";
import type { Settings } from "../config/settings";
import { claimTables } from "./claim-tables";
import { deliveryKey, parseDeliveryKey } from "./event-message";
import type { LeaseBook } from "./lease-book";
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
import type { StoredRequests } from "./stored-requests";

/** Bodies up to this size travel inline with `beginDeliveries`; larger ones are read separately. */
const INLINE_BODY_BYTES = 256 * 1024;

const StoredRoutes = z.array(z.string()).nullable().catch(null);

/**
 * What a claim records when its only delivery succeeded at once (`claims.done_record`), kept compact since
 * it stays for the whole retention: [delivery key, attempt, duration ms, HTTP status or null]. It ended at
 * the claim's `delivered_at`; the destination is the route's; a success's answer body is not kept (a
 * failure's is, in failed_attempts).
 */
export const DoneRecord = z.tuple([z.string(), z.number().int(), z.number(), z.number().nullable()]);
export type DoneRecord = z.infer<typeof DoneRecord>;

/** The stored routes of a claim (a JSON array), or null when the consumer chooses. */
export function routesOf(claim: SQL.ClaimRow): string[] | null {
  return claim.routes === null ? null : StoredRoutes.parse(JSON.parse(claim.routes));
}

/** A result whose request is in a segment not in memory: the ledger reads it from R2 before answering. */
export type Unread = { result: number; claim: SQL.ClaimRow };

/**
 * Leases every runnable delivery of each event to the calling consumer. A delivery already done, dead,
 * suppressed, leased by another attempt, or waiting out its backoff is not run. When the message names no
 * handler, the routes stored with the event at claim time are its delivery keys. An event stored without
 * routes (none was configured) for which no delivery was ever begun and none matches becomes `no_handler`,
 * a terminal status; one whose routes matched nothing was stored `filtered` and is never sent.
 */
export function beginDeliveries(
  sql: SqlStorage,
  leases: LeaseBook,
  requests: StoredRequests,
  settings: Settings,
  items: BeginInput,
): { results: BeginResult[]; unread: Unread[] } {
  const now = Date.now();
  const leaseUntil = now + settings.HANDLER_LEASE_SECONDS * 1000;
  const unread: Unread[] = [];
  const results = items.map(
    ({ source, id, handlers: given, useStoredRoutes, replay }, index): BeginResult => {
      const claim = sql.exec<SQL.ClaimRow>(SQL.SELECT_CLAIM, source, id).toArray()[0];
      if (!claim) return { source, id, found: false };
      const routes = routesOf(claim);
      const handlers = (useStoredRoutes && routes?.map((route) => deliveryKey(route, replay))) || given;
      const outcomes = new Map(
        sql
          .exec<SQL.OutcomeRow>(SQL.SELECT_OUTCOMES, claim.seq)
          .toArray()
          .map((row) => [row.handler, row]),
      );
      const keys = [...new Set(handlers)];
      // The claim may record the outcome itself only for its own single delivery, never for a replay's.
      const alone =
        keys.length === 1 &&
        outcomes.size === 0 &&
        claim.done_record === null &&
        parseDeliveryKey(keys[0] ?? "").replay === undefined;
      const decisions = keys.map((key) =>
        decide(leases, claim, key, outcomes.get(key), now, leaseUntil, alone),
      );
      let status = claim.status as EventStatus;
      // The request only matters to a delivery that runs now (a message for finished work reads nothing).
      const runs = decisions.some((decision) => decision.decision === "run");
      const stored = runs && claim.body_size <= INLINE_BODY_BYTES ? requests.readNow(claim) : null;
      if (stored === undefined) unread.push({ result: index, claim });
      if (routes === null && decisions.length === 0 && outcomes.size === 0 && status === "accepted") {
        status = "no_handler";
        claimTables(sql).update(claim.seq, SQL.SET_STATUS, claim.seq, status);
      }
      return {
        source,
        id,
        found: true,
        status,
        event: {
          source,
          id,
          type: claim.type,
          receivedAt: claim.received_at,
          bodySize: claim.body_size,
          shard: claim.shard,
          headers: stored?.headers ?? {},
          verifiedWith: VerifiedWith.safeParse(claim.verified_with).data ?? null,
          body: stored?.body ?? null,
          routes,
        },
        handlers: decisions,
      };
    },
  );
  leases.persistGrants();
  return { results, unread };
}

function decide(
  leases: LeaseBook,
  claim: SQL.ClaimRow,
  handler: string,
  current: SQL.OutcomeRow | undefined,
  now: number,
  leaseUntil: number,
  alone: boolean,
): HandlerDecision {
  const { seq } = claim;
  const settled = current?.attempts ?? 0;
  // A claim whose only delivery succeeded records it on itself (SET_DELIVERED_ALONE): its own keys are done.
  if (!current && claim.done_record !== null && parseDeliveryKey(handler).replay === undefined)
    return { handler, decision: "done", attempt: DoneRecord.parse(JSON.parse(claim.done_record))[1] };
  // A suppressed or superseded delivery is finished too: a message delivered again must not start it.
  if (
    current?.state === "done" ||
    current?.state === "dead" ||
    current?.state === "suppressed" ||
    current?.state === "superseded"
  )
    return { handler, decision: current.state, attempt: settled };
  const heldUntil = leases.heldUntil(seq, handler, now, settled);
  if (heldUntil !== null)
    return {
      handler,
      decision: "leased",
      attempt: leases.lastAttempt(seq, handler),
      retryInMs: heldUntil - now,
    };
  if (current?.state === "failed" && (current.not_before ?? 0) > now)
    return { handler, decision: "waiting", attempt: settled, retryInMs: (current.not_before ?? now) - now };
  const attempt = Math.max(settled, leases.lastAttempt(seq, handler)) + 1;
  leases.grant(seq, handler, attempt, leaseUntil, alone);
  return { handler, decision: "run", attempt, budgetUsed: attempt - (current?.revived_at ?? 0) };
}

/**
 * Releases the deliveries of `route` held while it was paused, oldest claim first, into the outbox (one
 * resend per claim): they are sent in the order Hookgate accepted them. Returns how many were released.
 */
export function releaseHeld(sql: SqlStorage, route: string): number {
  const held = sql
    .exec<{ seq: number; handler: string }>(SQL.SELECT_HELD)
    .toArray()
    .filter((row) => parseDeliveryKey(row.handler).handler === route)
    .sort((a, b) => a.seq - b.seq);
  const now = Date.now();
  for (const { seq, handler } of held) {
    sql.exec(SQL.RELEASE_HELD, now, seq, handler);
    sql.exec(SQL.INSERT_RESEND, seq);
  }
  return held.length;
}

/**
 * Records delivery outcomes (fenced by attempt number); returns each touched event's new status. Deliveries
 * the consumer suppressed count for nothing once others exist: a replay of a suppressed event that is
 * delivered makes the event `delivered`.
 */
export function settleDeliveries(sql: SqlStorage, leases: LeaseBook, outcomes: SettleInput): SettledStatus[] {
  const now = Date.now();
  const touched = new Map<number, { source: string; id: string }>();
  const settledAlone: SettledStatus[] = [];
  for (const outcome of outcomes) {
    const seq = sql.exec<{ seq: number }>(SQL.SELECT_SEQ, outcome.source, outcome.id).toArray()[0]?.seq;
    if (seq === undefined) continue;
    const rows = sql.exec<SQL.OutcomeRow>(SQL.SELECT_OUTCOMES, seq).toArray();
    const current = rows.find((row) => row.handler === outcome.handler);
    const lease = leases.release(seq, outcome.handler, outcome.attempt, current?.attempts ?? 0);
    if (!lease || outcome.outcome === "deferred") continue;
    if (outcome.outcome === "held") {
      sql.exec(SQL.HOLD, seq, outcome.handler, current?.attempts ?? 0, now);
      touched.set(seq, { source: outcome.source, id: outcome.id });
      continue;
    }
    if (outcome.outcome === "done" && lease.alone && rows.length === 0 && !touched.has(seq)) {
      const { record } = outcome;
      const done: DoneRecord = [
        outcome.handler,
        outcome.attempt,
        record?.durationMs ?? 0,
        record?.responseStatus ?? null,
      ];
      claimTables(sql).update(seq, SQL.SET_DELIVERED_ALONE, seq, outcome.attempt, now, JSON.stringify(done));
      const { source, id } = outcome;
      settledAlone.push({
        source,
        id,
        status: "delivered",
        attempts: outcome.attempt,
        lastError: null,
        suppressedBy: null,
      });
      continue;
    }
    const failed = outcome.outcome === "failed" || outcome.outcome === "dead";
    const record = "record" in outcome ? outcome.record : undefined;
    sql.exec(
      SQL.UPSERT_OUTCOME,
      seq,
      outcome.handler,
      outcome.outcome,
      // A superseded delivery never ran: its lease's attempt was not one (the attempts made before it stand).
      outcome.outcome === "superseded" ? (current?.attempts ?? 0) : outcome.attempt,
      failed ? outcome.retryAt : null,
      // A suppressed delivery keeps the rule's name where a failed one keeps its error.
      failed ? outcome.error : outcome.outcome === "suppressed" ? outcome.rule : null,
      now,
      record?.startedAt ?? null,
      record?.durationMs ?? null,
      record?.destination ?? null,
      record?.responseStatus ?? null,
      record?.responseBody ?? null,
    );
    if (failed)
      sql.exec(
        SQL.INSERT_FAILED_ATTEMPT,
        seq,
        outcome.handler,
        outcome.attempt,
        outcome.outcome,
        outcome.error,
        record?.startedAt ?? now,
        record?.durationMs ?? 0,
        record?.destination ?? null,
        record?.responseStatus ?? null,
        record?.responseBody ?? null,
        outcome.outcome === "failed" ? outcome.retryAt : null,
      );
    touched.set(seq, { source: outcome.source, id: outcome.id });
  }
  const settled = [...touched].map(([seq, { source, id }]): SettledStatus => {
    const rows = sql.exec<SQL.OutcomeRow>(SQL.SELECT_OUTCOMES, seq).toArray();
    rows.sort((a, b) => a.updated_at - b.updated_at);
    const live = rows.filter((row) => row.state !== "suppressed");
    const status = live.length === 0 ? "suppressed" : statusOf(live.map((row) => row.state));
    const attempts = Math.max(0, ...live.map((row) => row.attempts));
    const lastError = live.findLast((row) => row.last_error !== null)?.last_error ?? null;
    const suppressedBy = status === "suppressed" ? (rows[0]?.last_error ?? null) : null;
    claimTables(sql).update(
      seq,
      SQL.SET_EVENT_OUTCOME,
      seq,
      status,
      attempts,
      lastError,
      status === "delivered" ? now : null,
      suppressedBy,
    );
    return { source, id, status, attempts, lastError, suppressedBy };
  });
  return [...settledAlone, ...settled];
}

function statusOf(states: string[]): EventStatus {
  if (states.includes("dead")) return "dead";
  if (states.every((state) => state === "superseded")) return "superseded";
  if (states.every((state) => state === "done" || state === "superseded")) return "delivered";
  if (states.includes("failed")) return "retrying";
  return "accepted";
}

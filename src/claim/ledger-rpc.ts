/** zod schemas for every argument the EventLedger Durable Object accepts over RPC. */
import { z } from "zod";

const SourceName = z.string().min(1).max(64);
export const EventId = z.string().min(1).max(512);
export const HandlerName = z.string().min(1).max(128);

/** Which configured secret verified an event: `current`, or `previous` (`<secretVar>_PREVIOUS`) during a rotation. */
export const VerifiedWith = z.enum(["current", "previous"]);
export type VerifiedWith = z.infer<typeof VerifiedWith>;

function isHeaderMap(value: unknown): value is Record<string, string> {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((header) => typeof header === "string")
  );
}

/**
 * Request headers, name → value, taken as they are: `z.record` leaves out a key named `__proto__` (zod
 * will not assign it to a plain object), and a request may carry a header of that name. Documented in
 * OpenAPI as a map of string to string.
 */
export const HeaderMap = z
  .custom<Record<string, string>>(isHeaderMap, "headers must map names to strings")
  .meta({ type: "object", additionalProperties: { type: "string" } });

export const AcceptInput = z.object({
  source: SourceName,
  id: EventId,
  type: z.string().max(256),
  receivedAt: z.number().int().nonnegative(),
  headers: HeaderMap,
  body: z.custom<Uint8Array>((value) => value instanceof Uint8Array, "body must be bytes"),
  shard: z.number().int().nonnegative(),
  /** Absent for events accepted without a signature check (replays keep the stored value). */
  verifiedWith: VerifiedWith.optional(),
  /**
   * The routes chosen for the event when it was claimed (an empty list: it matched none and ends
   * `filtered`). Absent: the consumer chooses its handlers when it runs the event.
   */
  routes: z.array(HandlerName).max(64).optional(),
});
export type AcceptInput = z.infer<typeof AcceptInput>;
export type AcceptOutcome = "accepted" | "duplicate";

/** `claimSignedContent`: the SHA-256 (hex) of what a signature covers, claimed for one event id. */
export const SignedContentClaim = z.object({
  source: SourceName,
  digest: z.string().regex(/^[0-9a-f]{64}$/),
  id: EventId,
  claimedAt: z.number().int().nonnegative(),
});
export type SignedContentClaim = z.infer<typeof SignedContentClaim>;

export const BeginInput = z.array(
  z.object({
    source: SourceName,
    id: EventId,
    handlers: z.array(HandlerName).max(64),
    /**
     * The message names no handler: the event's stored routes (keyed for `replay`) replace `handlers`,
     * which then only serve events stored without routes.
     */
    useStoredRoutes: z.boolean().optional(),
    replay: z.number().int().positive().optional(),
  }),
);
export type BeginInput = z.infer<typeof BeginInput>;

/**
 * What one attempt did, recorded with its outcome (the log's attempt history): when it started, how long it
 * took, where it went (a URL without its query, or `handler <name>`), the destination's HTTP status and the
 * first 1 KB of its answer.
 */
export const AttemptRecord = z.object({
  startedAt: z.number().int().nonnegative(),
  durationMs: z.number().int().nonnegative(),
  destination: z.string().max(2048).nullable(),
  responseStatus: z.number().int().nullable(),
  responseBody: z.string().max(4096).nullable(),
});
export type AttemptRecord = z.infer<typeof AttemptRecord>;

const Settled = z.object({
  source: SourceName,
  id: EventId,
  handler: HandlerName,
  attempt: z.number().int(),
});

export const SettleInput = z.array(
  z.discriminatedUnion("outcome", [
    Settled.extend({ outcome: z.literal("done"), record: AttemptRecord.optional() }),
    Settled.extend({
      outcome: z.enum(["failed", "dead"]),
      error: z.string().max(1000),
      retryAt: z.number().int().nonnegative(),
      record: AttemptRecord.optional(),
    }),
    /** The consumer matched one of the source's suppress rules (named by `rule`) instead of running it. */
    Settled.extend({ outcome: z.literal("suppressed"), rule: z.string().min(1).max(64) }),
    /**
     * Not started now, and no attempt spent: `deferred` ends the lease and records nothing (the route's gate
     * asked for a short wait: a rate, a Retry-After, an open circuit; or its ordered lane made it wait), `held`
     * while an operator pauses the route (the ledger keeps it until `releaseHeld`); docs/back-pressure.md.
     */
    Settled.extend({ outcome: z.enum(["deferred", "held"]) }),
    /** A newer event of its ordered lane replaced it (`coalesce: "latest"`): finished, not delivered. */
    Settled.extend({ outcome: z.literal("superseded") }),
  ]),
);
export type SettleInput = z.infer<typeof SettleInput>;

export const EventKey = z.object({ source: SourceName, id: EventId });

/** One delivery of one event: its delivery key is the route's (or handler's) name. */
export const DeliveryOf = EventKey.extend({ handler: HandlerName });

/** What the consumer may do with one handler of one event. `retryInMs` says when to look again. */
export type HandlerDecision =
  /** `attempt` numbers every run; `budgetUsed` counts runs since the last redrive, for retry limits. */
  | { handler: string; decision: "run"; attempt: number; budgetUsed: number }
  | { handler: string; decision: "done" | "dead" | "suppressed" | "superseded"; attempt: number }
  | { handler: string; decision: "leased" | "waiting"; attempt: number; retryInMs: number };

export interface StoredEvent {
  source: string;
  id: string;
  type: string;
  receivedAt: number;
  bodySize: number;
  shard: number;
  headers: Record<string, string>;
  /** Which secret verified it; null for events stored before this was recorded. */
  verifiedWith: VerifiedWith | null;
  /** Null when the body is large: read it with `readBody` so batches stay small. */
  body: Uint8Array | null;
  /** The routes chosen when it was claimed; null when the consumer chooses (events claimed without). */
  routes: string[] | null;
}

export type BeginResult =
  | { source: string; id: string; found: false }
  | {
      source: string;
      id: string;
      found: true;
      /** The event's status once begun: `no_handler` when no handler matched it. */
      status: EventStatus;
      event: StoredEvent;
      handlers: HandlerDecision[];
    };

/**
 * `delivered`, `dead`, `no_handler`, `suppressed` (a source's suppress rule matched: not delivered) and
 * `filtered` (routes are configured and none matched it when it was claimed) are terminal (and forgotten
 * after retention), and so is `superseded` (a newer event of its ordered lane was delivered instead).
 */
export type EventStatus = ClaimStatus;

/** An event's status after `settleDeliveries`, for the event log. */
export interface SettledStatus {
  source: string;
  id: string;
  status: EventStatus;
  attempts: number;
  lastError: string | null;
  /** The suppress rule that matched, while the event is `suppressed`. */
  suppressedBy: string | null;
}

/**
 * A claim's status in the event log. `filtered`: no route matched the event, so there was nothing to
 * deliver. Every status but `accepted` and `retrying` is terminal.
 */
export const ClaimStatus = z.enum([
  "accepted",
  "delivered",
  "retrying",
  "dead",
  "no_handler",
  "suppressed",
  "filtered",
  "superseded",
]);
export type ClaimStatus = z.infer<typeof ClaimStatus>;

/**
 * One delivery key's state as the event log shows it: the `outcomes` states (`done`, `failed` waiting to
 * retry, `dead`, `suppressed` by a suppress rule or the route's budget, `held` while its route is paused,
 * `superseded` by a newer event of its ordered lane), and `pending` for a route chosen at acceptance that has
 * not settled an attempt yet (or was released from a hold and waits to run).
 */
export const DeliveryState = z.enum([
  "pending",
  "done",
  "failed",
  "dead",
  "suppressed",
  "held",
  "superseded",
]);
export type DeliveryState = z.infer<typeof DeliveryState>;

/** `listLog`: one shard's page of the event log; times in ms, `beforeSeq` is the shard's cursor. */
export const ListLogInput = z.object({
  source: SourceName.optional(),
  /** Exact id or a literal prefix of it (GLOB metacharacters in it are plain text). */
  id: EventId.optional(),
  /** Exact, or a glob where `*` matches anything. */
  type: z.string().min(1).max(256).optional(),
  status: ClaimStatus.optional(),
  since: z.number().int().optional(),
  until: z.number().int().optional(),
  /** A route (handler) name chosen at claim time. */
  route: HandlerName.optional(),
  beforeSeq: z.number().int().nonnegative().optional(),
  limit: z.number().int().min(1).max(200),
});
export type ListLogInput = z.infer<typeof ListLogInput>;

/** `summarizeLog`: counts and latencies of the claims received at or after `since` (ms). */
export const SummarizeLogInput = z.object({ since: z.number().int() });

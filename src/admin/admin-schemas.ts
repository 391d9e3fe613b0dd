/**
 * zod schemas of the admin API: query parameters in, response bodies out. Every response is parsed with
 * its schema before it is sent, and the OpenAPI document (`/openapi.json`) is generated from them.
 */
import { z } from "zod";
import { ClaimStatus, DeliveryState, HandlerName, HeaderMap } from "../claim/ledger-rpc";

/**
 * `no_handler`: no handler matched the event, so there was nothing to deliver; `suppressed`: one of the
 * source's suppress rules (loop breakers) matched, so it was not delivered; `filtered`: routes are configured
 * and none matched the event when it was claimed, so it was never enqueued; `superseded`: a newer event of
 * its ordered lane was delivered instead (`coalesce: "latest"`). All four are terminal, like `delivered`.
 */
export const EventStatus = ClaimStatus;
export type EventStatus = z.infer<typeof EventStatus>;

const timeParam = z
  .string()
  .transform((value, ctx) => {
    const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: "custom", message: "expected an ISO 8601 time or Unix milliseconds" });
      return z.NEVER;
    }
    return ms;
  })
  .meta({ description: "ISO 8601 time or Unix milliseconds" });

/** Unknown parameters are refused (400), so a misspelt filter never silently widens a search. */
export const ListEventsQuery = z.strictObject({
  source: z.string().max(64).optional().meta({ description: "the source's URL name (`github`)" }),
  id: z
    .string()
    .max(512)
    .optional()
    .meta({ description: "event id, exact or a prefix of it (`evt_1` finds `evt_123`)" }),
  type: z
    .string()
    .max(256)
    .optional()
    .meta({ description: "event type, exact or a glob where `*` matches anything (`customer.*`)" }),
  status: EventStatus.optional().meta({ description: "the event's status" }),
  route: HandlerName.optional().meta({
    description:
      "a route chosen for the event when it was accepted; while no route is configured none is chosen (handlers are matched at delivery), so this finds nothing",
  }),
  since: timeParam
    .optional()
    .meta({ description: "events received at or after this time (ISO 8601 or Unix milliseconds)" }),
  until: timeParam
    .optional()
    .meta({ description: "events received before this time (ISO 8601 or Unix milliseconds)" }),
  cursor: z.string().max(2000).optional().meta({ description: "the previous page's `nextCursor`" }),
  limit: z.coerce.number().int().min(1).max(200).default(50).meta({ description: "events per page" }),
});

/** The handler name bounds are the ledger's own, so any name the ledger stores can be replayed. */
export const ReplayQuery = z.strictObject({
  handler: HandlerName.optional().meta({ description: "replay to this route or handler only" }),
});

/** Routes that take no query parameters still refuse unknown ones. */
export const NoQuery = z.strictObject({});

export const MetricsQuery = z.strictObject({
  window: z.coerce
    .number()
    .int()
    .min(60)
    .max(90 * 86_400)
    .default(86_400)
    .meta({ description: "seconds back from now" }),
});

export const RedriveRequest = z.strictObject({
  /** Specific dead events; when omitted, the newest dead events up to `limit`. */
  events: z
    .array(z.strictObject({ source: z.string().max(64), id: z.string().max(512) }))
    .max(100)
    .optional(),
  limit: z.number().int().min(1).max(100).default(100),
});

export const EventSummary = z.object({
  source: z.string(),
  id: z.string(),
  type: z.string(),
  status: EventStatus,
  receivedAt: z.iso.datetime(),
  attemptCount: z.number().int().meta({
    description:
      "the most attempts any one handler run has taken; replays are separate runs and are not added to it",
  }),
  lastError: z
    .string()
    .nullable()
    .meta({ description: "the last failure in plain words; null once the event is delivered" }),
  deliveredAt: z.iso.datetime().nullable(),
  latencyMs: z.number().int().nullable(),
  bodySize: z.number().int(),
  suppressedBy: z.string().nullable().meta({
    description:
      "the suppress rule that matched the event (status `suppressed`; kept after a replay), else null",
  }),
});

export const EventList = z.object({ events: z.array(EventSummary), nextCursor: z.string().nullable() });

export const Attempt = z.object({
  handler: z.string(),
  replay: z.number().int().meta({ description: "0 for regular delivery, n for the n-th replay" }),
  attempt: z.number().int().meta({
    description:
      "1-based per handler run, out of its route's `maxAttemptsByRoute` entry, else `maxAttempts`; a redrive grants a fresh budget and numbering continues",
  }),
  outcome: z.enum(["done", "failed", "dead"]),
  error: z.string().nullable(),
  startedAt: z.iso.datetime(),
  durationMs: z.number().int(),
  destination: z.string().nullable().meta({
    description:
      'where the attempt went: a URL without its query, `handler <name>` or `agent <BINDING>("<instance>").<method>`; null for a first-try success, which the claim records without it',
  }),
  responseStatus: z.number().int().nullable().meta({ description: "the destination's HTTP status" }),
  responseBody: z.string().nullable().meta({
    description: "the first 1 KB of the destination's answer, as text; null for a first-try success",
  }),
  nextRetryAt: z.iso
    .datetime()
    .nullable()
    .meta({ description: "when the next attempt is due; null after success and once dead" }),
});

export const Delivery = z.object({
  handler: z.string().meta({ description: "the route's (or handler's) name" }),
  replay: z.number().int().meta({ description: "0 for the event's own delivery, n for the n-th replay's" }),
  state: DeliveryState.meta({
    description:
      "`done`; `failed` (waiting to retry, see `nextRetryAt`); `dead`; `suppressed` (a source's suppress rule or the route's budget matched, see `rule`); `held` (its route is paused); `superseded` (a newer event of its ordered lane went instead); `pending` (no attempt has finished yet)",
  }),
  attempts: z.number().int().meta({
    description:
      "attempts this delivery has settled (0 when it never ran), out of its route's `maxAttemptsByRoute` entry, else `maxAttempts`",
  }),
  rule: z.string().nullable().meta({
    description:
      "for `suppressed`: the suppress rule that matched, or `budget` for the route's budget; else null",
  }),
  reason: z.string().nullable().meta({
    description:
      "why it is in this state, in plain words: the last error of a `failed` or `dead` delivery, the cause of `suppressed`, `held`, `superseded` or `pending`; null when `done`",
  }),
  nextRetryAt: z.iso
    .datetime()
    .nullable()
    .meta({ description: "when a `failed` delivery runs again, if set" }),
  updatedAt: z.iso
    .datetime()
    .nullable()
    .meta({ description: "when it last changed state; null while `pending` from the start" }),
});

export const EventDetail = z.object({
  event: EventSummary,
  attempts: z.array(Attempt),
  deliveries: z.array(Delivery).meta({
    description:
      "every delivery's current state, also those that do not decide the event's status (a route suppressed by its budget or held while another delivered): the event's own in the order of `routes`, then each replay's",
  }),
  maxAttempts: z.number().int().meta({ description: "attempts a handler run gets (`HANDLER_MAX_ATTEMPTS`)" }),
  maxAttemptsByRoute: z.record(z.string(), z.number().int()).meta({
    description:
      "each configured route's attempt budget (its own `maxAttempts`, else `HANDLER_MAX_ATTEMPTS`): an attempt of route r is out of `maxAttemptsByRoute[r] ?? maxAttempts`",
  }),
  routes: z.array(z.string()).nullable().meta({
    description:
      "the routes chosen when the event was accepted (its fan-out; `[]`: filtered); null when no route was configured then, and the handlers were matched at delivery",
  }),
  /** Request headers with credential-like values masked; null once the payload is past retention. */
  headers: HeaderMap.nullable(),
  payload: z.unknown().meta({
    description:
      "parsed JSON body, or its text (also when nested more than 512 levels deep); null past retention",
  }),
  payloadAvailable: z.boolean(),
});

export const ReplayAccepted = z.object({
  source: z.string(),
  id: z.string(),
  replay: z.number().int(),
  handler: z.string().nullable(),
  status: z.literal("enqueued"),
});

export const RedriveResult = z.object({
  redriven: z.array(z.object({ source: z.string(), id: z.string() })),
  skipped: z.array(z.object({ source: z.string(), id: z.string(), reason: z.string() })),
});

const StatusCounts = z.object({
  accepted: z.number().int(),
  delivered: z.number().int(),
  retrying: z.number().int(),
  no_handler: z.number().int(),
  suppressed: z.number().int(),
  filtered: z.number().int(),
  superseded: z.number().int(),
  dead: z.number().int(),
  total: z.number().int(),
});

export const Metrics = z.object({
  since: z.iso.datetime(),
  until: z.iso.datetime(),
  byStatus: StatusCounts,
  bySource: z.record(z.string(), StatusCounts),
  latencyMs: z.object({
    count: z.number().int(),
    p50: z.number().int().nullable(),
    p99: z.number().int().nullable(),
  }),
  truncated: z.boolean().meta({
    description:
      "true when a ledger shard held more events in the window than one summary reads: the figures cover its newest",
  }),
});

export type EventSummary = z.infer<typeof EventSummary>;
export type ListEventsQuery = z.infer<typeof ListEventsQuery>;

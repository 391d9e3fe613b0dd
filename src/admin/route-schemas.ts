/** zod schemas of the admin API's routes endpoints (`GET /admin/api/routes`, `/routes/:name`). */
import { z } from "zod";
import { BudgetKey, TrippedKey } from "../routes/budget-schemas";

/** Where a route was written: routes.ts, `HOOKGATE_ROUTES`, or a handler registered with `handlers.on` (`code`). */
export const RouteOrigin = z.enum(["routes.ts", "HOOKGATE_ROUTES", "code"]);

/** The route's back-pressure state, from its gate (docs/back-pressure.md). */
export const RouteState = z.enum(["active", "paused", "circuit-open"]);

/** What a route did with the events of a recent window, summed over the ledger shards. */
export const RouteCounts = z.object({
  pending: z.number().int().meta({ description: "events the route still owes (accepted or retrying)" }),
  delivered: z.number().int(),
  dead: z.number().int().meta({ description: "events the route gave up (dead-lettered)" }),
  since: z.iso
    .datetime()
    .meta({ description: "the counts cover events received since then (the last 24 h)" }),
  truncated: z.boolean().meta({ description: "true when a shard counted only its newest 50,000 events" }),
});

/** Where a route delivers. Secrets are never shown: only the names of the variables that hold them. */
export const RouteDestinationView = z.union([
  z.object({
    url: z.string().meta({ description: "the destination URL without its query string" }),
    secretVar: z.string().nullable().meta({ description: "variable holding the `v1` (HMAC) secret" }),
    signingKeyVar: z.string().nullable().meta({ description: "variable holding the `v1a` (Ed25519) key" }),
    timeoutMs: z.number().int(),
  }),
  z.object({ handler: z.string().meta({ description: "a TypeScript handler registered in code" }) }),
  z.object({
    agent: z
      .object({
        binding: z.string(),
        name: z.string(),
        method: z.string(),
        timeoutMs: z.number().int().meta({ description: "the route's own, or AGENT_TIMEOUT_MS" }),
      })
      .meta({
        description:
          "a Cloudflare Agent: its binding, the envelope path naming the instance, the method, and how long an attempt waits",
      }),
  }),
]);

export const RouteView = z.object({
  name: z.string(),
  origin: RouteOrigin,
  sources: z.array(z.string()).meta({ description: "source names, or `*`" }),
  types: z.array(z.string()).nullable().meta({ description: "type globs; null: every type" }),
  filter: z.record(z.string(), z.unknown()).nullable().meta({ description: "see docs/filters.md" }),
  destination: RouteDestinationView,
  maxAttempts: z.number().int().meta({ description: "the route's own, or HANDLER_MAX_ATTEMPTS" }),
  ratePerSecond: z.number().nullable(),
  budget: z
    .object({ key: z.string(), max: z.number().int(), windowSeconds: z.number().int() })
    .nullable()
    .meta({ description: "events per key value within a window; past `max`, suppressed with rule `budget`" }),
  order: z
    .object({
      orderBy: z.string(),
      onPoison: z.enum(["skip", "block"]),
      coalesce: z.enum(["latest"]).nullable(),
      coalesceBy: z.string().nullable(),
    })
    .nullable()
    .meta({ description: "the route's ordered lanes (`orderBy` and its options); null: unordered" }),
  state: RouteState,
  lastError: z
    .string()
    .nullable()
    .optional()
    .meta({ description: "the destination's last failure, from the route's gate" }),
  counts: RouteCounts.optional(),
});
export type RouteView = z.infer<typeof RouteView>;

/** `GET /admin/api/routes/:name`: the route, with the keys over its budget now. */
export const RouteDetailView = RouteView.extend({
  trippedKeys: z.array(TrippedKey).meta({
    description:
      "keys over the route's budget now (empty without a budget); reset one with …/budgets/{key}/reset",
  }),
});
export type RouteDetailView = z.infer<typeof RouteDetailView>;

/** `POST /admin/api/routes/:name/budgets/:key/reset`: the route and key, and whether a trip was cleared. */
export const BudgetResetView = z.object({
  route: z.string(),
  key: z.string(),
  cleared: z
    .boolean()
    .meta({ description: "false when the key was not over budget (it counts from zero anyway)" }),
});

export const RouteListView = z.object({
  /**
   * False while no route is configured: every event then goes to the handlers registered in code (the
   * `forward` handler to AGENT_ENDPOINT_URL included), matched when it is delivered.
   */
  configured: z.boolean(),
  routes: z.array(RouteView),
});

export const RouteParams = z.object({ name: z.string().min(1).max(128) });
export const BudgetKeyParams = RouteParams.extend({ key: BudgetKey });

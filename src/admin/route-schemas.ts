/** zod schemas of the admin API's routes endpoints (`GET /admin/api/routes`, `/routes/:name`). */
import { z } from "zod";

/** Where a route was written: routes.ts, `HOOKGATE_ROUTES`, or a handler registered with `handlers.on` (`code`). */
export const RouteOrigin = z.enum(["routes.ts", "HOOKGATE_ROUTES", "code"]);

/** `active` for now; pausing and the circuit breaker add `paused` and `circuit-open`. */
export const RouteState = z.enum(["active"]);

/** Where a route delivers. Secrets are never shown: only the names of the variables that hold them. */
export const RouteDestinationView = z.union([
  z.object({
    url: z.string().meta({ description: "the destination URL without its query string" }),
    secretVar: z.string().nullable().meta({ description: "variable holding the `v1` (HMAC) secret" }),
    signingKeyVar: z.string().nullable().meta({ description: "variable holding the `v1a` (Ed25519) key" }),
    timeoutMs: z.number().int(),
  }),
  z.object({ handler: z.string().meta({ description: "a TypeScript handler registered in code" }) }),
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
});
export type RouteView = z.infer<typeof RouteView>;

export const RouteListView = z.object({
  /**
   * False while no route is configured: every event then goes to the handlers registered in code (the
   * `forward` handler to AGENT_ENDPOINT_URL included), matched when it is delivered.
   */
  configured: z.boolean(),
  routes: z.array(RouteView),
});

export const RouteParams = z.object({ name: z.string().min(1).max(128) });

/**
 * The one schema for routes, whether written in routes.ts (validated at module load: a typo fails the
 * deploy) or in `HOOKGATE_ROUTES` (validated once per env: see routes-from-env.ts). A route picks events by
 * source, type and filter, and names one destination: a URL it POSTs signed envelopes to, a handler, or a
 * Cloudflare Agent (a Durable Object method, called over RPC).
 */
import { z } from "zod";
import { BudgetConfig } from "../routes/budget-schemas";
import { RouteFilter } from "../routes/filter-schema";
import { AgentDestination } from "./agent-destination";
import { isAllowedDestinationUrl } from "./destination-url";

/**
 * Route names follow the handler-name rule: delivery state, idempotency keys (`source:id:name`) and
 * `webhook-id`s are kept per name, so a name never holds `:` or `#`.
 */
export const ROUTE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const RouteName = z
  .string()
  .regex(ROUTE_NAME, "letters, digits, `_`, `.` and `-`, at most 128, not starting with a symbol");
const VarName = z.string().regex(/^[A-Z][A-Z0-9_]*$/, "a variable name such as TRIAGE_SIGNING_SECRET");

/** Routes per deployment; with the handlers registered in code, an event fans out to at most 64. */
export const MAX_ROUTES = 48;

/** Exactly one of `url`, `handler` or `agent`. */
const DestinationInput = z
  .strictObject({
    /** https (plain http only to loopback); the envelope is POSTed here, signed the Standard Webhooks way. */
    url: z
      .string()
      .refine(
        isAllowedDestinationUrl,
        "expected an https URL (plain http only to loopback), without credentials",
      )
      .optional(),
    /** Variable holding this route's `whsec_` secret: signs `v1` (HMAC). Never the secret itself. */
    secretVar: VarName.optional(),
    /** Variable holding this route's `whsk_` Ed25519 key (and `<var>_PREVIOUS` in a rotation): signs `v1a`. */
    signingKeyVar: VarName.optional(),
    /** Per-attempt time limit; default AGENT_TIMEOUT_MS. */
    timeoutMs: z.number().int().min(100).max(120_000).optional(),
    /** The name of a TypeScript handler registered in code (src/handlers/agent-handlers.ts). */
    handler: RouteName.optional(),
    /** A Cloudflare Agent: `{ binding, name, method }` (README, "Cloudflare Agents as destinations"). */
    agent: AgentDestination.optional(),
  })
  .superRefine((destination, context) => {
    const kinds = [destination.url, destination.handler, destination.agent].filter((v) => v !== undefined);
    if (kinds.length !== 1)
      context.addIssue({
        code: "custom",
        message: "a destination is exactly one of `url`, `handler` or `agent`",
      });
    else if (
      destination.url === undefined &&
      (destination.secretVar ?? destination.signingKeyVar ?? destination.timeoutMs) !== undefined
    )
      context.addIssue({
        code: "custom",
        message: "`secretVar`, `signingKeyVar` and `timeoutMs` belong to a `url` destination",
      });
  });

export type UrlDestination = {
  readonly url: string;
  readonly secretVar?: string;
  readonly signingKeyVar?: string;
  readonly timeoutMs?: number;
};
export type RouteDestination =
  | UrlDestination
  | { readonly handler: string }
  | { readonly agent: AgentDestination };

/** A dotted path into the envelope (`payload.job_id`, `headers.x-seq`), as filters write them. */
const LanePath = z
  .string()
  .regex(
    /^(id|source|type|payload|headers)(\.[^.]+)*$/,
    "a dotted path starting with payload., headers., id, source or type",
  )
  .max(256);

/** One route, from routes.ts or from `HOOKGATE_ROUTES`. */
export const RouteFields = z.strictObject({
  name: RouteName,
  /** Source names (as in `/webhooks/:source`), or `*` for every source. */
  sources: z.array(z.string().min(1).max(64)).min(1).max(64),
  /** Type globs (`issues.*`); absent: every type. */
  types: z.array(z.string().min(1).max(256)).min(1).max(64).optional(),
  /** A JSON match over the envelope: see docs/filters.md. */
  filter: RouteFilter.optional(),
  destination: DestinationInput.transform(
    ({ url, secretVar, signingKeyVar, timeoutMs, handler, agent }): RouteDestination => {
      if (agent !== undefined) return { agent };
      return url === undefined ? { handler: handler ?? "" } : { url, secretVar, signingKeyVar, timeoutMs };
    },
  ),
  /** Attempts before the route's delivery is dead; default HANDLER_MAX_ATTEMPTS. */
  maxAttempts: z.number().int().min(1).max(50).optional(),
  /** Deliveries started per second for this route across the deployment; over the cap, events wait. */
  ratePerSecond: z.number().positive().max(10_000).optional(),
  /** Events per key value within a window; past `max`, the route's deliveries end as `suppressed` (`budget`). */
  budget: BudgetConfig.optional(),
  /**
   * A path into the envelope, as in filters (`payload.job_id`): events with the same value are delivered
   * to this route one at a time, in the order Hookgate accepted them (docs/architecture.md, "Ordered lanes").
   */
  orderBy: LanePath.optional(),
  /** What a lane does with a head that used up its attempts: dead-letter it and go on, or stop. */
  onPoison: z.enum(["skip", "block"]).optional(),
  /** `latest`: of several events waiting in a lane, only the newest is delivered; the others end `superseded`. */
  coalesce: z.enum(["latest"]).optional(),
  /** A path to a provider sequence or timestamp: an event not newer than one already accepted is `superseded`. */
  coalesceBy: LanePath.optional(),
});

/** One route, from routes.ts or from `HOOKGATE_ROUTES`; the lane options need `orderBy`. */
export const RouteInput = RouteFields.superRefine((route, context) => {
  const needsOrder = (["onPoison", "coalesce", "coalesceBy"] as const).filter((k) => route[k] !== undefined);
  if (route.orderBy === undefined && needsOrder.length > 0)
    context.addIssue({
      code: "custom",
      path: [needsOrder[0] ?? "orderBy"],
      message: "needs `orderBy` (a lane key)",
    });
  if (route.coalesceBy !== undefined && route.coalesce === undefined)
    context.addIssue({ code: "custom", path: ["coalesceBy"], message: 'needs `coalesce: "latest"`' });
});

export type RouteConfig = z.infer<typeof RouteInput>;

/** Route lists, as routes.ts and `HOOKGATE_ROUTES` write them: names are unique within a list. */
export const RouteList = z
  .array(RouteInput)
  .max(MAX_ROUTES)
  .superRefine((routes, context) => {
    const seen = new Set<string>();
    routes.forEach((route, index) => {
      if (seen.has(route.name))
        context.addIssue({
          code: "custom",
          path: [index, "name"],
          message: `route names must be unique: "${route.name}" is used twice`,
        });
      seen.add(route.name);
    });
  });

/** Validates routes.ts's list; throws (failing the deploy) on any mistake. */
export function defineRoutes(list: z.input<typeof RouteInput>[]): readonly RouteConfig[] {
  return RouteList.parse(list);
}

/** Whether a destination POSTs to a URL (otherwise it names a handler or an Agent). */
export const isUrlDestination = (destination: RouteDestination): destination is UrlDestination =>
  "url" in destination;

/** Whether a destination calls a Cloudflare Agent. */
export const isAgentDestination = (
  destination: RouteDestination,
): destination is { readonly agent: AgentDestination } => "agent" in destination;

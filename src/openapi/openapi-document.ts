/**
 * The OpenAPI 3.1 document served at `/openapi.json`, generated from the same zod schemas that validate
 * requests and responses (JSON Schema 2020-12, which OpenAPI 3.1 uses). `scripts/lint-openapi.ts` lints
 * it with Redocly's recommended rules.
 */
import * as Admin from "../admin/admin-schemas";
import { ReadTokenRequest, ReadTokenView } from "../admin/job-tracker-schemas";
import { LaneList, LaneListQuery } from "../admin/lane-api";
import { RouteGateView } from "../admin/route-control-api";
import * as Routes from "../admin/route-schemas";
import { JobState } from "../agents/job-state";
import { HealthReport } from "../config/health-report";
import { sources } from "../config/sources";
import { WebhookOutcome } from "../ingress/receive-webhook";
import * as Lanes from "../lanes/lane-schemas";
import { ProblemBody } from "../shared/problem";
import {
  componentSchemas,
  json,
  problem,
  queryParameters,
  responseHeaders,
  signatureSchemes,
  signatureSecurity,
} from "./openapi-parts";

const eventPath = [
  {
    name: "source",
    in: "path",
    required: true,
    description: "the source's URL name",
    schema: { type: "string" },
  },
  { name: "id", in: "path", required: true, description: "the event id", schema: { type: "string" } },
];
const routePath = [
  {
    name: "name",
    in: "path",
    required: true,
    description: "the route's name",
    schema: { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$" },
  },
];
const jobPath = [
  {
    name: "name",
    in: "path",
    required: true,
    description: "the job id (`payload.job_id`)",
    schema: { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9_.:-]{0,511}$" },
  },
];
const admin = { tags: ["admin"], security: [{ adminToken: [] }] };
const laneKeyPath = {
  name: "key",
  in: "path",
  required: true,
  description: "the lane key: the route's `orderBy` value (URL-encoded)",
  schema: { type: "string" },
};

const adminErrors = {
  "400": problem("invalid or unknown parameters"),
  "401": problem("missing or wrong admin token", ["WWWAuthenticate"]),
  "404": problem("not found, or the admin API is off (ADMIN_TOKEN unset or shorter than 32 characters)"),
  "429": problem("this client is locked out after too many failed attempts, even with the right token", [
    "RetryAfter",
  ]),
};

export function openApiDocument(serverUrl: string) {
  return {
    openapi: "3.1.0",
    info: {
      title: "Hookgate",
      version: "0.1.0",
      description:
        "Webhook gateway for agent APIs: verified ingress, exactly-once delivery to agent handlers, and an operator API.",
      license: { name: "MIT", identifier: "MIT" },
    },
    servers: [{ url: serverUrl }],
    tags: [
      { name: "ingress", description: "Providers post their webhooks here." },
      { name: "admin", description: "The operator API: `Authorization: Bearer $ADMIN_TOKEN`." },
      { name: "health", description: "For load balancers and uptime checks." },
      { name: "provenance", description: "Public keys agents verify forwarded events with." },
    ],
    components: {
      securitySchemes: {
        adminToken: { type: "http", scheme: "bearer", description: "the `ADMIN_TOKEN` secret" },
        ...signatureSchemes,
      },
      headers: responseHeaders,
      schemas: {
        ...componentSchemas(
          {
            Problem: ProblemBody,
            WebhookOutcome,
            Health: HealthReport,
            EventSummary: Admin.EventSummary,
            EventList: Admin.EventList,
            Attempt: Admin.Attempt,
            Delivery: Admin.Delivery,
            EventDetail: Admin.EventDetail,
            ReplayAccepted: Admin.ReplayAccepted,
            RedriveResult: Admin.RedriveResult,
            Metrics: Admin.Metrics,
            RouteGate: RouteGateView,
            RouteView: Routes.RouteView,
            RouteList: Routes.RouteListView,
            RouteDetail: Routes.RouteDetailView,
            BudgetReset: Routes.BudgetResetView,
            LaneView: Lanes.LaneView,
            LaneList: LaneList,
            JobState,
            ReadToken: ReadTokenView,
          },
          "output",
        ),
        ...componentSchemas({ RedriveRequest: Admin.RedriveRequest, ReadTokenRequest }, "input"),
      },
    },
    paths: {
      "/webhooks/{source}": {
        post: {
          operationId: "receiveWebhook",
          tags: ["ingress"],
          summary: "Receive a provider's webhook",
          description:
            "Verifies the provider's signature, claims the event id and hands the event to the agent handlers. " +
            "Handshakes are answered in the same response once verified: Slack `url_verification` ({challenge}), " +
            "Discord PING ({type:1}), Twitch `webhook_callback_verification` (the challenge as text/plain), " +
            "Zoom `endpoint.url_validation` ({plainToken, encryptedToken}).",
          security: signatureSecurity,
          parameters: [
            {
              name: "source",
              in: "path",
              required: true,
              description: "the source's URL name; each verifies its own provider's signature headers",
              schema: { type: "string", enum: [...sources.keys()] },
            },
          ],
          requestBody: {
            required: true,
            description: "the provider's body, verified byte for byte",
            content: { "*/*": { schema: { type: "string", format: "binary" } } },
          },
          responses: {
            "202": json("accepted: durable and on its way to the handlers", "WebhookOutcome"),
            "200": {
              description: "duplicate of an accepted event, or a verified handshake's reply",
              content: {
                "application/json": {
                  schema: {
                    anyOf: [
                      { $ref: "#/components/schemas/WebhookOutcome" },
                      {
                        type: "object",
                        description:
                          "a handshake reply: Slack `{challenge}`, Discord `{type: 1}`, Zoom `{plainToken, encryptedToken}`",
                      },
                    ],
                  },
                },
                "text/plain": {
                  schema: { type: "string", description: "Twitch's `challenge`, as sent" },
                },
              },
            },
            "400": problem("the body is not an event of this source"),
            "401": problem("missing or invalid signature, or timestamp outside the tolerance"),
            "403": problem("client IP outside the source's allowlist"),
            "404": problem("unknown source, or its secret is not set"),
            "405": problem("only POST is allowed", ["Allow"]),
            "413": problem("body over the source's limit"),
            "429": problem("too many failed signature attempts from this client", ["RetryAfter"]),
            "503": problem("could not be made durable; retry after Retry-After", ["RetryAfter"]),
          },
        },
      },
      "/healthz": {
        get: {
          operationId: "getHealth",
          tags: ["health"],
          summary:
            "Liveness, with `checks` naming what is off and why (admin surface, fault injection, sources, routes, settings, bindings)",
          security: [],
          responses: {
            "200": json("ok: the gateway takes webhooks", "Health"),
            "503": {
              ...json("", "Health"),
              description:
                "misconfigured: a test-only fault-injection variable is set, the R2 bucket of stored requests (`STORED_REQUESTS`) is not bound (`checks.bindings` says how to add it), or `HOOKGATE_SOURCES` or `HOOKGATE_ROUTES` is invalid (`checks.sources.errors` and `checks.routes.errors` list each path and message)",
            },
          },
        },
      },
      "/.well-known/jwks.json": {
        get: {
          operationId: "getSigningKeys",
          tags: ["provenance"],
          summary: "The forwarder's Ed25519 public keys (JWK Set), current and, during a rotation, previous",
          description:
            "Verify a forwarded event's `v1a` entries of `webhook-signature` with these keys; `webhook-key-id` is " +
            "only a hint: try every published key and never trust a key named in the request. Empty `keys` when " +
            "`AGENT_SIGNING_KEY` is not set. Cacheable for 300 seconds.",
          security: [],
          responses: {
            "200": {
              description: "the JWK Set (RFC 7517); each `kid` is the key's RFC 7638 thumbprint",
              content: {
                "application/json": {
                  schema: {
                    type: "object",
                    required: ["keys"],
                    properties: {
                      keys: {
                        type: "array",
                        items: {
                          type: "object",
                          required: ["kty", "crv", "x", "kid", "use", "alg"],
                          properties: {
                            kty: { const: "OKP" },
                            crv: { const: "Ed25519" },
                            x: { type: "string", description: "the raw public key, base64url" },
                            kid: { type: "string", description: "RFC 7638 thumbprint, base64url" },
                            use: { const: "sig" },
                            alg: { const: "EdDSA" },
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
      "/admin/api/events": {
        get: {
          operationId: "listEvents",
          ...admin,
          summary: "Search the event log (newest first, cursor pagination)",
          description:
            "Search by `id` (exact or prefix), `type` (exact, or a glob such as `customer.*`) and `route`. A page may hold fewer than `limit` events (even none) and still have a `nextCursor`: follow it until it is null.",
          parameters: queryParameters(Admin.ListEventsQuery),
          responses: { "200": json("a page of events", "EventList"), ...adminErrors },
        },
      },
      "/admin/api/events/{source}/{id}": {
        get: {
          operationId: "getEvent",
          ...admin,
          summary:
            "One event: status, each delivery's state, attempts per handler, masked headers and payload",
          parameters: eventPath,
          responses: {
            "200": json("the event", "EventDetail"),
            ...adminErrors,
            "503": problem("its stored request could not be read from R2 just now; retry", ["RetryAfter"]),
          },
        },
      },
      "/admin/api/events/{source}/{id}/replay": {
        post: {
          operationId: "replayEvent",
          ...admin,
          summary:
            "Replay an event to all its routes or handlers, or to one (bypasses deduplication; new webhook-id)",
          description:
            "A replay is a new run of the handlers, even of those that succeeded. To retry only the " +
            "handlers that ran out of attempts, redrive instead.",
          parameters: [...eventPath, ...queryParameters(Admin.ReplayQuery)],
          responses: {
            "202": json("replay enqueued", "ReplayAccepted"),
            ...adminErrors,
            "409": problem(
              "the payload is past the replay window (REPLAY_RETENTION_HOURS; the claim is kept), or the event was filtered and no route is named",
            ),
            "503": problem("could not enqueue; retry", ["RetryAfter"]),
          },
        },
      },
      "/admin/api/dead-letters": {
        get: {
          operationId: "listDeadLetters",
          ...admin,
          summary: "Dead-lettered events",
          parameters: queryParameters(Admin.ListEventsQuery.omit({ status: true })),
          responses: { "200": json("a page of dead events", "EventList"), ...adminErrors },
        },
      },
      "/admin/api/dead-letters/redrive": {
        post: {
          operationId: "redriveDeadLetters",
          ...admin,
          summary: "Redrive dead events in bulk (given ones, or the newest up to limit)",
          description:
            "Gives the dead handlers of each event a fresh set of attempts; handlers that succeeded do " +
            "not run again. To run every handler again, replay instead.",
          requestBody: {
            required: true,
            description: "`{}` redrives the newest dead events, up to `limit`",
            content: { "application/json": { schema: { $ref: "#/components/schemas/RedriveRequest" } } },
          },
          responses: {
            "200": json("what was redriven and what was skipped", "RedriveResult"),
            ...adminErrors,
            "415": problem("the body is not application/json; nothing was redriven"),
          },
        },
      },
      "/admin/api/routes/{name}/gate": {
        get: {
          operationId: "getRouteGate",
          ...admin,
          summary: "A route's back-pressure state: active, paused or circuit-open, failures and last error",
          parameters: routePath,
          responses: { "200": json("the route's gate", "RouteGate"), ...adminErrors },
        },
      },
      "/admin/api/routes/{name}/pause": {
        post: {
          operationId: "pauseRoute",
          ...admin,
          summary: "Pause a route: its events wait (they use up no attempts) until it is resumed",
          parameters: routePath,
          responses: { "200": json("the route's gate, now paused", "RouteGate"), ...adminErrors },
        },
      },
      "/admin/api/routes/{name}/resume": {
        post: {
          operationId: "resumeRoute",
          ...admin,
          summary:
            "Resume a route: ends an operator pause and a Retry-After pause; an open circuit probes at once",
          parameters: routePath,
          responses: { "200": json("the route's gate after the resume", "RouteGate"), ...adminErrors },
        },
      },
      "/admin/api/routes/{name}/lanes": {
        get: {
          operationId: "listRouteLanes",
          ...admin,
          summary: "An ordered route's lanes with events in them, or blocked (`state` narrows the list)",
          parameters: [...routePath, ...queryParameters(LaneListQuery)],
          responses: { "200": json("the route's busy lanes", "LaneList"), ...adminErrors },
        },
      },
      "/admin/api/routes/{name}/lanes/{key}": {
        get: {
          operationId: "getRouteLane",
          ...admin,
          summary: "One lane of an ordered route: its head, how many events wait, the last error",
          parameters: [...routePath, laneKeyPath],
          responses: { "200": json("the lane", "LaneView"), ...adminErrors },
        },
      },
      "/admin/api/routes/{name}/lanes/{key}/skip": {
        post: {
          operationId: "skipLaneHead",
          ...admin,
          summary:
            "Skip a blocked lane's head (already dead-lettered): the next event goes, with `lane.skipped`",
          parameters: [...routePath, laneKeyPath],
          responses: {
            "200": json("the lane after the skip", "LaneView"),
            ...adminErrors,
            "409": problem("the lane is not blocked"),
          },
        },
      },
      "/admin/api/agents/job-tracker/{name}/state": {
        get: {
          operationId: "getJobState",
          ...admin,
          summary: "A job's state as the JobTracker Agent folded it: status, progress, results, history",
          parameters: jobPath,
          responses: {
            "200": json("the job's state (all null, and no history, before any callback)", "JobState"),
            ...adminErrors,
          },
        },
      },
      "/admin/api/agents/job-tracker/{name}/token": {
        post: {
          operationId: "mintJobReadToken",
          ...admin,
          summary: "Mint a short-lived read token for one job: its WebSocket and /jobs/{name} page",
          description:
            "The token is `<expiry>.<base64url HMAC-SHA256>` over `hookgate-job-read:v1:<name>:<expiry>` with " +
            "`JOB_READ_TOKEN_SECRET`, so a backend can mint it too (README, Job tracker). The body is optional.",
          parameters: jobPath,
          requestBody: {
            required: false,
            content: { "application/json": { schema: { $ref: "#/components/schemas/ReadTokenRequest" } } },
          },
          responses: {
            "200": json("the token, its expiry, and the page and socket paths that carry it", "ReadToken"),
            ...adminErrors,
            "503": problem("JOB_READ_TOKEN_SECRET is not set, so no read token can be minted"),
          },
        },
      },
      "/admin/api/routes": {
        get: {
          operationId: "listRoutes",
          ...admin,
          summary: "Every route with its configuration, origin and state (secrets only by variable name)",
          description:
            "The routes of routes.ts and `HOOKGATE_ROUTES`, then the handlers registered in code. While no " +
            "route is configured (`configured: false`), events go to the handlers, `forward` included.",
          responses: { "200": json("the routes", "RouteList"), ...adminErrors },
        },
      },
      "/admin/api/routes/{name}": {
        get: {
          operationId: "getRoute",
          ...admin,
          summary: "One route with its configuration, origin and state, and the keys over its budget",
          parameters: routePath,
          responses: { "200": json("the route", "RouteDetail"), ...adminErrors },
        },
      },
      "/admin/api/routes/{name}/budgets/{key}/reset": {
        post: {
          operationId: "resetRouteBudget",
          ...admin,
          summary: "Clear a key's budget trip: its next event is delivered, and the key counts from zero",
          description:
            "404 when no configured route has this name, or the route has no `budget`. Resetting a key that is " +
            "not over budget is allowed (`cleared: false`).",
          parameters: [
            ...routePath,
            {
              name: "key",
              in: "path",
              required: true,
              description: "the key value, as `trippedKeys[].key` shows it (URL-encoded)",
              schema: { type: "string", minLength: 1, maxLength: 128 },
            },
          ],
          responses: { "200": json("the reset", "BudgetReset"), ...adminErrors },
        },
      },
      "/admin/api/metrics": {
        get: {
          operationId: "getMetrics",
          ...admin,
          summary: "Counts by status and source over a window, and ingress-to-delivery latency p50/p99",
          parameters: queryParameters(Admin.MetricsQuery),
          responses: { "200": json("summary metrics", "Metrics"), ...adminErrors },
        },
      },
    },
  };
}

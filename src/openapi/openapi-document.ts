/**
 * The OpenAPI 3.1 document served at `/openapi.json`, generated from the same zod schemas that validate
 * requests and responses (JSON Schema 2020-12, which OpenAPI 3.1 uses).
 */
import { type ZodType, z } from "zod";
import * as Admin from "../admin/admin-schemas";
import { sources } from "../config/sources";
import { ProblemBody } from "../ingress/problem";
import { WebhookOutcome } from "../ingress/receive-webhook";

const schema = (type: ZodType, io: "input" | "output" = "output") =>
  z.toJSONSchema(type, { io, unrepresentable: "any" });

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
});
const json = (description: string, ref: string) => ({
  description,
  content: { "application/json": { schema: { $ref: `#/components/schemas/${ref}` } } },
});

/** Query parameters from a zod object schema. */
function queryParameters(type: z.ZodObject) {
  return Object.entries(type.shape).map(([name, field]) => ({
    name,
    in: "query",
    required: !(field as ZodType).safeParse(undefined).success,
    schema: schema(field as ZodType, "input"),
  }));
}

const eventPath = [
  { name: "source", in: "path", required: true, schema: { type: "string" } },
  { name: "id", in: "path", required: true, schema: { type: "string" } },
];
const adminErrors = {
  "400": problem("invalid parameters"),
  "401": problem("missing or wrong admin token"),
  "404": problem("not found, or the admin API is off (ADMIN_TOKEN unset or shorter than 32 characters)"),
  "429": problem("this client is locked out after too many failed attempts, even with the right token"),
};

export function openApiDocument(serverUrl: string) {
  return {
    openapi: "3.1.0",
    info: {
      title: "Hookgate",
      version: "0.1.0",
      description:
        "Webhook gateway for agent APIs: verified ingress, exactly-once delivery to agent handlers, and an operator API.",
    },
    servers: [{ url: serverUrl }],
    components: {
      securitySchemes: {
        adminToken: { type: "http", scheme: "bearer", description: "the ADMIN_TOKEN secret" },
      },
      schemas: {
        Problem: schema(ProblemBody),
        WebhookOutcome: schema(WebhookOutcome),
        EventSummary: schema(Admin.EventSummary),
        EventList: schema(Admin.EventList),
        EventDetail: schema(Admin.EventDetail),
        ReplayAccepted: schema(Admin.ReplayAccepted),
        RedriveRequest: schema(Admin.RedriveRequest, "input"),
        RedriveResult: schema(Admin.RedriveResult),
        Metrics: schema(Admin.Metrics),
      },
    },
    paths: {
      "/webhooks/{source}": {
        post: {
          summary: "Receive a provider's webhook",
          description:
            "Verifies the provider's signature, claims the event id and hands the event to the agent handlers. " +
            "Handshakes are answered in the same response once verified: Slack `url_verification` ({challenge}), " +
            "Discord PING ({type:1}), Twitch `webhook_callback_verification` (the challenge as text/plain), " +
            "Zoom `endpoint.url_validation` ({plainToken, encryptedToken}).",
          parameters: [
            {
              name: "source",
              in: "path",
              required: true,
              schema: { type: "string", enum: [...sources.keys()] },
            },
          ],
          requestBody: {
            required: true,
            content: { "*/*": { schema: { type: "string", format: "binary" } } },
          },
          responses: {
            "202": json("accepted: durable and on its way to the handlers", "WebhookOutcome"),
            "200": json("duplicate of an accepted event, or a handshake reply", "WebhookOutcome"),
            "400": problem("the body is not an event of this source"),
            "401": problem("missing or invalid signature, or timestamp outside the tolerance"),
            "403": problem("client IP outside the source's allowlist"),
            "404": problem("unknown source, or its secret is not set"),
            "405": problem("only POST is allowed"),
            "413": problem("body over the source's limit"),
            "429": problem("too many failed signature attempts from this client"),
            "503": problem("could not be made durable; retry after Retry-After"),
          },
        },
      },
      "/healthz": {
        get: {
          summary: "Liveness, with `checks` naming what is off and why (admin surface, fault injection)",
          responses: {
            "200": { description: "ok: the gateway takes webhooks" },
            "503": { description: "misconfigured: a test-only fault-injection variable is set" },
          },
        },
      },
      "/admin/api/events": {
        get: {
          summary: "Search the event log (newest first, cursor pagination)",
          security: [{ adminToken: [] }],
          parameters: queryParameters(Admin.ListEventsQuery),
          responses: { "200": json("a page of events", "EventList"), ...adminErrors },
        },
      },
      "/admin/api/events/{source}/{id}": {
        get: {
          summary: "One event: status, attempts per handler, masked headers and payload",
          security: [{ adminToken: [] }],
          parameters: eventPath,
          responses: { "200": json("the event", "EventDetail"), ...adminErrors },
        },
      },
      "/admin/api/events/{source}/{id}/replay": {
        post: {
          summary: "Replay an event to all handlers, or to one (bypasses deduplication; new webhook-id)",
          security: [{ adminToken: [] }],
          parameters: [...eventPath, ...queryParameters(Admin.ReplayQuery)],
          responses: {
            "202": json("replay enqueued", "ReplayAccepted"),
            ...adminErrors,
            "503": problem("could not enqueue; retry"),
          },
        },
      },
      "/admin/api/dead-letters": {
        get: {
          summary: "Dead-lettered events",
          security: [{ adminToken: [] }],
          parameters: queryParameters(Admin.ListEventsQuery.omit({ status: true })),
          responses: { "200": json("a page of dead events", "EventList"), ...adminErrors },
        },
      },
      "/admin/api/dead-letters/redrive": {
        post: {
          summary: "Redrive dead events in bulk (given ones, or the newest up to limit)",
          security: [{ adminToken: [] }],
          requestBody: {
            required: true,
            content: { "application/json": { schema: { $ref: "#/components/schemas/RedriveRequest" } } },
          },
          responses: {
            "200": json("what was redriven and what was skipped", "RedriveResult"),
            ...adminErrors,
            "415": problem("the body is not application/json; nothing was redriven"),
          },
        },
      },
      "/admin/api/metrics": {
        get: {
          summary: "Counts by status and source over a window, and ingress-to-delivery latency p50/p99",
          security: [{ adminToken: [] }],
          parameters: queryParameters(Admin.MetricsQuery),
          responses: { "200": json("summary metrics", "Metrics"), ...adminErrors },
        },
      },
    },
  };
}

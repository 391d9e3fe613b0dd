import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BASE } from "../support/signed-requests";

type Operation = {
  operationId?: string;
  tags?: string[];
  security?: Record<string, unknown>[];
  responses: Record<string, { headers?: Record<string, unknown> }>;
};
type Document = {
  info: { license?: { name: string; identifier?: string } };
  tags: { name: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: {
    securitySchemes: Record<string, { type: string; in?: string; name?: string }>;
    headers: Record<string, unknown>;
  };
};

const get = (path: string) => exports.default.fetch(new Request(`${BASE}${path}`));

describe("GET /openapi.json for tools", () => {
  it("gives every operation a unique operationId and a declared tag", async () => {
    const doc = await (await get("/openapi.json")).json<Document>();
    const operations = Object.values(doc.paths).flatMap((methods) => Object.values(methods));
    const ids = operations.map((op) => op.operationId);
    expect(ids.every(Boolean)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    const tags = new Set(doc.tags.map((tag) => tag.name));
    for (const op of operations)
      expect(
        op.tags?.every((tag) => tags.has(tag)),
        op.operationId,
      ).toBe(true);
    expect(doc.info.license).toEqual({ name: "MIT", identifier: "MIT" });
  });

  it("declares the ingress signature headers as security schemes, and the response headers", async () => {
    const doc = await (await get("/openapi.json")).json<Document>();
    const ingress = doc.paths["/webhooks/{source}"]?.post;
    const schemes = ingress?.security?.flatMap((requirement) => Object.keys(requirement)) ?? [];
    const headers = schemes.map((scheme) => doc.components.securitySchemes[scheme]?.name);
    expect(headers).toEqual(
      expect.arrayContaining(["X-Hub-Signature-256", "Stripe-Signature", "webhook-signature"]),
    );
    expect(ingress?.responses["405"]?.headers).toHaveProperty("Allow");
    expect(ingress?.responses["429"]?.headers).toHaveProperty("Retry-After");
    expect(ingress?.responses["503"]?.headers).toHaveProperty("Retry-After");
    const events = doc.paths["/admin/api/events"]?.get;
    expect(events?.responses["401"]?.headers).toHaveProperty("WWW-Authenticate");
    expect(events?.responses["429"]?.headers).toHaveProperty("Retry-After");
    expect(doc.paths["/healthz"]?.get?.security).toEqual([]);
  });

  it("describes the bodies of /healthz and of an ingress handshake, not only their statuses", async () => {
    type Media = Record<string, { schema?: { $ref?: string; properties?: Record<string, unknown> } }>;
    const doc = await (await get("/openapi.json")).json<Document>();
    const health = doc.paths["/healthz"]?.get?.responses as Record<string, { content?: Media }> | undefined;
    for (const status of ["200", "503"])
      expect(health?.[status]?.content?.["application/json"]?.schema?.$ref).toBe(
        "#/components/schemas/Health",
      );
    const schemas = (doc.components as unknown as { schemas: Record<string, { properties?: object }> })
      .schemas;
    const { checks } = (schemas.Health?.properties ?? {}) as { checks?: { properties?: object } };
    expect(Object.keys(checks?.properties ?? {})).toEqual([
      "admin",
      "faultInjection",
      "sources",
      "routes",
      "settings",
      "bindings",
    ]);
    const webhook200 = (doc.paths["/webhooks/{source}"]?.post?.responses["200"] as { content?: Media })
      ?.content;
    expect(Object.keys(webhook200 ?? {})).toEqual(["application/json", "text/plain"]);
  });

  it("carries no JSON Schema file keywords ($schema, $id)", async () => {
    const text = await (await get("/openapi.json")).text();
    expect(text).not.toContain("$schema");
    expect(text).not.toContain('"$id"');
  });
});

describe("GET /docs for people", () => {
  it("has a viewport, readable types, rendered Markdown, request bodies and a text lock marker", async () => {
    const html = await (await get("/docs")).text();
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1"/>');
    expect(html).not.toContain("$schema");
    expect(html).not.toContain("json-schema.org");
    expect(html).toContain("integer 1–200, default 50");
    expect(html).toContain('array of <a href="#schema-EventSummary">EventSummary</a>');
    expect(html).not.toContain("`");
    expect(html).toContain("Slack <code>url_verification</code>");
    expect(html).toContain('<a href="https://www.standardwebhooks.com/">Standard Webhooks</a>');
    expect(html).toMatch(/Request body<\/b> \(required\):.*RedriveRequest/s);
    expect(html).not.toContain("🔒");
    expect(html).toContain('<span class="lock"');
    expect(html).toContain("<code>Retry-After</code>");
  });
});

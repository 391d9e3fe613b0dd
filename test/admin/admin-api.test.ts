import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { adminApi } from "../../src/admin/admin-api";
import { adminLockoutSeconds, lockClientOut } from "../../src/admin/admin-lockout";
import {
  EventDetail,
  EventList,
  Metrics,
  RedriveResult,
  ReplayAccepted,
  ReplayQuery,
} from "../../src/admin/admin-schemas";
import { MASKED } from "../../src/admin/mask-headers";
import { HandlerName } from "../../src/claim/ledger-rpc";
import { forward } from "../../src/handlers/forward-to-agent";
import { HandlerRegistry } from "../../src/handlers/handler-registry";
import worker from "../../src/index";
import { loginCookie } from "../dashboard/login-session";
import { admin, logged } from "../support/admin-client";
import { sinkUrl, waitForDeliveries } from "../support/agent-sink-client";
import { accept, consume, ledgerOf, messageFor } from "../support/pipeline";
import { BASE, githubEvent, stripeEvent, uniqueClientIp } from "../support/signed-requests";
import { TEST_SECRETS } from "../support/test-secrets";

const auth = { authorization: `Bearer ${TEST_SECRETS.ADMIN_TOKEN}` };
async function json<T>(response: Response, schema: { parse(value: unknown): T }, status = 200): Promise<T> {
  expect(response.status).toBe(status);
  return schema.parse(await response.json());
}

describe("admin API access", () => {
  it("answers 404 on every admin API route while ADMIN_TOKEN is unset", async () => {
    const routes = adminApi.routes.filter((route) => route.method !== "ALL");
    expect(routes.length).toBeGreaterThanOrEqual(6);
    for (const { method, path } of routes) {
      const concrete = path.replace(":source", "github").replace(":id", "some-id");
      const response = await worker.fetch(
        new Request(`${BASE}/admin/api${concrete}`, {
          method,
          headers: { ...auth, "content-type": "application/json" },
          body: method === "GET" ? null : "{}",
        }),
        { ...env, ADMIN_TOKEN: "" },
        createExecutionContext(),
      );
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
    }
  });

  it("reads the auth scheme case-insensitively (RFC 9110), and nothing but a bearer token", async () => {
    for (const scheme of ["Bearer", "bearer", "BEARER"]) {
      const response = await admin("/events", {
        headers: { authorization: `${scheme} ${TEST_SECRETS.ADMIN_TOKEN}` },
      });
      expect(response.status, scheme).toBe(200);
      await response.body?.cancel();
    }
    for (const authorization of [
      `Basic ${TEST_SECRETS.ADMIN_TOKEN}`,
      `Bearer${TEST_SECRETS.ADMIN_TOKEN}`,
      TEST_SECRETS.ADMIN_TOKEN,
    ]) {
      const response = await admin("/events", {
        headers: { authorization, "cf-connecting-ip": uniqueClientIp() },
      });
      expect(response.status, authorization).toBe(401);
      await response.body?.cancel();
    }
  });

  it("marks every admin API answer uncacheable and not to be sniffed: they carry payloads and headers", async () => {
    const id = await accept(await githubEvent());
    for (const response of [
      await admin("/events"),
      await admin(`/events/github/${encodeURIComponent(id)}`),
      await admin("/events/github/no-such-event"),
      await admin("/events", {
        headers: { authorization: "Bearer wrong", "cf-connecting-ip": uniqueClientIp() },
      }),
    ]) {
      expect(response.headers.get("cache-control")).toBe("no-store");
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      await response.body?.cancel();
    }
  });

  it("locks a client out after too many wrong tokens: even the right token gets 429", async () => {
    const ip = { "cf-connecting-ip": uniqueClientIp() };
    // Until the first 429 (bounded): the limiter's fixed window may turn over mid-loop.
    const statuses: number[] = [];
    for (let i = 0; i < 100 && statuses.at(-1) !== 429; i++)
      statuses.push((await admin("/events", { headers: { ...ip, authorization: "Bearer guess" } })).status);
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.slice(0, -1).every((status) => status === 401)).toBe(true);
    expect(statuses.length).toBeGreaterThan(30);
    const right = await admin("/events", { headers: ip });
    expect(right.status).toBe(429);
    expect(Number(right.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await admin("/events", { headers: { "cf-connecting-ip": "198.51.100.251" } })).status).toBe(200);
  });

  it("ends a lockout when the limiter's window has passed", () => {
    const now = Date.now();
    lockClientOut("192.0.2.7", now);
    expect(adminLockoutSeconds("192.0.2.7", now + 1_000)).toBe(59);
    expect(adminLockoutSeconds("192.0.2.7", now + 60_000)).toBe(0);
    expect(adminLockoutSeconds("192.0.2.8", now)).toBe(0);
  });

  it("stays off while ADMIN_TOKEN is shorter than 32 characters, and /healthz says why", async () => {
    const short = "x".repeat(31);
    const gateway = { ...env, ADMIN_TOKEN: short };
    const api = await worker.fetch(
      new Request(`${BASE}/admin/api/events`, { headers: { authorization: `Bearer ${short}` } }),
      gateway,
      createExecutionContext(),
    );
    expect(api.status).toBe(404);
    const health = await worker.fetch(new Request(`${BASE}/healthz`), gateway, createExecutionContext());
    expect(health.status).toBe(200);
    const { checks } = await health.json<{ checks: Record<string, string> }>();
    expect(checks.admin).toMatch(/ADMIN_TOKEN is shorter than 32 characters/);

    const enough = { ...env, ADMIN_TOKEN: "y".repeat(32) };
    const on = await worker.fetch(
      new Request(`${BASE}/admin/api/events?limit=1`, {
        headers: { authorization: `Bearer ${"y".repeat(32)}` },
      }),
      enough,
      createExecutionContext(),
    );
    expect(on.status).toBe(200);
  });

  it("answers 401 to a missing or wrong token, as problem+json", async () => {
    const variants: Record<string, string>[] = [
      {},
      { authorization: "Bearer wrong" },
      { authorization: TEST_SECRETS.ADMIN_TOKEN },
    ];
    for (const headers of variants) {
      const response = await exports.default.fetch(new Request(`${BASE}/admin/api/events`, { headers }));
      expect(response.status).toBe(401);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
    }
  });
});

describe("admin API and the dashboard's session cookie", () => {
  it("refuses the cookie, so a page on a sibling origin cannot replay or redrive", async () => {
    const id = await accept(await githubEvent());
    await logged("github", id);
    const crossSite = {
      cookie: await loginCookie(),
      origin: "https://sibling.hookgate.test",
      "sec-fetch-site": "same-site",
    };
    const replay = await exports.default.fetch(
      new Request(`${BASE}/admin/api/events/github/${id}/replay`, { method: "POST", headers: crossSite }),
    );
    expect(replay.status).toBe(401);
    const redrive = await exports.default.fetch(
      new Request(`${BASE}/admin/api/dead-letters/redrive`, {
        method: "POST",
        headers: { ...crossSite, "content-type": "application/json" },
        body: JSON.stringify({ events: [{ source: "github", id }] }),
      }),
    );
    expect(redrive.status).toBe(401);
    // The refused replay started nothing: the first one with the bearer token is replay 1.
    const accepted = await json(
      await admin(`/events/github/${id}/replay`, { method: "POST" }),
      ReplayAccepted,
      202,
    );
    expect(accepted.replay).toBe(1);
  });
});

describe("event log and search", () => {
  it("records delivered events with attempts, latency, masked headers and the payload", async () => {
    const fixture = await githubEvent({ action: "opened", issue: { number: 5 } });
    const id = await accept(fixture);
    const detail = await logged("github", id);
    expect(detail.event).toMatchObject({ source: "github", id, type: "issues.opened", attemptCount: 1 });
    expect(detail.event.latencyMs).toBeGreaterThanOrEqual(0);
    expect(detail.attempts).toEqual([
      expect.objectContaining({ handler: "forward", attempt: 1, outcome: "done", replay: 0 }),
    ]);
    expect(detail.payload).toEqual({ action: "opened", issue: { number: 5 } });
    expect(detail.headers?.["x-hub-signature-256"]).toBe(MASKED);
    expect(detail.headers?.["x-github-event"]).toBe("issues");
  });

  it("filters by source, type and status, and pages with a cursor", async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push(await accept(await stripeEvent({ id: `evt_${tag}_${i}`, type: `page.${tag}` })));
    for (const id of ids) await logged("stripe", id);
    const page1 = await json(
      await admin(`/events?source=stripe&type=page.${tag}&status=delivered&limit=2`),
      EventList,
    );
    expect(page1.events).toHaveLength(2);
    expect(page1.nextCursor).not.toBeNull();
    const page2 = await json(
      await admin(`/events?source=stripe&type=page.${tag}&limit=2&cursor=${page1.nextCursor}`),
      EventList,
    );
    expect(page2.events).toHaveLength(1);
    expect(page2.nextCursor).toBeNull();
    expect(new Set([...page1.events, ...page2.events].map((e) => e.id))).toEqual(new Set(ids));
    const none = await json(
      await admin(`/events?type=page.${tag}&since=${new Date(Date.now() + 60_000).toISOString()}`),
      EventList,
    );
    expect(none.events).toHaveLength(0);
  });

  it("pages through ids in any script: cursors are UTF-8 and URL-safe, never a 500", async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    const ids: string[] = [];
    for (const id of [`évt_${tag}_ü`, `evt_${tag}_😀`, `evt_${tag}_数据?+/`])
      ids.push(await accept(await stripeEvent({ id, type: `unicode.${tag}` })));
    for (const id of ids) await logged("stripe", id);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 3; page++) {
      const query: string = `/events?type=unicode.${tag}&limit=1${cursor ? `&cursor=${cursor}` : ""}`;
      const list = await json(await admin(query), EventList);
      seen.push(...list.events.map((e) => e.id));
      cursor = list.nextCursor;
      if (cursor === null) break;
    }
    expect(new Set(seen)).toEqual(new Set(ids));
  });

  it("answers 400 to invalid filters and cursors, 404 to unknown events", async () => {
    expect((await admin("/events?status=lost")).status).toBe(400);
    expect((await admin("/events?since=yesterday")).status).toBe(400);
    expect((await admin("/events?cursor=bm9wZQ")).status).toBe(400);
    expect((await admin("/events?limit=5000")).status).toBe(400);
    expect((await admin("/events/github/no-such-event")).status).toBe(404);
  });
});

describe("replay", () => {
  it("delivers again with a new webhook-id and records a second attempt", async () => {
    const id = await accept(await githubEvent({ action: "opened", replayed: true }));
    const [first] = await waitForDeliveries(id);
    await logged("github", id);
    const replay = await json(
      await admin(`/events/github/${id}/replay`, { method: "POST" }),
      ReplayAccepted,
      202,
    );
    expect(replay).toMatchObject({ id, replay: 1, handler: null, status: "enqueued" });
    const deliveries = await waitForDeliveries(id, { count: 2 });
    expect(deliveries[1]!.webhookId).not.toBe(first!.webhookId);
    expect(deliveries[1]!.headers["idempotency-key"]).toBe(`github:${id}:forward:replay-1`);
    const detail = await vi.waitUntil(
      async () => {
        const d = EventDetail.parse(await (await admin(`/events/github/${id}`)).json());
        return d.attempts.length === 2 ? d : false;
      },
      { timeout: 10_000 },
    );
    expect(detail.attempts.map((a) => [a.handler, a.replay, a.outcome])).toEqual([
      ["forward", 0, "done"],
      ["forward", 1, "done"],
    ]);
  });

  it("replays to one named handler, and refuses unknown handlers and events", async () => {
    const id = await accept(await githubEvent());
    await logged("github", id);
    const replay = await json(
      await admin(`/events/github/${id}/replay?handler=forward`, { method: "POST" }),
      ReplayAccepted,
      202,
    );
    expect(replay.handler).toBe("forward");
    expect((await admin(`/events/github/${id}/replay?handler=nope`, { method: "POST" })).status).toBe(400);
    expect((await admin("/events/github/unknown-event/replay", { method: "POST" })).status).toBe(404);
  });

  it("accepts the same handler names as the ledger stores", () => {
    for (const length of [1, 100, 128, 129]) {
      const handler = "h".repeat(length);
      expect(ReplayQuery.safeParse({ handler }).success, `${length}`).toBe(
        HandlerName.safeParse(handler).success,
      );
    }
  });
});

describe("dead letters", () => {
  it("lists dead events and redrives them to delivery", async () => {
    const fixture = await githubEvent({ action: "doomed", issue: { id: crypto.randomUUID() } });
    const id = fixture.headers["x-github-delivery"]!;
    const { ledger } = ledgerOf("github", id);
    // Keep the live queue away from this event while the test makes it dead.
    await ledger.injectFaults({ failSends: 1000 });
    try {
      await accept(fixture);
      const failing = {
        ...env,
        HANDLER_MAX_ATTEMPTS: "1",
        AGENT_ENDPOINT_URL: sinkUrl("dead", "status=500"),
      };
      const registry = new HandlerRegistry().on("*", "*", forward, { name: "forward" });
      await consume([messageFor("github", id, "issues.doomed")], registry, failing);
      const dead = await json(await admin("/dead-letters?source=github"), EventList);
      expect(dead.events.map((e) => e.id)).toContain(id);
      expect(dead.events.find((e) => e.id === id)).toMatchObject({
        status: "dead",
        lastError: expect.stringMatching(
          /^127\.0\.0\.1:\d+\/agent\/dead answered 500 Internal Server Error$/,
        ),
      });

      // The redrive is sent by the ledger's outbox, so the queue must work again.
      await ledger.injectFaults({});
      const result = await json(
        await admin("/dead-letters/redrive", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            events: [
              { source: "github", id },
              { source: "github", id: "not-there" },
            ],
          }),
        }),
        RedriveResult,
      );
      expect(result.redriven).toEqual([{ source: "github", id }]);
      expect(result.skipped).toEqual([{ source: "github", id: "not-there", reason: "not_found" }]);
      await waitForDeliveries(id);
      const detail = await logged("github", id);
      expect(detail.attempts.map((a) => a.outcome)).toEqual(["dead", "done"]);
      expect(detail.attempts[0]).toMatchObject({
        destination: sinkUrl("dead"),
        responseStatus: 500,
        responseBody: "nope",
        nextRetryAt: null,
      });
    } finally {
      await ledger.injectFaults({});
    }
  });

  it("answers 415 to a redrive body that is not JSON, instead of redriving every dead event", async () => {
    const bodies: [string | undefined, string][] = [
      ["text/plain", '{"events":[]}'],
      ["application/x-www-form-urlencoded", "source=github&id=x"],
      [undefined, ""],
    ];
    for (const [contentType, body] of bodies) {
      const headers: Record<string, string> = contentType ? { "content-type": contentType } : {};
      const response = await admin("/dead-letters/redrive", { method: "POST", headers, body });
      expect(response.status, contentType).toBe(415);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
    }
  });

  it("validates the redrive body", async () => {
    const response = await admin("/dead-letters/redrive", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ limit: 0 }),
    });
    expect(response.status).toBe(400);
  });
});

describe("metrics", () => {
  it("counts by status and source and reports latency percentiles", async () => {
    const id = await accept(await githubEvent());
    await logged("github", id);
    const metrics = await json(await admin("/metrics?window=3600"), Metrics);
    expect(metrics.byStatus.delivered).toBeGreaterThan(0);
    expect(metrics.bySource.github?.total).toBeGreaterThan(0);
    expect(metrics.byStatus.total).toBe(Object.values(metrics.bySource).reduce((n, s) => n + s.total, 0));
    expect(metrics.latencyMs.p50).not.toBeNull();
    expect(metrics.latencyMs.p99!).toBeGreaterThanOrEqual(metrics.latencyMs.p50!);
    expect((await admin("/metrics?window=1")).status).toBe(400);
  });
});

describe("GET /openapi.json", () => {
  it("documents ingress and every admin endpoint with schemas generated from zod", async () => {
    const response = await exports.default.fetch(new Request(`${BASE}/openapi.json`));
    expect(response.status).toBe(200);
    const doc = await response.json<{
      openapi: string;
      paths: Record<string, unknown>;
      components: { schemas: Record<string, { type?: string; properties?: object }> };
    }>();
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/webhooks/{source}",
        "/admin/api/events",
        "/admin/api/events/{source}/{id}",
        "/admin/api/events/{source}/{id}/replay",
        "/admin/api/dead-letters",
        "/admin/api/dead-letters/redrive",
        "/admin/api/metrics",
      ]),
    );
    expect(doc.components.schemas.EventDetail?.properties).toHaveProperty("attempts");
    expect(doc.components.schemas.Problem?.properties).toHaveProperty("detail");
  });
});

describe("GET /openapi.json servers", () => {
  it("never echoes the Host header: a relative server, or PUBLIC_BASE_URL when set", async () => {
    const servers = async (gatewayEnv: object) => {
      const response = await worker.fetch(
        new Request("https://attacker.example/openapi.json"),
        { ...env, ...gatewayEnv },
        createExecutionContext(),
      );
      expect(response.status).toBe(200);
      return (await response.json<{ servers: { url: string }[] }>()).servers;
    };
    expect(await servers({})).toEqual([{ url: "/" }]);
    expect(await servers({ PUBLIC_BASE_URL: "https://hooks.example.com/" })).toEqual([
      { url: "https://hooks.example.com" },
    ]);
    expect(await servers({ PUBLIC_BASE_URL: "not a url" })).toEqual([{ url: "/" }]);
  });
});

describe("GET /docs", () => {
  it("is sent with the dashboard's security headers: no script, no framing", async () => {
    const response = await exports.default.fetch(new Request(`${BASE}/docs`));
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("script-src");
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    const nonce = /style-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(await response.text()).toContain(`<style nonce="${nonce}">`);
  });

  it("renders the API reference as HTML with every path", async () => {
    const response = await exports.default.fetch(new Request(`${BASE}/docs`));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/text\/html/);
    const html = await response.text();
    for (const path of ["/webhooks/{source}", "/admin/api/dead-letters/redrive", "/admin/api/metrics"]) {
      expect(html).toContain(path);
    }
    expect(html).toContain('id="schema-EventDetail"');
  });
});

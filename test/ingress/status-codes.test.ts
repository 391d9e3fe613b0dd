import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import {
  BASE,
  type Fixture,
  genericEvent,
  githubEvent,
  post,
  slackEvent,
  standardEvent,
  stripeEvent,
  uniqueClientIp,
} from "../support/signed-requests";

const send = (request: Request) => exports.default.fetch(request);

async function expectProblem(response: Response, status: number) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  const problem = await response.json<Record<string, unknown>>();
  expect(problem).toMatchObject({ status, type: "about:blank" });
  expect(typeof problem.title).toBe("string");
  expect(JSON.stringify(problem)).not.toMatch(/secret|stack|at \w+ \(/i);
  return problem;
}

describe("POST /webhooks/:source", () => {
  it("answers 202 with the event id when the event is new", async () => {
    const fixture = stripeEvent({ id: "evt_status_202", type: "charge.succeeded" });
    const response = await send(post(await fixture));
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ id: "evt_status_202", status: "accepted" });
  });

  it("answers 200 duplicate for an id accepted before, in flight or done", async () => {
    const fixture = await githubEvent();
    expect((await send(post(fixture))).status).toBe(202);
    const again = await send(post(fixture));
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ id: fixture.headers["x-github-delivery"], status: "duplicate" });
  });

  it("deduplicates per source: the same id on two sources is two events", async () => {
    const id = `shared-${crypto.randomUUID()}`;
    expect((await send(post(genericEvent({ id, type: "a" })))).status).toBe(202);
    expect((await send(post(await stripeEvent({ id, type: "a" })))).status).toBe(202);
  });

  it("answers 401 with one generic reason for a bad, missing or stale signature", async () => {
    const fixture = await githubEvent();
    const tampered = { ...fixture, body: `${fixture.body} ` };
    const unsigned = { ...fixture, headers: { "x-github-delivery": "x", "x-github-event": "push" } };
    const stale = slackEvent(undefined, { timestamp: Math.floor(Date.now() / 1000) - 3600 });
    const details = new Set<string>();
    for (const request of [tampered, unsigned, stale]) {
      const problem = await expectProblem(await send(post(request)), 401);
      details.add(String(problem.detail));
    }
    expect(details.size).toBe(1);
  });

  it("answers 400 when a Stripe body is not an event with an id", async () => {
    await expectProblem(await send(post(await stripeEvent({ type: "charge.succeeded" }))), 400);
    await expectProblem(await send(post(standardEvent("not json"))), 400);
  });

  it("answers 404 for an unknown source and for a source whose secret is not set", async () => {
    await expectProblem(await send(post({ ...(await githubEvent()), path: "/webhooks/nope" })), 404);
    const ctx = createExecutionContext();
    const unconfigured = { ...env, GITHUB_WEBHOOK_SECRET: "" };
    const response = await worker.fetch(post(await githubEvent()), unconfigured, ctx);
    await expectProblem(response, 404);
  });

  it("logs what to set for a known source whose secret is missing, and answers only 404", async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    try {
      const unconfigured = { ...env, GITHUB_WEBHOOK_SECRET: "" };
      const response = await worker.fetch(post(await githubEvent()), unconfigured, createExecutionContext());
      const problem = await expectProblem(response, 404);
      expect(JSON.stringify(problem)).not.toContain("GITHUB_WEBHOOK_SECRET");
      await send(post({ ...(await githubEvent()), path: "/webhooks/nope" }));
    } finally {
      spy.mockRestore();
    }
    const reasons = lines.map((line) => JSON.parse(line).reason);
    expect(reasons).toContain("source_not_configured: set GITHUB_WEBHOOK_SECRET");
    expect(reasons).toContain("unknown_source");
  });

  it("answers 405 with Allow: POST for other methods", async () => {
    for (const method of ["GET", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]) {
      const response = await send(new Request(`${BASE}/webhooks/github`, { method }));
      expect(response.status, method).toBe(405);
      expect(response.headers.get("allow")).toBe("POST");
    }
  });

  it("answers 413 for a body over the limit, declared or streamed", async () => {
    const big = new Uint8Array(1024 * 1024 + 1);
    await expectProblem(await send(post({ path: "/webhooks/github", headers: {}, body: big })), 413);
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 17; i++) controller.enqueue(new Uint8Array(64 * 1024));
        controller.close();
      },
    });
    const chunked = new Request(`${BASE}/webhooks/github`, { method: "POST", body: stream });
    expect(chunked.headers.get("content-length")).toBeNull();
    await expectProblem(await send(chunked), 413);
  });

  it("accepts a body of exactly the limit", async () => {
    const payload = { action: "big", pad: "" };
    const overhead = JSON.stringify(payload).length;
    payload.pad = "x".repeat(1024 * 1024 - overhead);
    const fixture = await githubEvent(payload);
    expect(fixture.body.length).toBe(1024 * 1024);
    expect((await send(post(fixture))).status).toBe(202);
  });

  it("answers 503 with Retry-After when the event cannot be made durable", async () => {
    const ctx = createExecutionContext();
    const broken = { ...env, FAULT_INJECTION: JSON.stringify({ ledgerUnavailable: true }) };
    const response = await worker.fetch(post(await githubEvent()), broken, ctx);
    await expectProblem(response, 503);
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("answers Slack's url_verification challenge once signed, without accepting an event", async () => {
    const response = await send(
      post(slackEvent({ type: "url_verification", challenge: "c-123", token: "t" })),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ challenge: "c-123" });
    const unsigned = slackEvent({ type: "url_verification", challenge: "c-123" }, { secret: "wrong" });
    expect((await send(post(unsigned))).status).toBe(401);
  });

  it("never answers 5xx to unknown paths or odd source names", async () => {
    for (const path of [
      "/",
      "/webhooks",
      "/webhooks/..%2F..%2Fetc",
      "/webhooks/%00",
      `/webhooks/${"a".repeat(5000)}`,
    ]) {
      const response = await send(new Request(`${BASE}${path}`, { method: "POST", body: "{}" }));
      expect(response.status, path).toBeLessThan(500);
      expect(response.status, path).toBeGreaterThanOrEqual(400);
    }
  });
});

describe("GET /healthz", () => {
  it("answers 200", async () => {
    expect((await send(new Request(`${BASE}/healthz`))).status).toBe(200);
  });
});

/**
 * Sends a forged request until the first 429 (at most 100 times): the local limiter counts in fixed
 * 60 s windows, so a window that turns over mid-loop only means more 401s first, never a flaky test.
 */
async function failUntilLimited(forged: Fixture): Promise<{ statuses: number[]; limited: Response }> {
  const statuses: number[] = [];
  for (let i = 0; i < 100; i++) {
    const response = await send(post(forged));
    if (response.status === 429) return { statuses, limited: response };
    statuses.push(response.status);
    await response.body?.cancel();
  }
  throw new Error(`no 429 after 100 forged requests: ${statuses.join(",")}`);
}

describe("failed signature rate limit", () => {
  it("answers 429 after repeated failures from one client, and still accepts its valid requests", async () => {
    const ip = uniqueClientIp();
    const bad = await githubEvent();
    const forged = {
      ...bad,
      headers: { ...bad.headers, "x-hub-signature-256": `sha256=${"0".repeat(64)}`, "cf-connecting-ip": ip },
    };
    const { statuses, limited } = await failUntilLimited(forged);
    expect(statuses.length).toBeGreaterThanOrEqual(30);
    expect(statuses.every((status) => status === 401)).toBe(true);
    expect(limited.headers.get("retry-after")).toBe("60");
    const good = await githubEvent();
    expect((await send(post({ ...good, headers: { ...good.headers, "cf-connecting-ip": ip } }))).status).toBe(
      202,
    );
  });
});

describe("a client already over the failed-auth limit", () => {
  it("gets its 429 without asking the limiter again and with at most one HMAC; valid requests pass", async () => {
    const ip = uniqueClientIp();
    const bad = await githubEvent();
    const forged = {
      ...bad,
      headers: { ...bad.headers, "x-hub-signature-256": `sha256=${"0".repeat(64)}`, "cf-connecting-ip": ip },
    };
    await failUntilLimited(forged);
    const limiter = vi.spyOn(env.FAILED_AUTH_LIMITER, "limit");
    const sign = vi.spyOn(crypto.subtle, "sign");
    const verify = vi.spyOn(crypto.subtle, "verify");
    try {
      expect((await send(post(forged))).status).toBe(429);
      expect(limiter).not.toHaveBeenCalled();
      expect(sign.mock.calls.length + verify.mock.calls.length).toBeLessThanOrEqual(1);
    } finally {
      vi.restoreAllMocks();
    }
    const good = await githubEvent();
    const response = await send(post({ ...good, headers: { ...good.headers, "cf-connecting-ip": ip } }));
    expect(response.status).toBe(202);
  });
});

describe("ids from unsigned headers", () => {
  it("does not let an unsigned X-Webhook-Id give a captured generic request a new id", async () => {
    const realId = `evt_${crypto.randomUUID()}`;
    const captured = genericEvent({ id: `evt_${crypto.randomUUID()}`, type: "t" });
    expect((await send(post(captured))).status).toBe(202);
    const replayed = { ...captured, headers: { ...captured.headers, "x-webhook-id": realId } };
    expect((await send(post(replayed))).status).toBe(200);
    expect((await send(post(genericEvent({ id: realId, type: "t" })))).status).toBe(202);
  });
});

describe("Slack retries", () => {
  it("deduplicates a retry (X-Slack-Retry-Num) by event_id, even with a fresh signature", async () => {
    const eventId = `Ev${crypto.randomUUID()}`;
    const payload = { type: "event_callback", event_id: eventId, event: { type: "message" } };
    expect((await send(post(slackEvent(payload)))).status).toBe(202);
    const retry = slackEvent(payload, { timestamp: Math.floor(Date.now() / 1000) + 1 });
    const response = await send(
      post({
        ...retry,
        headers: { ...retry.headers, "x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout" },
      }),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id: eventId, status: "duplicate" });
  });
});

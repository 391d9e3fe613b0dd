import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import {
  forward,
  forwardedEnvelopeOf,
  headerSafe,
  isAllowedAgentUrl,
  parseRetryAfter,
} from "../../src/handlers/forward-to-agent";
import { HandlerRegistry } from "../../src/handlers/handler-registry";
import { deliveries, sinkUrl } from "../support/agent-sink-client";
import { accept, consume, expireWaits, inspectLedger, ledgerOf, messageFor } from "../support/pipeline";
import { githubEvent } from "../support/signed-requests";
import { TEST_SECRETS } from "../support/test-secrets";

/** The built-in forwarder under its own name, so the live queue's `forward` runs never interfere. */
const forwarding = () => {
  const name = `fwd_${crypto.randomUUID().slice(0, 8)}`;
  return { name, registry: new HandlerRegistry().on("*", "*", forward, { name }) };
};

async function acceptedIssue() {
  const id = await accept(
    await githubEvent({
      action: "opened",
      issue: { number: 42, id: crypto.randomUUID(), title: "Found a bug" },
    }),
  );
  return { id, message: messageFor("github", id, "issues.opened") };
}

describe("forward handler", () => {
  it("keeps webhook-id and the idempotency key stable across retries: 500, 500, then 200", async () => {
    const bucket = `retry-${crypto.randomUUID()}`;
    const testEnv = { ...env, AGENT_ENDPOINT_URL: sinkUrl(bucket, "fail=2") };
    const { id, message } = await acceptedIssue();
    const { registry, name } = forwarding();

    for (let attempt = 1; attempt <= 3; attempt++) {
      const { result } = await consume([message], registry, testEnv, attempt);
      if (attempt < 3) expect(result.retryMessages).toHaveLength(1);
      else expect(result.explicitAcks).toHaveLength(1);
      await expireWaits("github", id);
    }
    const arrived = await deliveries(bucket);
    expect(arrived.map((d) => d.status)).toEqual([500, 500, 200]);
    expect(new Set(arrived.map((d) => d.webhookId)).size).toBe(1);
    expect(new Set(arrived.map((d) => d.headers["idempotency-key"]))).toEqual(
      new Set([`github:${id}:${name}`]),
    );
    for (const delivery of arrived) {
      expect(
        new Webhook(TEST_SECRETS.AGENT_SIGNING_SECRET).verify(delivery.body, delivery.headers),
      ).toMatchObject({
        id,
        source: "github",
        type: "issues.opened",
        received_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        payload: { action: "opened", issue: { number: 42 } },
        untrusted: ["payload.issue.title"],
      });
    }
    expect((await inspectLedger("github", id)).deliveries.find((d) => d.handler === name)).toMatchObject({
      state: "done",
      attempts: 3,
    });
  });

  it("honours Retry-After from a 429", async () => {
    const testEnv = {
      ...env,
      AGENT_ENDPOINT_URL: sinkUrl(`rate-${crypto.randomUUID()}`, "status=429&retryAfter=120"),
    };
    const { message } = await acceptedIssue();
    const { result } = await consume([message], forwarding().registry, testEnv);
    expect(result.retryMessages[0]?.delaySeconds).toBe(120);
  });

  it("treats a timeout as a failure to retry", async () => {
    const testEnv = {
      ...env,
      AGENT_TIMEOUT_MS: "200",
      AGENT_ENDPOINT_URL: sinkUrl(`slow-${crypto.randomUUID()}`, "delayMs=2000"),
    };
    const { id, message } = await acceptedIssue();
    const { registry, name } = forwarding();
    const { result } = await consume([message], registry, testEnv);
    expect(result.retryMessages).toHaveLength(1);
    const row = (await inspectLedger("github", id)).deliveries.find((d) => d.handler === name);
    expect(row).toMatchObject({ state: "failed" });
    expect(row?.last_error).toMatch(/timeout|abort/i);
  });

  it("fails, never forwards unsigned, when neither AGENT_SIGNING_KEY nor AGENT_SIGNING_SECRET is set", async () => {
    const bucket = `unsigned-${crypto.randomUUID()}`;
    const testEnv = {
      ...env,
      AGENT_SIGNING_SECRET: "",
      AGENT_SIGNING_KEY: "",
      AGENT_ENDPOINT_URL: sinkUrl(bucket),
    };
    const { message } = await acceptedIssue();
    const { result } = await consume([message], forwarding().registry, testEnv);
    expect(result.retryMessages).toHaveLength(1);
    expect(await deliveries(bucket)).toHaveLength(0);
  });
});

describe("what operators see of each attempt", () => {
  /** The failed attempts the ledger recorded for one event's handler (the log's attempt history). */
  const attemptRows = (id: string, handler: string) =>
    runInDurableObject(ledgerOf("github", id).ledger, (_i, state) =>
      state.storage.sql
        .exec<Record<string, SqlStorageValue>>(
          `SELECT outcome, error, destination, response_status, response_body, next_retry_at FROM failed_attempts
           WHERE seq = (SELECT seq FROM claims WHERE event_id = ?) AND handler = ?`,
          id,
          handler,
        )
        .toArray(),
    );

  it("records the destination, its status, the first 1 KB of its answer and the next retry", async () => {
    const bucket = `answer-${crypto.randomUUID()}`;
    const testEnv = { ...env, AGENT_ENDPOINT_URL: sinkUrl(bucket, "status=503&retryAfter=30") };
    const { id, message } = await acceptedIssue();
    const { registry, name } = forwarding();
    const before = Date.now();
    await consume([message], registry, testEnv);
    const [row] = await attemptRows(id, name);
    expect(row).toMatchObject({
      outcome: "failed",
      destination: sinkUrl(bucket),
      response_status: 503,
      response_body: "nope",
      error: `${sinkUrl(bucket).replace("http://", "")} answered 503 Service Unavailable`,
    });
    expect(Number(row?.next_retry_at)).toBeGreaterThanOrEqual(before + 30_000);
  });

  it("says in words when nothing answered, without runtime exception names", async () => {
    // A port nothing listens on: the sink's port + 1 is not guaranteed free, so close a fresh listener's.
    const closed = sinkUrl("x").replace(/:(\d+)\//, (_match, port) => `:${Number(port) === 1 ? 2 : 1}/`);
    const testEnv = { ...env, AGENT_ENDPOINT_URL: closed };
    const { id, message } = await acceptedIssue();
    const { registry, name } = forwarding();
    await consume([message], registry, testEnv);
    const [row] = await attemptRows(id, name);
    expect(row?.error).toMatch(/^no connection to 127\.0\.0\.1:1\/agent\/x \(.+\)$/);
    expect(row?.error).not.toMatch(/RetryLater|Error:/);
    expect(row).toMatchObject({ destination: closed.split("?")[0], response_status: null });
  });
});

describe("forwardedEnvelopeOf", () => {
  it("gives URL and Agent destinations the same envelope, with the lane of an ordered delivery", () => {
    const event = {
      id: "e1",
      source: "agentx",
      type: "job.progress",
      receivedAt: "2026-11-30T00:00:00.000Z",
      payload: { job_id: "j1" },
      untrusted: [],
      provenance: null,
      lane: { key: "j1", seq: 2 },
    } as unknown as Parameters<typeof forwardedEnvelopeOf>[0];
    expect(forwardedEnvelopeOf(event)).toEqual({
      id: "e1",
      source: "agentx",
      type: "job.progress",
      received_at: "2026-11-30T00:00:00.000Z",
      payload: { job_id: "j1" },
      untrusted: [],
      provenance: null,
      lane: { key: "j1", seq: 2 },
    });
    expect(forwardedEnvelopeOf({ ...event, lane: undefined })).not.toHaveProperty("lane");
  });
});

describe("headerSafe", () => {
  it("keeps printable ASCII and percent-encodes the rest as UTF-8", () => {
    expect(headerSafe("github:abc-1:forward")).toBe("github:abc-1:forward");
    expect(headerSafe("stripe:évt_😀:forward")).toBe("stripe:%C3%A9vt_%F0%9F%98%80:forward");
    expect(headerSafe("a\u0000b\nc")).toBe("a%00b%0Ac");
  });
});

describe("parseRetryAfter", () => {
  it("reads delta-seconds and HTTP dates, and ignores garbage", () => {
    expect(parseRetryAfter("30")).toBe(30);
    expect(parseRetryAfter(new Date(61_000).toUTCString(), 1_000)).toBe(60);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});

describe("agent URL policy", () => {
  it("allows https anywhere and http only to loopback, never credentials", () => {
    expect(isAllowedAgentUrl("https://agent.example.com/hooks")).toBe(true);
    expect(isAllowedAgentUrl("http://127.0.0.1:8788/agent")).toBe(true);
    expect(isAllowedAgentUrl("http://localhost/agent")).toBe(true);
    expect(isAllowedAgentUrl("http://169.254.169.254/latest/meta-data")).toBe(false);
    expect(isAllowedAgentUrl("http://agent.example.com")).toBe(false);
    expect(isAllowedAgentUrl("https://user:pw@agent.example.com")).toBe(false);
    expect(isAllowedAgentUrl("file:///etc/passwd")).toBe(false);
    expect(isAllowedAgentUrl("not a url")).toBe(false);
  });
});

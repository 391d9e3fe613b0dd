/**
 * Agent destinations end to end: the real ingress stores the route with the claim, the real consumer
 * calls the test-only `TestJobTracker` Durable Object (test/support/test-job-tracker.ts) named by
 * `payload.job_id`, and the ledger records what the Agent's answer decided. Events live in ledger shards
 * ≥ 16 of 1024 whose queue sends fail on purpose, so only these tests' consumer calls deliver them.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ledgerFor, shardForEvent } from "../../src/claim/shard-for-event";
import { handlers } from "../../src/handlers/agent-handlers";
import worker from "../../src/index";
import { consume, expireWaits, inspectLedger } from "../support/pipeline";
import { BASE, githubEvent, post } from "../support/signed-requests";
import type { TestJobTracker, TrackedJob } from "../support/test-job-tracker";
import { TEST_SECRETS } from "../support/test-secrets";

const SHARDS = 1024;
const ROUTE = "tracker";

function agentEnv(vars: Record<string, string> = {}, agentFields: Record<string, unknown> = {}): Env {
  const routes = [
    {
      name: ROUTE,
      sources: ["github"],
      destination: {
        agent: { binding: "TEST_JOB_TRACKER", name: "payload.job_id", method: "onWebhook", ...agentFields },
      },
      maxAttempts: 3,
    },
  ];
  const added: Record<string, string> = {
    CLAIM_SHARDS: String(SHARDS),
    HOOKGATE_ROUTES: JSON.stringify(routes),
    ...vars,
  };
  return { ...env, ...added };
}

function trackerOf(testEnv: Env, jobId: string): DurableObjectStub<TestJobTracker> {
  const namespace = Reflect.get(testEnv, "TEST_JOB_TRACKER") as DurableObjectNamespace<TestJobTracker>;
  return namespace.get(namespace.idFromName(jobId));
}

const snapshot = (testEnv: Env, jobId: string): Promise<TrackedJob> => trackerOf(testEnv, jobId).snapshot();

/** Accepts one job callback through the real ingress, in a ledger shard private to this file. */
async function acceptCallback(testEnv: Env, payload: Record<string, unknown> | string) {
  let id = crypto.randomUUID();
  while (shardForEvent("github", id, SHARDS) < 16) id = crypto.randomUUID();
  const shard = shardForEvent("github", id, SHARDS);
  await ledgerFor(testEnv, shard).injectFaults({ failSends: 1000 });
  const fixture = await githubEvent(payload, { id });
  expect((await send(post(fixture), testEnv)).status).toBe(202);
  return { id, fixture, message: { v: 1 as const, source: "github", id, type: "issues", shard } };
}

async function send(request: Request, testEnv: Env): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, testEnv, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

const deliveryOf = async (id: string, testEnv: Env) =>
  (await inspectLedger("github", id, testEnv)).deliveries.find((d) => d.handler === ROUTE);

afterEach(() => vi.restoreAllMocks());

describe("an agent destination", () => {
  it("calls the method of the instance the path names once, with the envelope and { idempotencyKey, attempt }", async () => {
    const testEnv = agentEnv();
    const job = `job-${crypto.randomUUID()}`;
    const { id, fixture, message } = await acceptCallback(testEnv, {
      job_id: job,
      status: "QUEUED",
      progress: 0,
    });
    // The provider's redelivery is a duplicate at ingress, and the queue's redelivery a duplicate message.
    expect((await send(post(fixture), testEnv)).status).toBe(200);
    await consume([message, message], handlers, testEnv);

    expect(await snapshot(testEnv, job)).toEqual({
      job_id: job,
      status: "QUEUED",
      progress: 0,
      changes: 1,
      calls: [{ key: `github:${id}:${ROUTE}`, attempt: 1, eventId: id }],
    });
    expect((await snapshot(testEnv, `${job}-other`)).calls).toEqual([]);
    expect(await deliveryOf(id, testEnv)).toMatchObject({ state: "done", attempts: 1 });
  });

  it("retries an Agent that throws, like a URL destination, with the same idempotency key", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    const testEnv = agentEnv();
    const job = `job-${crypto.randomUUID()}`;
    const fail = { with: "error", untilAttempt: 1 };
    const { id, message } = await acceptCallback(testEnv, { job_id: job, status: "RUNNING", fail });

    const first = await consume([message], handlers, testEnv);
    expect(first.result.retryMessages).toHaveLength(1);
    expect(await deliveryOf(id, testEnv)).toMatchObject({
      state: "failed",
      last_error: expect.stringContaining("the tracker's store is unavailable"),
    });
    await expireWaits("github", id, testEnv);
    await consume([message], handlers, testEnv, 2);

    const tracked = await snapshot(testEnv, job);
    expect(tracked.calls.map(({ key, attempt }) => [key, attempt])).toEqual([
      [`github:${id}:${ROUTE}`, 1],
      [`github:${id}:${ROUTE}`, 2],
    ]);
    expect(tracked).toMatchObject({ status: "RUNNING", changes: 1 });
    expect(await deliveryOf(id, testEnv)).toMatchObject({ state: "done", attempts: 2 });
  });

  it("dead-letters at once when the Agent throws GiveUp", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    const testEnv = agentEnv();
    const job = `job-${crypto.randomUUID()}`;
    const { id, message } = await acceptCallback(testEnv, {
      job_id: job,
      status: "RUNNING",
      fail: { with: "give-up" },
    });
    const { result } = await consume([message], handlers, testEnv);
    expect(result.retryMessages).toHaveLength(0);
    expect(await deliveryOf(id, testEnv)).toMatchObject({
      state: "dead",
      attempts: 1,
      last_error: expect.stringContaining("this job was cancelled"),
    });
    expect((await snapshot(testEnv, job)).changes).toBe(0);
  });

  it("honours RetryLater's retryAfterSeconds", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    const testEnv = agentEnv();
    const job = `job-${crypto.randomUUID()}`;
    const { id, message } = await acceptCallback(testEnv, {
      job_id: job,
      status: "RUNNING",
      fail: { with: "retry-later" },
    });
    const { result } = await consume([message], handlers, testEnv);
    expect(result.retryMessages).toEqual([expect.objectContaining({ delaySeconds: 120 })]);
    expect(await deliveryOf(id, testEnv)).toMatchObject({
      state: "failed",
      last_error: expect.stringContaining("busy folding another job"),
    });
  });

  it("stops waiting for a slow Agent after the route's timeoutMs and retries; the late call changes the state once", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    const testEnv = agentEnv({}, { timeoutMs: 300 });
    const job = `job-${crypto.randomUUID()}`;
    const { id, message } = await acceptCallback(testEnv, { job_id: job, status: "RUNNING", sleepMs: 1500 });
    const { result } = await consume([message], handlers, testEnv);
    expect(result.retryMessages).toHaveLength(1);
    expect(await deliveryOf(id, testEnv)).toMatchObject({
      state: "failed",
      last_error: expect.stringContaining("within 300 ms (timeout)"),
    });
    // The call was not cancelled: it finishes later, and its state change is the only one.
    await vi.waitUntil(async () => (await snapshot(testEnv, job)).changes === 1, { timeout: 10_000 });
    expect((await snapshot(testEnv, job)).calls).toHaveLength(1);
  });

  it("calls the Agent with a payload nested 1,000 levels deep, and dead-letters a deeper one at once, uncalled", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    const testEnv = agentEnv();
    const nested = (depth: number) => `${'{"0":'.repeat(depth - 1)}true${"}".repeat(depth - 1)}`;
    const body = (job: string, depth: number) =>
      `{"job_id":${JSON.stringify(job)},"status":"RUNNING","nested":${nested(depth)}}`;
    const fits = `job-${crypto.randomUUID()}`;
    const deep = `job-${crypto.randomUUID()}`;
    const accepted = await acceptCallback(testEnv, body(fits, 1_000));
    const refused = await acceptCallback(testEnv, body(deep, 10_000));

    const { result } = await consume([accepted.message, refused.message], handlers, testEnv);
    expect(result.retryMessages).toEqual([]);
    expect(await deliveryOf(accepted.id, testEnv)).toMatchObject({ state: "done", attempts: 1 });
    expect((await snapshot(testEnv, fits)).changes).toBe(1);
    expect(await deliveryOf(refused.id, testEnv)).toMatchObject({
      state: "dead",
      attempts: 1,
      last_error: expect.stringContaining("nested more than 1000 levels deep"),
    });
    expect((await snapshot(testEnv, deep)).calls).toEqual([]);
  });

  it("gives up on an event whose path names no instance, without calling any", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    const testEnv = agentEnv();
    const { id, message } = await acceptCallback(testEnv, { status: "RUNNING", job: { id: 7 } });
    await consume([message], handlers, testEnv);
    expect(await deliveryOf(id, testEnv)).toMatchObject({
      state: "dead",
      attempts: 1,
      last_error: expect.stringContaining("payload.job_id holds no agent name"),
    });
  });
});

describe("GET /admin/api/routes", () => {
  it("shows an agent route's binding, path and method", async () => {
    const request = new Request(`${BASE}/admin/api/routes/${ROUTE}`, {
      headers: { authorization: `Bearer ${TEST_SECRETS.ADMIN_TOKEN}` },
    });
    const response = await send(request, agentEnv());
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      name: ROUTE,
      destination: { agent: { binding: "TEST_JOB_TRACKER", name: "payload.job_id", method: "onWebhook" } },
      maxAttempts: 3,
    });
  });

  it("shows the agent's timeoutMs: the route's own, else AGENT_TIMEOUT_MS", async () => {
    const call = (testEnv: Env) =>
      send(
        new Request(`${BASE}/admin/api/routes/${ROUTE}`, {
          headers: { authorization: `Bearer ${TEST_SECRETS.ADMIN_TOKEN}` },
        }),
        testEnv,
      );
    const own = await call(agentEnv({}, { timeoutMs: 2500 }));
    expect(await own.json()).toMatchObject({
      destination: { agent: { method: "onWebhook", timeoutMs: 2500 } },
    });
    const fallback = await call(agentEnv({ AGENT_TIMEOUT_MS: "7000" }));
    expect(await fallback.json()).toMatchObject({ destination: { agent: { timeoutMs: 7000 } } });
  });
});

describe("exactly-once effect", () => {
  it("runs the method twice but changes the state once when the consumer dies between the call and the settle", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const crashing = agentEnv({ FAULT_INJECTION: JSON.stringify({ settleFails: true }) });
    const job = `job-${crypto.randomUUID()}`;
    const { id, message } = await acceptCallback(crashing, {
      job_id: job,
      status: "DATA_ENRICHMENT_COMPLETE",
      progress: 50,
    });
    const first = await consume([message], handlers, crashing);
    expect(first.result.retryMessages).toHaveLength(1);
    expect(await deliveryOf(id, crashing)).toBeUndefined();

    await expireWaits("github", id, crashing);
    const healthy = agentEnv();
    await consume([message], handlers, healthy, 2);

    const tracked = await snapshot(healthy, job);
    expect(tracked.calls.map(({ key }) => key)).toEqual([`github:${id}:${ROUTE}`, `github:${id}:${ROUTE}`]);
    expect(tracked).toMatchObject({ status: "DATA_ENRICHMENT_COMPLETE", progress: 50, changes: 1 });
    expect(await deliveryOf(id, healthy)).toMatchObject({ state: "done", attempts: 2 });
  });

  it("changes the state again for a replay: a replay is a new delivery with its own key", async () => {
    const testEnv = agentEnv();
    const job = `job-${crypto.randomUUID()}`;
    const { id, message } = await acceptCallback(testEnv, { job_id: job, status: "COMPLETE", progress: 100 });
    await consume([message], handlers, testEnv);
    await consume([{ ...message, replay: 1 }], handlers, testEnv);
    const tracked = await snapshot(testEnv, job);
    expect(tracked.calls.map(({ key }) => key)).toEqual([
      `github:${id}:${ROUTE}`,
      `github:${id}:${ROUTE}:replay-1`,
    ]);
    expect(tracked.changes).toBe(2);
  });
});

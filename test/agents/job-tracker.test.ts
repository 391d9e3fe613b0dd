/**
 * The JobTracker Agent end to end: callbacks accepted by the real ingress and delivered by the real
 * consumer through a route's agent destination, folded exactly once, pushed to WebSocket readers that the
 * Worker authorised before the upgrade, and read by an operator through the admin API. Events live in
 * ledger shards ≥ 16 of 1024 whose queue sends fail on purpose, so only these tests' consumer delivers them.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { getAgentByName } from "agents";
import { afterEach, describe, expect, it, vi } from "vitest";
import { jobTrackerNamespace } from "../../src/agents/job-name";
import { mintReadToken } from "../../src/agents/job-read-token";
import { JobState } from "../../src/agents/job-state";
import { ledgerFor, shardForEvent } from "../../src/claim/shard-for-event";
import { handlers } from "../../src/handlers/agent-handlers";
import worker from "../../src/index";
import { consume, expireWaits, inspectLedger } from "../support/pipeline";
import { BASE, githubEvent, post, uniqueClientIp } from "../support/signed-requests";
import { TEST_SECRETS } from "../support/test-secrets";

const SHARDS = 1024;
const ROUTE = "jobs";
const ADMIN = { authorization: `Bearer ${TEST_SECRETS.ADMIN_TOKEN}` };

function jobsEnv(vars: Record<string, string> = {}): Env {
  const routes = [
    {
      name: ROUTE,
      sources: ["github"],
      destination: { agent: { binding: "JOB_TRACKER", name: "payload.job_id", method: "onWebhook" } },
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

async function send(request: Request, testEnv: Env): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, testEnv, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

/** Accepts one job callback through the real ingress; returns the queue message that delivers it. */
async function acceptCallback(testEnv: Env, payload: Record<string, unknown>) {
  let id = crypto.randomUUID();
  while (shardForEvent("github", id, SHARDS) < 16) id = crypto.randomUUID();
  const shard = shardForEvent("github", id, SHARDS);
  await ledgerFor(testEnv, shard).injectFaults({ failSends: 1000 });
  const fixture = await githubEvent(payload, { id });
  expect((await send(post(fixture), testEnv)).status).toBe(202);
  return { id, fixture, message: { v: 1 as const, source: "github", id, type: "issues", shard } };
}

const stateOf = async (testEnv: Env, job: string) =>
  JobState.parse(await (await getAgentByName(trackers(testEnv), job)).currentState());

function trackers(testEnv: Env) {
  const namespace = jobTrackerNamespace(testEnv);
  if (!namespace) throw new Error("JOB_TRACKER is not bound in the tests");
  return namespace;
}

const newJob = () => `job_${crypto.randomUUID()}`;

/** Opens the tracker's WebSocket as a browser would; the response, and the frames it receives. */
interface ReaderAuth {
  token?: string;
  headers?: Record<string, string>;
}

async function watch(testEnv: Env, job: string, auth: ReaderAuth) {
  const query = auth.token === undefined ? "" : `?token=${encodeURIComponent(auth.token)}`;
  const response = await send(
    new Request(`${BASE}/agents/job-tracker/${job}${query}`, {
      headers: { upgrade: "websocket", ...auth.headers },
    }),
    testEnv,
  );
  const frames: { type: string; state?: unknown }[] = [];
  response.webSocket?.addEventListener("message", (message) => {
    if (typeof message.data === "string") frames.push(JSON.parse(message.data));
  });
  response.webSocket?.accept();
  return { response, frames, states: () => frames.filter((frame) => frame.type === "cf_agent_state") };
}

/** Waits (at most 2 s) until `ready` holds. */
async function until(ready: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !ready(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
}

afterEach(() => vi.restoreAllMocks());

describe("JobTracker through an agent destination", () => {
  it("ends in the right state after out-of-order and duplicate callbacks", async () => {
    const testEnv = jobsEnv();
    const job = newJob();
    const queued = await acceptCallback(testEnv, { job_id: job, status: "QUEUED", progress: 0 });
    const half = await acceptCallback(testEnv, {
      job_id: job,
      status: "DATA_ENRICHMENT_COMPLETE",
      progress: 50,
    });
    const done = await acceptCallback(testEnv, {
      job_id: job,
      status: "COMPLETE",
      progress: 100,
      results: { summary: "3 sources" },
    });
    // The provider redelivers QUEUED: a duplicate at ingress, never delivered again.
    expect((await send(post(queued.fixture), testEnv)).status).toBe(200);
    // The 50% arrives after COMPLETE (and the queue repeats COMPLETE).
    await consume([queued.message], handlers, testEnv);
    await consume([done.message, done.message], handlers, testEnv);
    await consume([half.message], handlers, testEnv);

    const state = await stateOf(testEnv, job);
    expect(state).toMatchObject({
      job_id: job,
      status: "COMPLETE",
      progress: 100,
      results: { summary: "3 sources" },
    });
    expect(state.history.map(({ status, outcome }) => [status, outcome])).toEqual([
      ["QUEUED", "applied"],
      ["COMPLETE", "applied"],
      ["DATA_ENRICHMENT_COMPLETE", "after_terminal"],
    ]);
    const delivery = (await inspectLedger("github", half.id, testEnv)).deliveries.find(
      (d) => d.handler === ROUTE,
    );
    expect(delivery).toMatchObject({ state: "done", attempts: 1 });
  });

  it("changes the state once when the consumer dies between the call and the settle", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const crashing = jobsEnv({ FAULT_INJECTION: JSON.stringify({ settleFails: true }) });
    const job = newJob();
    const { id, message } = await acceptCallback(crashing, { job_id: job, status: "RUNNING", progress: 50 });
    expect((await consume([message], handlers, crashing)).result.retryMessages).toHaveLength(1);
    await expireWaits("github", id, crashing);
    const healthy = jobsEnv();
    await consume([message], handlers, healthy, 2);

    expect((await stateOf(healthy, job)).history).toEqual([
      expect.objectContaining({ event_id: id, status: "RUNNING", progress: 50, outcome: "applied" }),
    ]);
    const delivery = (await inspectLedger("github", id, healthy)).deliveries.find((d) => d.handler === ROUTE);
    expect(delivery).toMatchObject({ state: "done", attempts: 2 });
  });

  it("gives up on a callback that is no job callback", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    const testEnv = jobsEnv();
    const job = newJob();
    const { id, message } = await acceptCallback(testEnv, { job_id: job, progress: "half" });
    await consume([message], handlers, testEnv);
    const delivery = (await inspectLedger("github", id, testEnv)).deliveries.find((d) => d.handler === ROUTE);
    expect(delivery).toMatchObject({
      state: "dead",
      attempts: 1,
      last_error: expect.stringContaining("not a job callback"),
    });
  });
});

describe("watching a job over WebSocket", () => {
  it("refuses a socket without a token with 401, before any frame", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    const testEnv = jobsEnv();
    const job = newJob();
    await consume(
      [(await acceptCallback(testEnv, { job_id: job, status: "QUEUED" })).message],
      handlers,
      testEnv,
    );
    const attempts: ReaderAuth[] = [
      {},
      { token: "garbage" },
      { token: await mintReadToken(TEST_SECRETS.JOB_READ_TOKEN_SECRET, "another-job", 4_000_000_000) },
      { token: await mintReadToken(TEST_SECRETS.JOB_READ_TOKEN_SECRET, job, 1_000) },
      { headers: { authorization: "Bearer wrong-admin-token" } },
      { headers: { "x-hookgate-job-reader": job } },
    ];
    for (const auth of attempts) {
      const { response, frames } = await watch(testEnv, job, auth);
      expect(response.status, JSON.stringify(auth)).toBe(401);
      expect(response.webSocket).toBeNull();
      expect(await response.text()).not.toContain("QUEUED");
      expect(frames).toEqual([]);
    }
  });

  it("sends the current state to a reader with a token at once, then each change once", async () => {
    const testEnv = jobsEnv();
    const job = newJob();
    const queued = await acceptCallback(testEnv, { job_id: job, status: "QUEUED", progress: 0 });
    await consume([queued.message], handlers, testEnv);

    const token = await mintReadToken(
      TEST_SECRETS.JOB_READ_TOKEN_SECRET,
      job,
      Math.floor(Date.now() / 1000) + 60,
    );
    const reader = await watch(testEnv, job, { token });
    expect(reader.response.status).toBe(101);
    await until(() => reader.states().length >= 1);
    expect(reader.states()[0]?.state).toMatchObject({ status: "QUEUED", progress: 0 });

    const half = await acceptCallback(testEnv, { job_id: job, status: "RUNNING", progress: 50 });
    await consume([half.message, half.message], handlers, testEnv);
    const done = await acceptCallback(testEnv, { job_id: job, status: "COMPLETE", progress: 100 });
    await consume([done.message], handlers, testEnv);
    await until(() => reader.states().length >= 3);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(reader.states().map((frame) => JobState.parse(frame.state).progress)).toEqual([0, 50, 100]);

    // A reader may not write: the socket is read-only.
    reader.response.webSocket?.send(JSON.stringify({ type: "cf_agent_state", state: { status: "HACKED" } }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await stateOf(testEnv, job)).status).toBe("COMPLETE");
    reader.response.webSocket?.close();
  });

  it("counts failures toward the admin lockout: past the limit even the admin token gets 429", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    const testEnv = jobsEnv();
    const job = newJob();
    const ip = { "cf-connecting-ip": uniqueClientIp() };
    const statuses: number[] = [];
    for (let i = 0; i < 100 && statuses.at(-1) !== 429; i++)
      statuses.push(
        (await watch(testEnv, job, { headers: { ...ip, authorization: "Bearer guess" } })).response.status,
      );
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.slice(0, -1).every((status) => status === 401)).toBe(true);
    const admin = await watch(testEnv, job, { headers: { ...ip, ...ADMIN } });
    expect(admin.response.status).toBe(429);
    expect(admin.frames).toEqual([]);
  });

  it("lets the admin token watch too", async () => {
    const testEnv = jobsEnv();
    const reader = await watch(testEnv, newJob(), { headers: ADMIN });
    expect(reader.response.status).toBe(101);
    await until(() => reader.states().length >= 1);
    expect(reader.states()[0]?.state).toMatchObject({ status: null, history: [] });
    reader.response.webSocket?.close();
  });
});

describe("the job tracker admin API", () => {
  it("returns a job's state", async () => {
    const testEnv = jobsEnv();
    const job = newJob();
    await consume(
      [(await acceptCallback(testEnv, { job_id: job, status: "QUEUED" })).message],
      handlers,
      testEnv,
    );
    const response = await send(
      new Request(`${BASE}/admin/api/agents/job-tracker/${job}/state`, { headers: ADMIN }),
      testEnv,
    );
    expect(response.status).toBe(200);
    expect(JobState.parse(await response.json())).toMatchObject({ job_id: job, status: "QUEUED" });
    const anonymous = await send(new Request(`${BASE}/admin/api/agents/job-tracker/${job}/state`), testEnv);
    expect(anonymous.status).toBe(401);
  });

  it("mints a read token that opens that job's socket only", async () => {
    const testEnv = jobsEnv();
    const job = newJob();
    const response = await send(
      new Request(`${BASE}/admin/api/agents/job-tracker/${job}/token`, {
        method: "POST",
        headers: { ...ADMIN, "content-type": "application/json" },
        body: JSON.stringify({ ttlSeconds: 60 }),
      }),
      testEnv,
    );
    expect(response.status).toBe(200);
    const minted: { token: string; watch_url: string } = await response.json();
    expect(minted.watch_url).toBe(`/jobs/${job}?token=${encodeURIComponent(minted.token)}`);
    const reader = await watch(testEnv, job, { token: minted.token });
    expect(reader.response.status).toBe(101);
    reader.response.webSocket?.close();
    expect((await watch(testEnv, newJob(), { token: minted.token })).response.status).toBe(401);
  });

  it("answers 503 when no read-token secret is set, and 400 for a bad body", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    const url = `${BASE}/admin/api/agents/job-tracker/${newJob()}/token`;
    const unset = await send(
      new Request(url, { method: "POST", headers: ADMIN }),
      jobsEnv({ JOB_READ_TOKEN_SECRET: "" }),
    );
    expect(unset.status).toBe(503);
    const bad = await send(
      new Request(url, { method: "POST", headers: ADMIN, body: '{"ttlSeconds": 999999}' }),
      jobsEnv(),
    );
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toBe("application/problem+json");
  });
});

describe("GET /jobs/:name", () => {
  it("serves the progress page", async () => {
    const response = await send(new Request(`${BASE}/jobs/job_42?token=x`), jobsEnv());
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("/agents/job-tracker/");
  });
});

/**
 * Back-pressure end to end (docs/back-pressure.md): the real consumer asks each route's gate before it starts
 * deliveries. A paused route's deliveries are held in the ledger without using an attempt and go out again,
 * in acceptance order, on resume; a 429 with Retry-After pauses the whole route; `ratePerSecond` holds a
 * burst back. As in routes.test.ts, events live in private ledger shards whose queue sends fail on purpose,
 * and the tests drive the consumer with the env the routes are configured in.
 */
import { createExecutionContext, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { resumeRoute } from "../../src/admin/route-control-api";
import { ledgerFor, shardForEvent } from "../../src/claim/shard-for-event";
import { handlers } from "../../src/handlers/agent-handlers";
import { gateNameFor } from "../../src/handlers/route-table";
import worker from "../../src/index";
import { deliveries, sinkUrl } from "../support/agent-sink-client";
import { consume, inspectLedger } from "../support/pipeline";
import { BASE, githubEvent, post } from "../support/signed-requests";
import { TEST_SECRETS } from "../support/test-secrets";

const SHARDS = 1024;

/** One route, named uniquely per test (its gate is a Durable Object shared by the whole suite). */
function gatedEnv(query = "", extra: Record<string, unknown> = {}) {
  const run = crypto.randomUUID().slice(0, 8);
  const route = `gated-${run}`;
  const bucket = `gated-${run}`;
  const routes = [
    { name: route, sources: ["github"], destination: { url: sinkUrl(bucket, query) }, ...extra },
  ];
  const added: Record<string, string> = {
    CLAIM_SHARDS: String(SHARDS),
    HOOKGATE_ROUTES: JSON.stringify(routes),
  };
  const testEnv: Env = { ...env, ...added };
  return { route, bucket, testEnv };
}

/** Accepts `count` GitHub events that all land in one private shard (≥ 16), whose queue sends fail. */
async function acceptInOneShard(testEnv: Env, count: number) {
  const ids: string[] = [];
  let shard = -1;
  while (ids.length < count) {
    const id = crypto.randomUUID();
    const at = shardForEvent("github", id, SHARDS);
    if (at < 16 || (shard >= 0 && at !== shard)) continue;
    if (shard < 0) {
      shard = at;
      await ledgerFor(testEnv, shard).injectFaults({ failSends: 1000 });
    }
    const fixture = await githubEvent({ action: "opened", issue: { number: ids.length + 1, id } }, { id });
    const ctx = createExecutionContext();
    const response = await worker.fetch(post(fixture), { ...testEnv, ...TEST_SECRETS }, ctx);
    await waitOnExecutionContext(ctx);
    expect(response.status).toBe(202);
    ids.push(id);
  }
  const messages = ids.map((id) => ({ v: 1 as const, source: "github", id, type: "issues.opened", shard }));
  return { ids, shard, messages };
}

/** `GET /admin/api/routes/:name` in the env the route is configured in. */
async function routeView(testEnv: Env, route: string) {
  const ctx = createExecutionContext();
  const request = new Request(`${BASE}/admin/api/routes/${route}`, {
    headers: { authorization: `Bearer ${TEST_SECRETS.ADMIN_TOKEN}` },
  });
  const response = await worker.fetch(request, testEnv, ctx);
  await waitOnExecutionContext(ctx);
  expect(response.status).toBe(200);
  return response.json();
}

describe("route back-pressure in the consumer", () => {
  it("holds a paused route's deliveries without an attempt, and releases them in acceptance order on resume", async () => {
    const { route, bucket, testEnv } = gatedEnv();
    const gate = env.ROUTE_GATE.getByName(gateNameFor(route, testEnv));
    await gate.pause();
    const { ids, shard, messages } = await acceptInOneShard(testEnv, 3);
    const held = await consume([...messages].reverse(), handlers, testEnv);
    expect(held.result.explicitAcks).toHaveLength(3);
    expect(await deliveries(bucket)).toHaveLength(0);
    for (const id of ids)
      expect((await inspectLedger("github", id, testEnv)).deliveries).toEqual([
        { handler: route, state: "held", attempts: 0, last_error: expect.stringContaining("paused") },
      ]);

    // The route's view shows it paused, owing the three events it holds.
    const view = await routeView(testEnv, route);
    expect(view).toMatchObject({ state: "paused", counts: { pending: 3, delivered: 0, dead: 0 } });

    const { released } = await resumeRoute(testEnv, route, gate);
    expect(released).toBe(3);
    // The outbox sends the held claims back in the order they were accepted (its send fails here, so they wait).
    const queued = await runInDurableObject(ledgerFor(testEnv, shard), (_i, state) =>
      state.storage.sql
        .exec<{ event_id: string }>(
          "SELECT event_id FROM claims WHERE seq IN (SELECT seq FROM resends) ORDER BY seq",
        )
        .toArray()
        .map((row) => row.event_id),
    );
    expect(queued).toEqual(ids);
    await consume(messages, handlers, testEnv);
    const delivered = await deliveries(bucket);
    // One consumer batch runs its deliveries concurrently, so arrival order at the sink is not the send
    // order (docs/back-pressure.md promises the order of sending, asserted on `queued` above).
    expect(delivered.map((d) => JSON.parse(d.body).id).sort()).toEqual([...ids].sort());
    for (const id of ids)
      expect((await inspectLedger("github", id, testEnv)).deliveries).toMatchObject([
        { handler: route, state: "done", attempts: 1 },
      ]);
    expect(await routeView(testEnv, route)).toMatchObject({
      state: "active",
      counts: { pending: 0, delivered: 3, dead: 0 },
    });
  });

  it("pauses the whole route for a 429's Retry-After instead of each event retrying on its own", async () => {
    const { route, bucket, testEnv } = gatedEnv("status=429&retryAfter=5");
    const { messages } = await acceptInOneShard(testEnv, 2);
    const first = await consume([messages[0]!], handlers, testEnv);
    expect(first.result.retryMessages).toHaveLength(1);
    expect((await env.ROUTE_GATE.getByName(gateNameFor(route, testEnv)).state()).pausedBy).toBe(
      "retry_after",
    );
    const second = await consume([messages[1]!], handlers, testEnv);
    // Not attempted: the route waits out the Retry-After, about 5 s.
    expect(await deliveries(bucket)).toHaveLength(1);
    const delay = second.result.retryMessages[0]?.delaySeconds ?? 0;
    expect(delay).toBeGreaterThanOrEqual(4);
    expect(delay).toBeLessThanOrEqual(6);
  });

  it("holds a burst back to ratePerSecond, without using the held deliveries' attempts", async () => {
    const { bucket, testEnv } = gatedEnv("", { ratePerSecond: 2 });
    const { ids, messages } = await acceptInOneShard(testEnv, 20);
    const burst = await consume(messages, handlers, testEnv);
    expect(await deliveries(bucket)).toHaveLength(2);
    expect(burst.result.retryMessages).toHaveLength(18);
    for (const retry of burst.result.retryMessages) expect(retry.delaySeconds).toBeGreaterThanOrEqual(1);
    // The held-back deliveries were never begun: no attempt counted, nothing recorded.
    const notStarted = await Promise.all(
      ids.map(async (id) => (await inspectLedger("github", id, testEnv)).deliveries),
    );
    expect(notStarted.filter((rows) => rows.length === 0)).toHaveLength(18);
  });

  it("opens no circuit for failures among concurrent successes: a batch with any success shows the destination is up", async () => {
    // Issues 1 to 6 fail, the other 14 of the same batch succeed: 6 failures, but not 6 in a row.
    const name = `half-down-${crypto.randomUUID().slice(0, 8)}`;
    handlers.register(
      async function halfDown(event) {
        const issue = (event.payload as { issue?: { number?: number } }).issue;
        if ((issue?.number ?? 0) <= 6) throw new Error("agent down for this one");
      },
      { name },
    );
    const { route, testEnv } = gatedEnv("", { destination: { handler: name } });
    const { messages } = await acceptInOneShard(testEnv, 20);
    await consume(messages, handlers, testEnv);
    const gate = await env.ROUTE_GATE.getByName(gateNameFor(route, testEnv)).state();
    expect(gate).toMatchObject({ state: "active", consecutiveFailures: 0 });
  });

  it("opens the circuit when a batch's deliveries all fail, ROUTE_CIRCUIT_FAILURES of them", async () => {
    const { route, testEnv } = gatedEnv("status=500");
    const { messages } = await acceptInOneShard(testEnv, 5);
    await consume(messages, handlers, testEnv);
    const gate = await env.ROUTE_GATE.getByName(gateNameFor(route, testEnv)).state();
    expect(gate).toMatchObject({ state: "circuit-open", consecutiveFailures: 5 });
  });
});

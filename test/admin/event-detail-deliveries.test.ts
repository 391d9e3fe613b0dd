/**
 * The event detail (admin API and dashboard page) shows every delivery of the event in its current state,
 * also the ones that do not decide the event's status: a route suppressed by its budget while another route
 * delivered, a route held while paused. Events live in ledger shards private to this file whose queue sends
 * fail, and the tests drive the consumer with the env the routes are configured in (as
 * test/pipeline/route-budgets.test.ts and route-back-pressure.test.ts do).
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { EventDetail } from "../../src/admin/admin-schemas";
import { ledgerFor } from "../../src/claim/shard-for-event";
import { handlers } from "../../src/handlers/agent-handlers";
import { gateNameFor } from "../../src/handlers/route-table";
import { loginCookie } from "../dashboard/login-session";
import { consume } from "../support/pipeline";
import { acceptOpenedIssue, fetchWorker, QUIET_SHARDS } from "../support/quiet-shards";
import { BASE } from "../support/signed-requests";
import { TEST_SECRETS } from "../support/test-secrets";

const SHARDS = QUIET_SHARDS;

/** Two routes for GitHub events, each delivering to a handler of its own; `budgeted` allows one per issue. */
function twoRoutes() {
  const run = crypto.randomUUID().slice(0, 8);
  const [budgeted, plain] = [`budgeted-${run}`, `plain-${run}`];
  for (const name of [budgeted, plain]) handlers.register(async () => {}, { name: `probe_${name}` });
  const routes = [
    {
      name: budgeted,
      sources: ["github"],
      destination: { handler: `probe_${budgeted}` },
      budget: { key: "payload.issue.number", max: 1, windowSeconds: 3600 },
    },
    { name: plain, sources: ["github"], destination: { handler: `probe_${plain}` } },
  ];
  const added = { CLAIM_SHARDS: String(SHARDS), HOOKGATE_ROUTES: JSON.stringify(routes) };
  const testEnv: Env = { ...env, ...added };
  return { budgeted, plain, testEnv };
}

const send = fetchWorker;

const acceptIssue = acceptOpenedIssue;

async function apiDetail(testEnv: Env, id: string) {
  const response = await send(
    new Request(`${BASE}/admin/api/events/github/${id}`, {
      headers: { authorization: `Bearer ${TEST_SECRETS.ADMIN_TOKEN}` },
    }),
    testEnv,
  );
  expect(response.status).toBe(200);
  return EventDetail.parse(await response.json());
}

async function eventPage(testEnv: Env, id: string) {
  const cookie = await loginCookie();
  const response = await send(
    new Request(`${BASE}/admin/events/github/${id}`, { headers: { cookie } }),
    testEnv,
  );
  expect(response.status).toBe(200);
  return response.text();
}

/** The page's block for `route`: from its heading to the next one. */
function routeBlock(page: string, route: string): string {
  const start = page.indexOf(`<h3>${route}</h3>`);
  expect(start).toBeGreaterThan(-1);
  const end = page.indexOf("<h3>", start + 1);
  return page.slice(start, end < 0 ? page.indexOf("<h2>", start) : end);
}

const issueNumber = () => 1 + Math.floor(Math.random() * 1_000_000_000);

describe("the event detail's deliveries", () => {
  it("shows a route suppressed by its budget beside the route that delivered the event, with its rule", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const { budgeted, plain, testEnv } = twoRoutes();
    const issue = issueNumber();
    await consume([await acceptIssue(testEnv, issue)], handlers, testEnv);
    const second = await acceptIssue(testEnv, issue);
    await consume([second], handlers, testEnv);

    const detail = await apiDetail(testEnv, second.id);
    // The delivered route decides the event's status; the existing fields keep their meaning.
    expect(detail.event.status).toBe("delivered");
    expect(detail.event.suppressedBy).toBeNull();
    expect(detail.deliveries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ handler: plain, replay: 0, state: "done", attempts: 1, rule: null }),
        expect.objectContaining({
          handler: budgeted,
          replay: 0,
          state: "suppressed",
          attempts: 0,
          rule: "budget",
        }),
      ]),
    );
    expect(detail.deliveries).toHaveLength(2);

    const block = routeBlock(await eventPage(testEnv, second.id), budgeted);
    expect(block).toContain('data-delivery-state="suppressed"');
    expect(block).toMatch(/data-rule[^>]*>budget</);
    expect(routeBlock(await eventPage(testEnv, second.id), plain)).toContain('data-delivery-state="done"');
  });

  it("shows a paused route's delivery as held, with why, while the other route delivered", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    const { budgeted, plain, testEnv } = twoRoutes();
    await env.ROUTE_GATE.getByName(gateNameFor(budgeted, testEnv)).pause();
    const message = await acceptIssue(testEnv, issueNumber());
    await consume([message], handlers, testEnv);

    const detail = await apiDetail(testEnv, message.id);
    expect(detail.deliveries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ handler: plain, state: "done", attempts: 1 }),
        expect.objectContaining({
          handler: budgeted,
          state: "held",
          attempts: 0,
          rule: null,
          reason: expect.stringContaining("paused"),
        }),
      ]),
    );

    const block = routeBlock(await eventPage(testEnv, message.id), budgeted);
    expect(block).toContain('data-delivery-state="held"');
    expect(block).toContain("paused");
  });

  it("shows each state in the order of the event's routes, then replays: superseded, failed, dead, pending", async () => {
    const run = crypto.randomUUID().slice(0, 8);
    const [lane, flaky, broken, waiting] = [`lane-${run}`, `flaky-${run}`, `broken-${run}`, `waiting-${run}`];
    const names = [lane, flaky, broken, waiting];
    const routes = names.map((name) => ({
      name,
      sources: ["github"],
      destination: { url: `https://agent.example/${name}` },
    }));
    const added = { CLAIM_SHARDS: String(SHARDS), HOOKGATE_ROUTES: JSON.stringify(routes) };
    const testEnv: Env = { ...env, ...added };
    const { id, shard } = await acceptIssue(testEnv, issueNumber());
    // The states the consumer settles (delivery-state.ts), written as it writes them.
    const retryAt = Date.parse("2026-12-01T00:00:00Z");
    await runInDurableObject(ledgerFor(testEnv, shard), (_instance, state) => {
      const sql = state.storage.sql;
      const seq = sql.exec<{ seq: number }>("SELECT seq FROM claims WHERE event_id = ?", id).one().seq;
      const outcome = (
        handler: string,
        row: string,
        attempts: number,
        notBefore: number | null,
        error: string | null,
      ) =>
        sql.exec(
          "INSERT INTO outcomes (seq, handler, state, attempts, not_before, last_error, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
          seq,
          handler,
          row,
          attempts,
          notBefore,
          error,
          Date.now(),
        );
      outcome(`${flaky}#replay-1`, "done", 1, null, null);
      outcome(broken, "dead", 8, null, "RetryLater: agent answered 503");
      outcome(flaky, "failed", 2, retryAt, "TypeError: Network connection lost.");
      outcome(lane, "superseded", 0, null, null);
    });

    const { deliveries } = await apiDetail(testEnv, id);
    expect(
      deliveries.map(({ handler, replay, state, attempts }) => [handler, replay, state, attempts]),
    ).toEqual([
      [lane, 0, "superseded", 0],
      [flaky, 0, "failed", 2],
      [broken, 0, "dead", 8],
      [waiting, 0, "pending", 0],
      [flaky, 1, "done", 1],
    ]);
    const [superseded, failed, dead, pending, replayed] = deliveries;
    expect(superseded?.reason).toContain("newer event of its ordered lane");
    expect(failed).toMatchObject({
      reason: "connection lost to the destination",
      nextRetryAt: new Date(retryAt).toISOString(),
    });
    expect(dead).toMatchObject({ reason: "agent answered 503", nextRetryAt: null });
    expect(pending).toMatchObject({ reason: expect.any(String), updatedAt: null });
    expect(replayed).toMatchObject({ reason: null, rule: null });

    const page = await eventPage(testEnv, id);
    expect(routeBlock(page, lane)).toContain('data-delivery-state="superseded"');
    expect(routeBlock(page, waiting)).toContain('data-delivery-state="pending"');
    expect(routeBlock(page, flaky)).toMatch(
      /data-delivery-state="failed".*attempt 2 of 8.*data-delivery-state="done" data-replay="1"/s,
    );
  });
});

import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, expect, it, vi } from "vitest";
import { routeControlRoutes } from "../../src/dashboard/route-control-routes";
import { handlers } from "../../src/handlers/agent-handlers";
import type { WebhookEnvelope } from "../../src/handlers/envelope";
import { RetryLater } from "../../src/handlers/handler-error";
import { loginCookie } from "../dashboard/login-session";
import { consume, expireWaits, inspectLedger } from "../support/pipeline";
import { acceptOpenedIssue, fetchWorker, QUIET_SHARDS } from "../support/quiet-shards";
import { BASE } from "../support/signed-requests";
import { TEST_SECRETS } from "../support/test-secrets";

const SHARDS = QUIET_SHARDS;
const HOUR = 3600;

/** A route named `route-<run>` with a budget per issue number, delivering to a handler that records calls. */
function budgetedRoute(max: number, fail: (event: WebhookEnvelope) => boolean = () => false) {
  const run = crypto.randomUUID().slice(0, 8);
  const route = `budgeted-${run}`;
  const delivered: WebhookEnvelope[] = [];
  handlers.register(
    async (event) => {
      if (fail(event)) throw new RetryLater("not yet", 0);
      delivered.push(event);
    },
    { name: `budget_probe_${run}` },
  );
  const routes = [
    {
      name: route,
      sources: ["github"],
      destination: { handler: `budget_probe_${run}` },
      budget: { key: "payload.issue.number", max, windowSeconds: HOUR },
    },
  ];
  const added = { CLAIM_SHARDS: String(SHARDS), HOOKGATE_ROUTES: JSON.stringify(routes) };
  const testEnv: Env = { ...env, ...added };
  return { route, delivered, testEnv, ids: () => delivered.map((event) => event.id) };
}

const send = fetchWorker;

const acceptIssue = acceptOpenedIssue;

const issueNumber = () => 1 + Math.floor(Math.random() * 1_000_000_000);

const adminCall = (path: string, testEnv: Env, method = "GET") =>
  send(
    new Request(`${BASE}/admin/api${path}`, {
      method,
      headers: { authorization: `Bearer ${TEST_SECRETS.ADMIN_TOKEN}` },
    }),
    testEnv,
  );

type TrippedKeys = { trippedKeys: { key: string; suppressed: number }[] };

describe("a route budget of 20 per issue and hour", () => {
  it("suppresses the 21st event of one issue (rule budget), not the 21st of another; shows the trip; a replay delivers", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const { route, testEnv, ids } = budgetedRoute(20);
    const [busy, quiet] = [issueNumber(), issueNumber()];
    const first20 = await Promise.all(Array.from({ length: 20 }, () => acceptIssue(testEnv, busy)));
    await consume(first20, handlers, testEnv);
    expect(ids().sort()).toEqual(first20.map((m) => m.id).sort());

    const twentyFirst = await acceptIssue(testEnv, busy);
    const other = await acceptIssue(testEnv, quiet);
    await consume([twentyFirst, other], handlers, testEnv);
    expect(ids()).toContain(other.id);
    expect(ids()).not.toContain(twentyFirst.id);

    const ledger = await inspectLedger("github", twentyFirst.id, testEnv);
    expect(ledger.event?.status).toBe("suppressed");
    expect(ledger.deliveries).toEqual([
      expect.objectContaining({ handler: route, state: "suppressed", last_error: "budget" }),
    ]);
    expect((await inspectLedger("github", other.id, testEnv)).event?.status).toBe("delivered");

    const detail = await adminCall(`/routes/${route}`, testEnv);
    expect(detail.status).toBe(200);
    const body = await detail.json<TrippedKeys & { budget: unknown }>();
    expect(body.budget).toEqual({ key: "payload.issue.number", max: 20, windowSeconds: HOUR });
    expect(body.trippedKeys).toEqual([expect.objectContaining({ key: String(busy), suppressed: 1 })]);

    // An operator's replay bypasses the budget and delivers it.
    await consume([{ ...twentyFirst, replay: 1 }], handlers, testEnv);
    expect(ids()).toContain(twentyFirst.id);
    expect((await inspectLedger("github", twentyFirst.id, testEnv)).event?.status).toBe("delivered");
  });
});

describe("counting", () => {
  it("counts an event once when its delivery is retried and when its message comes again", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    vi.spyOn(console, "warn").mockImplementation(() => {});
    let failures = 1;
    // A budget of 1: the retry of the one admitted event must be admitted again, not counted again.
    const { testEnv, ids } = budgetedRoute(1, () => failures-- > 0);
    const issue = issueNumber();
    const first = await acceptIssue(testEnv, issue);
    await consume([first], handlers, testEnv);
    expect((await inspectLedger("github", first.id, testEnv)).event?.status).toBe("retrying");
    await expireWaits("github", first.id, testEnv);
    await consume([first], handlers, testEnv, 2);
    await consume([first], handlers, testEnv, 3);
    expect(ids()).toEqual([first.id]);
    expect((await inspectLedger("github", first.id, testEnv)).event?.status).toBe("delivered");

    const second = await acceptIssue(testEnv, issue);
    await consume([second], handlers, testEnv);
    expect(ids()).toEqual([first.id]);
    expect((await inspectLedger("github", second.id, testEnv)).event?.status).toBe("suppressed");
  });
});

describe("POST /admin/api/routes/:name/budgets/:key/reset", () => {
  it("clears a trip: the key's next event is delivered", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const { route, testEnv, ids } = budgetedRoute(1);
    const issue = issueNumber();
    const [one, two] = [await acceptIssue(testEnv, issue), await acceptIssue(testEnv, issue)];
    await consume([one], handlers, testEnv);
    await consume([two], handlers, testEnv);
    expect(ids()).toEqual([one.id]);

    const reset = await adminCall(`/routes/${route}/budgets/${issue}/reset`, testEnv, "POST");
    expect(reset.status).toBe(200);
    expect(await reset.json()).toEqual({ route, key: String(issue), cleared: true });
    const detail = await (await adminCall(`/routes/${route}`, testEnv)).json<TrippedKeys>();
    expect(detail.trippedKeys).toEqual([]);

    const three = await acceptIssue(testEnv, issue);
    await consume([three], handlers, testEnv);
    expect(ids()).toEqual([one.id, three.id]);
  });

  it("answers problem+json 404 for an unknown route or a route without a budget", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    const { testEnv } = budgetedRoute(1);
    const unknown = await adminCall("/routes/no-such-route/budgets/7/reset", testEnv, "POST");
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    const plain = {
      ...env,
      HOOKGATE_ROUTES: JSON.stringify([
        { name: "plain", sources: ["github"], destination: { handler: "forward" } },
      ]),
    };
    const noBudget = await adminCall("/routes/plain/budgets/7/reset", plain, "POST");
    expect(noBudget.status).toBe(404);
    expect(await noBudget.json()).toMatchObject({ detail: "This route has no budget." });
  });
});

describe("the dashboard's Routes page", () => {
  it("lists the tripped key with a Reset button that needs the session and the same origin", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const { route, testEnv, ids } = budgetedRoute(1);
    const issue = issueNumber();
    const [one, two] = [await acceptIssue(testEnv, issue), await acceptIssue(testEnv, issue)];
    await consume([one], handlers, testEnv);
    await consume([two], handlers, testEnv);

    const dashboard = new Hono<{ Bindings: Env }>().route("/admin", routeControlRoutes());
    const cookie = await loginCookie();
    const page = await dashboard.request(`${BASE}/admin/routes`, { headers: { cookie } }, testEnv);
    const html = await page.text();
    const action = `/admin/routes/${route}/budgets/${issue}/reset`;
    expect(html).toContain(`data-budget-key="${issue}"`);
    expect(html).toContain(`action="${action}"`);

    const press = (headers: Record<string, string>) =>
      dashboard.request(`${BASE}${action}`, { method: "POST", redirect: "manual", headers }, testEnv);
    expect((await press({ cookie, origin: "https://evil.example" })).status).toBe(403);
    expect((await press({ origin: BASE })).status).toBe(303);
    const pressed = await press({ cookie, origin: BASE });
    expect(pressed.status).toBe(303);
    expect(pressed.headers.get("location")).toBe(`/admin/routes?done=reset&route=${route}`);

    const three = await acceptIssue(testEnv, issue);
    await consume([three], handlers, testEnv);
    expect(ids()).toEqual([one.id, three.id]);
  });
});

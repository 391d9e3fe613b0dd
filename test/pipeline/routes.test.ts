/**
 * Routes end to end: `HOOKGATE_ROUTES` is read by the real ingress, which stores the matching routes with
 * the claim, and the real consumer delivers each route once, signed with its own secret, to the test sink.
 * Events here live in ledger shards no other test uses (CLAIM_SHARDS 1024, shards ≥ 16) whose queue sends
 * fail on purpose: the worker's own consumer runs with the suite's env, which has no routes, so these
 * tests drive the consumer themselves, with the env the routes are configured in.
 */
import { createExecutionContext, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { readEvent } from "../../src/admin/read-event-log";
import { ledgerFor, shardForEvent } from "../../src/claim/shard-for-event";
import { handlers } from "../../src/handlers/agent-handlers";
import type { WebhookEnvelope } from "../../src/handlers/envelope";
import worker from "../../src/index";
import { loginCookie } from "../dashboard/login-session";
import { deliveries, sinkUrl } from "../support/agent-sink-client";
import { consume, expireWaits, inspectLedger } from "../support/pipeline";
import { BASE, githubEvent, post } from "../support/signed-requests";
import { TEST_SECRETS } from "../support/test-secrets";

const TRIAGE_SECRET = "whsec_dHJpYWdlLXJvdXRlLXRlc3Qtc2VjcmV0LTAx";
const AUDIT_SECRET = "whsec_YXVkaXQtcm91dGUtdGVzdC1zZWNyZXQtMDAx";
const SHARDS = 1024;

/** Routes sending to their own sink buckets; `audit` takes every GitHub event, `triage` only bugs. */
function fanOut(run = crypto.randomUUID().slice(0, 8), auditQuery = "") {
  return {
    triage: `triage-${run}`,
    audit: `audit-${run}`,
    security: `security-${run}`,
    routes: [
      {
        name: "triage",
        sources: ["github"],
        types: ["issues.*"],
        filter: { "payload.issue.labels.name": { $in: ["bug"] }, "payload.sender.type": { $neq: "Bot" } },
        destination: { url: sinkUrl(`triage-${run}`), secretVar: "TRIAGE_SIGNING_SECRET", timeoutMs: 5000 },
        maxAttempts: 3,
      },
      {
        name: "audit",
        sources: ["*"],
        destination: { url: sinkUrl(`audit-${run}`, auditQuery), secretVar: "AUDIT_SIGNING_SECRET" },
      },
      {
        name: "security",
        sources: ["github"],
        filter: { "payload.issue.labels.name": "security" },
        destination: { url: sinkUrl(`security-${run}`), secretVar: "TRIAGE_SIGNING_SECRET" },
      },
    ],
  };
}

function routesEnv(routes: unknown, vars: Record<string, string> = {}): Env {
  const added: Record<string, string> = {
    CLAIM_SHARDS: String(SHARDS),
    HOOKGATE_ROUTES: JSON.stringify(routes),
    TRIAGE_SIGNING_SECRET: TRIAGE_SECRET,
    AUDIT_SIGNING_SECRET: AUDIT_SECRET,
    ...vars,
  };
  return { ...env, ...added };
}

async function send(request: Request, testEnv: Env) {
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, testEnv, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

/** A GitHub issue event whose ledger shard is private to this file, with that shard's queue sends failing. */
async function privateIssue(testEnv: Env, labels: string[], action = "opened") {
  let id = crypto.randomUUID();
  while (shardForEvent("github", id, SHARDS) < 16) id = crypto.randomUUID();
  const shard = shardForEvent("github", id, SHARDS);
  await ledgerFor(testEnv, shard).injectFaults({ failSends: 1000 });
  const payload = {
    action,
    issue: { number: 7, id: crypto.randomUUID(), labels: labels.map((name) => ({ name })) },
    sender: { login: "ada", type: "User" },
  };
  const fixture = await githubEvent(payload, { id });
  const message = { v: 1 as const, source: "github", id, type: `issues.${action}`, shard };
  return { id, fixture, message };
}

const storedRoutes = (id: string, testEnv: Env) =>
  runInDurableObject(
    ledgerFor(testEnv, shardForEvent("github", id, SHARDS)),
    (_instance, state) =>
      state.storage.sql
        .exec<{ routes: string | null }>("SELECT routes FROM claims WHERE event_id = ?", id)
        .one().routes,
  );

afterEach(() => vi.restoreAllMocks());

describe("fan-out to two routes", () => {
  it("gives two signed deliveries with different webhook-ids, each exactly once, across a duplicate storm and redelivery", async () => {
    const { routes, triage, audit, security } = fanOut();
    const testEnv = routesEnv(routes);
    const { id, fixture, message } = await privateIssue(testEnv, ["bug", "p1"]);

    const statuses = await Promise.all(Array.from({ length: 20 }, () => send(post(fixture), testEnv)));
    expect(statuses.map((r) => r.status).sort((x, y) => y - x)).toEqual([202, ...Array(19).fill(200)]);
    expect(JSON.parse((await storedRoutes(id, testEnv)) ?? "null")).toEqual(["triage", "audit"]);

    await consume([message, message], handlers, testEnv);
    await consume([message], handlers, testEnv, 2);

    const [toTriage, toAudit] = [await deliveries(triage), await deliveries(audit)];
    expect(toTriage).toHaveLength(1);
    expect(toAudit).toHaveLength(1);
    expect(await deliveries(security)).toHaveLength(0);
    const [t, a] = [toTriage[0]!, toAudit[0]!];
    expect(t.webhookId).not.toBe(a.webhookId);
    expect(t.headers["idempotency-key"]).toBe(`github:${id}:triage`);
    expect(a.headers["idempotency-key"]).toBe(`github:${id}:audit`);
    // Each is signed with its own route's secret, and only with it.
    expect(new Webhook(TRIAGE_SECRET).verify(t.body, t.headers)).toMatchObject({ id, type: "issues.opened" });
    expect(new Webhook(AUDIT_SECRET).verify(a.body, a.headers)).toMatchObject({ id });
    expect(() => new Webhook(AUDIT_SECRET).verify(t.body, t.headers)).toThrow();
    expect(() => new Webhook(TEST_SECRETS.AGENT_SIGNING_SECRET).verify(a.body, a.headers)).toThrow();

    const ledger = await inspectLedger("github", id, testEnv);
    expect(ledger.event?.status).toBe("delivered");
    expect(ledger.deliveries.map((d) => [d.handler, d.state]).sort()).toEqual([
      ["audit", "done"],
      ["triage", "done"],
    ]);
  });

  it("keeps a route's webhook-id across its retries, and replays all routes or one with new ones", async () => {
    const { routes, triage, audit } = fanOut(undefined, "fail=1");
    const testEnv = routesEnv(routes);
    const { id, fixture, message } = await privateIssue(testEnv, ["bug"]);
    expect((await send(post(fixture), testEnv)).status).toBe(202);

    await consume([message], handlers, testEnv);
    expect((await inspectLedger("github", id, testEnv)).event?.status).toBe("retrying");
    await expireWaits("github", id, testEnv);
    await consume([message], handlers, testEnv, 2);
    const toAudit = await deliveries(audit);
    expect(toAudit.map((d) => d.status)).toEqual([500, 200]);
    expect(new Set(toAudit.map((d) => d.webhookId)).size).toBe(1);

    await consume([{ ...message, replay: 1 }], handlers, testEnv);
    await consume([{ ...message, replay: 2, handler: "triage" }], handlers, testEnv);
    const triageIds = (await deliveries(triage)).map((d) => d.webhookId);
    const auditIds = (await deliveries(audit)).map((d) => d.webhookId);
    expect(triageIds).toHaveLength(3);
    expect(new Set(triageIds).size).toBe(3);
    // Replay 1 (all routes) reached audit too, after its own first-attempt 500 under the new key.
    expect(auditIds.length).toBeGreaterThanOrEqual(3);
    expect(new Set(auditIds).size).toBe(2);
  });
});

describe("a route's maxAttempts", () => {
  it("overrides HANDLER_MAX_ATTEMPTS for that route only", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    const run = crypto.randomUUID().slice(0, 8);
    const testEnv = routesEnv([
      {
        name: "once",
        sources: ["github"],
        destination: { url: sinkUrl(`once-${run}`, "status=500"), secretVar: "TRIAGE_SIGNING_SECRET" },
        maxAttempts: 1,
      },
      {
        name: "default",
        sources: ["github"],
        destination: { url: sinkUrl(`default-${run}`, "status=500"), secretVar: "AUDIT_SIGNING_SECRET" },
      },
    ]);
    const { id, fixture, message } = await privateIssue(testEnv, []);
    expect((await send(post(fixture), testEnv)).status).toBe(202);
    await consume([message], handlers, testEnv);
    const states = (await inspectLedger("github", id, testEnv)).deliveries.map((d) => [d.handler, d.state]);
    expect(states.sort()).toEqual([
      ["default", "failed"],
      ["once", "dead"],
    ]);
    // The event page counts each route's attempts against that route's own budget, and offers its routes.
    const page = await send(
      new Request(`${BASE}/admin/events/github/${id}`, { headers: { cookie: await loginCookie() } }),
      testEnv,
    );
    const html = await page.text();
    expect(html).toMatch(/1 of 1/);
    expect(html).toMatch(/1 of 8/);
    expect(html).toContain('<option value="once">');
  });
});

describe("an event no route matches", () => {
  it("ends as filtered at claim time, in the ledger and the event log, and never reaches a destination", async () => {
    const { routes, triage, audit, security } = fanOut();
    const onlyIssues = routes.map((route) => ({ ...route, sources: ["github"], types: ["issues.*"] }));
    const testEnv = routesEnv(onlyIssues);
    const { id, fixture, message } = await privateIssue(testEnv, ["question"]);
    const push = await githubEvent(
      { ref: "refs/heads/main", after: crypto.randomUUID() },
      { id, event: "push" },
    );
    expect(fixture.headers["x-github-delivery"]).toBe(id);

    const response = await send(post(push), testEnv);
    expect(response.status).toBe(202);
    expect(await storedRoutes(id, testEnv)).toBe("[]");
    const ledger = await inspectLedger("github", id, testEnv);
    expect(ledger.event).toMatchObject({ status: "filtered" });

    // Even a stray message for it runs nothing.
    await consume([{ ...message, type: "push" }], handlers, testEnv);
    expect((await inspectLedger("github", id, testEnv)).event?.status).toBe("filtered");
    for (const bucket of [triage, audit, security]) expect(await deliveries(bucket)).toHaveLength(0);
    await vi.waitUntil(async () => (await readEvent(testEnv, "github", id))?.event.status === "filtered", {
      timeout: 10_000,
      interval: 50,
    });
    // A replay "to every route" would run nothing: the operator is told to name one.
    const replay = await send(
      new Request(`${BASE}/admin/api/events/github/${id}/replay`, {
        method: "POST",
        headers: { authorization: `Bearer ${TEST_SECRETS.ADMIN_TOKEN}` },
      }),
      testEnv,
    );
    expect(replay.status).toBe(409);
    expect(await replay.json()).toMatchObject({ detail: expect.stringContaining("?handler=<route>") });
  });
});

describe("a route with a handler destination", () => {
  it("runs the registered TypeScript handler under the route's name and key", async () => {
    const name = `route_probe_${crypto.randomUUID().slice(0, 8)}`;
    const calls: { event: WebhookEnvelope; key: string }[] = [];
    handlers.register(
      async (event, context) => {
        calls.push({ event, key: context.idempotencyKey });
      },
      { name },
    );
    const testEnv = routesEnv([{ name: "to-code", sources: ["github"], destination: { handler: name } }]);
    const { id, fixture, message } = await privateIssue(testEnv, []);
    expect((await send(post(fixture), testEnv)).status).toBe(202);
    await consume([message], handlers, testEnv);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.key).toBe(`github:${id}:to-code`);
    expect(calls[0]?.event.type).toBe("issues.opened");
  });
});

describe("a route configuration error", () => {
  const healthOf = async (testEnv: Env) => {
    const response = await send(new Request(`${BASE}/healthz`), testEnv);
    return {
      status: response.status,
      body: await response.json<{
        checks: { routes: "ok" | { errors: { path: string; message: string }[] } };
      }>(),
    };
  };

  it("gives 503 on /healthz and on webhooks (with Retry-After), and the event is accepted once fixed", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    vi.spyOn(console, "log").mockImplementation(() => {});
    const { routes } = fanOut();
    const missing = [{ ...routes[1]!, destination: { url: sinkUrl("never"), secretVar: "NOT_SET_SECRET" } }];
    const broken = routesEnv(missing);
    const { fixture } = await privateIssue(broken, ["bug"]);

    const health = await healthOf(broken);
    expect(health.status).toBe(503);
    expect(health.body.checks.routes).toEqual({
      errors: [
        {
          path: "HOOKGATE_ROUTES[0].destination.secretVar",
          message: expect.stringContaining("NOT_SET_SECRET is not set"),
        },
      ],
    });
    const refused = await send(post(fixture), broken);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("60");

    // The provider retries after the operator sets the variable: the event is accepted, not lost.
    const fixed = routesEnv(missing, { NOT_SET_SECRET: AUDIT_SECRET });
    expect((await healthOf(fixed)).status).toBe(200);
    expect((await send(post(fixture), fixed)).status).toBe(202);
  });

  it("reports each mistake with its path: source, handler, agent, duplicate name, signing", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const url = sinkUrl("never");
    const cases: [unknown[], Record<string, string>, string, RegExp][] = [
      [
        [{ name: "a", sources: ["nope"], destination: { url } }],
        {},
        "HOOKGATE_ROUTES[0].sources[0]",
        /no source is named "nope"/,
      ],
      [
        [{ name: "a", sources: ["*"], destination: { handler: "missing_handler" } }],
        {},
        "HOOKGATE_ROUTES[0].destination.handler",
        /no handler is registered/,
      ],
      [
        [{ name: "a", sources: ["*"], destination: { agent: "triage" } }],
        {},
        "HOOKGATE_ROUTES[0].destination.agent",
        /object/,
      ],
      [
        [
          {
            name: "a",
            sources: ["*"],
            destination: { agent: { binding: "NO_SUCH_AGENT", name: "payload.job_id", method: "onWebhook" } },
          },
        ],
        {},
        "HOOKGATE_ROUTES[0].destination.agent.binding",
        /NO_SUCH_AGENT is not a Durable Object binding/,
      ],
      [
        [
          {
            name: "a",
            sources: ["*"],
            destination: { agent: { binding: "CLAIM_SHARDS", name: "payload.job_id", method: "onWebhook" } },
          },
        ],
        {},
        "HOOKGATE_ROUTES[0].destination.agent.binding",
        /CLAIM_SHARDS is not a Durable Object binding/,
      ],
      [
        [{ name: "a", sources: ["*"], destination: { url, handler: "forward" } }],
        {},
        "HOOKGATE_ROUTES[0].destination",
        /exactly one of `url`, `handler` or `agent`/,
      ],
      [
        [
          { name: "a", sources: ["*"], destination: { url } },
          { name: "a", sources: ["*"], destination: { url } },
        ],
        {},
        "HOOKGATE_ROUTES[1].name",
        /unique/,
      ],
      [
        [{ name: "forward", sources: ["*"], destination: { url } }],
        {},
        "HOOKGATE_ROUTES[0].name",
        /handler registered in code/,
      ],
      [
        [{ name: "a", sources: ["*"], destination: { url: "http://example.com/hook" } }],
        {},
        "HOOKGATE_ROUTES[0].destination.url",
        /https/,
      ],
      [
        [{ name: "a", sources: ["*"], destination: { url, secretVar: "PLAIN" } }],
        { PLAIN: "not base64!" },
        "HOOKGATE_ROUTES[0].destination.secretVar",
        /not a whsec_/,
      ],
      [
        [{ name: "a", sources: ["*"], destination: { url } }],
        { AGENT_SIGNING_KEY: "", AGENT_SIGNING_SECRET: "" },
        "HOOKGATE_ROUTES[0].destination",
        /never posts unsigned/,
      ],
      [
        [{ name: "a", sources: ["*"], destination: { url }, ratePerSecond: 0 }],
        {},
        "HOOKGATE_ROUTES[0].ratePerSecond",
        /./,
      ],
    ];
    for (const [routes, vars, path, message] of cases) {
      const { status, body } = await healthOf(routesEnv(routes, vars));
      expect(status, path).toBe(503);
      const errors = body.checks.routes === "ok" ? [] : body.checks.routes.errors;
      expect(errors, JSON.stringify(routes)).toContainEqual({
        path,
        message: expect.stringMatching(message),
      });
    }
  });
});

describe("GET /admin/api/routes", () => {
  const adminGet = (path: string, testEnv: Env) =>
    send(
      new Request(`${BASE}/admin/api${path}`, {
        headers: { authorization: `Bearer ${TEST_SECRETS.ADMIN_TOKEN}` },
      }),
      testEnv,
    );

  it("lists each route with its config, origin and state, naming secrets only by variable", async () => {
    const { routes, triage } = fanOut();
    const testEnv = routesEnv(routes);
    const response = await adminGet("/routes", testEnv);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain(TRIAGE_SECRET.slice(6));
    expect(text).not.toContain(AUDIT_SECRET.slice(6));
    const list = JSON.parse(text) as { configured: boolean; routes: { name: string }[] };
    expect(list.configured).toBe(true);
    expect(list.routes.map((route) => route.name)).toEqual(["triage", "audit", "security"]);
    expect(list.routes[0]).toEqual({
      name: "triage",
      origin: "HOOKGATE_ROUTES",
      sources: ["github"],
      types: ["issues.*"],
      filter: routes[0]!.filter,
      destination: {
        url: sinkUrl(triage),
        secretVar: "TRIAGE_SIGNING_SECRET",
        signingKeyVar: null,
        timeoutMs: 5000,
      },
      maxAttempts: 3,
      ratePerSecond: null,
      budget: null,
      order: null,
      state: "active",
      lastError: null,
      // Other tests of this file deliver through routes of the same names: only the shape is fixed here.
      counts: expect.objectContaining({ pending: expect.any(Number), delivered: expect.any(Number) }),
    });

    const one = await adminGet("/routes/audit", testEnv);
    expect(await one.json()).toMatchObject({
      name: "audit",
      maxAttempts: 8,
      destination: { secretVar: "AUDIT_SIGNING_SECRET" },
    });
    expect((await adminGet("/routes/nope", testEnv)).status).toBe(404);
  });

  it("shows the implicit forward handler while no route is configured", async () => {
    const response = await adminGet("/routes", env);
    expect(await response.json()).toMatchObject({
      configured: false,
      routes: expect.arrayContaining([
        expect.objectContaining({ name: "forward", origin: "code", sources: ["*"] }),
      ]),
    });
  });

  it("refuses a replay to a name that is no route or handler", async () => {
    const testEnv = routesEnv(fanOut().routes);
    const response = await send(
      new Request(`${BASE}/admin/api/events/github/x/replay?handler=nope`, {
        method: "POST",
        headers: { authorization: `Bearer ${TEST_SECRETS.ADMIN_TOKEN}` },
      }),
      testEnv,
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ detail: 'No route or handler is named "nope".' });
  });
});

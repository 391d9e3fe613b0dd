import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { MASKED } from "../../src/admin/mask-headers";
import { issueSessionToken, SESSION_COOKIE, SESSION_SECONDS } from "../../src/dashboard/admin-session-cookie";
import { dashboard } from "../../src/dashboard/dashboard-app";
import { forward } from "../../src/handlers/forward-to-agent";
import { HandlerRegistry } from "../../src/handlers/handler-registry";
import worker from "../../src/index";
import { sinkUrl, waitForDeliveries } from "../support/agent-sink-client";
import { accept, consume, ledgerOf, messageFor } from "../support/pipeline";
import { BASE, githubEvent, uniqueClientIp } from "../support/signed-requests";
import { TEST_SECRETS } from "../support/test-secrets";
import { loginCookie } from "./login-session";

let session = "";
beforeAll(async () => {
  session = await loginCookie();
});

/** A browser-like request: redirects are not followed, the session cookie is sent unless overridden. */
function page(path: string, init: RequestInit & { headers?: Record<string, string> } = {}) {
  return exports.default.fetch(
    new Request(`${BASE}${path}`, {
      redirect: "manual",
      ...init,
      headers: { cookie: session, ...init.headers },
    }),
  );
}

/** A form POST as a browser sends it from one of the dashboard's own pages. */
function submit(path: string, fields: Record<string, string> = {}, headers: Record<string, string> = {}) {
  return page(path, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: BASE, ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

async function html(response: Response, status = 200): Promise<string> {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^text\/html/);
  return response.text();
}

/** Waits (bounded) until the detail page of an event satisfies `ready`. */
function detailPageWhen(source: string, id: string, ready: (body: string) => boolean) {
  return vi.waitUntil(
    async () => {
      const response = await page(`/admin/events/${source}/${encodeURIComponent(id)}`);
      const body = response.status === 200 ? await response.text() : "";
      return ready(body) ? body : false;
    },
    { timeout: 15_000, interval: 100 },
  );
}

describe("dashboard access", () => {
  it("answers 404 on every dashboard route while ADMIN_TOKEN is unset, like the API", async () => {
    const routes = dashboard.routes.filter((route) => route.method !== "ALL");
    expect(routes.length).toBeGreaterThanOrEqual(8);
    for (const { method, path } of routes) {
      const concrete = path.replace(":source", "github").replace(":id", "some-id");
      const request = new Request(`${BASE}/admin${concrete === "/" ? "" : concrete}`, {
        method,
        headers: { cookie: session, origin: BASE, "content-type": "application/x-www-form-urlencoded" },
        body: method === "GET" ? null : "token=anything",
      });
      const response = await worker.fetch(request, { ...env, ADMIN_TOKEN: "" }, createExecutionContext());
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
    }
  });

  it("sends a browser without a session, or with a stale one, to the login form", async () => {
    for (const path of ["/admin", "/admin/dead-letters", "/admin/events/github/some-id"]) {
      const response = await page(path, { headers: { cookie: "" } });
      expect(response.status).toBe(303);
      expect(response.headers.get("location")).toBe("/admin/login");
    }
    const stale = await page("/admin", { headers: { cookie: `${SESSION_COOKIE}=old-token` } });
    expect(stale.status).toBe(303);
    expect(stale.headers.get("location")).toBe("/admin/login");
    expect(stale.headers.get("set-cookie")).toContain("Max-Age=0");
  });

  it("refuses the raw admin token, forged, expired and old-secret sessions as a cookie", async () => {
    const signedIn = async (cookie: string, gatewayEnv: object = env) => {
      const response = await worker.fetch(
        new Request(`${BASE}/admin`, { redirect: "manual", headers: { cookie } }),
        { ...env, ...gatewayEnv },
        createExecutionContext(),
      );
      if (response.status !== 303) return response.status === 200;
      expect(response.headers.get("location")).toBe("/admin/login");
      return false;
    };
    const cookie = (value: string | null) => `${SESSION_COOKIE}=${value ?? ""}`;
    expect(await signedIn(session)).toBe(true);
    expect(await signedIn(cookie(TEST_SECRETS.ADMIN_TOKEN))).toBe(false);
    expect(await signedIn(`hookgate_admin=${encodeURIComponent(TEST_SECRETS.ADMIN_TOKEN)}`)).toBe(false);

    const forged = await issueSessionToken({ ADMIN_TOKEN: "another-gateway-admin-token-0123456789" });
    expect(await signedIn(cookie(forged))).toBe(false);
    const [header, , signature] = session.split("=")[1]!.split(".");
    const later = btoa(JSON.stringify({ sub: "admin", aud: "hookgate-dashboard", iat: 1, exp: 4e9 }));
    expect(await signedIn(cookie(`${header}.${later.replace(/=+$/, "")}.${signature}`))).toBe(false);

    const expired = await issueSessionToken(env, Date.now() - (SESSION_SECONDS + 60) * 1000);
    expect(await signedIn(cookie(expired))).toBe(false);

    const oldSecret = { SESSION_SECRET: "session-secret-before-rotation" };
    const underOld = await issueSessionToken({ ...env, ...oldSecret });
    expect(await signedIn(cookie(underOld), oldSecret)).toBe(true);
    expect(await signedIn(cookie(underOld), { SESSION_SECRET: "session-secret-after-rotation" })).toBe(false);
    expect(await signedIn(session, { ADMIN_TOKEN: `${TEST_SECRETS.ADMIN_TOKEN}-rotated` })).toBe(false);
  });

  it("re-renders the login form with 401 for a wrong token, and sets no cookie", async () => {
    const body = await html(await submit("/admin/login", { token: "wrong-token" }), 401);
    expect(body).toContain("That token is not valid.");
    expect(body).toContain('name="token"');
  });

  it("refuses a login form larger than any form with 413 before parsing it, declared or streamed", async () => {
    const huge = `token=${"x".repeat(1024 * 1024)}`;
    await html(
      await page("/admin/login", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: BASE, cookie: "" },
        body: huge,
      }),
      413,
    );
    const streamed = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(huge));
        controller.close();
      },
    });
    const response = await page("/admin/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: BASE, cookie: "" },
      body: streamed,
    });
    expect(response.status).toBe(413);
    expect(response.headers.get("set-cookie")).toBeNull();
  });

  it("answers 429 after repeated failed logins from one client", async () => {
    const ip = { "cf-connecting-ip": uniqueClientIp() };
    // Until the first 429 (bounded): the limiter's fixed window may turn over mid-loop.
    const statuses: number[] = [];
    let limited = await submit("/admin/login", { token: "guess" }, ip);
    for (let i = 0; i < 100 && limited.status !== 429; i++) {
      statuses.push(limited.status);
      limited = await submit("/admin/login", { token: "guess" }, ip);
    }
    expect(statuses.length).toBeGreaterThanOrEqual(30);
    expect(statuses.every((status) => status === 401)).toBe(true);
    expect(await html(limited, 429)).toContain("Too many failed attempts");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    const right = await submit("/admin/login", { token: TEST_SECRETS.ADMIN_TOKEN }, { ...ip, cookie: "" });
    expect(await html(right, 429)).toContain("Too many failed attempts");
    expect(right.headers.get("set-cookie")).toBeNull();
  });

  it("sets an HttpOnly, SameSite=Strict, Secure cookie scoped to /admin for the right token", async () => {
    const response = await submit("/admin/login", { token: TEST_SECRETS.ADMIN_TOKEN }, { cookie: "" });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/admin");
    const cookie = response.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=`));
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).toContain("Path=/admin");
    expect(cookie).toContain("Secure");

    const issued = cookie.split(";")[0]!;
    expect((await page("/admin", { headers: { cookie: issued } })).status).toBe(200);
  });

  it("leaves out Secure only on plain-http loopback, where wrangler dev serves", async () => {
    const local = "http://127.0.0.1:8787";
    const response = await exports.default.fetch(
      new Request(`${local}/admin/login`, {
        method: "POST",
        redirect: "manual",
        headers: { origin: local, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token: TEST_SECRETS.ADMIN_TOKEN }).toString(),
      }),
    );
    expect(response.status).toBe(303);
    expect(response.headers.get("set-cookie")).not.toContain("Secure");
  });

  it("refuses a cross-origin login form post", async () => {
    const response = await submit(
      "/admin/login",
      { token: TEST_SECRETS.ADMIN_TOKEN },
      { origin: "https://evil.example" },
    );
    expect(response.status).toBe(403);
    expect(response.headers.get("set-cookie")).toBeNull();
  });

  it("logs out by expiring the cookie", async () => {
    const response = await submit("/admin/logout");
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/admin/login");
    expect(response.headers.get("set-cookie")).toMatch(new RegExp(`^${SESSION_COOKIE}=;.*Max-Age=0`));
  });

  it("leaves /admin/api to the admin API", async () => {
    const response = await page("/admin/api/events?limit=1", {
      headers: { cookie: "", authorization: `Bearer ${TEST_SECRETS.ADMIN_TOKEN}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect((await page("/admin/api/events", { headers: { cookie: "" } })).status).toBe(401);
  });
});

describe("event pages", () => {
  it("lists an accepted event, and filters by source and status", async () => {
    const id = await accept(await githubEvent({ action: "opened", issue: { number: 11 } }));
    const body = await vi.waitUntil(
      async () => {
        const text = await html(await page("/admin?source=github&type=&status=&since="));
        return text.includes(id) ? text : false;
      },
      { timeout: 15_000, interval: 100 },
    );
    expect(body).toContain(`href="/admin/events/github/${id}"`);
    expect(body).toContain("issues.opened");
    expect(body).toMatch(/events, last 24 h/);
    expect(await html(await page("/admin?source=stripe"))).not.toContain(id);
    const since = new Date(Date.now() + 60_000).toISOString().slice(0, 16);
    expect(await html(await page(`/admin?since=${since}`))).not.toContain(id);
    expect(await html(await page("/admin?live=1"))).toContain('http-equiv="refresh"');
  });

  it("answers invalid filters with a 400 page", async () => {
    expect(await html(await page("/admin?status=lost"), 400)).toContain("Invalid query");
    await html(await page("/admin?cursor=bm9wZQ"), 400);
    await html(await page("/admin/events/github/no-such-event"), 404);
  });

  it("shows the payload pretty-printed and escaped, and the signature header masked", async () => {
    const hostile = '<script>alert("owned")</script>';
    const fixture = await githubEvent({ action: "opened", issue: { number: 5, title: hostile } });
    const id = await accept(fixture);
    const body = await detailPageWhen("github", id, (text) => text.includes('data-outcome="done"'));
    expect(body).toMatch(
      new RegExp(`x-hub-signature-256</th><td class="mono">${MASKED.replace(/[()]/g, "\\$&")}`),
    );
    expect(body).not.toContain(fixture.headers["x-hub-signature-256"]!);
    expect(body).toContain("  &quot;action&quot;: &quot;opened&quot;,");
    expect(body).toContain("&lt;script&gt;alert(\\&quot;owned\\&quot;)&lt;/script&gt;");
    expect(body).not.toMatch(/<script/i);
    expect(body).toContain("<td>original</td>");
  });

  it("sends security headers: no script, no framing, no caching", async () => {
    const response = await page("/admin");
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/]+=*'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("referrer-policy")).toBe("same-origin");
  });
});

describe("why an attempt failed", () => {
  it("shows the destination, its status, its answer escaped, and when the next try is", async () => {
    const fixture = await githubEvent({ action: "refused" });
    const id = fixture.headers["x-github-delivery"]!;
    const { ledger } = ledgerOf("github", id);
    // Keep the live queue away from this event while the test drives the consumer.
    await ledger.injectFaults({ failSends: 1000 });
    try {
      await accept(fixture);
      const answer = "<script>alert(1)</script> busy";
      const destination = sinkUrl(`refused-${crypto.randomUUID().slice(0, 8)}`);
      const failing = {
        ...env,
        AGENT_ENDPOINT_URL: `${destination}?status=503&retryAfter=120&body=${encodeURIComponent(answer)}`,
      };
      const registry = new HandlerRegistry().on("*", "*", forward, { name: "forward" });
      await consume([messageFor("github", id, "issues.refused")], registry, failing);
      const detail = await html(await page(`/admin/events/github/${id}`));
      expect(detail).toContain(destination);
      expect(detail).toMatch(/data-response-status[^>]*>\s*503/);
      expect(detail).toContain("&lt;script&gt;alert(1)&lt;/script&gt; busy");
      expect(detail).not.toContain("<script>alert(1)");
      expect(detail).toContain("answered 503 Service Unavailable");
      expect(detail).toMatch(/data-next-try[^>]*>[^<]*\d/);
      expect(detail).toContain("1 of 8");
    } finally {
      await ledger.injectFaults({});
    }
  });
});

describe("deeply nested payloads", () => {
  it.each([3_000, 20_000])(
    "shows %i levels as the escaped raw body, bounded, with a note",
    async (levels) => {
      const body = `{"action":"opened","deep":${"[".repeat(levels)}"<b>"${"]".repeat(levels)}}`;
      const id = await accept(await githubEvent(body));
      const response = await vi.waitUntil(
        async () => {
          const found = await page(`/admin/events/github/${id}`);
          return found.status === 404 ? false : found;
        },
        { timeout: 15_000, interval: 100 },
      );
      const text = await html(response);
      expect(text.length).toBeLessThan(body.length + 20_000);
      expect(text).toMatch(/nested more than \d+ levels deep/);
      expect(text).toContain(`[[[[&quot;&lt;b&gt;&quot;]]]]`);
      expect(text).not.toContain("<b>");

      const api = await exports.default.fetch(
        new Request(`${BASE}/admin/api/events/github/${id}`, {
          headers: { authorization: `Bearer ${TEST_SECRETS.ADMIN_TOKEN}` },
        }),
      );
      expect(api.status).toBe(200);
      expect((await api.json<{ payload: unknown }>()).payload).toBe(body);
    },
  );

  it("truncates a large raw body and says so", async () => {
    const levels = 100;
    const filler = "x".repeat(200_000);
    const body = `{"action":"opened","deep":${"[".repeat(levels)}"${filler}"${"]".repeat(levels)}}`;
    const id = await accept(await githubEvent(body));
    const text = await detailPageWhen("github", id, (page) => page.includes("<pre>"));
    expect(text.length).toBeLessThan(100_000);
    expect(text).toMatch(/first [\d,]+ of [\d,]+ characters/);
  });
});

describe("replay from the dashboard", () => {
  it("refuses a replay posted from another origin, or with no origin at all", async () => {
    const id = await accept(await githubEvent());
    await detailPageWhen("github", id, (text) => text.includes('data-outcome="done"'));
    const foreign = await submit(`/admin/events/github/${id}/replay`, {}, { origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
    const sibling = await submit(
      `/admin/events/github/${id}/replay`,
      {},
      { origin: "https://other.hookgate.test" },
    );
    expect(sibling.status).toBe(403);
    const anonymous = await page(`/admin/events/github/${id}/replay`, { method: "POST" });
    expect(anonymous.status).toBe(403);

    // None of the refused posts started a replay: the first accepted one is replay 1.
    const accepted = await page(`/admin/events/github/${id}/replay`, {
      method: "POST",
      headers: { "sec-fetch-site": "same-origin" },
    });
    expect(accepted.status).toBe(303);
    expect(accepted.headers.get("location")).toBe(`/admin/events/github/${id}?replayed=1`);
  });

  it("enqueues a same-origin replay, redirects back, and shows the replay's attempt", async () => {
    const id = await accept(await githubEvent({ action: "opened", issue: { number: 7 } }));
    await waitForDeliveries(id);
    await detailPageWhen("github", id, (text) => text.includes('data-outcome="done"'));
    const response = await submit(`/admin/events/github/${id}/replay`, { handler: "" });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe(`/admin/events/github/${id}?replayed=1`);
    await waitForDeliveries(id, { count: 2 });
    const body = await detailPageWhen("github", id, (text) =>
      text.includes('data-replay="1" data-outcome="done"'),
    );
    expect(body).toContain("<td>replay 1</td>");

    const notice = await html(await page(`/admin/events/github/${id}?replayed=1`));
    expect(notice).toContain("Replay 1 enqueued.");
    expect(notice).not.toContain('http-equiv="refresh"');
  });

  it("replays to one named handler and refuses unknown handlers", async () => {
    const id = await accept(await githubEvent());
    await detailPageWhen("github", id, (text) => text.includes('data-outcome="done"'));
    expect(await html(await page(`/admin/events/github/${id}`))).toContain(
      '<option value="forward">forward</option>',
    );
    const named = await submit(`/admin/events/github/${id}/replay`, { handler: "forward" });
    expect(named.status).toBe(303);
    const unknown = await submit(`/admin/events/github/${id}/replay`, { handler: "nope" });
    expect(await html(unknown, 400)).toContain("No route or handler is named");
  });
});

describe("dead letters", () => {
  it("lists a dead event, redrives all of them, and the event is delivered", async () => {
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

      const list = await html(await page("/admin/dead-letters"));
      expect(list).toContain(id);
      expect(list).toContain("/agent/dead answered 500 Internal Server Error");
      expect(list).not.toContain("RetryLater");
      expect(list).toContain("Redrive all");
      const detail = await html(await page(`/admin/events/github/${id}`));
      expect(detail).toContain('data-outcome="dead"');

      // The redrive is sent by the ledger's outbox, so the queue must work again.
      await ledger.injectFaults({});
      const cross = await submit("/admin/dead-letters/redrive", {}, { origin: "https://evil.example" });
      expect(cross.status).toBe(403);
      const response = await submit("/admin/dead-letters/redrive");
      expect(response.status).toBe(303);
      expect(response.headers.get("location")).toMatch(
        /^\/admin\/dead-letters\?redriven=[1-9]\d*&skipped=\d+$/,
      );
      expect(await html(await page(response.headers.get("location")!))).toMatch(/Redriven: \d+ events?\./);

      await waitForDeliveries(id);
      await detailPageWhen("github", id, (text) => text.includes('data-replay="0" data-outcome="done"'));
    } finally {
      await ledger.injectFaults({});
    }
  });

  it("redrives one event from its page, and says when there is nothing to redrive", async () => {
    const id = await accept(await githubEvent());
    await detailPageWhen("github", id, (text) => text.includes('data-outcome="done"'));
    const response = await submit("/admin/dead-letters/redrive", { source: "github", id, back: "event" });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe(`/admin/events/github/${id}?redrive=not_dead`);
    expect(await html(await page(response.headers.get("location")!))).toContain("Nothing to redrive");
    expect((await submit("/admin/dead-letters/redrive", { source: "github" })).status).toBe(400);
  });
});

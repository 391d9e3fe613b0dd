/** The dashboard's Routes page: each route's gate, and Pause/Resume buttons behind the session and origin checks. */
import { env, exports } from "cloudflare:workers";
import { Hono } from "hono";
import { beforeAll, describe, expect, it } from "vitest";
import type { RouteCatalog } from "../../src/admin/route-catalog";
import { routeControlRoutes } from "../../src/dashboard/route-control-routes";
import { BASE } from "../support/signed-requests";
import { loginCookie } from "./login-session";

let session = "";
beforeAll(async () => {
  session = await loginCookie();
});

type Fetch = (request: Request) => Response | Promise<Response>;
const gateway: Fetch = (request) => exports.default.fetch(request);

/** A form POST from the dashboard's own page, with the session. */
const press = (path: string, fetch: Fetch = gateway, headers: Record<string, string> = {}) =>
  fetch(
    new Request(`${BASE}${path}`, {
      method: "POST",
      redirect: "manual",
      headers: {
        cookie: session,
        origin: BASE,
        "content-type": "application/x-www-form-urlencoded",
        ...headers,
      },
    }),
  );
const open = (path: string, fetch: Fetch = gateway, cookie = session) =>
  fetch(new Request(`${BASE}${path}`, { redirect: "manual", headers: { cookie } }));

const routeName = () => `route-${crypto.randomUUID().slice(0, 8)}`;
const stateOf = async (name: string) => (await env.ROUTE_GATE.getByName(name).state()).state;

describe("/admin/routes in the gateway", () => {
  it("lists the implicit forward route while no route is configured, and needs a session", async () => {
    const page = await open("/admin/routes");
    expect(page.status).toBe(200);
    const body = await page.text();
    expect(body).toContain('data-route="forward"');
    expect(body).toContain('href="/admin/routes" class="active"');
    const anonymous = await open("/admin/routes", gateway, "");
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get("location")).toBe("/admin/login");
  });

  it("pauses and resumes a route with the buttons, and refuses a cross-origin or session-less post", async () => {
    // A route of its own (pausing `forward` here would hold every other test's deliveries).
    const name = routeName();
    const app = new Hono<{ Bindings: Env }>().route(
      "/admin",
      routeControlRoutes({ names: () => [name], exists: (_env, candidate) => candidate === name }),
    );
    const gateway: Fetch = (request) => app.request(request, undefined, env);
    expect(
      (await press(`/admin/routes/${name}/pause`, gateway, { origin: "https://evil.example" })).status,
    ).toBe(403);
    expect((await press(`/admin/routes/${name}/pause`, gateway, { cookie: "" })).status).toBe(303);
    expect(await stateOf(name)).toBe("active");

    const paused = await press(`/admin/routes/${name}/pause`, gateway);
    expect(paused.status).toBe(303);
    expect(paused.headers.get("location")).toBe(`/admin/routes?done=paused&route=${name}`);
    expect(await stateOf(name)).toBe("paused");
    expect(await (await open(paused.headers.get("location")!, gateway)).text()).toContain(`Paused ${name}.`);

    const resumed = await press(`/admin/routes/${name}/resume`, gateway);
    expect(resumed.headers.get("location")).toBe(`/admin/routes?done=resumed&route=${name}`);
    expect(await stateOf(name)).toBe("active");
  });

  it("answers a page with 404 for a name that is not a route", async () => {
    const response = await press("/admin/routes/-nope/pause");
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
  });
});

describe("/admin/routes over a route catalog", () => {
  const triage = routeName();
  const billing = routeName();
  const catalog: RouteCatalog = {
    names: () => [triage, billing],
    exists: (_env, name) => name === triage || name === billing,
  };
  const dashboard = new Hono<{ Bindings: Env }>().route("/admin", routeControlRoutes(catalog));
  const withCatalog: Fetch = (request) => dashboard.request(request, undefined, env);

  it("lists each route with its state and the button that applies", async () => {
    await env.ROUTE_GATE.getByName(billing).pause();
    const body = await (await open("/admin/routes", withCatalog)).text();
    const row = (name: string) => body.slice(body.indexOf(`data-route="${name}"`)).split("</tr>")[0] ?? "";
    expect(row(triage)).toContain('class="badge active"');
    expect(row(triage)).toContain(`action="/admin/routes/${triage}/pause"`);
    expect(row(billing)).toContain('class="badge paused"');
    expect(row(billing)).toContain("paused by an operator");
    expect(row(billing)).toContain(`action="/admin/routes/${billing}/resume"`);
  });

  it("refuses a route the catalog does not know", async () => {
    expect((await press(`/admin/routes/${routeName()}/pause`, withCatalog)).status).toBe(404);
    expect((await press(`/admin/routes/${triage}/pause`, withCatalog)).status).toBe(303);
    expect(await stateOf(triage)).toBe("paused");
  });
});

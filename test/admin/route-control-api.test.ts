/** Pausing, resuming and reading a route's gate through the admin API. */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { RouteGateView } from "../../src/admin/route-control-api";
import { gateNameFor } from "../../src/handlers/route-table";
import worker from "../../src/index";
import { ProblemBody } from "../../src/shared/problem";
import { admin } from "../support/admin-client";
import { BASE } from "../support/signed-requests";
import { TEST_SECRETS } from "../support/test-secrets";

const routeName = () => `route-${crypto.randomUUID().slice(0, 8)}`;

/** The gateway with one route configured (HOOKGATE_ROUTES), called on the admin API with the token. */
function withRoute(name: string) {
  const routes = [{ name, sources: ["*"], destination: { url: `https://agent.example/${name}` } }];
  const added: Record<string, string> = { HOOKGATE_ROUTES: JSON.stringify(routes) };
  const testEnv: Env = { ...env, ...added };
  const call = async (path: string, init: RequestInit = {}) => {
    const headers = { authorization: `Bearer ${TEST_SECRETS.ADMIN_TOKEN}` };
    const ctx = createExecutionContext();
    const response = await worker.fetch(
      new Request(`${BASE}/admin/api${path}`, { ...init, headers }),
      testEnv,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    return response;
  };
  return { call, gate: () => env.ROUTE_GATE.getByName(gateNameFor(name, testEnv)) };
}

describe("POST /admin/api/routes/:name/pause and /resume", () => {
  it("pauses a route, so its gate refuses every start, and resumes it", async () => {
    const name = routeName();
    const { call, gate: gateOf } = withRoute(name);
    const pausedResponse = await call(`/routes/${name}/pause`, { method: "POST" });
    expect(pausedResponse.status).toBe(200);
    const paused = RouteGateView.parse(await pausedResponse.json());
    expect(paused).toMatchObject({ route: name, state: "paused", pausedBy: "operator" });
    expect(await gateOf().admit()).toMatchObject({ go: false, reason: "paused" });

    const gate = RouteGateView.parse(await (await call(`/routes/${name}/gate`)).json());
    expect(gate).toMatchObject({ route: name, state: "paused" });

    const resumedResponse = await call(`/routes/${name}/resume`, { method: "POST" });
    expect(resumedResponse.status).toBe(200);
    expect(RouteGateView.parse(await resumedResponse.json())).toMatchObject({
      state: "active",
      pausedBy: null,
    });
    expect(await gateOf().admit()).toEqual({ go: true });
  });

  it("answers 401 without the admin token, and pauses nothing", async () => {
    const name = routeName();
    const response = await exports.default.fetch(
      new Request(`${BASE}/admin/api/routes/${name}/pause`, {
        method: "POST",
        headers: { "cf-connecting-ip": "198.51.100.77" },
      }),
    );
    expect(response.status).toBe(401);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect((await env.ROUTE_GATE.getByName(name).state()).state).toBe("active");
  });

  it("answers 404 problem+json for a name that is not a route", async () => {
    for (const bad of ["-starts-with-dash", "has%20space", "x".repeat(129), "%C3%A9t%C3%A9"]) {
      const response = await admin(`/routes/${bad}/pause`, { method: "POST" });
      expect(response.status, bad).toBe(404);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(ProblemBody.parse(await response.json()).detail).toBe("No route has this name.");
    }
    expect((await admin("/routes/-x/gate")).status).toBe(404);
  });

  it("refuses query parameters with 400", async () => {
    expect((await admin("/routes/forward/pause?force=1", { method: "POST" })).status).toBe(400);
  });
});

describe("OpenAPI", () => {
  it("documents the route control endpoints", async () => {
    const doc = await (await exports.default.fetch(new Request(`${BASE}/openapi.json`))).json<{
      paths: Record<string, Record<string, { operationId: string }>>;
    }>();
    expect(doc.paths["/admin/api/routes/{name}/pause"]?.post?.operationId).toBe("pauseRoute");
    expect(doc.paths["/admin/api/routes/{name}/resume"]?.post?.operationId).toBe("resumeRoute");
    expect(doc.paths["/admin/api/routes/{name}/gate"]?.get?.operationId).toBe("getRouteGate");
  });
});

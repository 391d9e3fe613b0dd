/** Pausing, resuming and reading a route's gate through the admin API. */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { RouteGateView } from "../../src/admin/route-control-api";
import { ProblemBody } from "../../src/shared/problem";
import { admin } from "../support/admin-client";
import { BASE } from "../support/signed-requests";

const routeName = () => `route-${crypto.randomUUID().slice(0, 8)}`;

describe("POST /admin/api/routes/:name/pause and /resume", () => {
  it("pauses a route, so its gate refuses every start, and resumes it", async () => {
    const name = routeName();
    const pausedResponse = await admin(`/routes/${name}/pause`, { method: "POST" });
    expect(pausedResponse.status).toBe(200);
    const paused = RouteGateView.parse(await pausedResponse.json());
    expect(paused).toMatchObject({ route: name, state: "paused", pausedBy: "operator" });
    expect(await env.ROUTE_GATE.getByName(name).admit()).toMatchObject({ go: false, reason: "paused" });

    const gate = RouteGateView.parse(await (await admin(`/routes/${name}/gate`)).json());
    expect(gate).toMatchObject({ route: name, state: "paused" });

    const resumedResponse = await admin(`/routes/${name}/resume`, { method: "POST" });
    expect(resumedResponse.status).toBe(200);
    expect(RouteGateView.parse(await resumedResponse.json())).toMatchObject({
      state: "active",
      pausedBy: null,
    });
    expect(await env.ROUTE_GATE.getByName(name).admit()).toEqual({ go: true });
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
    expect((await admin(`/routes/${routeName()}/pause?force=1`, { method: "POST" })).status).toBe(400);
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

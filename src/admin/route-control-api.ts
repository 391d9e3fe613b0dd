/**
 * `/admin/api/routes/:name/pause`, `/resume` and `/gate`: an operator holds a route's deliveries, lets them
 * go again, or reads its back-pressure state (pause, Retry-After, circuit). Mounted under the admin API, so
 * the bearer token is checked before these run.
 */
import { Hono } from "hono";
import { z } from "zod";
import { ledgerFor } from "../claim/shard-for-event";
import { settingsFrom } from "../config/settings";
import { gateNameFor } from "../handlers/route-table";
import { GateState } from "../routes/gate-schemas";
import { log } from "../shared/log";
import { Problem } from "../shared/problem";
import { NoQuery } from "./admin-schemas";
import { type RouteCatalog, routeCatalog } from "./route-catalog";
import { validate } from "./validate";

/** A route's gate, with the route's name. */
export const RouteGateView = GateState.extend({ route: z.string() }).meta({
  description:
    "A route's back-pressure state: paused (by an operator or a Retry-After), circuit-open or active.",
});

/** The gate of `name`, or 404 when the catalog knows no such route. */
export async function gateOfRoute(env: Env, catalog: RouteCatalog, name: string) {
  if (!(await catalog.exists(env, name))) {
    log("admin", { outcome: "unknown_route", route: name.slice(0, 130) });
    throw new Problem(404, "No route has this name.");
  }
  return env.ROUTE_GATE.getByName(gateNameFor(name, env));
}

/**
 * Resumes a route: its gate lets deliveries start again, and every ledger shard sends the deliveries it held
 * while the route was paused, in the order it accepted them. Returns the gate and how many were released.
 */
export async function resumeRoute(env: Env, name: string, gate: ReturnType<typeof env.ROUTE_GATE.getByName>) {
  const state = await gate.resume();
  const shards = Array.from({ length: settingsFrom(env).CLAIM_SHARDS }, (_, shard) => shard);
  const released = await Promise.all(shards.map((shard) => ledgerFor(env, shard).releaseHeld(name)));
  return { state, released: released.reduce((n, r) => n + r, 0) };
}

/** The routes' control API; `catalog` says which route names exist (tests pass their own). */
export function routeControlApi(catalog: RouteCatalog = routeCatalog) {
  const api = new Hono<{ Bindings: Env }>();

  api.get("/:name/gate", validate("query", NoQuery), async (c) => {
    const name = c.req.param("name");
    const gate = await gateOfRoute(c.env, catalog, name);
    return c.json(RouteGateView.parse({ route: name, ...(await gate.state()) }));
  });

  api.post("/:name/pause", validate("query", NoQuery), async (c) => {
    const name = c.req.param("name");
    const gate = await gateOfRoute(c.env, catalog, name);
    const state = await gate.pause();
    log("admin", { outcome: "route_paused", route: name, via: "api" });
    return c.json(RouteGateView.parse({ route: name, ...state }));
  });

  api.post("/:name/resume", validate("query", NoQuery), async (c) => {
    const name = c.req.param("name");
    const gate = await gateOfRoute(c.env, catalog, name);
    const { state, released } = await resumeRoute(c.env, name, gate);
    log("admin", { outcome: "route_resumed", route: name, released, via: "api" });
    return c.json(RouteGateView.parse({ route: name, ...state }));
  });

  return api;
}

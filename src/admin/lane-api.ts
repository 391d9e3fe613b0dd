/**
 * `/admin/api/routes/:name/lanes…`: an operator lists a route's ordered lanes (blocked ones, or ones with
 * events waiting), reads one lane (its head, how many wait, the last error) and skips a blocked head. Mounted
 * under the admin API, so the bearer token is checked before these run.
 */
import { Hono } from "hono";
import { z } from "zod";
import { routeTableFor } from "../handlers/route-table";
import { LaneKey, LaneView } from "../lanes/lane-schemas";
import { isOrdered, LANE_GROUPS, laneKeeperFor } from "../lanes/lane-ticket";
import { log } from "../shared/log";
import { Problem } from "../shared/problem";
import { NoQuery } from "./admin-schemas";
import { validate } from "./validate";

export const LaneListQuery = z.strictObject({
  state: z.enum(["blocked", "waiting"]).optional().meta({
    description: "`blocked`: lanes stopped on a poisoned head; `waiting`: lanes with events waiting",
  }),
});
export const LaneList = z.object({ route: z.string(), lanes: z.array(LaneView) });

/** The route named `name` if it has `orderBy`; otherwise a 404 that says why. */
export function orderedRoute(env: Env, name: string) {
  const route = routeTableFor(env).routes.get(name);
  if (!isOrdered(route)) {
    log("admin", { outcome: "no_ordered_route", route: name.slice(0, 130) });
    throw new Problem(
      404,
      route ? "This route has no `orderBy`, so it has no lanes." : "No route has this name.",
    );
  }
  return route;
}

/** A lane key from a URL, or a 400. */
export function laneKeyOf(raw: string): string {
  const key = LaneKey.safeParse(raw);
  if (!key.success) throw new Problem(400, "A lane key is 1 to 256 characters.");
  return key.data;
}

/** A route's busy lanes (blocked, or with events waiting, per `state`), from all its LaneKeepers, by key. */
export async function listLanes(env: Env, route: string, state?: "blocked" | "waiting"): Promise<LaneView[]> {
  const groups = await Promise.all(
    Array.from({ length: LANE_GROUPS }, (_, group) =>
      env.LANE_KEEPER.getByName(`${route}#${group}`).lanes(state),
    ),
  );
  return groups.flat().sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** The lane endpoints of the admin API. */
export function laneApi() {
  const api = new Hono<{ Bindings: Env }>();

  api.get("/:name/lanes", validate("query", LaneListQuery), async (c) => {
    const route = orderedRoute(c.env, c.req.param("name"));
    const { state } = c.req.valid("query");
    const lanes = await listLanes(c.env, route.name, state);
    return c.json(LaneList.parse({ route: route.name, lanes }));
  });

  api.get("/:name/lanes/:key", validate("query", NoQuery), async (c) => {
    const route = orderedRoute(c.env, c.req.param("name"));
    const key = laneKeyOf(c.req.param("key"));
    const lane = await laneKeeperFor(c.env, route.name, key).lane(key);
    if (!lane) throw new Problem(404, "No event of this route ever had this lane key.");
    return c.json(LaneView.parse(lane));
  });

  api.post("/:name/lanes/:key/skip", validate("query", NoQuery), async (c) => {
    const route = orderedRoute(c.env, c.req.param("name"));
    const key = laneKeyOf(c.req.param("key"));
    const lane = await laneKeeperFor(c.env, route.name, key).skip(key);
    if (!lane) throw new Problem(409, "This lane is not blocked: only a blocked head can be skipped.");
    log("admin", { outcome: "lane_skipped", route: route.name, via: "api" });
    return c.json(LaneView.parse(lane));
  });

  return api;
}

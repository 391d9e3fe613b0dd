/**
 * `/admin/routes/:name/lanes`: the Lanes page of an ordered route and its Skip buttons (same-origin form
 * posts answered with a 303 back to the page), over the same LaneKeepers as the admin API.
 */
import { Hono } from "hono";
import { z } from "zod";
import { laneKeyOf, listLanes, orderedRoute } from "../admin/lane-api";
import { validate } from "../admin/validate";
import { laneKeeperFor } from "../lanes/lane-ticket";
import { log } from "../shared/log";
import { Problem } from "../shared/problem";
import { LanesPage } from "./lanes-page";
import { renderPage } from "./page-layout";
import { requireDashboardSession } from "./require-dashboard-session";
import { requireSameOrigin } from "./require-same-origin";

const LanesPageQuery = z.strictObject({ skipped: z.string().max(256).optional() });

export const laneRoutes = new Hono<{ Bindings: Env }>();

laneRoutes.get(
  "/routes/:name/lanes",
  requireDashboardSession,
  validate("query", LanesPageQuery),
  async (c) => {
    const route = orderedRoute(c.env, c.req.param("name"));
    const { skipped } = c.req.valid("query");
    const notice = skipped ? `Skipped the head of lane ${skipped}.` : null;
    return renderPage(
      c,
      <LanesPage route={route.name} lanes={await listLanes(c.env, route.name)} notice={notice} />,
    );
  },
);

laneRoutes.post("/routes/:name/lanes/:key/skip", requireDashboardSession, requireSameOrigin, async (c) => {
  const route = orderedRoute(c.env, c.req.param("name"));
  const key = laneKeyOf(c.req.param("key"));
  if (!(await laneKeeperFor(c.env, route.name, key).skip(key)))
    throw new Problem(409, "This lane is not blocked: only a blocked head can be skipped.");
  log("admin", { outcome: "lane_skipped", route: route.name, via: "dashboard" });
  const page = `/admin/routes/${encodeURIComponent(route.name)}/lanes`;
  return c.redirect(`${page}?skipped=${encodeURIComponent(key)}`, 303);
});

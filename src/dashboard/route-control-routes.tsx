/**
 * `/admin/routes`: the Routes page and its Pause and Resume buttons (same-origin form posts answered with a
 * 303 back to the page), over the same route gates as the admin API.
 */
import { Hono } from "hono";
import { type RouteCatalog, routeCatalog } from "../admin/route-catalog";
import { gateOfRoute, resumeRoute } from "../admin/route-control-api";
import { validate } from "../admin/validate";
import { gateNameFor } from "../handlers/route-table";
import { log } from "../shared/log";
import { RouteActionParams, RoutesPageQuery } from "./dashboard-schemas";
import { renderPage } from "./page-layout";
import { requireDashboardSession } from "./require-dashboard-session";
import { requireSameOrigin } from "./require-same-origin";
import { RoutesPage } from "./routes-page";

/** The most routes one page shows (each costs one call to its gate). */
const MAX_LISTED_ROUTES = 200;

/** The Routes page; `catalog` says which routes exist (tests pass their own). */
export function routeControlRoutes(catalog: RouteCatalog = routeCatalog) {
  const routes = new Hono<{ Bindings: Env }>();

  routes.get("/routes", requireDashboardSession, validate("query", RoutesPageQuery), async (c) => {
    const { done, route } = c.req.valid("query");
    const names = (await catalog.names(c.env)).slice(0, MAX_LISTED_ROUTES);
    const rows = await Promise.all(
      names.map(async (name) => ({
        name,
        gate: await c.env.ROUTE_GATE.getByName(gateNameFor(name, c.env)).state(),
      })),
    );
    const notice = done && route ? `${done === "paused" ? "Paused" : "Resumed"} ${route}.` : null;
    return renderPage(c, <RoutesPage routes={rows} notice={notice} />);
  });

  routes.post(
    "/routes/:name/:action",
    requireDashboardSession,
    requireSameOrigin,
    validate("param", RouteActionParams),
    async (c) => {
      const { name, action } = c.req.valid("param");
      const gate = await gateOfRoute(c.env, catalog, name);
      await (action === "pause" ? gate.pause() : resumeRoute(c.env, name, gate));
      log("admin", {
        outcome: action === "pause" ? "route_paused" : "route_resumed",
        route: name,
        via: "dashboard",
      });
      const done = action === "pause" ? "paused" : "resumed";
      return c.redirect(`/admin/routes?done=${done}&route=${encodeURIComponent(name)}`, 303);
    },
  );

  return routes;
}

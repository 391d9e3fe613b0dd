/**
 * `/admin/routes`: the Routes page and its Pause, Resume and budget Reset buttons (same-origin form posts
 * answered with a 303 back to the page), over the same route gates and budgets as the admin API.
 */
import { Hono } from "hono";
import { resetBudgetKey, trippedKeysOf } from "../admin/route-budget-api";
import { type RouteCatalog, routeCatalog } from "../admin/route-catalog";
import { gateOfRoute, resumeRoute } from "../admin/route-control-api";
import { validate } from "../admin/validate";
import { gateNameFor, routeTableFor } from "../handlers/route-table";
import { log } from "../shared/log";
import { BudgetResetParams, RouteActionParams, RoutesPageQuery } from "./dashboard-schemas";
import { renderPage } from "./page-layout";
import { requireDashboardSession } from "./require-dashboard-session";
import { requireSameOrigin } from "./require-same-origin";
import { type BudgetRow, RoutesPage } from "./routes-page";

/** The most routes one page shows (each costs one call to its gate). */
const MAX_LISTED_ROUTES = 200;

const NOTICE_VERBS = { paused: "Paused", resumed: "Resumed", reset: "Reset a budget key of" } as const;

/** Every key over a configured route's budget, route by route. */
async function budgetRows(env: Env): Promise<BudgetRow[]> {
  const routes = [...routeTableFor(env).routes.values()].slice(0, MAX_LISTED_ROUTES);
  const rows = await Promise.all(
    routes.map(async (route) => {
      const { budget } = route;
      if (!budget) return [];
      const trips = await trippedKeysOf(env, route);
      return trips.map((trip) => ({
        route: route.name,
        max: budget.max,
        windowSeconds: budget.windowSeconds,
        trip,
      }));
    }),
  );
  return rows.flat();
}

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
    const notice = done && route ? `${NOTICE_VERBS[done]} ${route}.` : null;
    return renderPage(c, <RoutesPage routes={rows} budgets={await budgetRows(c.env)} notice={notice} />);
  });

  routes.post(
    "/routes/:name/budgets/:key/reset",
    requireDashboardSession,
    requireSameOrigin,
    validate("param", BudgetResetParams),
    async (c) => {
      const { name, key } = c.req.valid("param");
      await resetBudgetKey(c.env, name, key, "dashboard");
      return c.redirect(`/admin/routes?done=reset&route=${encodeURIComponent(name)}`, 303);
    },
  );

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

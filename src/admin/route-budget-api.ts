/**
 * Route budgets for operators: the keys over a route's budget (shown by `GET /admin/api/routes/:name` and the
 * dashboard's Routes page) and `POST /admin/api/routes/:name/budgets/:key/reset`, which clears a trip.
 */
import { Hono } from "hono";
import type { ConfiguredRoute } from "../config/routes-from-env";
import { routeTableFor } from "../handlers/route-table";
import { budgetGroupsOfRoute, budgetOfKey } from "../routes/budget-key";
import type { TrippedKey } from "../routes/budget-schemas";
import { log } from "../shared/log";
import { Problem } from "../shared/problem";
import { NoQuery } from "./admin-schemas";
import { BudgetKeyParams, BudgetResetView } from "./route-schemas";
import { validate } from "./validate";

/** The keys over `route`'s budget now, oldest trip first; empty when the route has no budget. */
export async function trippedKeysOf(env: Env, route: ConfiguredRoute): Promise<TrippedKey[]> {
  const { budget } = route;
  if (!budget) return [];
  const limits = { max: budget.max, windowSeconds: budget.windowSeconds };
  const groups = await Promise.all(budgetGroupsOfRoute(env, route.name).map((group) => group.trips(limits)));
  return groups.flat().sort((a, b) => a.trippedAt - b.trippedAt);
}

/** Clears `key`'s trip on the route named `name`; 404 when no configured route has that name and a budget. */
export async function resetBudgetKey(env: Env, name: string, key: string, via: "api" | "dashboard") {
  const route = routeTableFor(env).routes.get(name);
  if (!route) {
    log("admin", { outcome: "unknown_route", route: name.slice(0, 130) });
    throw new Problem(404, "No route is named so.");
  }
  if (!route.budget) throw new Problem(404, "This route has no budget.");
  const { cleared } = await budgetOfKey(env, name, key).reset({ route: name, key });
  log("admin", { outcome: "budget_reset", route: name, key, cleared, via });
  return { route: name, key, cleared };
}

/** `POST /:name/budgets/:key/reset`, mounted under `/admin/api/routes` (the bearer token is checked first). */
export const routeBudgetApi = new Hono<{ Bindings: Env }>().post(
  "/:name/budgets/:key/reset",
  validate("param", BudgetKeyParams),
  validate("query", NoQuery),
  async (c) => {
    const { name, key } = c.req.valid("param");
    return c.json(BudgetResetView.parse(await resetBudgetKey(c.env, name, key, "api")));
  },
);

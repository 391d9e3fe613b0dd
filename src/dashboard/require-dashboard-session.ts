/**
 * Guards dashboard pages. Like the admin API, the dashboard does not exist (404) while `ADMIN_TOKEN` is
 * unset. A browser without a valid session cookie is sent to the login form.
 */
import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { ADMIN_COOKIE, adminTokenOf, tokensMatch } from "../admin/require-admin-token";
import { Problem } from "../ingress/problem";

export const LOGIN_PATH = "/admin/login";

function assertDashboardEnabled(env: Env): void {
  if (!adminTokenOf(env)) throw new Problem(404, "No route matches this path.");
}

/** For the login and logout routes: 404 while the admin surface is off, and nothing else. */
export const requireDashboardEnabled = createMiddleware<{ Bindings: Env }>(
  async function requireDashboardEnabled(c, next) {
    assertDashboardEnabled(c.env);
    await next();
  },
);

export const requireDashboardSession = createMiddleware<{ Bindings: Env }>(
  async function requireDashboardSession(c, next) {
    assertDashboardEnabled(c.env);
    const cookie = getCookie(c, ADMIN_COOKIE);
    if (!cookie) return c.redirect(LOGIN_PATH, 303);
    if (!(await tokensMatch(cookie, adminTokenOf(c.env) ?? "")))
      throw new Problem(401, "The session has ended; log in again.");
    await next();
  },
);

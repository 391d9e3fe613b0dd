/**
 * Guards dashboard pages. Like the admin API, the dashboard does not exist (404) while `ADMIN_TOKEN` is
 * unset. A browser without a session cookie is sent to the login form; one whose session is forged,
 * expired or signed under rotated secrets is sent there too, with the cookie cleared.
 */
import { createMiddleware } from "hono/factory";
import { adminTokenOf } from "../admin/require-admin-token";
import { Problem } from "../shared/problem";
import { sessionCookieOf, sessionTokenValid } from "./admin-session-cookie";

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
    const cookie = sessionCookieOf(c);
    if (!cookie) return c.redirect(LOGIN_PATH, 303);
    if (!(await sessionTokenValid(c.env, cookie)))
      throw new Problem(401, "The session has ended; log in again.");
    await next();
  },
);

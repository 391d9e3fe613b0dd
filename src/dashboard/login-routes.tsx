/**
 * `/admin/login` and `/admin/logout`. Browsers cannot send a bearer header when they navigate, so the
 * login form trades the admin token (checked in constant time with `tokensMatch`) for a signed session
 * cookie. Failed logins are logged and rate limited per client IP like API tokens, with the same lockout.
 */
import { Hono } from "hono";
import { adminLockoutSeconds, recordFailedAdminAttempt } from "../admin/admin-lockout";
import { adminTokenOf, tokensMatch } from "../admin/require-admin-token";
import { validate } from "../admin/validate";
import { log } from "../shared/log";
import { endAdminSession, startAdminSession } from "./admin-session-cookie";
import { LoginForm } from "./dashboard-schemas";
import { limitFormBody } from "./limit-form-body";
import { LoginPage } from "./login-page";
import { renderPage } from "./page-layout";
import { LOGIN_PATH, requireDashboardEnabled } from "./require-dashboard-session";
import { requireSameOrigin } from "./require-same-origin";

export const loginRoutes = new Hono<{ Bindings: Env }>();

loginRoutes.get("/login", requireDashboardEnabled, (c) => renderPage(c, <LoginPage error={null} />));

loginRoutes.post(
  "/login",
  requireDashboardEnabled,
  requireSameOrigin,
  limitFormBody,
  validate("form", LoginForm),
  async (c) => {
    const expected = adminTokenOf(c.env) ?? "";
    const ip = c.req.header("cf-connecting-ip");
    const lockedOut = (seconds: number) => {
      c.header("retry-after", String(seconds));
      return renderPage(c, <LoginPage error="Too many failed attempts; retry in a minute." />, 429);
    };
    const wait = adminLockoutSeconds(ip);
    if (wait > 0) {
      log("admin", { outcome: "login_locked_out", ip });
      return lockedOut(wait);
    }
    if (await tokensMatch(c.req.valid("form").token, expected)) {
      await startAdminSession(c);
      log("admin", { outcome: "login", ip });
      return c.redirect("/admin", 303);
    }
    log("admin", { outcome: "login_failed", ip });
    if (await recordFailedAdminAttempt(c.env, ip)) return lockedOut(adminLockoutSeconds(ip));
    return renderPage(c, <LoginPage error="That token is not valid." />, 401);
  },
);

loginRoutes.post("/logout", requireDashboardEnabled, requireSameOrigin, (c) => {
  endAdminSession(c);
  return c.redirect(LOGIN_PATH, 303);
});

/**
 * `GET /healthz` and the configuration checks behind it: what is misconfigured (admin token, test-only
 * fault injection, HOOKGATE_SOURCES, HOOKGATE_ROUTES), logged once per isolate and reported with the status
 * it implies.
 */
import type { Context, MiddlewareHandler } from "hono";
import { adminTokenOf, adminTokenProblem } from "./admin/require-admin-token";
import { HealthReport } from "./config/health-report";
import { missingBindingProblem } from "./config/required-bindings";
import { settingProblems } from "./config/settings";
import { configErrorsFor } from "./handlers/route-table";
import type { IngressEnv } from "./ingress/receive-webhook";
import { faultInjectionAllowed, faultInjectionProblem } from "./shared/fault-injection";
import { logError } from "./shared/log";

/** Configuration mistakes, each logged once per isolate (and by every `/healthz` that fails for it). */
function configProblems(env: object): {
  admin: string | null;
  faultInjection: string | null;
  bindings: string | null;
} {
  return {
    admin: adminTokenProblem(env),
    faultInjection: faultInjectionProblem(env),
    bindings: missingBindingProblem(env),
  };
}

const reportedProblems = new Set<string>();

/** Middleware: logs each configuration mistake once per isolate, whatever route is called. */
export const reportConfigProblems: MiddlewareHandler = async function reportConfigProblems(c, next) {
  for (const problem of [...Object.values(configProblems(c.env)), ...settingProblems(c.env)]) {
    if (problem === null || reportedProblems.has(problem)) continue;
    reportedProblems.add(problem);
    logError("config", { outcome: "misconfigured", problem });
  }
  await next();
};

/**
 * 200 while the gateway can take webhooks; `checks` names what is off and why. A too-short `ADMIN_TOKEN`
 * keeps 200 (ingress and delivery work; only the admin surface stays off), and says so in `checks.admin`.
 * A fault-injection variable set outside tests is 503: a deployment must never run with it. An invalid
 * `HOOKGATE_SOURCES` or `HOOKGATE_ROUTES` (routes.ts included) is 503 too (webhooks answer 503 meanwhile),
 * with the path and message of each error in `checks.sources` and `checks.routes`.
 * A tunable set to an invalid value keeps 200 (its default applies) and is named in `checks.settings`.
 * A missing required binding (the stored-request bucket) is 503, named in `checks.bindings`.
 */
export function healthz(c: Context<IngressEnv>) {
  const problems = configProblems(c.env);
  const invalid = configErrorsFor(c.env);
  const errorsOf = (check: "sources" | "routes") => {
    const errors = invalid.find((entry) => entry.check === check)?.errors;
    return errors ? { errors } : "ok";
  };
  const invalidSettings = settingProblems(c.env);
  const checks = {
    admin: problems.admin ?? (adminTokenOf(c.env) ? "on" : "off (ADMIN_TOKEN unset)"),
    faultInjection: problems.faultInjection ?? (faultInjectionAllowed(c.env) ? "on (tests only)" : "off"),
    sources: errorsOf("sources"),
    routes: errorsOf("routes"),
    settings: invalidSettings.length > 0 ? { invalid: invalidSettings } : "ok",
    bindings: problems.bindings ?? "ok",
  };
  const fatal =
    problems.faultInjection ??
    problems.bindings ??
    (invalid.map(({ variable, check }) => `${variable} is invalid (see checks.${check})`).join("; ") || null);
  if (fatal === null) return c.json(HealthReport.parse({ status: "ok", checks }));
  logError("config", { outcome: "misconfigured", problem: fatal });
  return c.json(HealthReport.parse({ status: "misconfigured", checks }), 503);
}

/** The HTTP surface: routes only. Every error becomes an RFC 9457 problem in one place. */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { adminApi } from "./admin/admin-api";
import { adminTokenOf, adminTokenProblem } from "./admin/require-admin-token";
import { SOURCES_VAR, sourcesFor } from "./config/sources-from-env";
import { dashboard } from "./dashboard/dashboard-app";
import { type IngressEnv, receiveWebhook } from "./ingress/receive-webhook";
import { refuseWhileMisconfigured } from "./ingress/refuse-while-misconfigured";
import { apiDocs } from "./openapi/api-docs-routes";
import { faultInjectionAllowed, faultInjectionProblem } from "./shared/fault-injection";
import { describeError, log, logError } from "./shared/log";
import { Problem, problemResponse } from "./shared/problem";

export const app = new Hono<IngressEnv>();

/** Configuration mistakes, each logged once per isolate (and by every `/healthz` that fails for it). */
function configProblems(env: object): { admin: string | null; faultInjection: string | null } {
  return { admin: adminTokenProblem(env), faultInjection: faultInjectionProblem(env) };
}

const reportedProblems = new Set<string>();

app.use("*", async function reportConfigProblems(c, next) {
  for (const problem of Object.values(configProblems(c.env))) {
    if (problem === null || reportedProblems.has(problem)) continue;
    reportedProblems.add(problem);
    logError("config", { outcome: "misconfigured", problem });
  }
  await next();
});

/**
 * 200 while the gateway can take webhooks; `checks` names what is off and why. A too-short `ADMIN_TOKEN`
 * keeps 200 (ingress and delivery work; only the admin surface stays off), and says so in `checks.admin`.
 * A fault-injection variable set outside tests is 503: a deployment must never run with it. An invalid
 * `HOOKGATE_SOURCES` is 503 too (webhooks answer 503 meanwhile), with the path and message of each error.
 */
app.get("/healthz", (c) => {
  const problems = configProblems(c.env);
  const sourceErrors = sourcesFor(c.env).errors;
  const checks = {
    admin: problems.admin ?? (adminTokenOf(c.env) ? "on" : "off (ADMIN_TOKEN unset)"),
    faultInjection: problems.faultInjection ?? (faultInjectionAllowed(c.env) ? "on (tests only)" : "off"),
    sources: sourceErrors.length > 0 ? { errors: sourceErrors } : "ok",
  };
  const fatal =
    problems.faultInjection ??
    (sourceErrors.length > 0 ? `${SOURCES_VAR} is invalid (see checks.sources)` : null);
  if (fatal === null) return c.json({ status: "ok", checks });
  logError("config", { outcome: "misconfigured", problem: fatal });
  return c.json({ status: "misconfigured", checks }, 503);
});
app.route("/", apiDocs);
app.route("/admin/api", adminApi);
app.route("/admin", dashboard);

app.use("/webhooks/*", refuseWhileMisconfigured);
app.post("/webhooks/:source", receiveWebhook);
app.all("/webhooks/:source", (c) => {
  log("ingress", {
    source: c.req.param("source").slice(0, 64),
    status: 405,
    reason: "method_not_allowed",
    method: c.req.method,
  });
  throw new Problem(405, "Webhooks are delivered with POST.", { allow: "POST" });
});

app.notFound(() => problemResponse(404, "No route matches this path."));

app.onError((error, c) => {
  if (error instanceof Problem) return problemResponse(error.status, error.detail, error.headers);
  if (error instanceof HTTPException)
    return problemResponse(error.status, error.message || "The request was refused.");
  logError("ingress", {
    outcome: "unexpected_error",
    path: new URL(c.req.url).pathname,
    error: describeError(error),
  });
  return problemResponse(500, "Something went wrong; the request was not accepted.");
});

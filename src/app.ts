/** The HTTP surface: routes only. Every error becomes an RFC 9457 problem in one place. */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { adminApi } from "./admin/admin-api";
import { jobTrackerRoutes } from "./admin/job-tracker-routes";
import { dashboard } from "./dashboard/dashboard-app";
import { publishedKeys } from "./handlers/published-keys";
import { healthz, reportConfigProblems } from "./healthz";
import { type IngressEnv, receiveWebhook } from "./ingress/receive-webhook";
import { refuseWhileMisconfigured } from "./ingress/refuse-while-misconfigured";
import { apiDocs } from "./openapi/api-docs-routes";
import { describeError, log, logError } from "./shared/log";
import { Problem, problemResponse } from "./shared/problem";

export const app = new Hono<IngressEnv>();

app.use("*", reportConfigProblems);
app.get("/healthz", healthz);
app.get("/.well-known/jwks.json", publishedKeys);
app.route("/", apiDocs);
app.route("/admin/api", adminApi);
app.route("/admin", dashboard);
app.route("/", jobTrackerRoutes);

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

/**
 * While `HOOKGATE_SOURCES` or `HOOKGATE_ROUTES` is invalid, or a required binding is missing (the R2 bucket
 * of stored requests), every webhook answers 503 with `Retry-After`:
 * providers retry a 503, whereas a 404 for a source lost to a typo reads as permanent and the events would
 * be gone, and an event accepted while a route is broken would be fanned out without it, for good.
 */
import type { MiddlewareHandler } from "hono";
import { missingBindingProblem } from "../config/required-bindings";
import { SOURCES_VAR } from "../config/sources-from-env";
import { configErrorsFor } from "../handlers/route-table";
import { log } from "../shared/log";
import { Problem } from "../shared/problem";

/** Long enough for an operator to fix the variable, short enough that providers come back soon after. */
const RETRY_AFTER_SECONDS = "60";

/** Hono middleware for `/webhooks/*`: refuses with 503 while the source or route configuration has errors. */
export const refuseWhileMisconfigured: MiddlewareHandler = async function refuseWhileMisconfigured(c, next) {
  if (missingBindingProblem(c.env) !== null) {
    log("ingress", {
      source: (c.req.path.split("/")[2] ?? "").slice(0, 64),
      status: 503,
      reason: "binding_missing",
    });
    throw new Problem(503, "A required binding is missing (STORED_REQUESTS); see /healthz. Retry later.", {
      "retry-after": RETRY_AFTER_SECONDS,
    });
  }
  const invalid = configErrorsFor(c.env);
  if (invalid.length === 0) return next();
  const variables = invalid.map((entry) => entry.variable).join(" and ");
  log("ingress", {
    source: (c.req.path.split("/")[2] ?? "").slice(0, 64),
    status: 503,
    reason: invalid[0]?.variable === SOURCES_VAR ? "sources_misconfigured" : "routes_misconfigured",
    errors: invalid.reduce((sum, entry) => sum + entry.errors.length, 0),
  });
  throw new Problem(503, `The configuration is invalid (${variables}); see /healthz. Retry later.`, {
    "retry-after": RETRY_AFTER_SECONDS,
  });
};

/**
 * While `HOOKGATE_SOURCES` is invalid, every webhook answers 503 with `Retry-After`: providers retry a 503,
 * whereas a 404 for a source lost to a typo reads as permanent and the events would be gone.
 */
import type { MiddlewareHandler } from "hono";
import { SOURCES_VAR, sourcesFor } from "../config/sources-from-env";
import { log } from "../shared/log";
import { Problem } from "../shared/problem";

/** Long enough for an operator to fix the variable, short enough that providers come back soon after. */
const RETRY_AFTER_SECONDS = "60";

/** Hono middleware for `/webhooks/*`: refuses with 503 while the source configuration has errors. */
export const refuseWhileMisconfigured: MiddlewareHandler = async function refuseWhileMisconfigured(c, next) {
  const { errors } = sourcesFor(c.env);
  if (errors.length === 0) return next();
  log("ingress", {
    source: (c.req.path.split("/")[2] ?? "").slice(0, 64),
    status: 503,
    reason: "sources_misconfigured",
    errors: errors.length,
  });
  throw new Problem(503, `${SOURCES_VAR} is invalid; see /healthz. Retry later.`, {
    "retry-after": RETRY_AFTER_SECONDS,
  });
};

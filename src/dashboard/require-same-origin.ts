/**
 * Refuses cross-origin form posts (403). The session cookie is SameSite=Strict, which keeps other sites
 * out; this check also keeps out other origins of the same site (sibling subdomains, other ports).
 * Browsers send `Origin` on every POST; without it, `Sec-Fetch-Site` must say same-origin. A client
 * sending neither is not a browser and should use the bearer-token API instead.
 */
import { createMiddleware } from "hono/factory";
import { log } from "../shared/log";
import { Problem } from "../shared/problem";

export const requireSameOrigin = createMiddleware(async function requireSameOrigin(c, next) {
  const origin = c.req.header("origin");
  const fetchSite = c.req.header("sec-fetch-site");
  const ownOrigin = new URL(c.req.url).origin;
  const sameOrigin = origin !== undefined ? origin === ownOrigin : fetchSite === "same-origin";
  if (!sameOrigin) {
    log("admin", {
      outcome: "cross_origin_refused",
      path: new URL(c.req.url).pathname,
      origin: origin?.slice(0, 200) ?? null,
      fetchSite: fetchSite?.slice(0, 40) ?? null,
    });
    throw new Problem(403, "Cross-origin form posts are refused.");
  }
  await next();
});

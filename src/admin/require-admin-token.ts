/**
 * Guards the admin API. Off by default: without `ADMIN_TOKEN` it answers 404, as if absent. The token
 * comes only as `Authorization: Bearer <token>`, never as a cookie, so another site cannot make a browser
 * call it. It is compared in constant time (SHA-256 of both sides, then `crypto.subtle.timingSafeEqual`).
 * Failures are logged and rate limited per client IP (429).
 */
import { createMiddleware } from "hono/factory";
import { RETRY_AFTER_LIMITED_SECONDS, tooManyFailures } from "../ingress/limit-failed-auth";
import { Problem } from "../ingress/problem";
import { log } from "../shared/log";
import { utf8 } from "../verify/encoding";

export function adminTokenOf(env: object): string | undefined {
  const token: unknown = Reflect.get(env, "ADMIN_TOKEN");
  return typeof token === "string" && token.length > 0 ? token : undefined;
}

export async function tokensMatch(presented: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", utf8.encode(presented)),
    crypto.subtle.digest("SHA-256", utf8.encode(expected)),
  ]);
  return crypto.subtle.timingSafeEqual(a, b);
}

export const requireAdminToken = createMiddleware<{ Bindings: Env }>(
  async function requireAdminToken(c, next) {
    const expected = adminTokenOf(c.env);
    if (!expected) throw new Problem(404, "No route matches this path.");
    const header = c.req.header("authorization");
    const presented = header?.startsWith("Bearer ") ? header.slice(7) : undefined;
    if (!presented || !(await tokensMatch(presented, expected))) {
      const ip = c.req.header("cf-connecting-ip");
      log("admin", { outcome: "unauthorized", path: new URL(c.req.url).pathname, ip });
      if (await tooManyFailures(c.env, "admin", ip)) {
        throw new Problem(429, "Too many failed attempts; retry later.", {
          "retry-after": RETRY_AFTER_LIMITED_SECONDS,
        });
      }
      throw new Problem(401, "A valid admin token is required.", {
        "www-authenticate": 'Bearer realm="hookgate-admin"',
      });
    }
    await next();
  },
);

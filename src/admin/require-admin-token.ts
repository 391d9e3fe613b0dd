/**
 * Guards the admin API. Off by default: without `ADMIN_TOKEN` (or with one shorter than 32 characters) it
 * answers 404, as if absent. The token comes only as `Authorization: Bearer <token>`, never as a cookie,
 * so another site cannot make a browser call it. It is compared in constant time (SHA-256 of both sides,
 * then `crypto.subtle.timingSafeEqual`). Failures are logged and rate limited per client IP, and a client
 * over the limit gets 429 for every attempt until the window passes (see `admin-lockout.ts`).
 */
import { createMiddleware } from "hono/factory";
import { log } from "../shared/log";
import { Problem } from "../shared/problem";
import { utf8 } from "../verify/encoding";
import { adminLockoutSeconds, recordFailedAdminAttempt } from "./admin-lockout";

/** Shorter admin tokens are refused: the admin surface then stays off. */
export const MIN_ADMIN_TOKEN_LENGTH = 32;

/** Why the admin surface is off although `ADMIN_TOKEN` is set, or null. */
export function adminTokenProblem(env: object): string | null {
  const token: unknown = Reflect.get(env, "ADMIN_TOKEN");
  if (typeof token !== "string" || token.length === 0 || token.length >= MIN_ADMIN_TOKEN_LENGTH) return null;
  return `ADMIN_TOKEN is shorter than ${MIN_ADMIN_TOKEN_LENGTH} characters, so the admin API and dashboard stay off`;
}

/** The admin token, or undefined while the admin surface is off (unset, or too short). */
export function adminTokenOf(env: object): string | undefined {
  const token: unknown = Reflect.get(env, "ADMIN_TOKEN");
  return typeof token === "string" && token.length >= MIN_ADMIN_TOKEN_LENGTH ? token : undefined;
}

/**
 * The token of an `Authorization: Bearer <token>` header, or undefined. The scheme is case-insensitive
 * (RFC 9110 §11.1), as are the spaces after it; anything else (Basic, no scheme) is no bearer token.
 */
export function bearerTokenOf(header: string | null | undefined): string | undefined {
  const match = header ? /^bearer +(\S.*)$/i.exec(header) : null;
  return match?.[1];
}

export async function tokensMatch(presented: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", utf8.encode(presented)),
    crypto.subtle.digest("SHA-256", utf8.encode(expected)),
  ]);
  return crypto.subtle.timingSafeEqual(a, b);
}

/** The 429 every attempt of a locked-out client gets. */
function lockedOut(retryAfterSeconds: number): Problem {
  return new Problem(429, "Too many failed attempts; retry later.", {
    "retry-after": String(retryAfterSeconds),
  });
}

export const requireAdminToken = createMiddleware<{ Bindings: Env }>(
  async function requireAdminToken(c, next) {
    const expected = adminTokenOf(c.env);
    if (!expected) throw new Problem(404, "No route matches this path.");
    const ip = c.req.header("cf-connecting-ip");
    const path = new URL(c.req.url).pathname;
    const wait = adminLockoutSeconds(ip);
    if (wait > 0) {
      log("admin", { outcome: "locked_out", path, ip });
      throw lockedOut(wait);
    }
    const header = c.req.header("authorization");
    const presented = bearerTokenOf(header);
    if (!presented || !(await tokensMatch(presented, expected))) {
      log("admin", { outcome: "unauthorized", path, ip });
      if (await recordFailedAdminAttempt(c.env, ip)) throw lockedOut(adminLockoutSeconds(ip));
      throw new Problem(401, "A valid admin token is required.", {
        "www-authenticate": 'Bearer realm="hookgate-admin"',
      });
    }
    await next();
  },
);

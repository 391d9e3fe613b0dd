/**
 * The dashboard's session cookie: a signed token (HS256 JWT) that carries its own 12-hour expiry, never
 * the admin token itself. It is signed with a key derived from `SESSION_SECRET` (else `ADMIN_TOKEN`) and
 * bound to the current `ADMIN_TOKEN`, so rotating either one ends every session. The cookie is HttpOnly,
 * SameSite=Strict, Path=/admin, and Secure except on a plain-http loopback address (`wrangler dev`).
 * Sessions are stateless: logout deletes the browser's cookie, but a copy taken earlier stays valid until
 * it expires or a secret is rotated.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { sign, verify } from "hono/jwt";
import type { CookieOptions } from "hono/utils/cookie";
import { z } from "zod";
import { adminTokenOf } from "../admin/require-admin-token";
import { utf8 } from "../verify/encoding";

export const SESSION_COOKIE = "hookgate_session";
export const SESSION_SECONDS = 12 * 60 * 60;
const AUDIENCE = "hookgate-dashboard";
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

const SessionClaims = z.object({
  sub: z.literal("admin"),
  aud: z.literal(AUDIENCE),
  iat: z.number().int(),
  exp: z.number().int(),
});

function cookieOptions(requestUrl: string): CookieOptions {
  const url = new URL(requestUrl);
  const plainLoopback = url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname);
  return { path: "/admin", httpOnly: true, sameSite: "Strict", secure: !plainLoopback };
}

/** HMAC-SHA256(SESSION_SECRET or ADMIN_TOKEN, label + ADMIN_TOKEN), hex: changes when either changes. */
async function sessionKey(env: object, adminToken: string): Promise<string> {
  const secret: unknown = Reflect.get(env, "SESSION_SECRET");
  const keyMaterial = typeof secret === "string" && secret.length > 0 ? secret : adminToken;
  const key = await crypto.subtle.importKey(
    "raw",
    utf8.encode(keyMaterial),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, utf8.encode(`hookgate dashboard session\n${adminToken}`));
  return [...new Uint8Array(mac)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** A signed session token valid for `SESSION_SECONDS` from `nowMs`; null while the admin surface is off. */
export async function issueSessionToken(env: object, nowMs = Date.now()): Promise<string | null> {
  const adminToken = adminTokenOf(env);
  if (!adminToken) return null;
  const iat = Math.floor(nowMs / 1000);
  const claims = { sub: "admin", aud: AUDIENCE, iat, exp: iat + SESSION_SECONDS };
  return sign(claims, await sessionKey(env, adminToken), "HS256");
}

/** True when `token` was issued by this gateway under its current secrets and has not expired. */
export async function sessionTokenValid(env: object, token: string): Promise<boolean> {
  const adminToken = adminTokenOf(env);
  if (!adminToken) return false;
  try {
    const payload = await verify(token, await sessionKey(env, adminToken), { alg: "HS256", aud: AUDIENCE });
    const claims = SessionClaims.safeParse(payload);
    return claims.success && claims.data.exp - claims.data.iat <= SESSION_SECONDS;
  } catch {
    return false;
  }
}

/** The session cookie's value, if the request carries one. */
export function sessionCookieOf(c: Context): string | undefined {
  return getCookie(c, SESSION_COOKIE);
}

export async function startAdminSession(c: Context<{ Bindings: Env }>): Promise<void> {
  const token = await issueSessionToken(c.env);
  if (token) setCookie(c, SESSION_COOKIE, token, { ...cookieOptions(c.req.url), maxAge: SESSION_SECONDS });
}

export function endAdminSession(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, cookieOptions(c.req.url));
}

/**
 * The dashboard's session cookie: the admin token itself, which `requireAdminToken` accepts in place of
 * a bearer header. HttpOnly (no script reads it), SameSite=Strict (never sent from another site),
 * Path=/admin, and Secure except on a plain-http loopback address, where `wrangler dev` serves.
 */
import type { Context } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import type { CookieOptions } from "hono/utils/cookie";
import { ADMIN_COOKIE } from "../admin/require-admin-token";

const SESSION_SECONDS = 12 * 60 * 60;
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

function cookieOptions(requestUrl: string): CookieOptions {
  const url = new URL(requestUrl);
  const plainLoopback = url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname);
  return { path: "/admin", httpOnly: true, sameSite: "Strict", secure: !plainLoopback };
}

export function startAdminSession(c: Context, token: string): void {
  setCookie(c, ADMIN_COOKIE, token, { ...cookieOptions(c.req.url), maxAge: SESSION_SECONDS });
}

export function endAdminSession(c: Context): void {
  deleteCookie(c, ADMIN_COOKIE, cookieOptions(c.req.url));
}

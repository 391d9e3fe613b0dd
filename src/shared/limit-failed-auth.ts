/**
 * Rate limits failed authentication (bad webhook signatures per source and client IP, wrong admin tokens
 * per client IP) with the Workers Rate Limiting binding. Only failures are counted, so a client sending
 * valid requests is never slowed down. Without `CF-Connecting-IP` (which Cloudflare always sets in
 * production) there is no client to attribute to, and nothing is limited.
 *
 * A client found over the limit is remembered in this isolate until the limit's window ends: its
 * requests then get the work of one valid request (see `knownOverLimit`) and their 429 without asking
 * the binding again.
 */
import { describeError, logError } from "./log";

export const RETRY_AFTER_LIMITED_SECONDS = "60";
/** The binding's period (wrangler.toml `[[ratelimits]]`). */
const LIMIT_WINDOW_MS = 60_000;
/**
 * Bounds the memory an attacker rotating IPs can make one isolate spend (~1 MB); the oldest entry goes
 * first, and the shared limiter still counts a forgotten client.
 */
const MAX_REMEMBERED_CLIENTS = 10_000;
const overLimitUntil = new Map<string, number>();

const clientKey = (scope: string, clientIp: string) => `${scope}:${clientIp}`;

/** Seconds until `scope` + client is no longer known (in this isolate) to be over the limit; 0 when it is not. */
export function overLimitSeconds(scope: string, clientIp: string | undefined, now = Date.now()): number {
  if (!clientIp) return 0;
  const key = clientKey(scope, clientIp);
  const until = overLimitUntil.get(key);
  if (until === undefined) return 0;
  if (until > now) return Math.ceil((until - now) / 1000);
  overLimitUntil.delete(key);
  return 0;
}

/**
 * True while `scope` + client is known (in this isolate) to be over the failed-auth limit. Ingress then
 * verifies with the current secret only and answers a failure with 429 at once.
 */
export const knownOverLimit = (scope: string, clientIp: string | undefined, now = Date.now()): boolean =>
  overLimitSeconds(scope, clientIp, now) > 0;

/** Remembers `scope` + client as over the limit for the limiter's window from `now`. */
export function rememberOverLimit(scope: string, clientIp: string, now = Date.now()): void {
  const key = clientKey(scope, clientIp);
  overLimitUntil.delete(key);
  if (overLimitUntil.size >= MAX_REMEMBERED_CLIENTS) {
    const [oldest] = overLimitUntil.keys();
    if (oldest !== undefined) overLimitUntil.delete(oldest);
  }
  overLimitUntil.set(key, now + LIMIT_WINDOW_MS);
}

/** Counts one failure for `scope` (a source name, or `admin`); true when the client is over the limit. */
export async function tooManyFailures(
  env: Env,
  scope: string,
  clientIp: string | undefined,
): Promise<boolean> {
  if (!clientIp) return false;
  try {
    const { success } = await env.FAILED_AUTH_LIMITER.limit({ key: clientKey(scope, clientIp) });
    if (!success) rememberOverLimit(scope, clientIp);
    return !success;
  } catch (error) {
    // An unavailable limiter must not turn a 401 into a 5xx.
    logError("ingress", { outcome: "rate_limiter_unavailable", error: describeError(error) });
    return false;
  }
}

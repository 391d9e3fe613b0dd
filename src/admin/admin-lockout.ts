/**
 * Locks a client out of the admin surface (API tokens and dashboard logins) once it is over the
 * failed-auth limit: every attempt, the right token included, then gets 429 until the window passes, so
 * guessing is slowed down and not merely answered with 429 for wrong guesses. The lockout is remembered
 * per isolate in a bounded map; the rate limiter behind it is shared, so an isolate that has not seen the
 * client yet locks it out again at its next wrong guess.
 */
import { RETRY_AFTER_LIMITED_SECONDS, tooManyFailures } from "../shared/limit-failed-auth";

const LOCKOUT_MS = Number(RETRY_AFTER_LIMITED_SECONDS) * 1000;
/** Beyond this many locked-out clients the oldest lockouts are forgotten (the limiter still counts). */
const MAX_LOCKED_CLIENTS = 10_000;

const lockedUntil = new Map<string, number>();

/** Seconds until `clientIp` may try again, or 0 when it is not locked out. */
export function adminLockoutSeconds(clientIp: string | undefined, nowMs = Date.now()): number {
  if (!clientIp) return 0;
  const until = lockedUntil.get(clientIp);
  if (until === undefined) return 0;
  if (until <= nowMs) {
    lockedUntil.delete(clientIp);
    return 0;
  }
  return Math.ceil((until - nowMs) / 1000);
}

/** Counts one failed admin attempt; true when the client is now over the limit (and locked out). */
export async function recordFailedAdminAttempt(
  env: Env,
  clientIp: string | undefined,
  nowMs = Date.now(),
): Promise<boolean> {
  if (!clientIp || !(await tooManyFailures(env, "admin", clientIp))) return false;
  lockClientOut(clientIp, nowMs);
  return true;
}

/** Locks `clientIp` out for the limiter's window from `nowMs`. */
export function lockClientOut(clientIp: string, nowMs = Date.now()): void {
  lockedUntil.delete(clientIp);
  lockedUntil.set(clientIp, nowMs + LOCKOUT_MS);
  for (const oldest of lockedUntil.keys()) {
    if (lockedUntil.size <= MAX_LOCKED_CLIENTS) break;
    lockedUntil.delete(oldest);
  }
}

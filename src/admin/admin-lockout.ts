/**
 * Locks a client out of the admin surface (API tokens and dashboard logins) once it is over the
 * failed-auth limit: every attempt, the right token included, then gets 429 until the window passes, so
 * guessing is slowed down and not merely answered with 429 for wrong guesses. The lockout is the shared
 * limiter's own per-isolate memory of over-limit clients (scope `admin`); the rate limiter behind it is
 * shared, so an isolate that has not seen the client yet locks it out again at its next wrong guess.
 */
import { overLimitSeconds, rememberOverLimit, tooManyFailures } from "../shared/limit-failed-auth";

const ADMIN_SCOPE = "admin";

/** Seconds until `clientIp` may try again, or 0 when it is not locked out. */
export const adminLockoutSeconds = (clientIp: string | undefined, nowMs = Date.now()): number =>
  overLimitSeconds(ADMIN_SCOPE, clientIp, nowMs);

/** Counts one failed admin attempt; true when the client is now over the limit (and locked out). */
export const recordFailedAdminAttempt = (env: Env, clientIp: string | undefined): Promise<boolean> =>
  tooManyFailures(env, ADMIN_SCOPE, clientIp);

/** Locks `clientIp` out for the limiter's window from `nowMs`. */
export const lockClientOut = (clientIp: string, nowMs = Date.now()): void =>
  rememberOverLimit(ADMIN_SCOPE, clientIp, nowMs);

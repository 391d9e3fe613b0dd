/**
 * Rate limits failed authentication (bad webhook signatures per source and client IP, wrong admin tokens
 * per client IP) with the Workers Rate Limiting binding. Only failures are counted, so a client sending
 * valid requests is never slowed down. Without `CF-Connecting-IP` (which Cloudflare always sets in
 * production) there is no client to attribute to, and nothing is limited.
 */
import { describeError, logError } from "../shared/log";

export const RETRY_AFTER_LIMITED_SECONDS = "60";

/** Counts one failure for `scope` (a source name, or `admin`); true when the client is over the limit. */
export async function tooManyFailures(
  env: Env,
  scope: string,
  clientIp: string | undefined,
): Promise<boolean> {
  if (!clientIp) return false;
  try {
    const { success } = await env.FAILED_AUTH_LIMITER.limit({ key: `${scope}:${clientIp}` });
    return !success;
  } catch (error) {
    // An unavailable limiter must not turn a 401 into a 5xx.
    logError("ingress", { outcome: "rate_limiter_unavailable", error: describeError(error) });
    return false;
  }
}

/**
 * Rate limits failed signature attempts per (source, client IP) with the Workers Rate Limiting binding.
 * Only failures are counted, so a client sending valid signed requests is never slowed down. Without
 * `CF-Connecting-IP` (which Cloudflare always sets in production) there is no client to attribute to.
 */
import { describeError, logError } from "../shared/log";

export const RETRY_AFTER_LIMITED_SECONDS = "60";

export async function tooManyFailedSignatures(
  env: Env,
  source: string,
  clientIp: string | undefined,
): Promise<boolean> {
  if (!clientIp) return false;
  try {
    const { success } = await env.FAILED_SIGNATURE_LIMITER.limit({ key: `${source}:${clientIp}` });
    return !success;
  } catch (error) {
    // An unavailable limiter must not turn a 401 into a 5xx.
    logError("ingress", { outcome: "rate_limiter_unavailable", error: describeError(error) });
    return false;
  }
}

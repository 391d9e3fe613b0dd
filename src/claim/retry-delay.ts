/** Exponential backoff with jitter for handler retries, never shorter than a `Retry-After` the agent asked for. */
import type { Settings } from "../config/settings";

/** Cloudflare Queues accept delays of at most 12 hours. */
export const MAX_QUEUE_DELAY_SECONDS = 43_200;

/**
 * Delay before attempt `attempt + 1`: base · 2^(attempt-1), capped, with "equal jitter" (between half
 * and all of it) so that retries of a burst spread out but never collapse to zero.
 */
export function retryDelaySeconds(
  attempt: number,
  settings: Pick<Settings, "RETRY_BASE_SECONDS" | "RETRY_MAX_SECONDS">,
  retryAfterSeconds = 0,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(
    settings.RETRY_MAX_SECONDS,
    settings.RETRY_BASE_SECONDS * 2 ** Math.max(0, attempt - 1),
  );
  const jittered = Math.ceil(ceiling / 2 + (random() * ceiling) / 2);
  return Math.min(MAX_QUEUE_DELAY_SECONDS, Math.max(jittered, Math.ceil(retryAfterSeconds)));
}

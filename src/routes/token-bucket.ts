/** A token bucket for a route's `ratePerSecond`: how many deliveries may start now, and when the next may. */

/** The bucket's state: `tokens` as of `updatedAt` (epoch ms), for `ratePerSecond`. Kept in memory only. */
export type TokenBucket = { ratePerSecond: number; tokens: number; updatedAt: number };

/** What a take from the bucket gives: how many may start now, and in how many ms one more may (0: all did). */
export type TakeResult = { granted: number; retryInMs: number };

/** The burst a route may start at once: one second's worth of its rate, and at least one delivery. */
export const burstOf = (ratePerSecond: number) => Math.max(1, ratePerSecond);

/** A full bucket: a route that has been idle may start a whole burst at once. */
export function fullBucket(ratePerSecond: number, now: number): TokenBucket {
  return { ratePerSecond, tokens: burstOf(ratePerSecond), updatedAt: now };
}

/**
 * Refills `bucket` to `now` (capped at the burst) and takes up to `wanted` whole tokens from it, in place.
 * A changed rate keeps the tokens earned so far, capped at the new burst. A clock that went backwards
 * (a caller's `now` behind the last one) refills nothing.
 *
 * @example at 2/s a full bucket grants 2 at once, then one every 500 ms.
 */
export function takeTokens(
  bucket: TokenBucket,
  ratePerSecond: number,
  wanted: number,
  now: number,
): TakeResult {
  const elapsedMs = Math.max(0, now - bucket.updatedAt);
  const burst = burstOf(ratePerSecond);
  bucket.tokens = Math.min(burst, bucket.tokens + (elapsedMs * ratePerSecond) / 1000);
  bucket.ratePerSecond = ratePerSecond;
  bucket.updatedAt = Math.max(bucket.updatedAt, now);
  // The epsilon keeps float refills (0.1 + 0.2 …) from withholding a token that is due.
  const granted = Math.max(0, Math.min(wanted, Math.floor(bucket.tokens + 1e-9)));
  bucket.tokens = Math.max(0, bucket.tokens - granted);
  if (granted === wanted) return { granted, retryInMs: 0 };
  return { granted, retryInMs: Math.max(1, Math.ceil(((1 - bucket.tokens) * 1000) / ratePerSecond)) };
}

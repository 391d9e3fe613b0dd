/** Freshness checks shared by every timestamped scheme: too old and too far in the future both fail. */
import { err, type VerifyResult, verified } from "./result";

export function checkFreshness(ts: number, nowSeconds: number, toleranceSeconds: number): VerifyResult {
  if (ts < nowSeconds - toleranceSeconds) return err({ reason: "stale", ts, now: nowSeconds });
  if (ts > nowSeconds + toleranceSeconds) return err({ reason: "future", ts, now: nowSeconds });
  return verified;
}

/** Parses a whole number of seconds; anything else (decimals, signs, spaces, huge values) is malformed. */
export function parseUnixSeconds(value: string | null | undefined): number | null {
  if (!value || !/^\d{1,12}$/.test(value)) return null;
  return Number(value);
}

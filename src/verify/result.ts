/** Tagged results for the trust boundary: verifiers never throw, they say why they refused. */

export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });

/**
 * Why a request's signature was refused. Logged in full; the client only ever sees one generic message.
 * `ts` and `now` are Unix seconds.
 */
export type VerifyFailure =
  | { reason: "missing_header"; header: string }
  | { reason: "malformed_header"; header: string }
  | { reason: "bad_signature" }
  | { reason: "stale"; ts: number; now: number }
  | { reason: "future"; ts: number; now: number }
  /** More than MAX_SIGNATURES signature entries: refused before any HMAC. */
  | { reason: "too_many_signatures"; header: string }
  /** A body that must be parsed before verifying (Mailgun, Twilio) is nested or split past the bounds. */
  | { reason: "body_too_complex"; detail: string };

export type VerifyResult = Result<true, VerifyFailure>;

export const verified: VerifyResult = ok(true);

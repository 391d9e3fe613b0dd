/** What `withTimeout` rejects with, so a caller can tell a timeout from the operation's own failure. */
export class TimeoutError extends Error {
  override name = "TimeoutError";
}

/** Rejects when `promise` has not settled within `ms`; the timer is always cleared. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what = "operation"): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => {
    if (timer !== undefined) clearTimeout(timer);
  });
}

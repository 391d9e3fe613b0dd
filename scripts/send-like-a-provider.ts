/**
 * Posts a webhook the way providers do: the identical signed request is retried after connection errors,
 * timeouts and 5xx, with exponential backoff and jitter, until it gets a 2xx or the attempts run out.
 * A 4xx is final (providers do not retry a rejected delivery either).
 */

export interface RetryPolicy {
  maxAttempts: number;
  firstDelayMs: number;
  maxDelayMs: number;
  timeoutMs: number;
}

export interface ProviderResult {
  /** The final HTTP status, or null when every attempt failed without one. */
  status: number | null;
  /** The `status` field of the final JSON answer (`accepted`, `duplicate`), if any. */
  outcome: string | null;
  attempts: number;
  /** One entry per failed attempt: an HTTP status or an error name. */
  failures: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function sendLikeAProvider(
  url: string,
  request: { headers: Record<string, string>; body: string },
  policy: RetryPolicy,
  random: () => number,
): Promise<ProviderResult> {
  const failures: string[] = [];
  for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: request.headers,
        body: request.body,
        signal: AbortSignal.timeout(policy.timeoutMs),
      });
      const text = await response.text();
      if (response.status < 500) {
        let outcome: string | null = null;
        try {
          outcome = String(JSON.parse(text).status ?? "") || null;
        } catch {}
        return { status: response.status, outcome, attempts: attempt, failures };
      }
      failures.push(String(response.status));
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
      failures.push(cause instanceof Error ? ((cause as { code?: string }).code ?? cause.name) : "error");
    }
    if (attempt < policy.maxAttempts) {
      const backoff = Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** (attempt - 1));
      await sleep(backoff / 2 + random() * (backoff / 2));
    }
  }
  return { status: null, outcome: null, attempts: policy.maxAttempts, failures };
}

/** Runs `work` over `items` with at most `concurrency` in flight, in order of the array. */
export async function forEachConcurrently<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

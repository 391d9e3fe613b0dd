/** Runs one agent handler for one event with its context and a time limit; logs failures (and, at debug, successes). */
import type { Settings } from "../config/settings";
import type { WebhookEnvelope } from "../handlers/envelope";
import { GiveUp, RetryLater } from "../handlers/handler-error";
import type { HandlerRoute } from "../handlers/handler-registry";
import { describeError, log, logDebug } from "../shared/log";
import { withTimeout } from "../shared/with-timeout";

export type HandlerOutcome = { startedAt: number; durationMs: number } & (
  | { ok: true }
  | { ok: false; error: string; retryAfterSeconds?: number; permanent: boolean }
);

export async function runHandler(
  route: HandlerRoute,
  event: WebhookEnvelope,
  attempt: number,
  idempotencyKey: string,
  env: Env,
  settings: Settings,
): Promise<HandlerOutcome> {
  const fields = { source: event.source, id: event.id, type: event.type, handler: route.name, attempt };
  const context = {
    env,
    idempotencyKey,
    attempt,
    log: (message: string, extra: Record<string, unknown> = {}) =>
      log("handler", { ...fields, message, ...extra }),
  };
  const startedAt = Date.now();
  // The handler must finish well inside its lease, or another consumer could start it concurrently.
  const limitMs = settings.HANDLER_LEASE_SECONDS * 900;
  try {
    await withTimeout(
      Promise.resolve().then(() => route.handler(event, context)),
      limitMs,
      "handler",
    );
    const durationMs = Date.now() - startedAt;
    logDebug(env, "deliver", { ...fields, outcome: "done", ms: durationMs });
    return { ok: true, startedAt, durationMs };
  } catch (error) {
    const durationMs = Date.now() - startedAt;
    const retryAfterSeconds = error instanceof RetryLater ? error.retryAfterSeconds : undefined;
    log("deliver", { ...fields, outcome: "failed", ms: durationMs, error: describeError(error) });
    const permanent = error instanceof GiveUp;
    return { ok: false, error: describeError(error), retryAfterSeconds, permanent, startedAt, durationMs };
  }
}

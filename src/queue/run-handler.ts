/** Runs one agent handler for one event with its context and a time limit; logs successes at debug (run-event.ts logs failures, with their next try). */
import type { Settings } from "../config/settings";
import type { AttemptDetails, WebhookEnvelope } from "../handlers/envelope";
import { GiveUp, RetryLater } from "../handlers/handler-error";
import type { HandlerRoute } from "../handlers/handler-registry";
import { describeError, log, logDebug } from "../shared/log";
import { withTimeout } from "../shared/with-timeout";

export type HandlerOutcome = { startedAt: number; durationMs: number; details: AttemptDetails } & (
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
  let details: AttemptDetails = { destination: `handler ${route.name}` };
  const context = {
    env,
    idempotencyKey,
    attempt,
    log: (message: string, extra: Record<string, unknown> = {}) =>
      log("handler", { ...fields, message, ...extra }),
    describeAttempt: (reported: AttemptDetails) => {
      details = { ...details, ...reported };
    },
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
    return { ok: true, startedAt, durationMs, details };
  } catch (error) {
    const durationMs = Date.now() - startedAt;
    const retryAfterSeconds = error instanceof RetryLater ? error.retryAfterSeconds : undefined;
    const permanent = error instanceof GiveUp;
    const reason = operatorReason(error);
    return { ok: false, error: reason, retryAfterSeconds, permanent, startedAt, durationMs, details };
  }
}

/**
 * The failure as an operator should read it: `RetryLater` and `GiveUp` are how a handler says what to do
 * next, not what went wrong, and a plain `Error` names nothing, so only their message is kept; other
 * errors keep their name, which says something (`TypeError: …`).
 */
function operatorReason(error: unknown): string {
  if (
    error instanceof RetryLater ||
    error instanceof GiveUp ||
    (error instanceof Error && error.name === "Error")
  )
    return error.message.replace(/\s+/g, " ").slice(0, 500) || "the handler gave no reason";
  return describeError(error);
}

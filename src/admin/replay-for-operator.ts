/**
 * One replay as an operator asks for it, from the admin API or the dashboard: the same checks, errors and
 * log line for both, so the two routes cannot drift apart.
 */
import { handlers } from "../handlers/agent-handlers";
import { routeTableFor } from "../handlers/route-table";
import { log } from "../shared/log";
import { Problem } from "../shared/problem";
import { replayEvent } from "./replay-event";

/**
 * Replays `source`/`id` to every route it was given when claimed (or, stored without routes, to every
 * matching handler), or to `handler` only (a route or handler name), and returns the replay number.
 * Throws a 400 Problem for an unknown route or handler, 404 for an unknown (or purged) event, 409 when its payload
 * is past the replay window or the event was filtered and no route is named, and 503 when the replay could not be enqueued.
 */
export async function replayForOperator(
  env: Env,
  source: string,
  id: string,
  handler: string | undefined,
  via: "api" | "dashboard",
): Promise<number> {
  refuseUnknownReplayTarget(env, handler);
  const outcome = await replayEvent(env, source, id, handler);
  if (!outcome.ok && outcome.reason === "not_found")
    throw new Problem(404, "No such event (or it is past retention).");
  if (!outcome.ok && outcome.reason === "filtered")
    throw new Problem(
      409,
      "No route matched this event when it was accepted (filtered); replay it to one route with ?handler=<route>.",
    );
  if (!outcome.ok && outcome.reason === "payload_purged") {
    log("admin", { outcome: "replay_refused", reason: "payload_purged", via, source, id });
    throw new Problem(409, payloadPurgedMessage(outcome.claimKeptUntil));
  }
  if (!outcome.ok)
    throw new Problem(503, "The replay could not be enqueued; try again.", { "retry-after": "5" });
  log("admin", { outcome: "replayed", via, source, id, replay: outcome.replay, handler: handler ?? null });
  return outcome.replay;
}

/** Throws a 400 Problem unless `handler` is absent or names a route or a registered handler. */
export function refuseUnknownReplayTarget(env: Env, handler: string | undefined): void {
  if (handler && !handlers.byName(handler) && !routeTableFor(env).routes.has(handler))
    throw new Problem(400, `No route or handler is named "${handler}".`);
}

/** Why an event past the replay window cannot be replayed, in the words the API and dashboard both use. */
export function payloadPurgedMessage(claimKeptUntil: number): string {
  return (
    "The payload is past the replay window (REPLAY_RETENTION_HOURS) and was deleted; the claim is kept " +
    `for deduplication until ${new Date(claimKeptUntil).toISOString()}.`
  );
}

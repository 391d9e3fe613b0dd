/**
 * One replay as an operator asks for it, from the admin API or the dashboard: the same checks, errors and
 * log line for both, so the two routes cannot drift apart.
 */
import { handlers } from "../handlers/agent-handlers";
import { log } from "../shared/log";
import { Problem } from "../shared/problem";
import { replayEvent } from "./replay-event";

/**
 * Replays `source`/`id` to every matching handler, or to `handler` only, and returns the replay number.
 * Throws a 400 Problem for an unknown handler, 404 for an unknown (or purged) event, and 503 when the
 * replay could not be enqueued.
 */
export async function replayForOperator(
  env: Env,
  source: string,
  id: string,
  handler: string | undefined,
  via: "api" | "dashboard",
): Promise<number> {
  if (handler && !handlers.byName(handler)) throw new Problem(400, `No handler is named "${handler}".`);
  const outcome = await replayEvent(env, source, id, handler);
  if (!outcome.ok && outcome.reason === "not_found")
    throw new Problem(404, "No such event (or it is past retention).");
  if (!outcome.ok)
    throw new Problem(503, "The replay could not be enqueued; try again.", { "retry-after": "5" });
  log("admin", { outcome: "replayed", via, source, id, replay: outcome.replay, handler: handler ?? null });
  return outcome.replay;
}

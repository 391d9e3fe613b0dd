/**
 * One event as an operator sees it (API and dashboard): the event log row, attempts and deliveries, and
 * the stored request from its ledger shard with credential-like headers masked.
 */

import { ledgerFor } from "../claim/shard-for-event";
import { settingsFrom } from "../config/settings";
import { sourcesFor } from "../config/sources-from-env";
import { routeTableFor } from "../handlers/route-table";
import { readBody } from "../normalize/read-body";
import { payloadFor } from "../queue/build-envelope";
import { describeError, logError } from "../shared/log";
import { Problem } from "../shared/problem";
import { maskHeaders } from "./mask-headers";
import { readEvent } from "./read-event-log";

export type EventDetailView = NonNullable<Awaited<ReturnType<typeof loadEventDetail>>>;

/**
 * Null when the event log has no such event. `headers`, `payload` and `bodyText` (the body as received,
 * "" when it is not UTF-8) are null once the body is deleted (past the replay window or retention). `payload` may be nested arbitrarily deep.
 */
export async function loadEventDetail(env: Env, source: string, id: string) {
  const found = await readEvent(env, source, id);
  if (!found) return null;
  const stored = await ledgerFor(env, found.shard)
    .readStored({ source, id })
    .catch((error: unknown) => {
      logError("admin", { outcome: "stored_request_unreadable", source, id, error: describeError(error) });
      throw new Problem(503, "The event's stored request could not be read just now. Retry in a moment.", {
        "retry-after": "5",
      });
    });
  return {
    event: found.event,
    attempts: found.attempts,
    /** Every delivery's current state, also those that do not decide the event's status. */
    deliveries: found.deliveries,
    maxAttempts: settingsFrom(env).HANDLER_MAX_ATTEMPTS,
    /** Each configured route's attempt budget (its own `maxAttempts`, else `maxAttempts`). */
    maxAttemptsByRoute: Object.fromEntries(
      [...routeTableFor(env).routes.values()].map((route) => [
        route.name,
        route.maxAttempts ?? settingsFrom(env).HANDLER_MAX_ATTEMPTS,
      ]),
    ),
    /** The routes chosen when the event was claimed (null: stored without routes). */
    routes: found.routes,
    headers: stored ? maskHeaders(stored.headers) : null,
    payload: stored ? payloadFor(sourcesFor(env).sources.get(source), stored.headers, stored.body) : null,
    bodyText: stored ? (readBody(stored.body).text() ?? "") : null,
    payloadAvailable: stored !== null,
    /** Which secret verified the event: `current`, or `previous` during a rotation (null: not verified). */
    verifiedWith: found.verifiedWith,
  };
}

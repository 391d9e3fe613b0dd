/**
 * The ingress side of ordered lanes: once an event's claim is durable (accepted, not a duplicate), it is
 * appended to its lane on each ordered route it matched, before the 202 is sent, so an event accepted after
 * another's 202 always stands behind it. A failed append is logged, never refused: the claim is durable, and
 * the consumer appends the event when it first sees it (docs/architecture.md, "Ordered lanes").
 */
import { shardForEvent } from "../claim/shard-for-event";
import { settingsFrom } from "../config/settings";
import { routeTableFor } from "../handlers/route-table";
import type { FilterSubject } from "../routes/match-filter";
import { describeError, log, logError } from "../shared/log";
import { isOrdered, laneCallFor, laneKeeperFor } from "./lane-ticket";

/** Appends an accepted event to its lane on each ordered route among `routes` (one call per route). */
export async function appendToLanes(
  env: Env,
  subject: FilterSubject & { id: string },
  routes: readonly string[] | undefined,
): Promise<void> {
  const table = routeTableFor(env);
  const { source, id, type } = subject;
  const event = { source, id, type, shard: shardForEvent(source, id, settingsFrom(env).CLAIM_SHARDS) };
  const calls = (routes ?? []).flatMap((name) => {
    const route = table.routes.get(name);
    if (!isOrdered(route)) return [];
    const call = laneCallFor(route, subject, event);
    if (call === null)
      log("ingress", { outcome: "no_lane_key", route: name, id: event.id, orderBy: route.orderBy });
    return call === null ? [] : [call];
  });
  await Promise.all(
    calls.map(async (call) => {
      try {
        await laneKeeperFor(env, call.route, call.key).append(call);
      } catch (error) {
        logError("ingress", {
          outcome: "lane_append_failed",
          route: call.route,
          id: event.id,
          error: describeError(error),
        });
      }
    }),
  );
}

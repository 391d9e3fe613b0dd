/**
 * Which lane an event takes on an ordered route: its key (the `orderBy` value), the route's policy and the
 * LaneKeeper instance that holds the lane. Ingress and the consumer compute it the same way, from the same
 * parsed payload, so both reach the same instance.
 */
import { shardForEvent } from "../claim/shard-for-event";
import type { RouteConfig } from "../config/route-schema";
import { type FilterSubject, valueAtPath } from "../routes/match-filter";
import type { LaneCall, LaneEvent } from "./lane-schemas";

/**
 * Each route's lanes are spread over this many LaneKeeper instances by a hash of the key, so no route has
 * one hot object. Changing it moves lanes between instances: do it only while no ordered event is in flight.
 */
export const LANE_GROUPS = 64;
const MAX_KEY_CHARS = 256;

/** A route that has `orderBy`, narrowed. */
export type OrderedRoute = RouteConfig & { orderBy: string };

export const isOrdered = (route: RouteConfig | undefined): route is OrderedRoute =>
  route?.orderBy !== undefined;

/** A lane key from a path's value: text or a finite number; anything else (or a long text) has no lane. */
function keyOf(value: unknown): string | null {
  const key = typeof value === "number" && Number.isFinite(value) ? String(value) : value;
  return typeof key === "string" && key.length > 0 && key.length <= MAX_KEY_CHARS ? key : null;
}

/**
 * The lane call for one event on one ordered route; null when the event has no usable key there (it is then
 * delivered unordered, and the reason logged by the caller).
 */
export function laneCallFor(route: OrderedRoute, subject: FilterSubject, event: LaneEvent): LaneCall | null {
  const key = keyOf(valueAtPath(subject, route.orderBy));
  if (key === null) return null;
  const value = route.coalesceBy === undefined ? undefined : valueAtPath(subject, route.coalesceBy);
  const orderValue =
    (typeof value === "number" && Number.isFinite(value)) ||
    (typeof value === "string" && value.length <= 256)
      ? value
      : null;
  return {
    route: route.name,
    key,
    policy: { onPoison: route.onPoison ?? "skip", coalesce: route.coalesce ?? null },
    event,
    orderValue,
  };
}

/** The LaneKeeper holding `key`'s lane on `route`. */
export function laneKeeperFor(env: Env, route: string, key: string) {
  return env.LANE_KEEPER.getByName(`${route}#${shardForEvent(route, key, LANE_GROUPS)}`);
}

/**
 * Which budget an event counts against: the key value its route's `budget.key` path reads from the
 * envelope, and the RouteBudget instance (one per route and key group) that counts that key.
 */
import { type FilterSubject, valuesAtPath } from "./match-filter";

/**
 * Key groups per route: each key always lands in the same group (so counting is exact), and a route's
 * events spread over this many instances. Changing it moves keys between groups and restarts their counts.
 */
export const BUDGET_GROUPS = 16;
/** Key values longer than this are counted under `sha256:<hex>` of the value. */
const MAX_KEY_CHARS = 64;

/**
 * The budget key of an event: the first string, number or boolean found at `path`, as a string; a long
 * value becomes `sha256:<hex>` of it. Null when the path finds no such value: the event is not budgeted.
 *
 * @example await budgetKeyOf(envelope, "payload.issue.number") // "42"
 */
export async function budgetKeyOf(event: FilterSubject, path: string): Promise<string | null> {
  const value = valuesAtPath(event, path).find(
    (found) => typeof found === "string" || typeof found === "number" || typeof found === "boolean",
  );
  if (value === undefined || value === "") return null;
  const key = String(value);
  if (key.length <= MAX_KEY_CHARS) return key;
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
  return `sha256:${[...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}

/** The group of a key: FNV-1a of the key, modulo BUDGET_GROUPS. */
export function budgetGroupOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % BUDGET_GROUPS;
}

/** The RouteBudget instance that counts `key` for `route` (route names hold no `/`). */
export function budgetOfKey(env: Env, route: string, key: string) {
  return env.ROUTE_BUDGET.getByName(`${route}/${budgetGroupOf(key)}`);
}

/** Every RouteBudget instance of `route`, to list its tripped keys. */
export function budgetGroupsOfRoute(env: Env, route: string) {
  return Array.from({ length: BUDGET_GROUPS }, (_, group) => env.ROUTE_BUDGET.getByName(`${route}/${group}`));
}

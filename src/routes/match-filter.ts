/**
 * Decides whether an event passes a route's filter: a pure, total function that never throws and does
 * bounded work whatever the payload holds. docs/filters.md states the rules it implements.
 */

import { ownValue } from "../shared/own-value";
import { MAX_FILTER_DEPTH, type RouteFilter } from "./filter-schema";

/** The parts of an event a filter can see; any webhook envelope has them. */
export interface FilterSubject {
  readonly id?: string;
  readonly source: string;
  readonly type: string;
  readonly payload: unknown;
  readonly headers: Readonly<Record<string, string>>;
}

/** Arrays inside arrays are looked into this many levels deep; deeper ones count as values only. */
const MAX_ARRAY_NESTING = 16;
/** Values one path collects (array elements included); the rest of a huge array is not looked at. */
const MAX_VALUES_PER_PATH = 10_000;

/** The values themselves plus every element of the arrays among them (arrays in arrays too). */
function withElements(values: readonly unknown[]): unknown[] {
  const queue: [value: unknown, nesting: number][] = values
    .slice(0, MAX_VALUES_PER_PATH)
    .map((value) => [value, 0]);
  // for…of visits the entries pushed while it runs: a breadth-first walk without recursion.
  for (const [value, nesting] of queue) {
    if (!Array.isArray(value) || nesting >= MAX_ARRAY_NESTING) continue;
    for (const element of value.slice(0, MAX_VALUES_PER_PATH - queue.length))
      queue.push([element, nesting + 1]);
  }
  return queue.map(([value]) => value);
}

/** The values a dotted path reaches from `values`, going through every array on the way. */
function valuesAt(values: readonly unknown[], path: string): unknown[] {
  let current: unknown[] = [...values];
  for (const segment of path.split(".")) {
    const next: unknown[] = [];
    for (const value of withElements(current)) {
      const child = ownValue(value, segment);
      if (child !== undefined) next.push(child);
    }
    current = next;
  }
  return current;
}

/** Structural JSON equality; the work is bounded by `expected`, which comes from the (bounded) filter. */
function jsonEqual(value: unknown, expected: unknown): boolean {
  if (typeof expected !== "object" || expected === null) return value === expected;
  if (Array.isArray(expected)) {
    return (
      Array.isArray(value) &&
      value.length === expected.length &&
      expected.every((item, index) => jsonEqual(value[index], item))
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(expected);
  return (
    Object.keys(value).length === keys.length &&
    keys.every((key) => Object.hasOwn(value, key) && jsonEqual(ownValue(value, key), ownValue(expected, key)))
  );
}

/** Numbers compare with numbers, strings with strings (by code unit); any other pair does not compare. */
function compare(value: unknown, bound: unknown): number | null {
  const comparable =
    (typeof value === "number" && typeof bound === "number") ||
    (typeof value === "string" && typeof bound === "string");
  if (!comparable) return null;
  return value < bound ? -1 : value > bound ? 1 : 0;
}

function operatorHolds(operator: string, operand: unknown, values: unknown[], depth: number): boolean {
  const someCandidate = (test: (value: unknown) => boolean) => withElements(values).some(test);
  const ordered = (test: (order: number) => boolean) =>
    someCandidate((value) => {
      const order = compare(value, operand);
      return order !== null && test(order);
    });
  const isIn = (list: unknown[]) => someCandidate((value) => list.some((item) => jsonEqual(value, item)));
  switch (operator) {
    case "$eq":
      return someCandidate((value) => jsonEqual(value, operand));
    case "$neq":
      return !someCandidate((value) => jsonEqual(value, operand));
    case "$in":
      return Array.isArray(operand) && isIn(operand);
    case "$nin":
      return Array.isArray(operand) && !isIn(operand);
    case "$exists":
      return typeof operand === "boolean" && values.length > 0 === operand;
    case "$startsWith":
      return (
        typeof operand === "string" && someCandidate((v) => typeof v === "string" && v.startsWith(operand))
      );
    case "$endsWith":
      return (
        typeof operand === "string" && someCandidate((v) => typeof v === "string" && v.endsWith(operand))
      );
    case "$gt":
      return ordered((order) => order > 0);
    case "$gte":
      return ordered((order) => order >= 0);
    case "$lt":
      return ordered((order) => order < 0);
    case "$lte":
      return ordered((order) => order <= 0);
    case "$and":
      return (
        Array.isArray(operand) &&
        operand.length > 0 &&
        operand.every((condition) => holds(condition, values, depth + 1))
      );
    case "$or":
      return Array.isArray(operand) && operand.some((condition) => holds(condition, values, depth + 1));
    case "$not":
      return !holds(operand, values, depth + 1);
    default:
      return false;
  }
}

/** Whether `condition` holds for the values found at one place in the event. */
function holds(condition: unknown, values: unknown[], depth: number): boolean {
  if (depth > MAX_FILTER_DEPTH) return false;
  if (Array.isArray(condition)) {
    return condition.length > 0 && condition.every((item) => holds(item, values, depth + 1));
  }
  if (typeof condition === "object" && condition !== null) {
    return Object.entries(condition).every(([key, operand]) =>
      key.startsWith("$")
        ? operatorHolds(key, operand, values, depth)
        : holds(operand, valuesAt(values, key), depth + 1),
    );
  }
  return withElements(values).some((value) => value === condition);
}

/** The envelope as filters and lane paths see it: `id`, `source`, `type`, `payload`, `headers`. */
function rootOf(event: FilterSubject) {
  return {
    ...(event.id === undefined ? {} : { id: event.id }),
    source: event.source,
    type: event.type,
    payload: event.payload,
    headers: event.headers,
  };
}

/**
 * The values a dotted path (`payload.job_id`) reaches in an event, as a filter sees them: through every
 * array on the way, own data keys only. Empty when the path leads nowhere; never throws. An agent
 * destination's `name` and a budget's `key` are read with it.
 */
export function valuesAtPath(event: FilterSubject, path: string): unknown[] {
  return valuesAt([rootOf(event)], path);
}

/** The first value a dotted path reaches (undefined: none). Lanes read `orderBy` and `coalesceBy` with it. */
export function valueAtPath(event: FilterSubject, path: string): unknown {
  return valuesAtPath(event, path)[0];
}

/**
 * Whether an event passes a filter. Never throws: a path that leads nowhere finds no values, a type
 * mismatch is simply false, and a payload of any size or depth is looked at only as far as the limits.
 *
 * @example matchesFilter({ "payload.issue.labels.name": "bug" }, envelope) // a label named "bug"
 */
export function matchesFilter(filter: RouteFilter, event: FilterSubject): boolean {
  return holds(filter, [rootOf(event)], 1);
}

/**
 * The zod schema of a route's `filter`, which arrives from config (a trust boundary): every mistake is
 * reported with its path and a sentence saying what to write instead. docs/filters.md describes the syntax.
 */
import { z } from "zod";

/** A JSON value, as a filter holds it and as `$eq`, `$in` and friends compare against. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A validated filter: an object whose keys are dotted paths into the event, or operators. */
export type RouteFilter = { readonly [pathOrOperator: string]: JsonValue };

/** Objects and arrays nest at most this deep in a filter, counting the filter itself as level 1. */
export const MAX_FILTER_DEPTH = 16;
/** Values (objects, arrays, scalars) in one filter, `$in` lists included. */
export const MAX_FILTER_NODES = 10_000;
/** Length of one dotted path. */
export const MAX_PATH_LENGTH = 256;

/** Every operator a filter may use; docs/filters.md says what each one means. */
export const FILTER_OPERATORS = [
  "$eq",
  "$neq",
  "$in",
  "$nin",
  "$exists",
  "$startsWith",
  "$endsWith",
  "$gt",
  "$gte",
  "$lt",
  "$lte",
  "$and",
  "$or",
  "$not",
] as const;

type Issue = { path: (string | number)[]; message: string };

/** An object literal, a parsed JSON object or a prototype-less one: not an array, a class instance or `null`. */
function isPlainObject(value: unknown): value is object {
  if (typeof value !== "object" || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Deeper or larger than the limits, measured without recursion so a hostile config cannot overflow the stack. */
function sizeProblem(filter: unknown): string | null {
  const pending: [unknown, number][] = [[filter, 1]];
  let nodes = 0;
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [node, depth] = next;
    if (++nodes > MAX_FILTER_NODES) return `a filter holds at most ${MAX_FILTER_NODES} values`;
    if (typeof node !== "object" || node === null) continue;
    if (depth > MAX_FILTER_DEPTH) return `a filter nests at most ${MAX_FILTER_DEPTH} levels deep`;
    for (const child of Object.values(node)) pending.push([child, depth + 1]);
  }
  return null;
}

function checkJson(value: unknown, path: Issue["path"], issues: Issue[]): void {
  if (value === null || typeof value === "string" || typeof value === "boolean") return;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) issues.push({ path, message: "numbers must be finite" });
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      checkJson(item, [...path, index], issues);
    });
    return;
  }
  if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) checkJson(item, [...path, key], issues);
    return;
  }
  issues.push({ path, message: "expected a JSON value" });
}

/**
 * What is wrong with a dotted path into the envelope (`payload.job_id`), or null: filters and the other
 * route options that name a place in the event (an agent destination's `name`, a budget's `key`) share
 * this one rule.
 */
export function checkPath(key: string): string | null {
  if (key.length > MAX_PATH_LENGTH) return `a path is at most ${MAX_PATH_LENGTH} characters`;
  const segments = key.split(".");
  if (segments.some((segment) => segment === "")) {
    return `"${key}" is not a path: write dot-separated names such as "payload.issue.state"`;
  }
  if (segments.includes("__proto__")) return `"__proto__" cannot be matched`;
  return null;
}

/** What is wrong with one operator and its operand, or null; operands that hold conditions are checked in turn. */
function operatorProblem(
  operator: string,
  operand: unknown,
  path: Issue["path"],
  issues: Issue[],
): string | null {
  switch (operator) {
    case "$eq":
    case "$neq":
      checkJson(operand, path, issues);
      return null;
    case "$in":
    case "$nin":
      if (!Array.isArray(operand)) return `${operator} takes an array of values, such as ["bug", "ui"]`;
      checkJson(operand, path, issues);
      return null;
    case "$exists":
      return typeof operand === "boolean" ? null : "$exists takes true or false";
    case "$startsWith":
    case "$endsWith":
      return typeof operand === "string" ? null : `${operator} takes a string`;
    case "$gt":
    case "$gte":
    case "$lt":
    case "$lte":
      return typeof operand === "string" || (typeof operand === "number" && Number.isFinite(operand))
        ? null
        : `${operator} takes a number or a string`;
    case "$and":
    case "$or":
      if (!Array.isArray(operand) || operand.length === 0)
        return `${operator} takes a non-empty array of conditions`;
      operand.forEach((condition, index) => {
        checkCondition(condition, [...path, index], issues);
      });
      return null;
    case "$not":
      checkCondition(operand, path, issues);
      return null;
    default:
      return `unknown operator ${operator}: use one of ${FILTER_OPERATORS.join(", ")}`;
  }
}

/** An object whose keys are operators or dotted paths (the top level of a filter may be empty). */
function checkConditionObject(
  value: object,
  path: Issue["path"],
  issues: Issue[],
  allowEmpty: boolean,
): void {
  const entries = Object.entries(value);
  if (entries.length === 0 && !allowEmpty) {
    issues.push({ path, message: "an empty object matches everything: leave it out" });
  }
  for (const [key, operand] of entries) {
    if (key.startsWith("$")) {
      const problem = operatorProblem(key, operand, [...path, key], issues);
      if (problem) issues.push({ path: [...path, key], message: problem });
      continue;
    }
    const pathProblem = checkPath(key);
    if (pathProblem) issues.push({ path: [...path, key], message: pathProblem });
    else checkCondition(operand, [...path, key], issues);
  }
}

/** What may stand under a path: a value (equality), a non-empty list (contains all), or an object. */
function checkCondition(value: unknown, path: Issue["path"], issues: Issue[]): void {
  if (Array.isArray(value)) {
    if (value.length === 0) {
      issues.push({
        path,
        message: 'an empty list matches everything: to match an empty array write { "$eq": [] }',
      });
    }
    value.forEach((item, index) => {
      checkCondition(item, [...path, index], issues);
    });
  } else if (isPlainObject(value)) {
    checkConditionObject(value, path, issues, false);
  } else {
    checkJson(value, path, issues);
  }
}

/**
 * A route filter: a JSON object matched against the event envelope (`source`, `type`, `id`,
 * `payload.…`, `headers.…`). Keys are dotted paths or the operators `$eq`, `$neq`, `$in`, `$nin`,
 * `$exists`, `$startsWith`, `$endsWith`, `$gt`, `$gte`, `$lt`, `$lte`, `$and`, `$or`, `$not`.
 * The parsed value is the input itself, unchanged (nothing is rebuilt, so no key is lost).
 *
 * @example RouteFilter.parse({ "payload.issue.labels.name": { "$in": ["bug"] }, "payload.sender.type": { "$neq": "Bot" } })
 */
export const RouteFilter = z
  .custom<RouteFilter>(
    (value) => isPlainObject(value),
    'a filter is an object such as { "payload.action": "opened" }',
  )
  .superRefine((filter, context) => {
    if (!isPlainObject(filter)) return;
    const tooBig = sizeProblem(filter);
    if (tooBig) {
      context.addIssue({ code: "custom", message: tooBig });
      return;
    }
    const issues: Issue[] = [];
    checkConditionObject(filter, [], issues, true);
    for (const issue of issues) context.addIssue({ code: "custom", ...issue });
  });

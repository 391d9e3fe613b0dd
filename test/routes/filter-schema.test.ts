import { describe, expect, it } from "vitest";
import { z } from "zod";
import { MAX_FILTER_DEPTH, RouteFilter } from "../../src/routes/filter-schema";

/** Each issue as `path: message`, the way a config error is reported. */
function problems(filter: unknown): string[] {
  const result = RouteFilter.safeParse(filter);
  if (result.success) return [];
  return result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
}

/** A filter `levels` objects deep: { "payload.a": { "payload.a": … "bug" } }. */
function nested(levels: number): unknown {
  let filter: unknown = "bug";
  for (let level = 0; level < levels; level++) filter = { "payload.a": filter };
  return filter;
}

describe("RouteFilter accepts", () => {
  it.each([
    [
      "the seed example",
      { "payload.issue.labels.name": { $in: ["bug"] }, "payload.sender.type": { $neq: "Bot" } },
    ],
    ["the empty filter", {}],
    ["plain values", { source: "github", "payload.n": 1, "payload.ok": true, "payload.none": null }],
    ["nested objects", { payload: { issue: { state: "open" } } }],
    ["lists (contains all)", { "payload.tags": ["a", { name: "b" }] }],
    [
      "every operator",
      { "payload.n": { $eq: 1, $neq: 2, $in: [], $nin: [3], $exists: true, $gt: 0, $gte: "a" } },
    ],
    ["string operators", { type: { $startsWith: "issues.", $endsWith: ".opened", $lt: "z", $lte: 9 } }],
    [
      "logic",
      { $and: [{ source: "a" }], $or: [{ type: "b" }, "c"], $not: { "payload.x": { $exists: true } } },
    ],
    ["JSON operands", { "payload.sender": { $eq: { login: "octocat", ids: [1, 2] } } }],
    [`${MAX_FILTER_DEPTH} levels`, nested(MAX_FILTER_DEPTH)],
  ])("%s", (_name, filter) => {
    expect(problems(filter)).toEqual([]);
  });

  it("returns the filter itself, nothing rebuilt or dropped", () => {
    const filter = JSON.parse('{ "payload.a": { "$in": [1] }, "$or": [{ "type": "x" }] }');
    expect(RouteFilter.parse(filter)).toBe(filter);
  });
});

describe("RouteFilter rejects, saying where and why", () => {
  it.each<[string, unknown, string]>([
    [
      "an unknown operator",
      { "payload.a": { $regex: "x" } },
      "payload.a.$regex: unknown operator $regex: use one of $eq",
    ],
    [
      "Hookdeck's $exist spelling",
      { "payload.a": { $exist: true } },
      "payload.a.$exist: unknown operator $exist",
    ],
    [
      "$in that is not an array",
      { "payload.a": { $in: "bug" } },
      'payload.a.$in: $in takes an array of values, such as ["bug", "ui"]',
    ],
    [
      "$nin that is not an array",
      { "payload.a": { $nin: 1 } },
      "payload.a.$nin: $nin takes an array of values",
    ],
    [
      "$exists that is not a boolean",
      { "payload.a": { $exists: "yes" } },
      "payload.a.$exists: $exists takes true or false",
    ],
    ["$startsWith a number", { type: { $startsWith: 1 } }, "type.$startsWith: $startsWith takes a string"],
    ["$gt an object", { "payload.n": { $gt: { a: 1 } } }, "payload.n.$gt: $gt takes a number or a string"],
    [
      "$gt infinity",
      { "payload.n": { $gt: Number.POSITIVE_INFINITY } },
      "payload.n.$gt: $gt takes a number or a string",
    ],
    ["$or that is not an array", { $or: { source: "a" } }, "$or: $or takes a non-empty array of conditions"],
    ["an empty $and", { $and: [] }, "$and: $and takes a non-empty array of conditions"],
    [
      "a bad condition inside $or",
      { $or: [{ source: { $in: 1 } }] },
      "$or.0.source.$in: $in takes an array of values",
    ],
    [
      "a bad condition inside $not",
      { $not: { type: { $nope: 1 } } },
      "$not.type.$nope: unknown operator $nope",
    ],
    [
      "an empty list",
      { "payload.tags": [] },
      'payload.tags: an empty list matches everything: to match an empty array write { "$eq": [] }',
    ],
    [
      "an empty object under a path",
      { "payload.a": {} },
      "payload.a: an empty object matches everything: leave it out",
    ],
    [
      "an empty path segment",
      { "payload..a": 1 },
      'payload..a: "payload..a" is not a path: write dot-separated names',
    ],
    ["a trailing dot", { "payload.": 1 }, '"payload." is not a path'],
    ["__proto__", JSON.parse('{ "payload.__proto__.x": 1 }'), '"__proto__" cannot be matched'],
    ["a path too long", { [`payload.${"a".repeat(300)}`]: 1 }, "a path is at most 256 characters"],
    ["a value that is not JSON", { "payload.at": new Date(0) }, "payload.at: expected a JSON value"],
    ["a non-finite number", { "payload.n": Number.NaN }, "payload.n: numbers must be finite"],
    ["too deep", nested(MAX_FILTER_DEPTH + 1), ": a filter nests at most 16 levels deep"],
    [
      "too large",
      { "payload.a": { $in: Array.from({ length: 10_001 }, (_, i) => i) } },
      ": a filter holds at most 10000 values",
    ],
    ["a string", "payload.a == 1", ': a filter is an object such as { "payload.action": "opened" }'],
    ["an array", [{ source: "a" }], ": a filter is an object"],
    ["null", null, ": a filter is an object"],
  ])("%s", (_name, filter, expected) => {
    const found = problems(filter);
    expect(found.length).toBeGreaterThan(0);
    expect(found.join("\n")).toContain(expected);
  });

  it("rejects a filter nested 100,000 levels deep without overflowing the stack", () => {
    expect(problems(nested(100_000))).toEqual([": a filter nests at most 16 levels deep"]);
  });

  it("reports every problem at once, under the route's own path when embedded", () => {
    const Route = z.object({ name: z.string(), filter: RouteFilter.optional() });
    const result = Route.safeParse({
      name: "triage",
      filter: { "payload.a": { $in: 1 }, type: { $bad: 1 } },
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join("."))).toEqual([
      "filter.payload.a.$in",
      "filter.type.$bad",
    ]);
  });
});

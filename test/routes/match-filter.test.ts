import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type JsonValue, RouteFilter } from "../../src/routes/filter-schema";
import { type FilterSubject, matchesFilter } from "../../src/routes/match-filter";

function githubIssue(labels: string[], senderType = "User"): FilterSubject {
  return {
    id: "delivery-1",
    source: "github",
    type: "issues.opened",
    headers: { "x-github-event": "issues", "content-type": "application/json" },
    payload: {
      action: "opened",
      issue: {
        number: 42,
        title: "Crash on save",
        labels: labels.map((name, index) => ({ id: index + 1, name })),
        milestone: null,
        created_at: "2026-11-30T00:00:00Z",
        $kind: "task",
      },
      sender: { login: "octocat", type: senderType },
    },
  };
}

const event = githubIssue(["bug", "ui"]);
const parse = (filter: unknown) => RouteFilter.parse(filter);
const matches = (filter: unknown, subject: FilterSubject = event) => matchesFilter(parse(filter), subject);

describe("the seed example from issue 12", () => {
  const triage = { "payload.issue.labels.name": { $in: ["bug"] }, "payload.sender.type": { $neq: "Bot" } };

  it.each([
    ["a user's issue labelled bug", githubIssue(["bug", "ui"]), true],
    ["a user's issue without bug", githubIssue(["ui"]), false],
    ["a user's issue without labels", githubIssue([]), false],
    ["a bot's issue labelled bug", githubIssue(["bug"], "Bot"), false],
  ])("%s: %s", (_name, subject, expected) => {
    expect(matches(triage, subject)).toBe(expected);
  });
});

describe("operators", () => {
  it.each<[string, Record<string, JsonValue>, boolean]>([
    ["plain value is equality", { source: "github" }, true],
    ["plain value, other value", { source: "stripe" }, false],
    ["plain number", { "payload.issue.number": 42 }, true],
    ["plain null matches null", { "payload.issue.milestone": null }, true],
    ["$eq", { type: { $eq: "issues.opened" } }, true],
    [
      "$eq on an object is deep equality",
      { "payload.sender": { $eq: { type: "User", login: "octocat" } } },
      true,
    ],
    ["$eq on an object with a key less", { "payload.sender": { $eq: { login: "octocat" } } }, false],
    ["$eq on an array is the whole array", { "payload.issue.labels.name": { $eq: "ui" } }, true],
    ["$neq", { type: { $neq: "issues.closed" } }, true],
    ["$neq, equal", { type: { $neq: "issues.opened" } }, false],
    ["$in", { "payload.action": { $in: ["opened", "reopened"] } }, true],
    ["$in, absent", { "payload.action": { $in: ["closed"] } }, false],
    ["$nin", { "payload.action": { $nin: ["closed", "deleted"] } }, true],
    ["$nin, present", { "payload.action": { $nin: ["opened"] } }, false],
    ["$exists true", { "payload.issue.title": { $exists: true } }, true],
    ["$exists true on null", { "payload.issue.milestone": { $exists: true } }, true],
    ["$exists false", { "payload.issue.assignee": { $exists: false } }, true],
    ["$exists false, present", { "payload.issue.title": { $exists: false } }, false],
    ["$startsWith", { type: { $startsWith: "issues." } }, true],
    ["$startsWith, other", { type: { $startsWith: "pull_request." } }, false],
    ["$endsWith", { type: { $endsWith: ".opened" } }, true],
    ["$endsWith, other", { type: { $endsWith: ".closed" } }, false],
    ["$gt", { "payload.issue.number": { $gt: 41 } }, true],
    ["$gt, equal", { "payload.issue.number": { $gt: 42 } }, false],
    ["$gte, equal", { "payload.issue.number": { $gte: 42 } }, true],
    ["$lt", { "payload.issue.number": { $lt: 43 } }, true],
    ["$lt, equal", { "payload.issue.number": { $lt: 42 } }, false],
    ["$lte, equal", { "payload.issue.number": { $lte: 42 } }, true],
    ["$gt on ISO timestamps compares strings", { "payload.issue.created_at": { $gt: "2026-01-01" } }, true],
    ["$lt on ISO timestamps", { "payload.issue.created_at": { $lt: "2026-01-01" } }, false],
    ["several operators: all must hold", { "payload.issue.number": { $gt: 40, $lt: 50 } }, true],
    ["several operators, one fails", { "payload.issue.number": { $gt: 40, $lt: 42 } }, false],
    ["several paths: all must hold", { source: "github", "payload.action": "closed" }, false],
    ["headers by lowercase name", { "headers.x-github-event": "issues" }, true],
    ["the event id", { id: "delivery-1" }, true],
    ["a payload key that starts with $, in a dotted path", { "payload.issue.$kind": "task" }, true],
    ["the empty filter matches everything", {}, true],
  ])("%s", (_name, filter, expected) => {
    expect(matches(filter)).toBe(expected);
  });
});

describe("arrays", () => {
  const order: FilterSubject = {
    source: "shop",
    type: "order.created",
    headers: {},
    payload: {
      tags: ["gift", "priority"],
      lines: [
        { sku: "A-1", qty: 1, options: [{ name: "wrap" }, { name: "card" }] },
        { sku: "B-2", qty: 5, options: [] },
      ],
      matrix: [
        [1, 2],
        [3, [4, 5]],
      ],
      empty: [],
    },
  };

  it.each<[string, Record<string, JsonValue>, boolean]>([
    ["a value in an array of scalars", { "payload.tags": "gift" }, true],
    ["a value not in the array", { "payload.tags": "sale" }, false],
    ["a list means contains all", { "payload.tags": ["priority", "gift"] }, true],
    ["a list with one missing", { "payload.tags": ["gift", "sale"] }, false],
    ["$eq with a list is the exact array", { "payload.tags": { $eq: ["gift", "priority"] } }, true],
    ["$eq with a list in another order", { "payload.tags": { $eq: ["priority", "gift"] } }, false],
    ["an array in the middle of a path", { "payload.lines.sku": "B-2" }, true],
    ["two arrays in a path", { "payload.lines.options.name": "card" }, true],
    ["two arrays in a path, absent", { "payload.lines.options.name": "ribbon" }, false],
    ["arrays in arrays", { "payload.matrix": 5 }, true],
    ["$gt over any element", { "payload.lines.qty": { $gt: 4 } }, true],
    ["$neq holds when no element equals", { "payload.tags": { $neq: "sale" } }, true],
    ["$neq fails when one element equals", { "payload.tags": { $neq: "gift" } }, false],
    ["$nin holds when no element is listed", { "payload.lines.sku": { $nin: ["C-3"] } }, true],
    ["$nin fails when one element is listed", { "payload.lines.sku": { $nin: ["A-1", "C-3"] } }, false],
    ["$exists true through an array", { "payload.lines.options.name": { $exists: true } }, true],
    ["$exists false: no element has it", { "payload.lines.discount": { $exists: false } }, true],
    ["$exists false: one element has it", { "payload.lines.sku": { $exists: false } }, false],
    ["an empty array exists", { "payload.empty": { $exists: true } }, true],
    ["nothing inside an empty array", { "payload.empty.name": { $exists: true } }, false],
    ["$eq [] matches the empty array", { "payload.empty": { $eq: [] } }, true],
    ["nested object under an array path", { payload: { lines: { sku: "A-1" } } }, true],
    [
      "a nested object's keys may hold for different elements",
      { "payload.lines": { sku: "A-1", qty: 5 } },
      true,
    ],
    ["$not of a value: no element equals it", { "payload.tags": { $not: "gift" } }, false],
    ["array positions are not paths", { "payload.lines.0.sku": { $exists: true } }, false],
    [
      "operators across elements: each may hold for a different one",
      { "payload.lines.qty": { $lt: 2, $gt: 4 } },
      true,
    ],
  ])("%s", (_name, filter, expected) => {
    expect(matches(filter, order)).toBe(expected);
  });
});

describe("missing paths and type mismatches", () => {
  it.each<[string, Record<string, JsonValue>, boolean]>([
    ["equality on a missing path", { "payload.nope": "x" }, false],
    ["a path through a scalar", { "payload.action.length": 6 }, false],
    ["a path through null", { "payload.issue.milestone.title": { $exists: true } }, false],
    ["$in on a missing path", { "payload.nope": { $in: ["x"] } }, false],
    ["$neq on a missing path holds", { "payload.nope": { $neq: "x" } }, true],
    ["$nin on a missing path holds", { "payload.nope": { $nin: ["x"] } }, true],
    ["$gt string bound vs number", { "payload.issue.number": { $gt: "1" } }, false],
    ["$lt number bound vs string", { "payload.issue.title": { $lt: 100 } }, false],
    ["no coercion: '42' is not 42", { "payload.issue.number": "42" }, false],
    ["no coercion: $in with '42'", { "payload.issue.number": { $in: ["42"] } }, false],
    ["$startsWith on a number", { "payload.issue.number": { $startsWith: "4" } }, false],
    ["true is not 1", { "payload.issue.number": true }, false],
    ["null is not missing", { "payload.issue.assignee": null }, false],
  ])("%s", (_name, filter, expected) => {
    expect(matches(filter)).toBe(expected);
  });

  it("looks into payloads that are not objects as having no paths", () => {
    for (const payload of ["plain text", 7, null, [1, 2], true]) {
      const subject = { ...event, payload };
      expect(matchesFilter(parse({ "payload.a": { $exists: false } }), subject)).toBe(true);
      expect(matchesFilter(parse({ "payload.a": 1 }), subject)).toBe(false);
    }
    expect(matchesFilter(parse({ payload: "plain text" }), { ...event, payload: "plain text" })).toBe(true);
  });

  it("never reads inherited properties", () => {
    expect(matches({ "payload.toString": { $exists: true } })).toBe(false);
    expect(matches({ "payload.issue.constructor": { $exists: true } })).toBe(false);
  });
});

describe("$and, $or, $not", () => {
  it.each<[string, Record<string, JsonValue>, boolean]>([
    ["$and all hold", { $and: [{ source: "github" }, { "payload.action": "opened" }] }, true],
    ["$and one fails", { $and: [{ source: "github" }, { "payload.action": "closed" }] }, false],
    [
      "$or one holds",
      { $or: [{ "payload.action": "closed" }, { "payload.issue.labels.name": "bug" }] },
      true,
    ],
    ["$or none holds", { $or: [{ "payload.action": "closed" }, { source: "stripe" }] }, false],
    ["$not", { $not: { "payload.sender.type": "Bot" } }, true],
    ["$not of a match", { $not: { source: "github" } }, false],
    ["$or under a path", { "payload.action": { $or: ["closed", "opened"] } }, true],
    ["$not under a path", { "payload.issue.number": { $not: { $gt: 100 } } }, true],
    ["$and under a path", { "payload.issue.number": { $and: [{ $gt: 1 }, { $lt: 10 }] } }, false],
    [
      "nested composition",
      {
        source: "github",
        $or: [
          {
            $and: [
              { type: { $startsWith: "issues." } },
              { $not: { "payload.issue.labels.name": "wontfix" } },
            ],
          },
          { type: "push" },
        ],
      },
      true,
    ],
  ])("%s", (_name, filter, expected) => {
    expect(matches(filter)).toBe(expected);
  });
});

describe("bounded work on hostile payloads", () => {
  it("answers for a payload nested 100,000 levels deep", () => {
    let deepArray: unknown = "leaf";
    let deepObject: unknown = "leaf";
    for (let level = 0; level < 100_000; level++) {
      deepArray = [deepArray];
      deepObject = { a: deepObject };
    }
    const filters = [
      { payload: "leaf" },
      { "payload.a.a.a": { $exists: true } },
      { payload: { $eq: [[["leaf"]]] } },
    ];
    for (const payload of [deepArray, deepObject]) {
      for (const filter of filters) {
        expect(typeof matchesFilter(parse(filter), { ...event, payload })).toBe("boolean");
      }
    }
    expect(
      matchesFilter(parse({ "payload.a.a.a": { $exists: true } }), { ...event, payload: deepObject }),
    ).toBe(true);
  });

  it("answers quickly for an array of a million elements", () => {
    const payload = { items: Array.from({ length: 1_000_000 }, (_, index) => ({ n: index })) };
    const started = Date.now();
    expect(matchesFilter(parse({ "payload.items.n": 5 }), { ...event, payload })).toBe(true);
    expect(matchesFilter(parse({ "payload.items.n": { $gt: 2_000_000 } }), { ...event, payload })).toBe(
      false,
    );
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

/** Small key and value sets, so that generated filters often meet generated payloads. */
const key = fc.constantFrom("a", "b", "name", "list");
const path = fc.oneof(
  key.map((k) => `payload.${k}`),
  fc.tuple(key, key).map(([a, b]) => `payload.${a}.${b}`),
  fc.constantFrom("source", "type", "headers.x-kind", "payload"),
);
const scalar = fc.oneof(
  fc.constantFrom("x", "xy", "github", "", "1"),
  fc.integer({ min: -2, max: 3 }),
  fc.boolean(),
  fc.constant(null),
);
const { payload } = fc.letrec<{ payload: unknown }>((tie) => ({
  payload: fc.oneof(
    { depthSize: "small", maxDepth: 5 },
    scalar,
    fc.array(tie("payload"), { maxLength: 4 }),
    fc.dictionary(key, tie("payload"), { maxKeys: 4 }),
  ),
}));
const json = fc.jsonValue({ maxDepth: 3 });
const operand = fc.oneof(scalar, json);

const { filter } = fc.letrec<{ condition: unknown; filter: Record<string, unknown> }>((tie) => ({
  condition: fc.oneof(
    { depthSize: "small", maxDepth: 4 },
    scalar,
    fc.array(tie("condition"), { minLength: 1, maxLength: 3 }),
    fc
      .record(
        {
          $eq: operand,
          $neq: operand,
          $in: fc.array(operand, { maxLength: 3 }),
          $nin: fc.array(operand, { maxLength: 3 }),
          $exists: fc.boolean(),
          $startsWith: fc.constantFrom("x", "", "gi"),
          $endsWith: fc.constantFrom("y", "", "ub"),
          $gt: fc.oneof(fc.integer({ min: -2, max: 3 }), fc.constantFrom("x", "a")),
          $lte: fc.oneof(fc.integer({ min: -2, max: 3 }), fc.constantFrom("x", "a")),
          $and: fc.array(tie("condition"), { minLength: 1, maxLength: 2 }),
          $or: fc.array(tie("condition"), { minLength: 1, maxLength: 2 }),
          $not: tie("condition"),
        },
        { requiredKeys: [] },
      )
      .filter((operators) => Object.keys(operators).length > 0),
    tie("filter").filter((nested) => Object.keys(nested).length > 0),
  ),
  filter: fc.dictionary(path, tie("condition"), { maxKeys: 3 }),
}));
const subject = fc.record({
  source: fc.constantFrom("github", "stripe"),
  type: fc.constantFrom("x", "xy"),
  headers: fc.dictionary(fc.constantFrom("x-kind", "content-type"), fc.constantFrom("x", "github")),
  payload: fc.oneof(payload, fc.jsonValue()),
});

describe("properties", () => {
  it("generated filters are valid, and matching never throws and gives a boolean", () => {
    fc.assert(
      fc.property(filter, subject, (generated, event) => {
        const parsed = RouteFilter.parse(generated);
        expect(typeof matchesFilter(parsed, event)).toBe("boolean");
      }),
      { numRuns: 2_000 },
    );
  });

  it("$not is the negation of its filter", () => {
    fc.assert(
      fc.property(filter, subject, (generated, event) => {
        fc.pre(Object.keys(generated).length > 0);
        expect(matchesFilter(parse({ $not: generated }), event)).toBe(
          !matchesFilter(parse(generated), event),
        );
      }),
      { numRuns: 1_000 },
    );
  });

  it("$neq, $nin and $exists: false are the negations of equality, $in and $exists: true", () => {
    fc.assert(
      fc.property(path, scalar, fc.array(scalar, { maxLength: 3 }), subject, (at, value, list, event) => {
        const holds = (generated: Record<string, JsonValue>) => matchesFilter(parse(generated), event);
        expect(holds({ [at]: { $neq: value } })).toBe(!holds({ [at]: value }));
        expect(holds({ [at]: { $nin: list } })).toBe(!holds({ [at]: { $in: list } }));
        expect(holds({ [at]: { $exists: false } })).toBe(!holds({ [at]: { $exists: true } }));
      }),
      { numRuns: 1_000 },
    );
  });
});

/** jsonTextOf writes what JSON.stringify writes, at any depth; nestedDeeperThan measures without recursion. */
import { describe, expect, it } from "vitest";
import { jsonTextOf, nestedDeeperThan } from "../../src/normalize/json-text";

const DEPTH = 10_000;

/** `value` inside `DEPTH` objects `{"0":…}`, which V8's JSON.stringify writes recursively. */
function wrapped(value: unknown): object {
  let node: object = { 0: value };
  for (let level = 1; level < DEPTH; level++) node = { 0: node };
  return node;
}
const wrappedText = (inner: string) => `${'{"0":'.repeat(DEPTH)}${inner}${"}".repeat(DEPTH)}`;

describe("jsonTextOf", () => {
  it("writes a deep value JSON.stringify cannot, as the compact text it was parsed from", () => {
    expect(() => JSON.stringify(wrapped(1))).toThrow(RangeError);
    const text = `{"a":[${wrappedText('{"b":[1,2.5,"x\\n\\"y",null,true,false,{}]}')}],"c":"é"}`;
    expect(jsonTextOf(JSON.parse(text))).toBe(text);
  });

  it("writes every kind of member as JSON.stringify does, deep or not", () => {
    const edges: Record<string, unknown>[] = [
      { b: 1, 2: "index keys first", a: Object.assign([1], { 2: 3 }), ["__proto__"]: "own" },
      { skipped: undefined, fn: () => 1, list: [undefined, () => 1, Number.NaN, -0, Infinity] },
      { date: new Date(0), text: "\ud800 lone surrogate, \u2028, \u0000", nested: { deeper: [[{}], []] } },
    ];
    for (const edge of edges) {
      expect(jsonTextOf(edge)).toBe(JSON.stringify(edge));
      expect(jsonTextOf(wrapped(edge))).toBe(wrappedText(JSON.stringify(edge)));
    }
  });
});

describe("nestedDeeperThan", () => {
  it("counts arrays and objects, not scalars, to any depth", () => {
    expect(nestedDeeperThan({ a: [1] }, 2)).toBe(false);
    expect(nestedDeeperThan({ a: [[1]] }, 2)).toBe(true);
    expect(nestedDeeperThan("text", 0)).toBe(false);
    expect(nestedDeeperThan(wrapped(1), DEPTH - 1)).toBe(true);
    expect(nestedDeeperThan(wrapped(1), DEPTH)).toBe(false);
  });
});

import { describe, expect, it } from "vitest";
import { matchesType, typeGlob } from "../../src/routes/match-type";

describe("type globs", () => {
  it.each([
    ["issues.opened", "issues.opened", true],
    ["issues.opened", "issues.closed", false],
    ["issues.*", "issues.opened", true],
    ["issues.*", "issues.label.added", true],
    ["issues.*", "issues", false],
    ["issues.*", "issuesXopened", false],
    ["*", "anything", true],
    ["*", "", true],
    ["invoice.*.failed", "invoice.payment.failed", true],
    ["invoice.*.failed", "invoice.failed", false],
    ["*.created", "customer.created", true],
    ["a*a", "a", false],
    ["a*a", "aa", true],
    ["a**b", "ab", true],
    ["*.*", "nodot", false],
    ["issues.(opened)", "issues.(opened)", true],
  ])("%s against %s is %s", (pattern, type, expected) => {
    expect(typeGlob(pattern)(type)).toBe(expected);
  });

  it("stays fast on patterns that make backtracking regexes slow", () => {
    const started = Date.now();
    expect(typeGlob("*a*a*a*a*a*a*a*b")("a".repeat(100_000))).toBe(false);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it("admits every type without `types`, any matching pattern with them, none with an empty list", () => {
    expect(matchesType(undefined, "push")).toBe(true);
    expect(matchesType(["issues.*", "push"], "push")).toBe(true);
    expect(matchesType(["issues.*"], "push")).toBe(false);
    expect(matchesType([], "push")).toBe(false);
  });
});

/** The route budget's counter in workerd (a real Durable Object), with a fake clock: exact, idempotent, resettable. */
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { BUDGET_GROUPS, budgetGroupOf, budgetKeyOf } from "../../src/routes/budget-key";

const T0 = 1_800_000_000_000;
const HOUR = 3600;
/** A budget instance of its own for each test. */
const freshBudget = () => env.ROUTE_BUDGET.getByName(`test-${crypto.randomUUID()}/0`);
const window = { max: 3, windowSeconds: HOUR };
const limits = { route: "triage", ...window };

describe("RouteBudget.count", () => {
  it("admits max events per key within the window, refuses the next, and admits again once the oldest leaves it", async () => {
    const budget = freshBudget();
    const at = (event: string, now: number, key = "7") => budget.count({ ...limits, key, event, now });
    expect(await at("a", T0)).toEqual({ admitted: true, counted: 1 });
    expect(await at("b", T0 + 1000)).toEqual({ admitted: true, counted: 2 });
    expect(await at("c", T0 + 2000)).toEqual({ admitted: true, counted: 3 });
    expect(await at("d", T0 + 3000)).toEqual({ admitted: false, counted: 3 });
    // Another key has a budget of its own.
    expect((await at("e", T0 + 3000, "8")).admitted).toBe(true);
    expect(await budget.trips({ ...window, now: T0 + 4000 })).toEqual([
      { key: "7", trippedAt: T0 + 3000, suppressed: 1, reopensAt: T0 + HOUR * 1000 },
    ]);
    // "a" leaves the window: one more fits, and the trip is over.
    expect(await at("f", T0 + HOUR * 1000 + 1)).toEqual({ admitted: true, counted: 3 });
    expect(await budget.trips({ ...window, now: T0 + HOUR * 1000 + 2 })).toEqual([]);
  });

  it("counts an event once however often it asks (a message delivered again, a retried delivery)", async () => {
    const budget = freshBudget();
    const at = (event: string) => budget.count({ ...limits, key: "7", event, now: T0 });
    for (let i = 0; i < 5; i++) expect(await at("github:same")).toEqual({ admitted: true, counted: 1 });
    expect((await at("github:b")).counted).toBe(2);
    expect((await at("github:c")).counted).toBe(3);
    // An event counted before the trip is still admitted (its retry must not be suppressed).
    expect((await at("github:d")).admitted).toBe(false);
    expect((await at("github:same")).admitted).toBe(true);
  });

  it("is exact under concurrent events of one key", async () => {
    const budget = freshBudget();
    const answers = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        budget.count({ ...limits, max: 20, key: "7", event: `e${i}`, now: T0 }),
      ),
    );
    expect(answers.filter((answer) => answer.admitted)).toHaveLength(20);
  });

  it("logs one warning per trip, not per refused event", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const budget = freshBudget();
    for (let i = 0; i < 6; i++) await budget.count({ ...limits, key: "7", event: `e${i}`, now: T0 + i });
    const trips = warn.mock.calls
      .map(([line]) => String(line))
      .filter((line) => line.includes("budget_tripped"));
    warn.mockRestore();
    expect(trips).toHaveLength(1);
    expect(JSON.parse(trips[0] ?? "{}")).toMatchObject({
      stage: "budget",
      level: "warn",
      route: "triage",
      key: "7",
    });
    expect((await budget.trips({ ...window, now: T0 + 10 }))[0]?.suppressed).toBe(3);
  });

  it("reset ends the trip and counts the key from zero, without counting earlier events again", async () => {
    const budget = freshBudget();
    const at = (event: string, now: number) => budget.count({ ...limits, key: "7", event, now });
    for (const event of ["a", "b", "c", "d"]) await at(event, T0);
    expect(await budget.reset({ route: "triage", key: "7", now: T0 + 1 })).toEqual({ cleared: true });
    expect(await budget.trips({ ...window, now: T0 + 2 })).toEqual([]);
    expect(await at("e", T0 + 2)).toEqual({ admitted: true, counted: 1 });
    expect(await at("a", T0 + 3)).toEqual({ admitted: true, counted: 1 });
    expect(await budget.reset({ route: "triage", key: "9", now: T0 + 4 })).toEqual({ cleared: false });
  });

  it("refuses input that is not a valid call", async () => {
    const budget = freshBudget();
    const refused = async (call: () => Promise<unknown>) => {
      try {
        await call();
        return false;
      } catch (error) {
        return String(error).includes("ZodError");
      }
    };
    expect(await refused(() => budget.count({ ...limits, key: "", event: "a" }))).toBe(true);
    expect(await refused(() => budget.count({ ...limits, max: 0, key: "7", event: "a" }))).toBe(true);
    expect(await refused(() => budget.reset({ route: "triage", key: "x".repeat(129) }))).toBe(true);
  });
});

describe("budget keys", () => {
  const subject = (payload: unknown) => ({ source: "github", type: "issues.opened", payload, headers: {} });

  it("reads the first scalar at the path as filters do; no value, no budget; long values are hashed", async () => {
    expect(await budgetKeyOf(subject({ issue: { number: 42 } }), "payload.issue.number")).toBe("42");
    expect(await budgetKeyOf(subject({ issue: {} }), "payload.issue.number")).toBeNull();
    expect(await budgetKeyOf(subject({ issue: { number: { x: 1 } } }), "payload.issue.number")).toBeNull();
    expect(
      await budgetKeyOf(subject({ labels: [{ name: "a" }, { name: "b" }] }), "payload.labels.name"),
    ).toBe("a");
    expect(await budgetKeyOf(subject({ text: "x".repeat(65) }), "payload.text")).toMatch(
      /^sha256:[0-9a-f]{64}$/,
    );
  });

  it("puts a key always in the same one of the route's groups", () => {
    expect(budgetGroupOf("42")).toBe(budgetGroupOf("42"));
    const groups = new Set(Array.from({ length: 200 }, (_, i) => budgetGroupOf(String(i))));
    expect(groups.size).toBe(BUDGET_GROUPS);
  });
});

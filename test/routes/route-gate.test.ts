/** The route gate in workerd (a real Durable Object): rate, Retry-After, circuit and pause, with a fake clock. */
import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { PROBE_INTERVAL_FIRST_MS } from "../../src/routes/gate-state";

/** A gate of its own for each test (one Durable Object per route name). */
const freshGate = () => env.ROUTE_GATE.getByName(`test-${crypto.randomUUID()}`);
const T0 = 1_800_000_000_000;

describe("RouteGate: ratePerSecond", () => {
  it("holds a burst of 20 at 2 per second to about 2 per second", async () => {
    const gate = freshGate();
    const startedAt: number[] = [];
    // Twenty deliveries that each ask again when told to: the gate's answer drives the fake clock.
    const waiting = Array.from({ length: 20 }, () => T0);
    for (let step = 0; step < 200 && waiting.length > 0; step++) {
      waiting.sort((a, b) => a - b);
      const now = waiting.shift() ?? T0;
      const answer = await gate.admit({ now, ratePerSecond: 2 });
      if (answer.go) startedAt.push(now);
      else {
        expect(answer.reason).toBe("rate");
        waiting.push(now + answer.retryInMs);
      }
    }
    expect(startedAt).toHaveLength(20);
    // Burst of 2 at once, then one every 500 ms: the last starts 9 s after the first.
    expect(startedAt.filter((t) => t === T0)).toHaveLength(2);
    expect((Math.max(...startedAt) - T0) / 1000).toBeCloseTo(9, 1);
    for (let second = 0; second < 9; second++) {
      const inWindow = startedAt.filter((t) => t >= T0 + second * 1000 && t < T0 + (second + 1) * 1000);
      expect(inWindow.length, `second ${second}`).toBeLessThanOrEqual(3);
    }
  });

  it("admitMany grants what the bucket holds, and says when to ask again for the rest", async () => {
    const gate = freshGate();
    expect(await gate.admitMany({ n: 20, now: T0, ratePerSecond: 5 })).toEqual({
      granted: 5,
      reason: "rate",
      retryInMs: 200,
    });
    expect(await gate.admitMany({ n: 20, now: T0, ratePerSecond: 5 })).toEqual({
      granted: 0,
      reason: "rate",
      retryInMs: 200,
    });
    expect(await gate.admitMany({ n: 3, now: T0 + 1000, ratePerSecond: 5 })).toEqual({ granted: 3 });
  });

  it("admits everything without a rate", async () => {
    const gate = freshGate();
    expect(await gate.admitMany({ n: 1000, now: T0 })).toEqual({ granted: 1000 });
    expect(await gate.admit({ now: T0, ratePerSecond: null })).toEqual({ go: true });
  });
});

describe("RouteGate: Retry-After", () => {
  it("pauses the whole route for 5 s after a 429 with Retry-After: 5, then admits", async () => {
    const gate = freshGate();
    expect(await gate.admit({ now: T0 })).toEqual({ go: true });
    const state = await gate.report({ outcome: "failed", status: 429, retryAfterSeconds: 5, now: T0 });
    expect(state).toMatchObject({ state: "paused", pausedBy: "retry_after", consecutiveFailures: 0 });
    expect(await gate.admit({ now: T0 + 1000 })).toEqual({
      go: false,
      reason: "retry_after",
      retryInMs: 4000,
    });
    expect(await gate.admit({ now: T0 + 4999 })).toMatchObject({ go: false, reason: "retry_after" });
    expect(await gate.admit({ now: T0 + 5000 })).toEqual({ go: true });
    expect((await gate.state({ now: T0 + 5000 })).state).toBe("active");
  });

  it("caps a Retry-After at one hour, and ignores it on a status other than 429 or 503", async () => {
    const gate = freshGate();
    await gate.report({ outcome: "failed", status: 500, retryAfterSeconds: 60, now: T0 });
    expect(await gate.admit({ now: T0 + 1 })).toEqual({ go: true });
    await gate.report({ outcome: "failed", status: 503, retryAfterSeconds: 86_400, now: T0 });
    expect((await gate.state({ now: T0 })).pausedUntil).toBe(new Date(T0 + 3600_000).toISOString());
    expect(await gate.admit({ now: T0 + 3600_000 })).toEqual({ go: true });
  });
});

describe("RouteGate: circuit", () => {
  it("opens after 5 failures in a row, lets one probe through at a time, and closes on its success", async () => {
    const gate = freshGate();
    for (let i = 0; i < 4; i++) await gate.report({ outcome: "failed", status: 500, now: T0 });
    expect((await gate.state({ now: T0 })).state).toBe("active");
    const opened = await gate.report({ outcome: "failed", status: 502, error: "bad gateway", now: T0 });
    expect(opened).toMatchObject({
      state: "circuit-open",
      consecutiveFailures: 5,
      openedAt: new Date(T0).toISOString(),
      lastError: { status: 502, message: "bad gateway" },
    });
    expect(await gate.admit({ now: T0 + 1 })).toMatchObject({ go: false, reason: "circuit" });

    const probeAt = T0 + PROBE_INTERVAL_FIRST_MS;
    expect(await gate.admit({ now: probeAt })).toEqual({ go: true, probe: true });
    expect(await gate.admitMany({ n: 10, now: probeAt })).toMatchObject({ granted: 0, reason: "circuit" });
    expect(await gate.admit({ now: probeAt + 100 })).toMatchObject({ go: false, reason: "circuit" });

    // A failed probe re-opens the circuit with a longer wait.
    await gate.report({ outcome: "failed", status: 500, now: probeAt + 200 });
    const secondProbeAt = probeAt + 200 + 2 * PROBE_INTERVAL_FIRST_MS;
    expect(await gate.admit({ now: secondProbeAt - 1 })).toMatchObject({ go: false, reason: "circuit" });
    // `failing`: the consumer reports successes too while the gate counts failures.
    expect(await gate.admitMany({ n: 10, now: secondProbeAt })).toEqual({
      granted: 1,
      probe: true,
      failing: true,
      reason: "circuit",
      retryInMs: 5000,
    });
    expect(await gate.admit({ now: secondProbeAt + 1 })).toMatchObject({ go: false, reason: "circuit" });

    const closed = await gate.report({ outcome: "ok", status: 200, now: secondProbeAt + 300 });
    expect(closed).toMatchObject({ state: "active", consecutiveFailures: 0, openedAt: null });
    expect(await gate.admitMany({ n: 10, now: secondProbeAt + 301 })).toEqual({ granted: 10 });
  });

  it("takes the failure threshold from the caller, and a success in between resets the count", async () => {
    const gate = freshGate();
    await gate.report({ outcome: "failed", failuresToOpen: 2, now: T0 });
    await gate.report({ outcome: "ok", now: T0 });
    await gate.report({ outcome: "failed", failuresToOpen: 2, now: T0 });
    expect((await gate.state({ now: T0 })).state).toBe("active");
    await gate.report({ outcome: "failed", failuresToOpen: 2, now: T0 });
    expect((await gate.state({ now: T0 })).state).toBe("circuit-open");
  });

  it("lets another probe go when one never reports (its consumer crashed)", async () => {
    const gate = freshGate();
    for (let i = 0; i < 5; i++) await gate.report({ outcome: "failed", now: T0 });
    const probeAt = T0 + PROBE_INTERVAL_FIRST_MS;
    expect(await gate.admit({ now: probeAt })).toEqual({ go: true, probe: true });
    expect(await gate.admit({ now: probeAt + 60_000 })).toMatchObject({ go: false, reason: "circuit" });
    expect(await gate.admit({ now: probeAt + 3 * 60_000 })).toEqual({ go: true, probe: true });
  });
});

describe("RouteGate: operator pause", () => {
  it("refuses every start while paused, and admits again after resume", async () => {
    const gate = freshGate();
    expect(await gate.pause({ now: T0 })).toMatchObject({ state: "paused", pausedBy: "operator" });
    expect(await gate.admit({ now: T0 + 1 })).toMatchObject({ go: false, reason: "paused" });
    expect(await gate.admitMany({ n: 5, now: T0 + 1 })).toMatchObject({ granted: 0, reason: "paused" });
    expect(await gate.resume({ now: T0 + 2 })).toMatchObject({ state: "active", pausedBy: null });
    expect(await gate.admit({ now: T0 + 3 })).toEqual({ go: true });
  });

  it("keeps a pause across a restart of the Durable Object", async () => {
    const name = `test-${crypto.randomUUID()}`;
    await env.ROUTE_GATE.getByName(name).pause({ now: T0 });
    await evictDurableObject(env.ROUTE_GATE.getByName(name));
    const restarted = env.ROUTE_GATE.getByName(name);
    expect(await restarted.state({ now: T0 + 1 })).toMatchObject({
      state: "paused",
      pausedBy: "operator",
      pausedAt: new Date(T0).toISOString(),
    });
    expect(await restarted.admit({ now: T0 + 1 })).toMatchObject({ go: false, reason: "paused" });
  });

  it("refuses input that is not a valid call", async () => {
    const gate = freshGate();
    const refused = async (call: () => Promise<unknown>) => {
      try {
        await call();
        return false;
      } catch (error) {
        return String(error).includes("ZodError") || String(error).includes("Invalid");
      }
    };
    expect(await refused(() => gate.admit({ ratePerSecond: -1 }))).toBe(true);
    expect(await refused(() => gate.report({ outcome: "maybe" }))).toBe(true);
    expect(await refused(() => gate.admitMany({ n: 0 }))).toBe(true);
  });
});

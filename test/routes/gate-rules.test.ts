/** The gate's pure rules: token bucket arithmetic and the record after each outcome. */
import { describe, expect, it } from "vitest";
import {
  FRESH_GATE,
  type GateRecord,
  type Outcome,
  PROBE_INTERVAL_MAX_MS,
  pauseOrCircuit,
  withOutcome,
  withProbeStarted,
} from "../../src/routes/gate-state";
import { fullBucket, takeTokens } from "../../src/routes/token-bucket";

const failed = (status: number | null = 500, retryAfterSeconds: number | null = null): Outcome => ({
  outcome: "failed",
  status,
  retryAfterSeconds,
  error: null,
});

describe("token bucket", () => {
  it("starts one at a time below 1/s: 0.5/s grants one, then the next after 2 s", () => {
    const bucket = fullBucket(0.5, 0);
    expect(takeTokens(bucket, 0.5, 5, 0)).toEqual({ granted: 1, retryInMs: 2000 });
    expect(takeTokens(bucket, 0.5, 1, 1999).granted).toBe(0);
    expect(takeTokens(bucket, 0.5, 1, 2000)).toEqual({ granted: 1, retryInMs: 0 });
  });

  it("keeps earned tokens within the new burst when the rate changes, and ignores a clock going back", () => {
    const bucket = fullBucket(10, 1000);
    expect(takeTokens(bucket, 2, 10, 1000).granted).toBe(2);
    expect(takeTokens(bucket, 2, 10, 500).granted).toBe(0);
    expect(takeTokens(bucket, 2, 10, 1500).granted).toBe(1);
  });
});

describe("gate rules", () => {
  it("never shortens a Retry-After pause, and does not count 429s toward the circuit", () => {
    let gate: GateRecord = FRESH_GATE;
    gate = withOutcome(gate, failed(429, 60), 0, 5);
    gate = withOutcome(gate, failed(503, 1), 0, 5);
    expect(gate.retryAfterUntil).toBe(60_000);
    for (let i = 0; i < 10; i++) gate = withOutcome(gate, failed(429, 1), 0, 5);
    expect(gate.consecutiveFailures).toBe(0);
    expect(gate.circuitOpenedAt).toBeNull();
  });

  it("stretches the wait between failed probes up to its bound", () => {
    let gate: GateRecord = FRESH_GATE;
    for (let i = 0; i < 5; i++) gate = withOutcome(gate, failed(), 0, 5);
    let now = 0;
    const waits: number[] = [];
    for (let probe = 0; probe < 10; probe++) {
      now = gate.nextProbeAt ?? now;
      expect(pauseOrCircuit(gate, now)).toBe("probe");
      gate = withOutcome(withProbeStarted(gate, now), failed(), now, 5);
      waits.push((gate.nextProbeAt ?? 0) - now);
    }
    expect(waits.slice(0, 3)).toEqual([10_000, 20_000, 40_000]);
    expect(Math.max(...waits)).toBe(PROBE_INTERVAL_MAX_MS);
  });
});

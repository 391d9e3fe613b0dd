/** Turns a gate record into the state operators read (admin API, dashboard): one label and ISO times. */
import type { GateState } from "./gate-schemas";
import { type GateRecord, probeInFlight } from "./gate-state";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * The gate as of `now`: `paused` while an operator pause or a Retry-After pause holds (that wins over
 * the circuit, since nothing starts either way), else `circuit-open` while the circuit is open, else
 * `active`. A Retry-After pause that has ended is not shown.
 */
export function describeGate(gate: GateRecord, now: number, ratePerSecond: number | null): GateState {
  const retryAfter = gate.retryAfterUntil !== null && now < gate.retryAfterUntil;
  const pausedBy = gate.operatorPaused ? "operator" : retryAfter ? "retry_after" : null;
  return {
    state: pausedBy ? "paused" : gate.circuitOpenedAt !== null ? "circuit-open" : "active",
    pausedBy,
    pausedAt: iso(gate.pausedAt),
    pausedUntil: retryAfter ? iso(gate.retryAfterUntil) : null,
    consecutiveFailures: gate.consecutiveFailures,
    lastError: gate.lastError && { ...gate.lastError, at: new Date(gate.lastError.at).toISOString() },
    openedAt: iso(gate.circuitOpenedAt),
    nextProbeAt: gate.circuitOpenedAt === null ? null : iso(gate.nextProbeAt),
    probeInFlight: gate.circuitOpenedAt !== null && probeInFlight(gate, now),
    ratePerSecond,
  };
}

/**
 * The rules of a route's gate, as pure functions over its stored record: operator pause, Retry-After
 * pause, and the circuit breaker with one probe at a time. `route-gate.ts` keeps the record; the token
 * bucket (`token-bucket.ts`) is applied after these rules allow a start.
 */

/** What the gate remembers for one route (persisted; times are epoch milliseconds). */
export type GateRecord = {
  operatorPaused: boolean;
  pausedAt: number | null;
  /** End of the pause a destination asked for with Retry-After. */
  retryAfterUntil: number | null;
  consecutiveFailures: number;
  lastError: { status: number | null; message: string | null; at: number } | null;
  /** Set while the circuit is open. */
  circuitOpenedAt: number | null;
  /** The wait after the current failed probe; doubles per failed probe up to PROBE_INTERVAL_MAX_MS. */
  probeIntervalMs: number;
  nextProbeAt: number | null;
  /** The probe in flight, if any: no other delivery starts until it reports or its lease ends. */
  probeStartedAt: number | null;
};

/** Consecutive failed deliveries that open a route's circuit, unless the caller says otherwise. */
export const DEFAULT_FAILURES_TO_OPEN = 5;
/** The longest pause a destination's Retry-After can impose: longer values are cut to this. */
export const RETRY_AFTER_CAP_SECONDS = 3600;
/** How soon a caller refused by an operator pause should ask again (the pause has no end). */
export const PAUSED_RECHECK_MS = 10_000;
/** The wait before the first probe of a freshly opened circuit. */
export const PROBE_INTERVAL_FIRST_MS = 5_000;
/** The most a run of failed probes stretches the wait between probes. */
export const PROBE_INTERVAL_MAX_MS = 5 * 60_000;
/** A probe that has not reported after this long is taken as lost (its consumer crashed): another may go. */
export const PROBE_LEASE_MS = 3 * 60_000;
/** How soon a caller refused while a probe is in flight should ask again. */
export const PROBE_BUSY_RECHECK_MS = 5_000;

/** Why a start is refused, and when to ask again. */
export type Refusal = { reason: "paused" | "retry_after" | "circuit" | "rate"; retryInMs: number };

/** One delivery's outcome as the consumer reports it. */
export type Outcome = {
  outcome: "ok" | "failed";
  status: number | null;
  retryAfterSeconds: number | null;
  error: string | null;
};

/** A route that never reported anything: active, circuit closed. */
export const FRESH_GATE: GateRecord = {
  operatorPaused: false,
  pausedAt: null,
  retryAfterUntil: null,
  consecutiveFailures: 0,
  lastError: null,
  circuitOpenedAt: null,
  probeIntervalMs: PROBE_INTERVAL_FIRST_MS,
  nextProbeAt: null,
  probeStartedAt: null,
};

/** Whether the open circuit's probe is out and not yet given up on (PROBE_LEASE_MS). */
export const probeInFlight = (gate: GateRecord, now: number) =>
  gate.probeStartedAt !== null && now < gate.probeStartedAt + PROBE_LEASE_MS;

/**
 * Whether the pause and circuit rules let a delivery start now: a refusal, `"probe"` (the circuit is open
 * and this start is its one probe), or `"open"`. Checked in this order: operator pause, Retry-After, circuit.
 */
export function pauseOrCircuit(gate: GateRecord, now: number): Refusal | "probe" | "open" {
  if (gate.operatorPaused) return { reason: "paused", retryInMs: PAUSED_RECHECK_MS };
  if (gate.retryAfterUntil !== null && now < gate.retryAfterUntil)
    return { reason: "retry_after", retryInMs: gate.retryAfterUntil - now };
  if (gate.circuitOpenedAt === null) return "open";
  if (gate.probeStartedAt !== null && probeInFlight(gate, now)) {
    const leaseLeft = gate.probeStartedAt + PROBE_LEASE_MS - now;
    return { reason: "circuit", retryInMs: Math.min(leaseLeft, PROBE_BUSY_RECHECK_MS) };
  }
  if (gate.nextProbeAt !== null && now < gate.nextProbeAt)
    return { reason: "circuit", retryInMs: gate.nextProbeAt - now };
  return "probe";
}

/** The record once a probe has been let through. */
export const withProbeStarted = (gate: GateRecord, now: number): GateRecord => ({
  ...gate,
  probeStartedAt: now,
});

/** Whether a failed delivery's Retry-After pauses the route: only a 429 or 503 that gave one. */
const pausesRoute = (report: Outcome) =>
  report.outcome === "failed" &&
  (report.status === 429 || report.status === 503) &&
  report.retryAfterSeconds !== null &&
  report.retryAfterSeconds > 0;

/**
 * The record after a delivery's outcome. A success resets the failure count and closes the circuit. A
 * 429/503 with Retry-After pauses the route for that long (at most RETRY_AFTER_CAP_SECONDS) and does not
 * count toward the circuit: the destination is alive and said when to come back. Any other failure counts;
 * `failuresToOpen` in a row open the circuit. A failure while a probe is in flight is the probe's: it
 * re-opens the circuit and doubles the wait before the next probe (bounded).
 */
export function withOutcome(
  gate: GateRecord,
  report: Outcome,
  now: number,
  failuresToOpen: number,
): GateRecord {
  if (report.outcome === "ok") {
    if (gate.consecutiveFailures === 0 && gate.circuitOpenedAt === null) return gate;
    return {
      ...gate,
      consecutiveFailures: 0,
      circuitOpenedAt: null,
      nextProbeAt: null,
      probeStartedAt: null,
      probeIntervalMs: PROBE_INTERVAL_FIRST_MS,
    };
  }
  const lastError = { status: report.status, message: report.error, at: now };
  if (pausesRoute(report)) {
    const seconds = Math.min(report.retryAfterSeconds ?? 0, RETRY_AFTER_CAP_SECONDS);
    const until = Math.max(gate.retryAfterUntil ?? 0, now + Math.ceil(seconds * 1000));
    return { ...gate, lastError, retryAfterUntil: until, probeStartedAt: null };
  }
  const failed = { ...gate, lastError, consecutiveFailures: gate.consecutiveFailures + 1 };
  if (gate.circuitOpenedAt === null) {
    if (failed.consecutiveFailures < failuresToOpen) return failed;
    return {
      ...failed,
      circuitOpenedAt: now,
      probeIntervalMs: PROBE_INTERVAL_FIRST_MS,
      nextProbeAt: now + PROBE_INTERVAL_FIRST_MS,
      probeStartedAt: null,
    };
  }
  if (gate.probeStartedAt === null) return failed;
  const probeIntervalMs = Math.min(gate.probeIntervalMs * 2, PROBE_INTERVAL_MAX_MS);
  return { ...failed, probeIntervalMs, nextProbeAt: now + probeIntervalMs, probeStartedAt: null };
}

/** The record after an operator's pause: nothing starts until resume. */
export const paused = (gate: GateRecord, now: number): GateRecord =>
  gate.operatorPaused ? gate : { ...gate, operatorPaused: true, pausedAt: now };

/**
 * The record after an operator's resume: the operator pause and any Retry-After pause end, and an open
 * circuit may probe at once (it stays open until a probe succeeds).
 */
export const resumed = (gate: GateRecord, now: number): GateRecord => ({
  ...gate,
  operatorPaused: false,
  pausedAt: null,
  retryAfterUntil: null,
  nextProbeAt: gate.circuitOpenedAt === null ? null : now,
});

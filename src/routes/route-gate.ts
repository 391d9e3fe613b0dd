/**
 * The route gate: one Durable Object per route and destination (`gateNameFor`), so its decisions hold across
 * the whole deployment. The consumer asks it before each delivery of the route (`admit`, `admitMany`) and
 * tells it each outcome (`report`); operators `pause` and `resume` it. Pauses, failure counts and the circuit are
 * stored (they survive a restart); the token bucket of `ratePerSecond` lives in memory only, so a restarted
 * gate may let one extra burst through. docs/back-pressure.md explains the whole mechanism.
 */
import { DurableObject } from "cloudflare:workers";
import { log } from "../shared/log";
import { describeGate } from "./describe-gate";
import {
  type Admission,
  AdmitInput,
  AdmitManyInput,
  type BatchAdmission,
  ClockInput,
  type GateState,
  ReportInput,
} from "./gate-schemas";
import {
  DEFAULT_FAILURES_TO_OPEN,
  type GateRecord,
  PROBE_BUSY_RECHECK_MS,
  paused,
  pauseOrCircuit,
  type Refusal,
  resumed,
  withOutcome,
  withProbeStarted,
} from "./gate-state";
import { loadGate, saveGate } from "./gate-storage";
import { fullBucket, type TokenBucket, takeTokens } from "./token-bucket";

const ERROR_CHARS = 300;

export class RouteGate extends DurableObject<Env> {
  private gate: GateRecord;
  /** In memory only: a restart refills it, which allows at most one extra burst. */
  private bucket: TokenBucket | null = null;
  private lastRate: number | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.gate = loadGate(ctx.storage.sql);
  }

  /** May one delivery start now? A refusal says why and in how many ms to ask again; it costs no attempt. */
  admit(input?: unknown): Admission {
    const { now = Date.now(), ratePerSecond } = AdmitInput.parse(input ?? {});
    const batch = this.start(1, now, ratePerSecond ?? null);
    if (batch.granted === 0)
      return { go: false, retryInMs: batch.retryInMs ?? 0, reason: batch.reason ?? "rate" };
    return batch.probe ? { go: true, probe: true } : { go: true };
  }

  /** How many of `n` deliveries may start now; for the rest, why not and when to ask again. */
  admitMany(input: unknown): BatchAdmission {
    const { n, now = Date.now(), ratePerSecond } = AdmitManyInput.parse(input);
    const admission = this.start(n, now, ratePerSecond ?? null);
    const failing = this.gate.consecutiveFailures > 0 || this.gate.circuitOpenedAt !== null;
    return failing ? { ...admission, failing: true } : admission;
  }

  /** The outcome of an admitted delivery: resets or counts failures, applies Retry-After, moves the circuit. */
  report(input: unknown): GateState {
    const {
      now = Date.now(),
      failuresToOpen = DEFAULT_FAILURES_TO_OPEN,
      ...report
    } = ReportInput.parse(input);
    const before = this.gate;
    const outcome = {
      outcome: report.outcome,
      status: report.status ?? null,
      retryAfterSeconds: report.retryAfterSeconds ?? null,
      error: report.error?.slice(0, ERROR_CHARS) ?? null,
    };
    this.update(withOutcome(before, outcome, now, failuresToOpen));
    const after = this.gate;
    if (before.circuitOpenedAt === null && after.circuitOpenedAt !== null)
      log("gate", { outcome: "circuit_opened", route: this.name, failures: after.consecutiveFailures });
    if (before.circuitOpenedAt !== null && after.circuitOpenedAt === null)
      log("gate", { outcome: "circuit_closed", route: this.name });
    if (after.retryAfterUntil !== before.retryAfterUntil)
      log("gate", {
        outcome: "retry_after_pause",
        route: this.name,
        status: outcome.status,
        seconds: outcome.retryAfterSeconds,
      });
    return this.describe(now);
  }

  /** An operator's pause: nothing of this route starts until `resume`. Kept across restarts. */
  pause(input?: unknown): GateState {
    const now = ClockInput.parse(input)?.now ?? Date.now();
    this.update(paused(this.gate, now));
    log("gate", { outcome: "paused", route: this.name });
    return this.describe(now);
  }

  /** Ends an operator pause and any Retry-After pause; an open circuit may probe at once. */
  resume(input?: unknown): GateState {
    const now = ClockInput.parse(input)?.now ?? Date.now();
    this.update(resumed(this.gate, now));
    log("gate", { outcome: "resumed", route: this.name });
    return this.describe(now);
  }

  /** The gate as operators see it. */
  state(input?: unknown): GateState {
    return this.describe(ClockInput.parse(input)?.now ?? Date.now());
  }

  private start(wanted: number, now: number, ratePerSecond: number | null): BatchAdmission {
    this.lastRate = ratePerSecond;
    const rule = pauseOrCircuit(this.gate, now);
    if (typeof rule === "object") return { granted: 0, ...rule };
    const asked = rule === "probe" ? 1 : wanted;
    let rest: Refusal | null = null;
    let granted = asked;
    if (ratePerSecond === null) this.bucket = null;
    else {
      this.bucket ??= fullBucket(ratePerSecond, now);
      const take = takeTokens(this.bucket, ratePerSecond, asked, now);
      granted = take.granted;
      if (granted < asked) rest = { reason: "rate", retryInMs: take.retryInMs };
    }
    if (rule === "probe" && granted === 1) {
      this.update(withProbeStarted(this.gate, now));
      rest = wanted > 1 ? { reason: "circuit", retryInMs: PROBE_BUSY_RECHECK_MS } : null;
      return { granted, probe: true, ...rest };
    }
    return { granted, ...rest };
  }

  private update(next: GateRecord): void {
    if (next === this.gate) return;
    saveGate(this.ctx.storage.sql, next);
    this.gate = next;
  }

  private describe(now: number): GateState {
    return describeGate(this.gate, now, this.lastRate);
  }

  private get name(): string | null {
    return this.ctx.id.name ?? null;
  }
}

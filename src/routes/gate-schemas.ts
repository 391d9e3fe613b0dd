/** The RouteGate's RPC inputs and its state as the admin API shows it: one zod schema each. */
import { z } from "zod";

/**
 * A route's name: as for handlers, a letter or digit, then up to 127 letters, digits, `_`, `.` or `-`.
 * One gate (Durable Object) per name.
 */
export const RouteName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, "is not a route name");

/** Epoch milliseconds; tests pass it to fake time, callers in production leave it out. */
const Now = z.number().int().nonnegative().optional();
/** The route's cap on deliveries started per second; null or absent means no cap. */
const RatePerSecond = z.number().positive().max(100_000).nullable().optional();

/** `admit`: may one delivery start now? */
export const AdmitInput = z.strictObject({ now: Now, ratePerSecond: RatePerSecond });

/** `admitMany`: how many of `n` deliveries may start now? */
export const AdmitManyInput = z.strictObject({
  n: z.number().int().min(1).max(1000),
  now: Now,
  ratePerSecond: RatePerSecond,
});

/** `report`: the outcome of one delivery that was admitted. */
export const ReportInput = z.strictObject({
  outcome: z.enum(["ok", "failed"]),
  /** The destination's HTTP status, if it answered. */
  status: z.number().int().min(100).max(599).nullable().optional(),
  /** Its Retry-After in seconds (a date already turned into seconds); honoured with a 429 or 503. */
  retryAfterSeconds: z.number().nonnegative().max(1e9).nullable().optional(),
  /** A short reason for the operator, without payload data (cut to 300 characters). */
  error: z.string().nullable().optional(),
  /** Consecutive failures that open the circuit (the ROUTE_CIRCUIT_FAILURES setting). */
  failuresToOpen: z.number().int().min(1).max(1000).optional(),
  now: Now,
});

/** `pause`, `resume` and `state`: an optional clock only. */
export const ClockInput = z.strictObject({ now: Now }).optional();

/** Why a start was refused. */
export const RefusalReason = z.enum(["paused", "rate", "retry_after", "circuit"]);

/** What `admit` answers. `probe` marks the one delivery an open circuit lets through. */
export type Admission =
  | { go: true; probe?: true }
  | { go: false; retryInMs: number; reason: z.infer<typeof RefusalReason> };

/**
 * What `admitMany` answers: `granted` (0..n) may start now. When fewer than n were granted, `reason` and
 * `retryInMs` say why the rest may not, and when to ask again for them.
 */
export type BatchAdmission = {
  granted: number;
  probe?: true;
  /** The route is failing (failures in a row, or its circuit is open): report successes too, to reset it. */
  failing?: true;
  reason?: z.infer<typeof RefusalReason>;
  retryInMs?: number;
};

const Time = z.iso.datetime();

/** A route's gate as operators see it (admin API and dashboard). */
export const GateState = z.object({
  state: z.enum(["active", "paused", "circuit-open"]),
  /** Who paused it: an operator (until resume), or the destination's Retry-After (until `pausedUntil`). */
  pausedBy: z.enum(["operator", "retry_after"]).nullable(),
  pausedAt: Time.nullable(),
  pausedUntil: Time.nullable(),
  consecutiveFailures: z.number().int(),
  lastError: z
    .object({ status: z.number().int().nullable(), message: z.string().nullable(), at: Time })
    .nullable(),
  /** When the circuit opened; null while it is closed. */
  openedAt: Time.nullable(),
  nextProbeAt: Time.nullable(),
  probeInFlight: z.boolean(),
  /** The rate the consumer last asked for (remembered in memory only; null: no cap, or not asked yet). */
  ratePerSecond: z.number().nullable(),
});
export type GateState = z.infer<typeof GateState>;

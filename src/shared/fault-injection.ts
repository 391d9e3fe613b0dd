/**
 * Test-only fault seams. They act only when `ALLOW_FAULT_INJECTION` is "true" AND the test marker binding
 * that only vitest.config.ts sets is present; tests pass faults per call, never by mocking the platform.
 * A deployed gateway with either fault variable set but no marker keeps the seams off, logs an error and
 * fails `/healthz` (503), so the mistake is seen instead of silently re-running handlers.
 */
import { z } from "zod";

export const OutboxFaults = z.object({
  /** The next N queue sends throw. */
  failSends: z.number().int().min(0).max(1000).default(0),
  /** The next N queue sends never settle (the send timeout then fails them). */
  hangSends: z.number().int().min(0).max(1000).default(0),
  /** The next N R2 puts of request segments throw (a segment is tried twice before its group's accepts fail). */
  failRequestWrites: z.number().int().min(0).max(1000).default(0),
  /** The next N R2 reads of request segments throw. */
  failRequestReads: z.number().int().min(0).max(1000).default(0),
  /** Overrides the outbox send timeout, so hang tests stay fast. */
  sendTimeoutMs: z.number().int().min(1).max(60_000).optional(),
});
export type OutboxFaults = z.infer<typeof OutboxFaults>;

const CallFaults = z.object({
  /** Ingress cannot reach the ledger (→ 503). */
  ledgerUnavailable: z.boolean().default(false),
  /** The consumer dies after running handlers, before their outcomes are recorded. */
  settleFails: z.boolean().default(false),
});

/** The binding vitest.config.ts sets (and nothing else should), with its one accepted value. */
export const TEST_MARKER_BINDING = "FAULT_INJECTION_TEST_MARKER";
const TEST_MARKER_VALUE = "vitest.config.ts";

function underTest(env: object): boolean {
  return Reflect.get(env, TEST_MARKER_BINDING) === TEST_MARKER_VALUE;
}

function isSet(env: object, name: string): boolean {
  const value: unknown = Reflect.get(env, name);
  return typeof value === "string" && value.length > 0;
}

export function faultInjectionAllowed(env: object): boolean {
  return Reflect.get(env, "ALLOW_FAULT_INJECTION") === "true" && underTest(env);
}

/** Why the gateway is misconfigured: a fault variable is set outside tests. Null when it is not. */
export function faultInjectionProblem(env: object): string | null {
  if (underTest(env) || !(isSet(env, "ALLOW_FAULT_INJECTION") || isSet(env, "FAULT_INJECTION"))) return null;
  return "ALLOW_FAULT_INJECTION or FAULT_INJECTION is set without the test marker: fault injection stays off; unset them";
}

/** Faults requested through the `FAULT_INJECTION` variable (JSON) of the env a call runs with. */
export function callFaults(env: object): z.infer<typeof CallFaults> | null {
  const raw: unknown = Reflect.get(env, "FAULT_INJECTION");
  if (!faultInjectionAllowed(env) || typeof raw !== "string") return null;
  try {
    const parsed = CallFaults.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

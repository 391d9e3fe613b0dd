/**
 * Test-only fault seams. They act only when `ALLOW_FAULT_INJECTION` is "true", which production config
 * never sets; tests set it in vitest.config.ts and pass faults per call, never by mocking the platform.
 */
import { z } from "zod";

export const OutboxFaults = z.object({
  /** The next N queue sends throw. */
  failSends: z.number().int().min(0).max(1000).default(0),
  /** The next N queue sends never settle (the send timeout then fails them). */
  hangSends: z.number().int().min(0).max(1000).default(0),
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

export function faultInjectionAllowed(env: object): boolean {
  return Reflect.get(env, "ALLOW_FAULT_INJECTION") === "true";
}

/** Faults requested through the `FAULT_INJECTION` variable (JSON) of the env a call runs with. */
export function callFaults(env: object): z.infer<typeof CallFaults> | null {
  const raw: unknown = Reflect.get(env, "FAULT_INJECTION");
  if (!faultInjectionAllowed(env) || typeof raw !== "string") return null;
  const parsed = CallFaults.safeParse(JSON.parse(raw));
  return parsed.success ? parsed.data : null;
}

/** Runtime tunables from `[vars]`, validated with zod and parsed once per isolate. */
import { z } from "zod";

const intVar = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).catch(fallback).default(fallback);

const Settings = z
  .object({
    /** Durable Object shards claims are spread over. Changing it remaps ids: do it with an empty outbox. */
    CLAIM_SHARDS: intVar(4, 1, 1024),
    /** How long accepted ids are remembered for deduplication (longer than Stripe's 3-day retries). */
    CLAIM_RETENTION_DAYS: intVar(7, 1, 365),
    /**
     * How long a finished event's body is kept for replay; afterwards only its claim remains (until
     * CLAIM_RETENTION_DAYS). Capped at the claim retention. Bodies of `dead` events are kept with the claim.
     */
    REPLAY_RETENTION_HOURS: intVar(72, 0, 365 * 24),
    HANDLER_MAX_ATTEMPTS: intVar(8, 1, 50),
    HANDLER_LEASE_SECONDS: intVar(60, 5, 900),
    RETRY_BASE_SECONDS: intVar(5, 0, 3600),
    RETRY_MAX_SECONDS: intVar(3600, 1, 43_200),
    AGENT_TIMEOUT_MS: intVar(15_000, 100, 120_000),
    /** Seconds the outbox waits before re-driving an event whose enqueue was not confirmed. */
    OUTBOX_REDRIVE_SECONDS: intVar(5, 1, 3600),
    /**
     * Seconds an enqueued, unfinished event may go without any consumer activity (no attempt started, no
     * lease or backoff pending) before the ledger sends its message again, in case the queue lost it.
     */
    STALLED_REDRIVE_SECONDS: intVar(900, 5, 86_400),
    /**
     * Failed deliveries in a row that open a route's circuit: the route then sends one probe at a time
     * until one succeeds (passed to RouteGate.report as `failuresToOpen`; docs/back-pressure.md).
     */
    ROUTE_CIRCUIT_FAILURES: intVar(5, 1, 100),
    // LOG_LEVEL is read by src/shared/log.ts itself (shared/ imports nothing of ours); settingProblems checks it.
  })
  .transform((settings) => ({
    ...settings,
    REPLAY_RETENTION_HOURS: Math.min(settings.REPLAY_RETENTION_HOURS, settings.CLAIM_RETENTION_DAYS * 24),
  }));

export type Settings = z.infer<typeof Settings>;

/** The values src/shared/log.ts knows; anything else logs as `info`. */
const LOG_LEVELS = new Set(["info", "debug"]);

const cache = new WeakMap<object, Settings>();
const problemsByEnv = new WeakMap<object, string[]>();

/**
 * The tunables that were set to something invalid and fell back to their default, in words that name the
 * variable (for the log and `/healthz`): `CLAIM_SHARDS="5000" is not valid; using 4`. Empty means unset.
 */
export function settingProblems(env: object): readonly string[] {
  let problems = problemsByEnv.get(env);
  if (!problems) {
    const settings = settingsFrom(env);
    problems = [];
    for (const [name, value] of Object.entries(settings)) {
      const raw: unknown = Reflect.get(env, name);
      if (raw === undefined || raw === null || raw === "") continue;
      if (String(Number(raw)) !== String(value) && String(raw) !== String(value))
        problems.push(`${name}="${String(raw).slice(0, 40)}" is not valid; using ${value}`);
    }
    const logLevel: unknown = Reflect.get(env, "LOG_LEVEL");
    if (logLevel !== undefined && logLevel !== null && logLevel !== "" && !LOG_LEVELS.has(String(logLevel)))
      problems.push(`LOG_LEVEL="${String(logLevel).slice(0, 40)}" is not valid; using info`);
    problemsByEnv.set(env, problems);
  }
  return problems;
}

/** Invalid values fall back to their defaults instead of taking the gateway down (see settingProblems). */
export function settingsFrom(env: object): Settings {
  let settings = cache.get(env);
  if (!settings) {
    settings = Settings.parse(env);
    cache.set(env, settings);
  }
  return settings;
}

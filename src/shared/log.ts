/**
 * Structured JSON log lines. Never pass secrets or payloads here: only ids, names, reasons and numbers.
 * JSON encoding also neutralises log injection through header values, every line carries its time (`ts`,
 * ISO 8601), and every string field is cut to LOG_FIELD_CHARS so no input can make a line large.
 *
 * What goes wrong is always logged; what goes right per event (accepted, enqueued, delivered) only with
 * LOG_LEVEL=debug. Every event is already recorded in the ledger's event log, and a log line is not free: it
 * costs its serialisation on Cloudflare and ~0.5 ms of CPU under `wrangler dev` (bench/README.md).
 */

export type Stage =
  | "config"
  | "ingress"
  | "claim"
  | "outbox"
  | "deliver"
  | "handler"
  | "dead-letter"
  | "event-log"
  | "admin"
  | "alert"
  | "gate"
  | "budget"
  | "lane"
  | "agents";

/** The longest string any log field keeps; longer values end in `…`. */
export const LOG_FIELD_CHARS = 300;

/** Cuts long strings, also inside nested objects and arrays, so a line stays small whatever it is given. */
function bounded(value: unknown, depth = 0): unknown {
  if (typeof value === "string")
    return value.length > LOG_FIELD_CHARS ? `${value.slice(0, LOG_FIELD_CHARS)}…` : value;
  if (depth >= 3 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.slice(0, 20).map((item) => bounded(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value)
      .slice(0, 30)
      .map(([key, item]) => [key, bounded(item, depth + 1)]),
  );
}

function line(stage: Stage, fields: Record<string, unknown>, level?: "error" | "warn"): string {
  const head = level
    ? { ts: new Date().toISOString(), stage, level }
    : { ts: new Date().toISOString(), stage };
  return JSON.stringify({ ...head, ...(bounded(fields) as Record<string, unknown>) });
}

export function log(stage: Stage, fields: Record<string, unknown>): void {
  console.log(line(stage, fields));
}

/** True when `LOG_LEVEL` is `debug` (anything else, or nothing, means `info`). */
export function debugLogging(env: object): boolean {
  return Reflect.get(env, "LOG_LEVEL") === "debug";
}

/** A per-event success line, written only when `LOG_LEVEL` is `debug`. */
export function logDebug(env: object, stage: Stage, fields: Record<string, unknown>): void {
  if (debugLogging(env)) log(stage, fields);
}

/** Something an operator should look at that is not a failure (a route budget tripped). */
export function logWarning(stage: Stage, fields: Record<string, unknown>): void {
  console.warn(line(stage, fields, "warn"));
}

export function logError(stage: Stage, fields: Record<string, unknown>): void {
  console.error(line(stage, fields, "error"));
}

/** A short, single-line description of a thrown value, safe to log and store. */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.replace(/\s+/g, " ").slice(0, 500);
}

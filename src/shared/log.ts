/**
 * One structured JSON line per pipeline stage. Never pass secrets or payloads here: only ids, names,
 * reasons and numbers. JSON encoding also neutralises log injection through header values.
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
  | "admin";

export function log(stage: Stage, fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ stage, ...fields }));
}

export function logError(stage: Stage, fields: Record<string, unknown>): void {
  console.error(JSON.stringify({ stage, level: "error", ...fields }));
}

/** A short, single-line description of a thrown value, safe to log and store. */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.replace(/\s+/g, " ").slice(0, 500);
}

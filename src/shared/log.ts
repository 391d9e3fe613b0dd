/**
 * Structured JSON log lines. Never pass secrets or payloads here: only ids, names, reasons and numbers.
 * JSON encoding also neutralises log injection through header values.
 *
 * What goes wrong is always logged; what goes right per event (accepted, enqueued, delivered) only with
 * LOG_LEVEL=debug. Every event is already recorded in the D1 event log, and a log line is not free: it
 * costs its serialisation on Cloudflare and ~0.5 ms of CPU under `wrangler dev` (bench/README.md).
 */
import { settingsFrom } from "../config/settings";

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

/** A per-event success line, written only when `LOG_LEVEL` is `debug`. */
export function logDebug(env: object, stage: Stage, fields: Record<string, unknown>): void {
  if (settingsFrom(env).LOG_LEVEL === "debug") log(stage, fields);
}

export function logError(stage: Stage, fields: Record<string, unknown>): void {
  console.error(JSON.stringify({ stage, level: "error", ...fields }));
}

/** A short, single-line description of a thrown value, safe to log and store. */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.replace(/\s+/g, " ").slice(0, 500);
}

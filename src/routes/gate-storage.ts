/** The RouteGate's one-row SQLite table: the gate record survives restarts and deploys (docs/storage-schema.md). */
import { z } from "zod";
import { FRESH_GATE, type GateRecord } from "./gate-state";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS gate (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  operator_paused INTEGER NOT NULL,
  paused_at INTEGER,
  retry_after_until INTEGER,
  consecutive_failures INTEGER NOT NULL,
  last_error_status INTEGER,
  last_error_message TEXT,
  last_error_at INTEGER,
  circuit_opened_at INTEGER,
  probe_interval_ms INTEGER NOT NULL,
  next_probe_at INTEGER,
  probe_started_at INTEGER
)`;

const SAVE = `
INSERT OR REPLACE INTO gate (id, operator_paused, paused_at, retry_after_until, consecutive_failures,
  last_error_status, last_error_message, last_error_at, circuit_opened_at, probe_interval_ms,
  next_probe_at, probe_started_at)
VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

const time = z.number().nullable();
const GateRow = z.object({
  operator_paused: z.number(),
  paused_at: time,
  retry_after_until: time,
  consecutive_failures: z.number(),
  last_error_status: z.number().nullable(),
  last_error_message: z.string().nullable(),
  last_error_at: time,
  circuit_opened_at: time,
  probe_interval_ms: z.number(),
  next_probe_at: time,
  probe_started_at: time,
});

/** Creates the table if needed and reads the record (a fresh gate when none was saved yet). */
export function loadGate(sql: SqlStorage): GateRecord {
  sql.exec(SCHEMA);
  const row = sql.exec("SELECT * FROM gate WHERE id = 1").toArray()[0];
  if (!row) return FRESH_GATE;
  const gate = GateRow.parse(row);
  return {
    operatorPaused: gate.operator_paused === 1,
    pausedAt: gate.paused_at,
    retryAfterUntil: gate.retry_after_until,
    consecutiveFailures: gate.consecutive_failures,
    lastError:
      gate.last_error_at === null
        ? null
        : { status: gate.last_error_status, message: gate.last_error_message, at: gate.last_error_at },
    circuitOpenedAt: gate.circuit_opened_at,
    probeIntervalMs: gate.probe_interval_ms,
    nextProbeAt: gate.next_probe_at,
    probeStartedAt: gate.probe_started_at,
  };
}

/** Writes the record (one row, replaced whole). */
export function saveGate(sql: SqlStorage, gate: GateRecord): void {
  sql.exec(
    SAVE,
    gate.operatorPaused ? 1 : 0,
    gate.pausedAt,
    gate.retryAfterUntil,
    gate.consecutiveFailures,
    gate.lastError?.status ?? null,
    gate.lastError?.message ?? null,
    gate.lastError?.at ?? null,
    gate.circuitOpenedAt,
    gate.probeIntervalMs,
    gate.nextProbeAt,
    gate.probeStartedAt,
  );
}

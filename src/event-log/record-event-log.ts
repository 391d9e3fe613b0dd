/**
 * Writes to the D1 event log, always in one batch per call and never on the ingress hot path. The log is
 * for people: a failed write is logged and never fails or delays a delivery.
 */
import { describeError, logError } from "../shared/log";
import * as SQL from "./event-log-sql";

export interface AcceptedRow {
  source: string;
  id: string;
  type: string;
  receivedAt: number;
  bodySize: number;
  shard: number;
}

export interface OutcomeRow extends AcceptedRow {
  status: string;
  attempts: number;
  lastError: string | null;
  deliveredAt: number | null;
  /** The suppress rule that matched, when the event was `suppressed` (src/config/suppression-presets.ts). */
  suppressedBy?: string | null;
}

export interface AttemptRow {
  source: string;
  id: string;
  handler: string;
  replay: number;
  attempt: number;
  outcome: "done" | "failed" | "dead";
  error: string | null;
  startedAt: number;
  durationMs: number;
  /** Where the attempt went (a URL without its query, or `handler <name>`). */
  destination: string | null;
  responseStatus: number | null;
  /** The first 1 KB of the destination's answer. */
  responseBody: string | null;
  /** When the next attempt is due; null after success or once dead. */
  nextRetryAt: number | null;
}

/** Runs the statements in one batch; a failure (preparing included) is logged, never thrown. */
async function runBatch(
  db: D1Database,
  statements: () => D1PreparedStatement[],
  what: string,
): Promise<void> {
  let count = 0;
  try {
    const prepared = statements();
    count = prepared.length;
    if (count > 0) await db.batch(prepared);
  } catch (error) {
    logError("event-log", { outcome: "write_failed", what, count, error: describeError(error) });
  }
}

export function recordAccepted(db: D1Database, rows: readonly AcceptedRow[]): Promise<void> {
  const now = Date.now();
  return runBatch(
    db,
    () => {
      const insert = db.prepare(SQL.INSERT_ACCEPTED);
      return rows.map((r) => insert.bind(r.source, r.id, r.type, r.receivedAt, r.bodySize, r.shard, now));
    },
    "accepted",
  );
}

export function recordOutcomes(
  db: D1Database,
  events: readonly OutcomeRow[],
  attempts: readonly AttemptRow[],
): Promise<void> {
  const now = Date.now();
  return runBatch(
    db,
    () => {
      const upsert = db.prepare(SQL.UPSERT_OUTCOME);
      const insertAttempt = db.prepare(SQL.INSERT_ATTEMPT);
      return [
        ...events.map((e) =>
          upsert.bind(
            e.source,
            e.id,
            e.type,
            e.receivedAt,
            e.status,
            e.attempts,
            e.lastError,
            e.deliveredAt,
            e.deliveredAt === null ? null : Math.max(0, e.deliveredAt - e.receivedAt),
            e.bodySize,
            e.shard,
            now,
            e.suppressedBy ?? null,
          ),
        ),
        ...attempts.map((a) =>
          insertAttempt.bind(
            a.source,
            a.id,
            a.handler,
            a.replay,
            a.attempt,
            a.outcome,
            a.error,
            a.startedAt,
            a.durationMs,
            a.destination,
            a.responseStatus,
            a.responseBody,
            a.nextRetryAt,
          ),
        ),
      ];
    },
    "outcomes",
  );
}

/** Forgets one shard's terminal events past retention, mirroring the ledger's own purge. */
export function purgeEventLog(db: D1Database, shard: number, cutoff: number): Promise<void> {
  return runBatch(
    db,
    () => [db.prepare(SQL.DELETE_EVENTS_BEFORE).bind(shard, cutoff), db.prepare(SQL.DELETE_ORPHAN_ATTEMPTS)],
    "purge",
  );
}

/**
 * Records an operator redrive (dead → retrying). The ledger is the source of truth and already holds
 * the redrive, so a failed write is only logged: the consumer's next outcome corrects the row.
 */
export function recordRedriven(db: D1Database, source: string, id: string): Promise<void> {
  return runBatch(db, () => [db.prepare(SQL.MARK_REDRIVEN).bind(Date.now(), source, id)], "redriven");
}

/**
 * Re-sends enqueued, unfinished events whose queue message may be gone. Two signals tell a lost message
 * from a queued one (docs/architecture.md, "A message lost after the send"):
 * - restart: an event last enqueued before this ledger instance started, and untouched since, may have
 *   been lost with the previous runtime (a local queue keeps messages in memory);
 * - silence: no consumer activity for STALLED_REDRIVE_SECONDS (or the event's age, if longer).
 * A message that was not lost only becomes a duplicate, which `beginDeliveries` absorbs.
 */
import { describeError, log, logError } from "../shared/log";
import * as SQL from "./ledger-sql";
import type { SentMarker } from "./mark-sent";
import { messagesForEvent } from "./messages-for-event";
import type { QueueSender } from "./queue-sender";

const BATCH = 100;
const MAX_ROUNDS = 20;

export type RedriveResult = "done" | "more" | "send_failed";

async function redrive(
  sql: SqlStorage,
  sender: QueueSender,
  marker: SentMarker,
  select: () => SQL.OutboxRow[],
  outcome: string,
): Promise<RedriveResult> {
  let count = 0;
  try {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const rows = select().filter((row) => !marker.isSkipped(row));
      if (rows.length === 0) return "done";
      const now = Date.now();
      await sender.send(rows.flatMap((row) => messagesForEvent(sql, row, now)));
      count += marker.mark(rows, Date.now()).length;
    }
    return "more";
  } catch (error) {
    logError("outbox", { outcome: `${outcome}_failed`, error: describeError(error) });
    return "send_failed";
  } finally {
    if (count > 0) log("outbox", { outcome, count });
  }
}

/**
 * Re-sends every unfinished event that was last enqueued before `startedAt` and that no consumer has
 * touched since, each message delayed until its lease or backoff is over. Returns "done" once none is left.
 */
export function redriveFromBeforeStart(
  sql: SqlStorage,
  sender: QueueSender,
  marker: SentMarker,
  startedAt: number,
): Promise<RedriveResult> {
  const select = () => sql.exec<SQL.OutboxRow>(SQL.SELECT_UNTOUCHED_SINCE, startedAt, BATCH).toArray();
  return redrive(sql, sender, marker, select, "redriven_after_restart");
}

/** Re-sends events that saw no consumer activity for `stallMs` (see SQL.SELECT_STALLED), longest-stalled first. */
export function redriveStalled(
  sql: SqlStorage,
  sender: QueueSender,
  marker: SentMarker,
  stallMs: number,
): Promise<RedriveResult> {
  const select = () => sql.exec<SQL.OutboxRow>(SQL.SELECT_STALLED, stallMs, Date.now(), BATCH).toArray();
  return redrive(sql, sender, marker, select, "redriven_stalled");
}

/** When the next unfinished event becomes stalled; null when no event is unfinished. */
export function nextStallAt(sql: SqlStorage, stallMs: number): number | null {
  return sql.exec<{ at: number | null }>(SQL.NEXT_STALLED_AT, stallMs).one().at;
}

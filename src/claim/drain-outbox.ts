/**
 * Drains the transactional outbox to the queue: every event with `enqueued_at` NULL is sent, then marked.
 * Bounded: one call sends at most MAX_ROUNDS batches and never the same unmarkable row twice.
 */
import { describeError, logDebug, logError } from "../shared/log";
import type { EventLogBuffer } from "./event-log-buffer";
import * as SQL from "./ledger-sql";
import type { SentMarker } from "./mark-sent";
import { messagesForEvent } from "./messages-for-event";
import type { QueueSender } from "./queue-sender";

const BATCH = 100;
const MAX_ROUNDS = 20;

export class Outbox {
  private readonly inFlight = new Set<string>();
  private drainScheduled = false;

  constructor(
    private readonly env: Env,
    private readonly sql: SqlStorage,
    private readonly sender: QueueSender,
    private readonly marker: SentMarker,
    private readonly eventLog: EventLogBuffer,
  ) {}

  /** Batches every event accepted in this turn of the event loop into one drain. */
  scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setTimeout(() => {
      this.drainScheduled = false;
      void this.drain();
    }, 0);
  }

  /**
   * Sends pending outbox rows to the queue. Returns false when a send failed; true otherwise, even when
   * rows remain (past MAX_ROUNDS, or skipped as unmarkable): the alarm then comes back for them.
   */
  async drain(): Promise<boolean> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const rows = this.sql
        .exec<SQL.OutboxRow & { revived: number }>(SQL.SELECT_OUTBOX, BATCH * 2)
        .toArray()
        .filter((row) => !this.inFlight.has(`${row.source}\n${row.event_id}`) && !this.marker.isSkipped(row))
        .slice(0, BATCH);
      if (rows.length === 0) return true;
      const keys = rows.map((row) => `${row.source}\n${row.event_id}`);
      for (const key of keys) this.inFlight.add(key);
      try {
        const now = Date.now();
        await this.sender.send(
          rows.flatMap((row) => messagesForEvent(this.sql, row, now, row.revived === 1)),
        );
        const sent = this.marker.mark(rows, Date.now());
        logDebug(this.env, "outbox", { outcome: "enqueued", count: rows.length });
        this.eventLog.add(sent);
      } catch (error) {
        logError("outbox", { outcome: "send_failed", count: rows.length, error: describeError(error) });
        return false;
      } finally {
        for (const key of keys) this.inFlight.delete(key);
      }
    }
    return true;
  }
}

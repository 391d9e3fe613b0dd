/**
 * Coalesces the event log's "accepted" rows into one D1 batch per FLUSH_MS (or per BATCH rows) instead
 * of one per queue send. Rows still waiting when the instance is evicted are not lost from the log for
 * good: the consumer's outcome upsert creates the row when it settles.
 */
import { type AcceptedRow, recordAccepted } from "../event-log/record-event-log";
import type { OutboxRow } from "./ledger-sql";

const FLUSH_MS = 250;
const BATCH = 100;

export class EventLogBuffer {
  private rows: AcceptedRow[] = [];
  private flushScheduled = false;

  constructor(private readonly db: D1Database) {}

  /** Queues "accepted" rows for the given sent events. */
  add(sent: OutboxRow[]): void {
    for (const row of sent)
      this.rows.push({
        source: row.source,
        id: row.event_id,
        type: row.type,
        receivedAt: row.received_at,
        bodySize: row.body_size,
        shard: row.shard,
      });
    if (this.rows.length >= BATCH) {
      void this.flush();
    } else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setTimeout(() => void this.flush(), FLUSH_MS);
    }
  }

  private flush(): Promise<void> {
    const rows = this.rows;
    this.rows = [];
    this.flushScheduled = false;
    return recordAccepted(this.db, rows);
  }
}

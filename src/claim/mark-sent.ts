/**
 * Marks sent events, and remembers the ones that cannot be marked (a stored id that no longer matches
 * itself, such as one with a lone surrogate) so that no loop sends them over and over: each is logged
 * once and skipped until the next alarm.
 */
import { logError } from "../shared/log";
import * as SQL from "./ledger-sql";

const keyOf = (row: { source: string; event_id: string }) => `${row.source}\n${row.event_id}`;

export class SentMarker {
  private readonly skipped = new Set<string>();
  private readonly reported = new Set<string>();

  constructor(private readonly sql: SqlStorage) {}

  /** Sets `enqueued_at` of each row; returns the rows that were marked. */
  mark(rows: SQL.OutboxRow[], now: number): SQL.OutboxRow[] {
    return rows.filter((row) => {
      if (this.sql.exec(SQL.MARK_SENT, now, row.source, row.event_id).rowsWritten > 0) return true;
      const key = keyOf(row);
      this.skipped.add(key);
      if (!this.reported.has(key)) {
        this.reported.add(key);
        logError("outbox", {
          outcome: "unmarkable",
          source: row.source,
          id: row.event_id.slice(0, 200),
          shard: row.shard,
        });
      }
      return false;
    });
  }

  /** True when the row failed to be marked since the last alarm. */
  isSkipped(row: SQL.OutboxRow): boolean {
    return this.skipped.has(keyOf(row));
  }

  /** Called at each alarm: skipped rows get one more chance. */
  retrySkipped(): void {
    this.skipped.clear();
  }
}

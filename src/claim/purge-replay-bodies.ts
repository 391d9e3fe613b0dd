/** Deletes the bodies of finished events once the replay window is over, a bounded batch per alarm run. */
import * as SQL from "./ledger-sql";

/** Body chunks deleted per alarm run at most, so one run stays short; the alarm returns while any remain. */
export const BODY_PURGE_BATCH = 500;

/** How often the scan starts again from the oldest claim, for events that finished after their window. */
const FULL_SCAN_EVERY_MS = 86_400_000;

/**
 * Remembers (in memory) up to which receive time bodies are already gone, so a run reads about the rows it
 * deletes instead of every claim kept for deduplication. An event that finishes after its window passed
 * (a long retry, a redriven dead event) loses its body at the next full scan: at start, then daily.
 */
export class ReplayBodyPurger {
  private purgedBefore = 0;
  private fullScanAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly sql: SqlStorage) {}

  /** Deletes up to BODY_PURGE_BATCH body chunks of finished events received before `cutoff`; "more" while any remain. */
  purge(cutoff: number, now: number): "done" | "more" {
    if (now - this.fullScanAt >= FULL_SCAN_EVERY_MS) {
      this.purgedBefore = 0;
      this.fullScanAt = now;
    }
    const rows = this.sql
      .exec<{ body_row: number; received_at: number }>(
        SQL.SELECT_BODIES_PAST_REPLAY,
        this.purgedBefore,
        cutoff,
        BODY_PURGE_BATCH,
      )
      .toArray();
    for (const { body_row } of rows) this.sql.exec(SQL.DELETE_BODY_ROW, body_row);
    const last = rows.at(-1);
    if (rows.length === BODY_PURGE_BATCH && last) {
      this.purgedBefore = last.received_at;
      return "more";
    }
    this.purgedBefore = cutoff;
    return "done";
  }
}

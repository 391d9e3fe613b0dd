/**
 * The RouteBudget's SQLite tables and every query on them (docs/storage-schema.md): the events counted per
 * key within the window, the keys over budget (trips), and operator resets.
 */

const SCHEMA = `
CREATE TABLE IF NOT EXISTS counted (
  key TEXT NOT NULL,
  event TEXT NOT NULL,
  counted_at INTEGER NOT NULL,
  PRIMARY KEY (key, event)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS counted_by_time ON counted (counted_at);
CREATE TABLE IF NOT EXISTS trips (
  key TEXT PRIMARY KEY,
  tripped_at INTEGER NOT NULL,
  suppressed INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS resets (
  key TEXT PRIMARY KEY,
  reset_at INTEGER NOT NULL
)`;

/** The most tripped keys one budget group lists (the admin API asks every group of the route). */
const MAX_LISTED_TRIPS = 100;

/** The budget tables of one RouteBudget instance; `windowMs` is the route's window, given per call. */
export class BudgetBook {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA);
  }

  /** Forgets what has left the window: counted events, and resets that no counted event predates any more. */
  prune(now: number, windowMs: number): void {
    this.sql.exec("DELETE FROM counted WHERE counted_at <= ?", now - windowMs);
    this.sql.exec("DELETE FROM resets WHERE reset_at <= ?", now - windowMs);
  }

  /** Whether `event` was already counted for `key` (its message came again, or a failed delivery retries). */
  wasCounted(key: string, event: string): boolean {
    return (
      this.sql.exec("SELECT 1 FROM counted WHERE key = ? AND event = ?", key, event).toArray().length > 0
    );
  }

  /** Events counted for `key` in the window, since its last reset; and when the oldest of them was counted. */
  inWindow(key: string, now: number, windowMs: number): { counted: number; oldest: number | null } {
    const row = this.sql
      .exec<{ counted: number; oldest: number | null }>(
        `SELECT count(*) AS counted, min(counted_at) AS oldest FROM counted
         WHERE key = ?1 AND counted_at > max(?2, coalesce((SELECT reset_at FROM resets WHERE key = ?1), 0))`,
        key,
        now - windowMs,
      )
      .one();
    return { counted: row.counted, oldest: row.oldest };
  }

  count(key: string, event: string, now: number): void {
    this.sql.exec("INSERT OR IGNORE INTO counted (key, event, counted_at) VALUES (?, ?, ?)", key, event, now);
  }

  /** Records a refused event; true when it starts a trip (the one time it is logged). */
  refuse(key: string, now: number): boolean {
    const started =
      this.sql.exec("INSERT OR IGNORE INTO trips (key, tripped_at, suppressed) VALUES (?, ?, 1)", key, now)
        .rowsWritten > 0;
    if (!started) this.sql.exec("UPDATE trips SET suppressed = suppressed + 1 WHERE key = ?", key);
    return started;
  }

  /** Ends `key`'s trip, if it has one; true when it had. */
  endTrip(key: string): boolean {
    return this.sql.exec("DELETE FROM trips WHERE key = ?", key).rowsWritten > 0;
  }

  /** Keys with a trip row (some may have recovered since: the caller checks each against the window). */
  trips(): { key: string; tripped_at: number; suppressed: number }[] {
    return this.sql
      .exec<{ key: string; tripped_at: number; suppressed: number }>(
        "SELECT key, tripped_at, suppressed FROM trips ORDER BY tripped_at LIMIT ?",
        MAX_LISTED_TRIPS,
      )
      .toArray();
  }

  /** From now on, only events counted after `now` count for `key`. */
  reset(key: string, now: number): void {
    this.sql.exec("INSERT OR REPLACE INTO resets (key, reset_at) VALUES (?, ?)", key, now);
  }
}

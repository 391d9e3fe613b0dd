/**
 * Requests stored before request segments existed: one table per hour of receipt (`requests_<hour>`, the
 * first MiB of the body in the row, the rest in `body_chunks`). Nothing writes them any more; they are read
 * until the replay window is past, then dropped whole, after the requests of unfinished events move to
 * `kept_requests`. An upgraded ledger thus loses no request it accepted before the upgrade.
 */
import * as SQL from "./ledger-sql";
import { numberedTables } from "./numbered-tables";

const HOUR_MS = 3_600_000;
const PREFIX = "requests_";
const tableOf = (hour: number) => `${PREFIX}${hour}`;

export class RequestHours {
  private readonly hours = new Set<number>();

  constructor(private readonly sql: SqlStorage) {
    for (const hour of numberedTables(sql, PREFIX)) this.hours.add(hour);
  }

  /** The stored row of a claim received at `receivedAt`, if its hour is still kept. */
  row(seq: number, receivedAt: number): { headers: string; body: ArrayBuffer } | null {
    const hour = Math.floor(receivedAt / HOUR_MS);
    if (!this.hours.has(hour)) return null;
    return (
      this.sql
        .exec<{ headers: string; body: ArrayBuffer }>(
          `SELECT headers, body FROM ${tableOf(hour)} WHERE seq = ?`,
          seq,
        )
        .toArray()[0] ?? null
    );
  }

  /** Drops every hour wholly before `cutoff`, after keeping the requests of its unfinished events. */
  purge(cutoff: number): void {
    for (const hour of [...this.hours].sort((a, b) => a - b)) {
      if ((hour + 1) * HOUR_MS > cutoff) continue;
      const table = tableOf(hour);
      const range = this.sql
        .exec<{ lo: number | null; hi: number | null }>(`SELECT min(seq) AS lo, max(seq) AS hi FROM ${table}`)
        .one();
      if (range.lo !== null && range.hi !== null) {
        this.sql.exec(
          `INSERT OR IGNORE INTO kept_requests (seq, headers, body)
           SELECT r.seq, r.headers, r.body FROM ${table} r JOIN claims c ON c.seq = r.seq
           WHERE c.seq IN (${SQL.UNFINISHED_IN_RANGE})`,
          range.lo,
          range.hi,
        );
        // Only this hour's requests: another hour's claim can have a seq in this range (clock skew).
        this.sql.exec(
          `DELETE FROM body_chunks WHERE seq BETWEEN ?1 AND ?2 AND seq IN (SELECT seq FROM ${table})
             AND seq NOT IN (SELECT seq FROM kept_requests)`,
          range.lo,
          range.hi,
        );
      }
      this.sql.exec(`DROP TABLE IF EXISTS ${table}`);
      this.hours.delete(hour);
    }
  }

  /** Forgets a claim's row (the claim is forgotten after retention). */
  forget(claim: { seq: number; received_at: number }): void {
    const hour = Math.floor(claim.received_at / HOUR_MS);
    if (this.hours.has(hour)) this.sql.exec(`DELETE FROM ${tableOf(hour)} WHERE seq = ?`, claim.seq);
  }
}

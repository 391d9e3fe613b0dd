/**
 * Test-only edits of ledger claims. Claims live in one table per day (src/claim/claim-tables.ts) behind the
 * read-only view `claims`, so a test that changes a claim's fields, or makes it older, goes through these.
 */
import { claimTableNames, claimTables, ensureDayTable } from "../../src/claim/claim-tables";

/** Runs `SET <assignments>` on the claim `eventId` (of any source), wherever it lives. */
export function updateClaim(
  sql: SqlStorage,
  assignments: string,
  eventId: string,
  ...params: SqlStorageValue[]
) {
  for (const table of claimTableNames(sql))
    sql.exec(`UPDATE ${table} SET ${assignments} WHERE event_id = ?`, ...params, eventId);
}

/**
 * Makes a claim as old as if it had been received at `receivedAt`: its `received_at` changes and its row
 * moves to that day's table, so the day's expiry takes it as it would a claim really received then.
 */
export function ageClaim(sql: SqlStorage, eventId: string, receivedAt: number): void {
  const day = ensureDayTable(sql, receivedAt);
  for (const table of claimTableNames(sql)) {
    if (table === day) continue;
    const moved = sql.exec(
      `INSERT INTO ${day} SELECT * FROM ${table} WHERE event_id = ?`,
      eventId,
    ).rowsWritten;
    if (moved > 0) sql.exec(`DELETE FROM ${table} WHERE event_id = ?`, eventId);
  }
  sql.exec(`UPDATE ${day} SET received_at = ? WHERE event_id = ?`, receivedAt, eventId);
  claimTables(sql).refresh();
}

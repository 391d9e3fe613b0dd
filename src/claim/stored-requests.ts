/**
 * The stored requests (headers and raw body) that replay and delivery read, kept for the replay window only.
 * They live apart from the claims, in one table per hour of receipt (`requests_<hour>`): an event costs one
 * written row, and when an hour is past the window its table is dropped whole, which costs no written row
 * and frees its pages for reuse (clearing bodies inside the claim rows freed no space: SQLite appends new
 * rows at the end of the table, so the slack in old pages stayed; measured in bench/README.md). Before an
 * hour is dropped, the requests of its events that are not finished (dead ones keep theirs for redrive, and
 * anything still retrying or waiting) move to `kept_requests`, which the hourly purge empties as they finish.
 */

import { z } from "zod";
import * as SQL from "./ledger-sql";
import { numberedTables } from "./numbered-tables";

const HOUR_MS = 3_600_000;
const PREFIX = "requests_";
const tableOf = (hour: number) => `${PREFIX}${hour}`;
/** DO SQLite values are capped at 2 MB: a body's first MiB is stored with its request, the rest in chunks. */
export const BODY_CHUNK_BYTES = 1024 * 1024;

/** Statuses after which an event never needs its request again, once the replay window is over. */
const FINISHED = "('delivered', 'no_handler', 'suppressed', 'filtered', 'superseded')";

const StoredHeaders = z.record(z.string(), z.string()).catch({});

export type StoredRequest = { headers: Record<string, string>; body: Uint8Array };

export class StoredRequests {
  private readonly hours = new Set<number>();

  constructor(private readonly sql: SqlStorage) {
    for (const hour of this.storedHours()) this.hours.add(hour);
  }

  /** Stores one event's request in its hour's table (in the caller's transaction). */
  store(seq: number, receivedAt: number, headers: Record<string, string>, body: Uint8Array): void {
    const hour = Math.floor(receivedAt / HOUR_MS);
    if (!this.hours.has(hour)) {
      this.sql.exec(
        `CREATE TABLE IF NOT EXISTS ${tableOf(hour)} (seq INTEGER PRIMARY KEY, headers TEXT NOT NULL, body BLOB NOT NULL)`,
      );
      this.hours.add(hour);
    }
    this.sql.exec(
      `INSERT INTO ${tableOf(hour)} (seq, headers, body) VALUES (?, ?, ?)`,
      seq,
      JSON.stringify(headers),
      body.subarray(0, BODY_CHUNK_BYTES),
    );
    for (let offset = BODY_CHUNK_BYTES, chunk = 1; offset < body.byteLength; chunk++) {
      this.sql.exec(SQL.INSERT_BODY_CHUNK, seq, chunk, body.subarray(offset, offset + BODY_CHUNK_BYTES));
      offset += BODY_CHUNK_BYTES;
    }
  }

  /** The request of a claim, byte for byte; null once it is past the replay window. */
  read(claim: { seq: number; received_at: number; body_size: number }): StoredRequest | null {
    const row = this.row(claim.seq, claim.received_at);
    if (!row) return null;
    const chunks =
      claim.body_size <= BODY_CHUNK_BYTES
        ? []
        : this.sql
            .exec<{ data: ArrayBuffer }>(SQL.SELECT_BODY_CHUNKS, claim.seq)
            .toArray()
            .map((c) => c.data);
    const body = new Uint8Array([row.body, ...chunks].reduce((n, c) => n + c.byteLength, 0));
    let offset = 0;
    for (const data of [row.body, ...chunks]) {
      body.set(new Uint8Array(data), offset);
      offset += data.byteLength;
    }
    return { headers: StoredHeaders.parse(JSON.parse(row.headers)), body };
  }

  /** True while the claim's request is kept. */
  has(claim: { seq: number; received_at: number }): boolean {
    return this.row(claim.seq, claim.received_at) !== null;
  }

  /**
   * Drops every hour whose events were all received before `cutoff` (the replay window's start), after moving
   * the requests of its unfinished events to `kept_requests`; then forgets kept requests whose events have
   * finished and are past the window. Returns how many hours were dropped.
   */
  purge(cutoff: number): number {
    let dropped = 0;
    for (const hour of this.storedHours()) {
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
      dropped++;
    }
    // Correlated per kept row (a join let SQLite walk every claim instead: 100,001 rows read at 100k claims).
    this.sql.exec(
      `DELETE FROM kept_requests WHERE (
         SELECT c.received_at < ? AND c.status IN ${FINISHED} FROM claims c WHERE c.seq = kept_requests.seq)`,
      cutoff,
    );
    return dropped;
  }

  /** Forgets a claim's request wherever it is (the claim is forgotten after retention). */
  forget(claim: { seq: number; received_at: number }): void {
    this.sql.exec("DELETE FROM kept_requests WHERE seq = ?", claim.seq);
    this.sql.exec(SQL.DELETE_BODY_CHUNKS, claim.seq);
    const hour = Math.floor(claim.received_at / HOUR_MS);
    if (this.hours.has(hour)) this.sql.exec(`DELETE FROM ${tableOf(hour)} WHERE seq = ?`, claim.seq);
  }

  private row(seq: number, receivedAt: number): { headers: string; body: ArrayBuffer } | null {
    const kept = this.sql
      .exec<{ headers: string; body: ArrayBuffer }>(
        "SELECT headers, body FROM kept_requests WHERE seq = ?",
        seq,
      )
      .toArray()[0];
    if (kept) return kept;
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

  private storedHours(): number[] {
    return numberedTables(this.sql, PREFIX);
  }
}

/**
 * Requests kept in the ledger's SQLite past the replay window: those of events still unfinished when their
 * segment (or, for events stored before segments, their hour's table) was dropped — dead ones keep theirs for
 * redrive, and anything still retrying or waiting needs it. The hourly purge forgets them as they finish.
 */
import * as SQL from "./ledger-sql";
import type { StoredRequest } from "./request-segment";

/** DO SQLite values are capped at 2 MB: a body's first MiB is stored in its row, the rest in chunks. */
export const BODY_CHUNK_BYTES = 1024 * 1024;

/** Joins a row's first MiB with its chunks (`body_size` says whether there are any). */
export function joinBody(sql: SqlStorage, seq: number, first: ArrayBuffer, bodySize: number): Uint8Array {
  const chunks =
    bodySize <= BODY_CHUNK_BYTES
      ? []
      : sql
          .exec<{ data: ArrayBuffer }>(SQL.SELECT_BODY_CHUNKS, seq)
          .toArray()
          .map((c) => c.data);
  const body = new Uint8Array([first, ...chunks].reduce((n, c) => n + c.byteLength, 0));
  let offset = 0;
  for (const data of [first, ...chunks]) {
    body.set(new Uint8Array(data), offset);
    offset += data.byteLength;
  }
  return body;
}

/** Keeps one claim's request (a no-op when it is kept already). */
export function keepRequest(sql: SqlStorage, seq: number, request: StoredRequest): void {
  const { body } = request;
  const inserted = sql.exec(
    "INSERT OR IGNORE INTO kept_requests (seq, headers, body) VALUES (?, ?, ?)",
    seq,
    JSON.stringify(request.headers),
    body.subarray(0, BODY_CHUNK_BYTES),
  ).rowsWritten;
  if (inserted === 0) return;
  for (let offset = BODY_CHUNK_BYTES, chunk = 1; offset < body.byteLength; chunk++) {
    sql.exec(SQL.INSERT_BODY_CHUNK, seq, chunk, body.subarray(offset, offset + BODY_CHUNK_BYTES));
    offset += BODY_CHUNK_BYTES;
  }
}

/** A kept request's row (headers JSON, first MiB of the body), if kept. */
export function keptRow(sql: SqlStorage, seq: number): { headers: string; body: ArrayBuffer } | undefined {
  return sql
    .exec<{ headers: string; body: ArrayBuffer }>(
      "SELECT headers, body FROM kept_requests WHERE seq = ?",
      seq,
    )
    .toArray()[0];
}

/** Forgets the kept requests whose events finished and were received before `cutoff`. */
export function forgetFinishedKept(sql: SqlStorage, cutoff: number): void {
  // Correlated per kept row (a join let SQLite walk every claim instead: 100,001 rows read at 100k claims).
  sql.exec(
    `DELETE FROM kept_requests WHERE (
       SELECT c.received_at < ? AND c.status IN ${SQL.FINISHED_SQL} FROM claims c WHERE c.seq = kept_requests.seq)`,
    cutoff,
  );
}

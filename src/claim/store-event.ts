/** Stores a claimed event and its raw body (in chunks) in the ledger's SQLite, and reads the body back. */
import type { AcceptInput } from "./ledger-rpc";
import * as SQL from "./ledger-sql";

/**
 * Adds the `events` columns a ledger created by an older release lacks (`CREATE TABLE IF NOT EXISTS`
 * leaves an existing table as it was). Runs once per Durable Object start; a no-op once they exist.
 */
export function addMissingEventColumns(sql: SqlStorage): void {
  const present = new Set(
    sql
      .exec<{ name: string }>(SQL.EVENT_COLUMNS)
      .toArray()
      .map((row) => row.name),
  );
  for (const [column, statement] of Object.entries(SQL.ADDED_EVENT_COLUMNS))
    if (!present.has(column)) sql.exec(statement);
}

/** True when routes were chosen for the event and none matched it. */
export const isFiltered = (event: AcceptInput): boolean => event.routes?.length === 0;

/** DO SQLite values are capped at 2 MB; bodies are stored in 1 MiB chunks. */
const BODY_CHUNK_BYTES = 1024 * 1024;

/**
 * Claims `(source, id)` and stores the event with it, in one synchronous transaction, so concurrent
 * duplicates cannot both win. Returns false when the id was already claimed. An event whose route list is
 * empty is stored `filtered`, already out of the outbox: there is nothing to send.
 */
export function storeEvent(storage: DurableObjectStorage, event: AcceptInput): boolean {
  return storage.transactionSync(() => {
    const claimed = storage.sql
      .exec(
        SQL.INSERT_EVENT,
        event.source,
        event.id,
        event.type,
        event.receivedAt,
        JSON.stringify(event.headers),
        event.body.byteLength,
        event.shard,
        event.verifiedWith ?? null,
        event.routes === undefined ? null : JSON.stringify(event.routes),
        isFiltered(event) ? "filtered" : "accepted",
        isFiltered(event) ? event.receivedAt : null,
      )
      .toArray();
    if (claimed.length === 0) return false;
    for (let offset = 0, chunk = 0; offset < event.body.byteLength || chunk === 0; chunk++) {
      const data = event.body.subarray(offset, offset + BODY_CHUNK_BYTES);
      storage.sql.exec(SQL.INSERT_BODY_CHUNK, event.source, event.id, chunk, data);
      offset += BODY_CHUNK_BYTES;
    }
    return true;
  });
}

/** The raw body, byte for byte; null once purged. */
export function readBody(sql: SqlStorage, source: string, id: string): Uint8Array | null {
  const chunks = sql.exec<{ data: ArrayBuffer }>(SQL.SELECT_BODY_CHUNKS, source, id).toArray();
  if (chunks.length === 0) return null;
  if (chunks.length === 1 && chunks[0]) return new Uint8Array(chunks[0].data);
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.data.byteLength, 0));
  let offset = 0;
  for (const { data } of chunks) {
    out.set(new Uint8Array(data), offset);
    offset += data.byteLength;
  }
  return out;
}

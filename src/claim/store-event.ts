/** Stores claimed events with their stored request in the ledger's SQLite, and reads the body back. */
import type { AcceptInput, AcceptOutcome } from "./ledger-rpc";
import * as SQL from "./ledger-sql";

/**
 * Numbers claims: one past the largest `seq` stored or sent (the sent mark survives the claims it passed),
 * so a number is never reused even when the newest claims were forgotten.
 */
export class SeqCounter {
  private next: number;

  constructor(
    private readonly sql: SqlStorage,
    sentThrough: number,
  ) {
    this.next = sentThrough + 1;
  }

  /** The number the next claim gets (`max(seq)` is one read of the rowid b-tree's last entry). */
  peek(): number {
    this.next = Math.max(this.next, this.sql.exec<{ n: number }>(SQL.MAX_SEQ).one().n + 1);
    return this.next;
  }

  /** Uses up the number `peek` gave. */
  take(): void {
    this.next++;
  }
}

/** DO SQLite values are capped at 2 MB; the first MiB of a body lives in the claim row, the rest in chunks. */
const BODY_CHUNK_BYTES = 1024 * 1024;

/**
 * Claims `(source, id)` and stores the event with it. The caller runs it inside a transaction (the group
 * commit), so a claim is never visible without its body. Returns "duplicate" when the id was already
 * claimed. An event chosen for no route is stored as `filtered`: finished, with nothing to send.
 */
export function storeEvent(sql: SqlStorage, seqs: SeqCounter, event: AcceptInput): AcceptOutcome {
  const first = event.body.subarray(0, BODY_CHUNK_BYTES);
  const claimed = sql
    .exec<{ seq: number }>(
      SQL.INSERT_CLAIM,
      seqs.peek(),
      event.source,
      event.id,
      event.type,
      event.receivedAt,
      event.body.byteLength,
      event.shard,
      event.verifiedWith ?? null,
      event.routes ? JSON.stringify(event.routes) : null,
      event.routes?.length === 0 ? "filtered" : "accepted",
      JSON.stringify(event.headers),
      first,
    )
    .toArray()[0];
  if (!claimed) return "duplicate";
  seqs.take();
  for (let offset = BODY_CHUNK_BYTES, chunk = 1; offset < event.body.byteLength; chunk++) {
    sql.exec(
      SQL.INSERT_BODY_CHUNK,
      claimed.seq,
      chunk,
      event.body.subarray(offset, offset + BODY_CHUNK_BYTES),
    );
    offset += BODY_CHUNK_BYTES;
  }
  return "accepted";
}

/** The raw body, byte for byte; null once purged after the replay window. */
export function readBody(sql: SqlStorage, seq: number, bodySize: number): Uint8Array | null {
  const row = sql.exec<{ body: ArrayBuffer | null }>(SQL.SELECT_BODY, seq).toArray()[0];
  if (!row || row.body === null) return null;
  if (bodySize <= BODY_CHUNK_BYTES) return new Uint8Array(row.body);
  const chunks = [
    row.body,
    ...sql
      .exec<{ data: ArrayBuffer }>(SQL.SELECT_BODY_CHUNKS, seq)
      .toArray()
      .map((c) => c.data),
  ];
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let offset = 0;
  for (const data of chunks) {
    out.set(new Uint8Array(data), offset);
    offset += data.byteLength;
  }
  return out;
}

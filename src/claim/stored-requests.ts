/**
 * The stored requests (headers and raw body) that delivery and replay read, kept for the replay window only.
 * They live in R2, not in the ledger's SQLite: the requests one group commit accepts are written as one
 * segment object (request-segment.ts) before their claims commit, so a claim is never durable without its
 * request, and the shard's 10 GB hold claims only (docs/scaling.md). A claim records its index in the
 * segment (`request_index`); the segment's key is `<shard prefix><seq of its first entry>`, so the claim
 * finds it as `seq - request_index`. Recent segments stay in memory for the first delivery.
 *
 * When every event of a segment is past the window, the requests of its unfinished events move to
 * `kept_requests` (kept-requests.ts) and the object is deleted (hourly, from the alarm);
 * `requests_purged_through` is where the next purge's scan of the claims starts. Requests stored before
 * segments existed are read from their hour tables (request-hours.ts) until those are dropped.
 */

import { withTimeout } from "../shared/with-timeout";
import { forgetFinishedKept, joinBody, keepRequest, keptRow } from "./kept-requests";
import { readSetting, writeSetting } from "./ledger-settings";
import * as SQL from "./ledger-sql";
import { RequestHours } from "./request-hours";
import {
  decodeEntry,
  encodeSegment,
  entryKeyOf,
  parseStoredHeaders,
  type SegmentEntry,
  type StoredRequest,
} from "./request-segment";

export type { StoredRequest } from "./request-segment";

/** `ledger_settings` name of the last seq before which every segment is deleted (the purge scan's start). */
const REQUESTS_PURGED_THROUGH = "requests_purged_through";
/** A segment is closed once it holds this many bytes; a larger request gets a segment of its own. */
const SEGMENT_BYTES = 1024 * 1024;
/** Bytes of recent segments kept in memory, so a first delivery does not read R2. */
const CACHE_BYTES = 16 * 1024 * 1024;
/** How long a segment write may take before it counts as failed (it is tried twice). */
const WRITE_TIMEOUT_MS = 10_000;
/** Claims one purge run looks at, oldest first; the alarm comes back soon while more are due. */
const PURGE_SCAN = 10_000;

/** What a stored request is looked up by: a claim row's columns. */
export type RequestOf = {
  seq: number;
  source: string;
  event_id: string;
  received_at: number;
  body_size: number;
  status: string;
  request_index: number | null;
};

/** `seq` padded, so R2 lists a shard's segments in acceptance order. */
const padded = (seq: number) => String(seq).padStart(16, "0");

export class StoredRequests {
  private readonly hours: RequestHours;
  private readonly cache = new Map<number, Uint8Array>();
  /** Segments being read from R2 now, so that concurrent reads of one share the read. */
  private readonly reading = new Map<number, Promise<Uint8Array | null>>();
  private cachedBytes = 0;
  private purgedThrough: number;
  /** Test-only (fault injection, through the ledger's `injectFaults`): R2 puts and reads still to fail. */
  private failingWrites = 0;
  private failingReads = 0;

  constructor(
    private readonly sql: SqlStorage,
    private readonly bucket: R2Bucket,
    /** `requests/<ledger object id>/`: one shard's segments. */
    private readonly prefix: string,
    /** REPLAY_RETENTION_HOURS in ms. */
    private readonly replayWindowMs: number,
  ) {
    this.hours = new RequestHours(sql);
    this.purgedThrough = readSetting(sql, REQUESTS_PURGED_THROUGH);
  }

  /**
   * Writes the requests of the claims that will be numbered `firstSeq`, `firstSeq + 1`, … as segments, and
   * resolves once R2 holds them; returns each request's index in its segment (its claim's `request_index`).
   */
  async write(firstSeq: number, requests: SegmentEntry[]): Promise<number[]> {
    const indexes: number[] = [];
    const segments: { first: number; requests: SegmentEntry[] }[] = [];
    let open: { first: number; requests: SegmentEntry[]; bytes: number } | null = null;
    requests.forEach((request, index) => {
      const size = request.body.byteLength + 512;
      if (!open || open.bytes + size > SEGMENT_BYTES) {
        open = { first: firstSeq + index, requests: [], bytes: 0 };
        segments.push(open);
      }
      indexes.push(open.requests.length);
      open.requests.push(request);
      open.bytes += size;
    });
    await Promise.all(
      segments.map(async (segment) => {
        const bytes = encodeSegment(segment.requests);
        // One retry for a transient R2 error before the group's accepts fail (their senders retry too).
        await this.put(segment.first, bytes).catch(() => this.put(segment.first, bytes));
        this.remember(segment.first, bytes);
      }),
    );
    return indexes;
  }

  /**
   * A claim's request if it can be read without I/O (kept, legacy hour table, or a segment in memory);
   * null when it is gone; undefined when it must be read from R2 (`read`).
   */
  readNow(claim: RequestOf): StoredRequest | null | undefined {
    const row = this.rowOf(claim);
    if (row)
      return {
        headers: parseStoredHeaders(row.headers),
        body: joinBody(this.sql, claim.seq, row.body, claim.body_size),
      };
    if (claim.request_index === null || !this.inWindow(claim)) return null;
    const cached = this.cache.get(claim.seq - claim.request_index);
    return cached
      ? decodeEntry(cached, claim.request_index, entryKeyOf(claim.source, claim.event_id))
      : undefined;
  }

  /** A claim's request, byte for byte; null once it is past the replay window. */
  async read(claim: RequestOf): Promise<StoredRequest | null> {
    const now = this.readNow(claim);
    if (now !== undefined || claim.request_index === null) return now ?? null;
    const bytes = await this.fetchSegment(claim.seq - claim.request_index);
    return bytes ? decodeEntry(bytes, claim.request_index, entryKeyOf(claim.source, claim.event_id)) : null;
  }

  /**
   * True while the claim's request is kept: inside the replay window, or as long as its event is unfinished
   * (a past window's segment may not be deleted yet: the purge runs hourly; the window decides, not it).
   */
  has(claim: RequestOf): boolean {
    return this.rowOf(claim) !== null || (claim.request_index !== null && this.inWindow(claim));
  }

  /** A request kept in SQLite: past the window, or (before segments) in its hour's table. */
  private rowOf(claim: RequestOf): { headers: string; body: ArrayBuffer } | null {
    const kept = keptRow(this.sql, claim.seq);
    if (kept) return kept;
    return claim.request_index === null ? this.hours.row(claim.seq, claim.received_at) : null;
  }

  /** Whether a segment's request still counts as kept: inside the window, or its event is unfinished. */
  private inWindow(claim: RequestOf): boolean {
    return claim.received_at >= Date.now() - this.replayWindowMs || !SQL.FINISHED_STATUSES.has(claim.status);
  }

  /**
   * Deletes the segments whose events were all received before `cutoff` (the replay window's start), after
   * keeping the requests of their unfinished events; drops legacy hours the same way; then forgets kept
   * requests whose events finished and are past the window. Segments are found through their claims, from
   * a window of the oldest claims not yet purged, so a segment whose group has not committed is never
   * touched. "more" while the window was full of due segments (or of claims stored before segments).
   */
  async purge(cutoff: number): Promise<"done" | "more"> {
    this.hours.purge(cutoff);
    const rows = this.sql
      .exec<{ seq: number; request_index: number | null; received_at: number }>(
        "SELECT seq, request_index, received_at FROM claims WHERE seq > ? ORDER BY seq LIMIT ?",
        this.purgedThrough,
        PURGE_SCAN,
      )
      .toArray();
    const segments = new Map<number, { first: number; last: number; newest: number }>();
    for (const row of rows) {
      if (row.request_index === null) continue;
      const first = row.seq - row.request_index;
      const segment = segments.get(first) ?? { first, last: row.seq, newest: row.received_at };
      segment.last = row.seq;
      segment.newest = Math.max(segment.newest, row.received_at);
      segments.set(first, segment);
    }
    const full = rows.length === PURGE_SCAN;
    const last = full ? Math.max(...segments.keys()) : null;
    const due = [...segments.values()].filter((segment) => segment.newest < cutoff && segment.first !== last);
    for (const segment of due) await this.keepUnfinished(segment);
    for (let start = 0; start < due.length; start += 1000)
      await this.bucket.delete(due.slice(start, start + 1000).map((segment) => this.keyOf(segment.first)));
    for (const segment of due) this.forgetCached(segment.first);
    // The scan starts after the longest run of purged segments (claims without a segment do not break it).
    let through = this.purgedThrough;
    for (const row of rows) {
      const segment = row.request_index === null ? null : segments.get(row.seq - row.request_index);
      if (segment && !due.includes(segment)) break;
      through = row.seq;
    }
    if (through > this.purgedThrough) {
      this.purgedThrough = through;
      writeSetting(this.sql, REQUESTS_PURGED_THROUGH, through);
    }
    forgetFinishedKept(this.sql, cutoff);
    // A full window of claims without segments (stored before them) moved the scan on: more may be due after it.
    return full && (segments.size === 0 || due.length === segments.size - 1) ? "more" : "done";
  }

  /** Forgets a claim's request wherever the ledger keeps it (the claim is forgotten after retention). */
  forget(claim: { seq: number; received_at: number }): void {
    this.sql.exec("DELETE FROM kept_requests WHERE seq = ?", claim.seq);
    this.sql.exec(SQL.DELETE_BODY_CHUNKS, claim.seq);
    this.hours.forget(claim);
  }

  /** Test-only: the next R2 puts and reads throw (the ledger checks that fault injection is allowed). */
  failNext(writes: number, reads: number): void {
    this.failingWrites = writes;
    this.failingReads = reads;
  }

  private async put(first: number, bytes: Uint8Array): Promise<void> {
    if (this.failingWrites > 0 && this.failingWrites--) throw new Error("injected fault: R2 write failed");
    // A hung write would hold every later accept of the shard (groups commit one after another).
    await withTimeout(this.bucket.put(this.keyOf(first), bytes), WRITE_TIMEOUT_MS, "R2 segment write");
  }

  private keyOf(first: number): string {
    return `${this.prefix}${padded(first)}`;
  }

  /** Moves the requests of a due segment's unfinished events into `kept_requests`. */
  private async keepUnfinished(segment: { first: number; last: number }): Promise<void> {
    const unfinished = this.sql
      .exec<{ seq: number; source: string; event_id: string; request_index: number | null }>(
        `SELECT seq, source, event_id, request_index FROM claims WHERE seq IN (${SQL.UNFINISHED_IN_RANGE})
           AND request_index IS NOT NULL AND seq NOT IN (SELECT seq FROM kept_requests)`,
        segment.first,
        segment.last,
      )
      .toArray();
    if (unfinished.length === 0) return;
    const bytes = await this.fetchSegment(segment.first);
    for (const { seq, source, event_id, request_index } of unfinished) {
      const key = entryKeyOf(source, event_id);
      const request = bytes && request_index !== null ? decodeEntry(bytes, request_index, key) : null;
      if (request) keepRequest(this.sql, seq, request);
    }
  }

  /** A segment's bytes: from memory, or one R2 read however many of its requests are asked for at once. */
  private fetchSegment(first: number): Promise<Uint8Array | null> {
    const cached = this.cache.get(first);
    if (cached) return Promise.resolve(cached);
    const reading = this.reading.get(first);
    if (reading) return reading;
    const read = (async () => {
      if (this.failingReads > 0 && this.failingReads--) throw new Error("injected fault: R2 read failed");
      const object = await this.bucket.get(this.keyOf(first));
      if (!object) return null;
      const bytes = new Uint8Array(await object.arrayBuffer());
      this.remember(first, bytes);
      return bytes;
    })().finally(() => this.reading.delete(first));
    this.reading.set(first, read);
    return read;
  }

  private remember(first: number, bytes: Uint8Array): void {
    if (bytes.byteLength > CACHE_BYTES / 4) return;
    this.forgetCached(first);
    this.cache.set(first, bytes);
    this.cachedBytes += bytes.byteLength;
    for (const [oldest, old] of this.cache) {
      if (this.cachedBytes <= CACHE_BYTES) break;
      this.cache.delete(oldest);
      this.cachedBytes -= old.byteLength;
    }
  }

  private forgetCached(first: number): void {
    const old = this.cache.get(first);
    if (!old) return;
    this.cache.delete(first);
    this.cachedBytes -= old.byteLength;
  }
}

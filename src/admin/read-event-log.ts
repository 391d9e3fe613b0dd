/** Read side of the D1 event log for the admin API and dashboard: search with cursors, detail, metrics. */

import { z } from "zod";
import * as SQL from "../event-log/event-log-sql";
import { base64UrlToBytes, bytesToBase64Url, utf8 } from "../verify/encoding";
import type { EventSummary, ListEventsQuery } from "./admin-schemas";
import { EventStatus } from "./admin-schemas";
import { operatorError } from "./operator-error";

const EventRow = z.object({
  source: z.string(),
  event_id: z.string(),
  type: z.string(),
  received_at: z.number(),
  status: EventStatus,
  attempts: z.number(),
  last_error: z.string().nullable(),
  delivered_at: z.number().nullable(),
  latency_ms: z.number().nullable(),
  body_size: z.number(),
  suppressed_by: z.string().nullable(),
});

const AttemptRow = z.object({
  handler: z.string(),
  replay: z.number(),
  attempt: z.number(),
  outcome: z.enum(["done", "failed", "dead"]),
  error: z.string().nullable(),
  started_at: z.number(),
  duration_ms: z.number(),
  destination: z.string().nullable(),
  response_status: z.number().nullable(),
  response_body: z.string().nullable(),
  next_retry_at: z.number().nullable(),
});

const Cursor = z.tuple([z.number(), z.string(), z.string()]);

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * A delivered event shows no last error: the log keeps the last failure of earlier attempts, which is
 * stale once every handler has succeeded.
 */
export function toSummary(row: z.infer<typeof EventRow>): EventSummary {
  return {
    source: row.source,
    id: row.event_id,
    type: row.type,
    status: row.status,
    receivedAt: iso(row.received_at),
    attemptCount: row.attempts,
    lastError: row.status === "delivered" ? null : operatorError(row.last_error),
    deliveredAt: row.delivered_at === null ? null : iso(row.delivered_at),
    latencyMs: row.latency_ms,
    bodySize: row.body_size,
    suppressedBy: row.suppressed_by,
  };
}

/** An opaque cursor: the UTF-8 JSON of the last row's sort key in base64url (ids may be any Unicode). */
function encodeCursor(row: z.infer<typeof EventRow>): string {
  const key = JSON.stringify([row.received_at, row.source, row.event_id]);
  return bytesToBase64Url(utf8.encode(key));
}

/** Null when the cursor is not one this API issued. */
function decodeCursor(cursor: string): z.infer<typeof Cursor> | null {
  try {
    const bytes = base64UrlToBytes(cursor);
    if (!bytes) return null;
    const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
    const parsed = Cursor.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** `s` as a GLOB pattern that matches only itself: `*`, `?` and `[` are bracketed. */
function literalGlob(s: string): string {
  return s.replace(/[*?[]/g, "[$&]");
}

/** `customer.*` matches every type starting `customer.`; `*` is the only wildcard, all else is literal. */
function typeGlob(pattern: string): string {
  return pattern.split("*").map(literalGlob).join("*");
}

export type ListResult =
  | { ok: true; events: EventSummary[]; nextCursor: string | null }
  | { ok: false; reason: string };

/**
 * Newest first. Pagination is keyset-based on (received_at, source, event_id), stable under inserts.
 * `id` matches the event id exactly or as a prefix; `type` is exact, or a glob where `*` matches anything.
 */
export async function listEvents(db: D1Database, query: ListEventsQuery): Promise<ListResult> {
  const where: string[] = [];
  const params: (string | number)[] = [];
  const filter = (clause: string, value: string | number | undefined) => {
    if (value === undefined || value === "") return;
    where.push(clause);
    params.push(value);
  };
  filter("source = ?", query.source);
  filter("event_id GLOB ?", query.id === undefined ? undefined : `${literalGlob(query.id)}*`);
  filter("type GLOB ?", query.type === undefined ? undefined : typeGlob(query.type));
  filter("status = ?", query.status);
  filter("received_at >= ?", query.since);
  filter("received_at < ?", query.until);
  if (query.cursor) {
    const cursor = decodeCursor(query.cursor);
    if (!cursor) return { ok: false, reason: "invalid cursor" };
    where.push("(received_at, source, event_id) < (?, ?, ?)");
    params.push(...cursor);
  }
  const sql = `SELECT * FROM events ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
    ORDER BY received_at DESC, source DESC, event_id DESC LIMIT ?`;
  const { results } = await db
    .prepare(sql)
    .bind(...params, query.limit + 1)
    .all();
  const rows = z.array(EventRow).parse(results);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    ok: true,
    events: page.map(toSummary),
    nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null,
  };
}

export async function readEvent(db: D1Database, source: string, id: string) {
  const [event, attempts] = await db.batch([
    db.prepare(SQL.SELECT_EVENT).bind(source, id),
    db.prepare(SQL.SELECT_ATTEMPTS).bind(source, id),
  ]);
  const row = z.array(EventRow).parse(event?.results ?? [])[0];
  if (!row) return null;
  return {
    event: toSummary(row),
    shard: z.object({ shard: z.number() }).parse(event?.results[0]).shard,
    attempts: z
      .array(AttemptRow)
      .parse(attempts?.results ?? [])
      .map((a) => ({
        handler: a.handler,
        replay: a.replay,
        attempt: a.attempt,
        outcome: a.outcome,
        error: operatorError(a.error),
        startedAt: iso(a.started_at),
        durationMs: a.duration_ms,
        destination: a.destination,
        responseStatus: a.response_status,
        responseBody: a.response_body,
        nextRetryAt: a.next_retry_at === null ? null : iso(a.next_retry_at),
      })),
  };
}

const emptyCounts = () => ({
  accepted: 0,
  delivered: 0,
  retrying: 0,
  dead: 0,
  no_handler: 0,
  suppressed: 0,
  filtered: 0,
  superseded: 0,
  total: 0,
});

export async function summarize(db: D1Database, windowSeconds: number, now = Date.now()) {
  const since = now - windowSeconds * 1000;
  const counts = z
    .array(z.object({ source: z.string(), status: EventStatus, count: z.number() }))
    .parse((await db.prepare(SQL.COUNT_BY_STATUS_AND_SOURCE).bind(since).all()).results);
  const byStatus = emptyCounts();
  const bySource: Record<string, ReturnType<typeof emptyCounts>> = {};
  for (const { source, status, count } of counts) {
    const forSource = bySource[source] ?? emptyCounts();
    bySource[source] = forSource;
    forSource[status] += count;
    forSource.total += count;
    byStatus[status] += count;
    byStatus.total += count;
  }
  const n = z.number().parse((await db.prepare(SQL.COUNT_DELIVERED_LATENCIES).bind(since).first("n")) ?? 0);
  const percentile = async (p: number) => {
    if (n === 0) return null;
    const offset = Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1));
    return z.number().parse(await db.prepare(SQL.LATENCY_AT_OFFSET).bind(since, offset).first("latency_ms"));
  };
  return {
    since: iso(since),
    until: iso(now),
    byStatus,
    bySource,
    latencyMs: { count: n, p50: await percentile(0.5), p99: await percentile(0.99) },
  };
}

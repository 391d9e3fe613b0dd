/**
 * The event log for the admin API and dashboard, read from every ledger shard's claims and merged: search
 * with cursors, one event's detail, metrics.
 */

import { z } from "zod";
import { EventKey, ListLogInput, VerifiedWith } from "../claim/ledger-rpc";
import type { ClaimPage, ClaimRow, LogDelivery } from "../claim/log-queries";
import { ledgerFor, shardForEvent } from "../claim/shard-for-event";
import { settingsFrom } from "../config/settings";
import { base64UrlToBytes, bytesToBase64Url, utf8 } from "../verify/encoding";
import type { EventStatus, EventSummary, ListEventsQuery } from "./admin-schemas";
import { operatorError } from "./operator-error";

const iso = (ms: number) => new Date(ms).toISOString();

const shardNumbers = (env: Env) =>
  Array.from({ length: settingsFrom(env).CLAIM_SHARDS }, (_, shard) => shard);

/**
 * A delivered event shows no last error: the claim keeps the last failure of earlier attempts, which is
 * stale once every handler has succeeded.
 */
export function toSummary(row: ClaimRow): EventSummary {
  return {
    source: row.source,
    id: row.event_id,
    type: row.type,
    status: row.status,
    receivedAt: iso(row.received_at),
    attemptCount: row.attempts,
    lastError: row.status === "delivered" ? null : operatorError(row.last_error),
    deliveredAt: row.delivered_at === null ? null : iso(row.delivered_at),
    latencyMs: row.delivered_at === null ? null : Math.max(0, row.delivered_at - row.received_at),
    bodySize: row.body_size,
    suppressedBy: row.suppressed_by,
  };
}

/**
 * The cursor holds, per shard, the `seq` its next page starts below (0: nothing left there), as the UTF-8
 * JSON of that list in base64url. Null when the cursor is not one this API issued for this shard count.
 */
function decodeCursor(cursor: string, shards: number): number[] | null {
  try {
    const bytes = base64UrlToBytes(cursor);
    if (!bytes) return null;
    const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
    const parsed = z.array(z.number().int().nonnegative()).length(shards).safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

const encodeCursor = (positions: number[]) => bytesToBase64Url(utf8.encode(JSON.stringify(positions)));

/** Newest first: by received time, then source and id (descending), as the list has always sorted. */
const isNewer = (
  a: { at: number; source: string; id: string },
  b: { at: number; source: string; id: string },
) => (a.at !== b.at ? a.at > b.at : a.source !== b.source ? a.source > b.source : a.id > b.id);

/** One shard's page as the merge consumes it. */
interface Lane {
  page: ClaimPage;
  taken: number;
}

/**
 * Takes up to `limit` rows from the shards' pages, newest first. Each shard's rows are taken in its own
 * (seq) order, so what is taken from a shard is always a prefix of its page and its cursor can say where
 * the rest begins. A shard whose page ended early with more to come (`next`) stands in the merge at its
 * `next.receivedAt`: the page stops there rather than pass rows it has not read yet.
 */
function mergePages(lanes: Lane[], limit: number): ClaimRow[] {
  const merged: ClaimRow[] = [];
  while (merged.length < limit) {
    let best: { lane: Lane; row: ClaimRow | null; at: number; source: string; id: string } | null = null;
    for (const lane of lanes) {
      const row = lane.page.rows[lane.taken];
      const head = row
        ? { lane, row, at: row.received_at, source: row.source, id: row.event_id }
        : lane.page.next && { lane, row: null, at: lane.page.next.receivedAt, source: "\u{10FFFF}", id: "" };
      if (head && (!best || isNewer(head, best))) best = head;
    }
    if (!best?.row) break;
    merged.push(best.row);
    best.lane.taken++;
  }
  return merged;
}

/** Where each shard's next page starts: below its first row not taken, else below where its page ended. */
function positionsAfter(lanes: Lane[]): number[] {
  return lanes.map(({ page, taken }) => {
    const notTaken = page.rows[taken];
    if (notTaken) return notTaken.seq + 1;
    return page.next?.seq ?? 0;
  });
}

export type ListResult =
  | { ok: true; events: EventSummary[]; nextCursor: string | null }
  | { ok: false; reason: string };

/**
 * Newest first, from every shard. `id` matches the event id exactly or as a prefix; `type` is exact, or a
 * glob where `*` matches anything; `route` is a route chosen for the event when it was claimed. Paging
 * never skips or repeats an event; a page may hold fewer than `limit` events (even none) and still have a
 * `nextCursor` when a shard stopped at its scan window (src/claim/log-queries.ts).
 */
export async function listEvents(env: Env, query: ListEventsQuery): Promise<ListResult> {
  const shards = shardNumbers(env);
  const start = query.cursor === undefined ? null : decodeCursor(query.cursor, shards.length);
  if (query.cursor !== undefined && !start) return { ok: false, reason: "invalid cursor" };
  const filter = ListLogInput.safeParse({
    ...Object.fromEntries(Object.entries(query).filter(([key, value]) => key !== "cursor" && value !== "")),
    limit: query.limit,
  });
  const issue = filter.error?.issues[0];
  if (!filter.success)
    return { ok: false, reason: issue ? `${issue.path.join(".")}: ${issue.message}` : "filter" };
  const empty: ClaimPage = { rows: [], next: null, rowsRead: 0 };
  const lanes: Lane[] = await Promise.all(
    shards.map(async (shard) => {
      const beforeSeq = start?.[shard];
      const page =
        beforeSeq === 0 ? empty : await ledgerFor(env, shard).listLog({ ...filter.data, beforeSeq });
      return { page, taken: 0 };
    }),
  );
  const events = mergePages(lanes, query.limit).map(toSummary);
  const positions = positionsAfter(lanes);
  return {
    ok: true,
    events,
    nextCursor: positions.some((seq) => seq > 0) ? encodeCursor(positions) : null,
  };
}

/** Why a delivery is in its state, in an operator's words (null once done). */
function reasonFor(delivery: LogDelivery): string | null {
  switch (delivery.state) {
    case "done":
      return null;
    case "failed":
    case "dead":
      return operatorError(delivery.last_error);
    case "suppressed":
      return "not delivered: the rule matched; a replay delivers it";
    case "held":
      return "its route is paused: it runs, in acceptance order, once the route is resumed";
    case "superseded":
      return "a newer event of its ordered lane was delivered instead";
    case "pending":
      return "no attempt has finished yet";
  }
}

/** One delivery's state as the admin API and dashboard show it. */
function toDeliveryView(delivery: LogDelivery) {
  return {
    handler: delivery.handler,
    replay: delivery.replay,
    state: delivery.state,
    attempts: delivery.attempts,
    rule: delivery.state === "suppressed" ? delivery.last_error : null,
    reason: reasonFor(delivery),
    nextRetryAt: delivery.not_before === null ? null : iso(delivery.not_before),
    updatedAt: delivery.updated_at === null ? null : iso(delivery.updated_at),
  };
}

/**
 * One event with its attempts and every delivery's state, and the shard holding it: the one `shardForEvent`
 * names under today's CLAIM_SHARDS first, then the others (it may have been claimed under another shard
 * count). Null when no shard holds it.
 */
export async function readEvent(env: Env, source: string, id: string) {
  if (!EventKey.safeParse({ source, id }).success) return null;
  const shards = shardNumbers(env);
  const home = shardForEvent(source, id, shards.length);
  const read = async (shard: number) => {
    const found = await ledgerFor(env, shard).readLog({ source, id });
    return found && { ...found, shard };
  };
  const found =
    (await read(home)) ??
    (await Promise.all(shards.filter((shard) => shard !== home).map(read))).find((hit) => hit !== null);
  if (!found) return null;
  return {
    event: toSummary(found.claim),
    shard: found.shard,
    verifiedWith: VerifiedWith.safeParse(found.claim.verified_with).data ?? null,
    routes: z
      .array(z.string())
      .nullable()
      .catch(null)
      .parse(JSON.parse(found.claim.routes ?? "null")),
    deliveries: found.deliveries.map(toDeliveryView),
    attempts: found.attempts.map((a) => ({
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

type StatusCounts = Record<EventStatus | "total", number>;

const emptyCounts = (): StatusCounts => ({
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

/** The latency at quantile `p` of `[latency, count]` pairs in ascending order (nearest rank). */
function percentile(latencies: [number, number][], total: number, p: number): number | null {
  if (total === 0) return null;
  const rank = Math.min(total - 1, Math.max(0, Math.ceil(p * total) - 1));
  let seen = 0;
  for (const [latency, count] of latencies) {
    seen += count;
    if (seen > rank) return latency;
  }
  return null;
}

/**
 * Counts by status and source, and delivery latency p50/p99, of the events received in the last
 * `windowSeconds`, over every shard. `truncated`: a shard held more events in the window than one summary
 * reads (log-queries.ts SUMMARY_ROWS_MAX), so the figures cover only its newest ones.
 */
export async function summarize(env: Env, windowSeconds: number, now = Date.now()) {
  const since = now - windowSeconds * 1000;
  const shards = await Promise.all(
    shardNumbers(env).map((shard) => ledgerFor(env, shard).summarizeLog({ since })),
  );
  const byStatus = emptyCounts();
  const bySource: Record<string, StatusCounts> = {};
  const latencies = new Map<number, number>();
  for (const shard of shards) {
    for (const { source, status, count } of shard.counts) {
      const forSource = bySource[source] ?? emptyCounts();
      bySource[source] = forSource;
      forSource[status] += count;
      forSource.total += count;
      byStatus[status] += count;
      byStatus.total += count;
    }
    for (const { ms, count } of shard.latencies) latencies.set(ms, (latencies.get(ms) ?? 0) + count);
  }
  const sorted = [...latencies].sort(([a], [b]) => a - b);
  const count = sorted.reduce((sum, [, n]) => sum + n, 0);
  return {
    since: iso(since),
    until: iso(now),
    byStatus,
    bySource,
    latencyMs: { count, p50: percentile(sorted, count, 0.5), p99: percentile(sorted, count, 0.99) },
    truncated: shards.some((shard) => shard.truncated),
  };
}

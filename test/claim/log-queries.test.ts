/** The event log read from one ledger shard's claims: paging, filters, detail, summary and bounded reads. */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { LEDGER_SCHEMA } from "../../src/claim/ledger-schema";
import {
  type LogFilter,
  listClaims,
  RECEIVED_AT_SKEW_MS,
  readClaim,
  summarizeClaims,
} from "../../src/claim/log-queries";
import { type ClaimSeed, insertClaim } from "../support/event-log-rows";

const T0 = Date.UTC(2026, 0, 1);

/** Runs `body` against the log tables of a fresh ledger instance of its own. */
function inFreshShard<T>(body: (sql: SqlStorage) => T): Promise<T> {
  const ledger = env.EVENT_LEDGER.get(env.EVENT_LEDGER.idFromName(`log-queries-${crypto.randomUUID()}`));
  return runInDurableObject(ledger, (_i, state) => {
    state.storage.sql.exec(LEDGER_SCHEMA);
    return body(state.storage.sql);
  });
}

/** `count` claims of `source`, one second apart from T0, ids `e0`, `e1`, …; `tweak` changes any of them. */
function seedMany(sql: SqlStorage, count: number, tweak: (i: number) => Partial<ClaimSeed> = () => ({})) {
  for (let i = 0; i < count; i++)
    insertClaim(sql, 0, {
      source: "github",
      id: `e${i}`,
      status: "delivered",
      receivedAt: T0 + i * 1000,
      ...tweak(i),
    });
}

/** Every id matching `filter`, page by page (by the shard cursor), and the pages' sizes. */
function pageThrough(sql: SqlStorage, filter: LogFilter, limit: number, scanWindow?: number) {
  const ids: string[] = [];
  const sizes: number[] = [];
  let beforeSeq: number | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const page = listClaims(sql, { ...filter, beforeSeq }, limit, scanWindow);
    ids.push(...page.rows.map((row) => row.event_id));
    sizes.push(page.rows.length);
    if (!page.next) return { ids, sizes };
    beforeSeq = page.next.seq;
  }
  throw new Error("paging did not end");
}

const ids = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `e${to - i}`);

describe("listClaims", () => {
  it("pages newest first by seq, without skipping or repeating a row", async () => {
    const { ids: listed, sizes } = await inFreshShard((sql) => {
      seedMany(sql, 10);
      return pageThrough(sql, {}, 3);
    });
    expect(listed).toEqual(ids(0, 9));
    expect(sizes).toEqual([3, 3, 3, 1]);
  });

  it("filters by source, type glob, status and route", async () => {
    const found = await inFreshShard((sql) => {
      seedMany(sql, 12, (i) => ({
        source: i % 2 ? "stripe" : "github",
        type: i % 3 ? "customer.created" : "invoice.paid",
        status: i === 4 ? "filtered" : "delivered",
        routes: i % 4 === 0 ? ["billing", "audit"] : ["audit"],
      }));
      const all = (filter: LogFilter) => pageThrough(sql, filter, 2).ids;
      return {
        stripe: all({ source: "stripe" }),
        customer: all({ type: "customer.*" }),
        exactType: all({ type: "customer." }),
        filtered: all({ status: "filtered" }),
        billing: all({ route: "billing" }),
        bill: all({ route: "bill" }),
      };
    });
    expect(found.stripe).toEqual(["e11", "e9", "e7", "e5", "e3", "e1"]);
    expect(found.customer).toEqual(["e11", "e10", "e8", "e7", "e5", "e4", "e2", "e1"]);
    expect(found.exactType).toEqual([]);
    expect(found.filtered).toEqual(["e4"]);
    expect(found.billing).toEqual(["e8", "e4", "e0"]);
    expect(found.bill).toEqual([]);
  });

  it("finds ids exactly or by a literal prefix, even with *, ? and [ in them", async () => {
    const found = await inFreshShard((sql) => {
      for (const [i, id] of ["a*b", "a*bc", "axb", "a?", "a[1]", "a1", "zz"].entries())
        insertClaim(sql, 0, {
          source: i % 2 ? "stripe" : "github",
          id,
          status: "delivered",
          receivedAt: T0 + i,
        });
      const search = (id: string, source?: string) => pageThrough(sql, { id, source }, 10).ids.slice().sort();
      return {
        star: search("a*"),
        starWithSource: search("a*b", "github"),
        question: search("a?"),
        bracket: search("a["),
        none: search("a[2"),
        plain: search("a"),
      };
    });
    expect(found.star).toEqual(["a*b", "a*bc"]);
    expect(found.starWithSource).toEqual(["a*b"]);
    expect(found.question).toEqual(["a?"]);
    expect(found.bracket).toEqual(["a[1]"]);
    expect(found.none).toEqual([]);
    expect(found.plain).toEqual(["a*b", "a*bc", "a1", "a?", "a[1]", "axb"]);
  });

  it("walks seq instead when an id prefix matches too many claims to sort", async () => {
    const page = await inFreshShard((sql) => {
      seedMany(sql, 1200);
      return listClaims(sql, { id: "e" }, 3);
    });
    expect(page.rows.map((row) => row.event_id)).toEqual(["e1199", "e1198", "e1197"]);
    expect(page.rowsRead).toBeLessThan(1100);
  });

  it("keeps since and until exact, also around a claim whose clock lagged within the skew", async () => {
    const found = await inFreshShard((sql) => {
      // 100 s apart, except e4: accepted after e3 but stamped 30 s before it (a slower isolate's clock).
      seedMany(sql, 10, (i) => ({ receivedAt: T0 + (i === 4 ? 270_000 : i * 100_000) }));
      return {
        since: pageThrough(sql, { since: T0 + 280_000 }, 2).ids,
        until: pageThrough(sql, { until: T0 + 300_000 }, 2).ids,
        between: pageThrough(sql, { since: T0 + 200_000, until: T0 + 800_000 }, 2).ids,
      };
    });
    expect(found.since).toEqual(["e9", "e8", "e7", "e6", "e5", "e3"]);
    expect(found.until).toEqual(["e4", "e2", "e1", "e0"]);
    expect(found.between).toEqual(["e7", "e6", "e5", "e4", "e3", "e2"]);
  });

  it("walks at most the scan window per page and hands back a cursor to go on", async () => {
    const { ids: listed, sizes } = await inFreshShard((sql) => {
      seedMany(sql, 50, (i) => ({ type: i === 3 || i === 45 ? "rare" : "common" }));
      return pageThrough(sql, { type: "rare" }, 5, 10);
    });
    expect(listed).toEqual(["e45", "e3"]);
    expect(sizes).toEqual([1, 0, 0, 0, 1]);
  });

  it("reads about `limit` rows per page of a 5,000-row shard", async () => {
    const reads = await inFreshShard((sql) => {
      seedMany(sql, 5000, (i) => ({
        status: i % 1000 === 7 ? "dead" : "delivered",
        source: i % 2 ? "stripe" : "github",
      }));
      const read = (filter: LogFilter) => listClaims(sql, filter, 20).rowsRead;
      const firstPage = listClaims(sql, {}, 20);
      return {
        firstPage: firstPage.rowsRead,
        nextPage: read({ beforeSeq: firstPage.next?.seq }),
        since: read({ since: T0 + 4990 * 1000 }),
        until: read({ until: T0 + 100 * 1000 }),
        dead: read({ status: "dead" }),
        exactId: read({ id: "e1234" }),
        deadById: listClaims(sql, { id: "e1007", status: "dead" }, 20),
        idPrefix: read({ id: "e123", source: "github" }),
        bySource: read({ source: "stripe" }),
      };
    });
    expect(reads.firstPage).toBeLessThan(30);
    expect(reads.nextPage).toBeLessThan(30);
    // Claims 1 s apart: a time boundary also reads the RECEIVED_AT_SKEW_MS margin (60 rows) beside it.
    expect(reads.since).toBeLessThan(120);
    expect(reads.until).toBeLessThan(120);
    expect(reads.dead).toBeLessThan(30);
    expect(reads.exactId).toBeLessThan(30);
    expect(reads.deadById.rows.map((row) => row.event_id)).toEqual(["e1007"]);
    expect(reads.deadById.rowsRead).toBeLessThan(30);
    expect(reads.idPrefix).toBeLessThan(60);
    expect(reads.bySource).toBeLessThan(60);
  });
});

describe("readClaim", () => {
  it("lists failed attempts and the last attempt of each delivered key, replays numbered", async () => {
    const detail = await inFreshShard((sql) => {
      const seq = insertClaim(sql, 0, { source: "github", id: "d1", status: "delivered", receivedAt: T0 });
      sql.exec(
        `INSERT INTO failed_attempts (seq, handler, attempt, outcome, error, started_at, duration_ms, destination,
           response_status, response_body, next_retry_at)
         VALUES (?, 'forward', 1, 'failed', 'answered 503', ?, 12, 'https://agent', 503, 'nope', ?)`,
        seq,
        T0 + 10,
        T0 + 5000,
      );
      sql.exec(
        `INSERT INTO outcomes (seq, handler, state, attempts, updated_at, started_at, duration_ms, destination,
           response_status, response_body)
         VALUES (?, 'forward', 'done', 2, ?, ?, 7, 'https://agent', 200, 'ok'),
                (?, 'forward#replay-2', 'done', 1, ?, ?, 5, 'https://agent', 204, NULL),
                (?, 'audit', 'failed', 1, ?, NULL, NULL, NULL, NULL, NULL)`,
        seq,
        T0 + 6000,
        T0 + 6000,
        seq,
        T0 + 9000,
        T0 + 9000,
        seq,
        T0 + 20,
      );
      return { found: readClaim(sql, "github", "d1"), missing: readClaim(sql, "github", "d2") };
    });
    expect(detail.missing).toBeNull();
    expect(detail.found?.claim).toMatchObject({ source: "github", event_id: "d1", status: "delivered" });
    expect(detail.found?.attempts).toEqual([
      {
        handler: "forward",
        replay: 0,
        attempt: 1,
        outcome: "failed",
        error: "answered 503",
        started_at: T0 + 10,
        duration_ms: 12,
        destination: "https://agent",
        response_status: 503,
        response_body: "nope",
        next_retry_at: T0 + 5000,
      },
      expect.objectContaining({
        handler: "forward",
        replay: 0,
        attempt: 2,
        outcome: "done",
        response_status: 200,
      }),
      expect.objectContaining({
        handler: "forward",
        replay: 2,
        attempt: 1,
        outcome: "done",
        next_retry_at: null,
      }),
    ]);
  });
});

describe("summarizeClaims", () => {
  it("counts by source and status since a time, with the delivery latencies", async () => {
    const summary = await inFreshShard((sql) => {
      seedMany(sql, 6, (i) => ({
        source: i < 4 ? "github" : "stripe",
        status: i === 5 ? "dead" : "delivered",
        deliveredAt: i === 5 ? undefined : T0 + i * 1000 + (i % 2 ? 300 : 100),
      }));
      return summarizeClaims(sql, T0 + 1000);
    });
    expect(
      summary.counts.toSorted((a, b) => a.source.localeCompare(b.source) || a.status.localeCompare(b.status)),
    ).toEqual([
      { source: "github", status: "delivered", count: 3 },
      { source: "stripe", status: "dead", count: 1 },
      { source: "stripe", status: "delivered", count: 1 },
    ]);
    expect(summary.latencies).toEqual([
      { ms: 100, count: 2 },
      { ms: 300, count: 2 },
    ]);
    expect(summary.truncated).toBe(false);
  });

  it("reads a bounded number of rows and says when it left claims out", async () => {
    const { capped, recent } = await inFreshShard((sql) => {
      seedMany(sql, 5000);
      return { capped: summarizeClaims(sql, T0, 1000), recent: summarizeClaims(sql, T0 + 4900 * 1000, 1000) };
    });
    expect(capped.truncated).toBe(true);
    expect(capped.counts).toEqual([{ source: "github", status: "delivered", count: 1000 }]);
    expect(capped.rowsRead).toBeLessThan(1000 + 50);
    expect(recent.truncated).toBe(false);
    expect(recent.counts[0]?.count).toBe(100);
    expect(recent.rowsRead).toBeLessThan(100 + RECEIVED_AT_SKEW_MS / 1000 + 50);
  });
});

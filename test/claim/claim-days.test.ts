/**
 * Claims in one table per day (src/claim/claim-tables.ts): a day is forgotten by dropping its table (no row
 * written per claim), its unfinished claims are kept, numbers never repeat, and duplicates are found in any day.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CLAIM_PERIOD_MS, ClaimTables, claimTableNames, KEPT_CLAIMS } from "../../src/claim/claim-tables";
import { forgetExpired } from "../../src/claim/forget-expired";
import { LEDGER_SCHEMA } from "../../src/claim/ledger-schema";
import * as SQL from "../../src/claim/ledger-sql";
import { listClaims } from "../../src/claim/log-queries";
import { waitForDeliveries } from "../support/agent-sink-client";
import { ageClaim } from "../support/claim-rows";
import { insertClaim } from "../support/event-log-rows";
import { accept, inspectLedger, ledgerOf } from "../support/pipeline";
import { genericEvent, post } from "../support/signed-requests";

const DAY = CLAIM_PERIOD_MS;
const RETENTION = 7 * DAY;

/** A fresh ledger shard of its own (the ledger's constructor sets its claims tables up). */
function inFreshShard<T>(body: (sql: SqlStorage) => T): Promise<T> {
  const ledger = env.EVENT_LEDGER.get(env.EVENT_LEDGER.idFromName(`claim-days-${crypto.randomUUID()}`));
  return runInDurableObject(ledger, (_i, state) => body(state.storage.sql));
}

/** Records a delivery's state in `outcomes`, as a settle would. */
function addOutcome(sql: SqlStorage, seq: number, handler: string, state: string): void {
  sql.exec(
    "INSERT INTO outcomes (seq, handler, state, attempts, updated_at) VALUES (?, ?, ?, 1, 0)",
    seq,
    handler,
    state,
  );
}

/** The event ids of the kept claims, oldest first. */
const keptIds = (sql: SqlStorage) =>
  sql
    .exec<{ event_id: string }>(`SELECT event_id FROM ${KEPT_CLAIMS} ORDER BY seq`)
    .toArray()
    .map((row) => row.event_id);

/** `sql`, counting the rows every statement run through it writes and reads. */
function counting(sql: SqlStorage) {
  const counter = { written: 0, read: 0 };
  const exec = ((query: string, ...params: SqlStorageValue[]) => {
    const cursor = sql.exec(query, ...params);
    const rows = cursor.toArray();
    counter.written += cursor.rowsWritten;
    counter.read += cursor.rowsRead;
    return Object.assign(rows[Symbol.iterator](), {
      toArray: () => rows,
      one: () => {
        if (rows.length !== 1) throw new Error(`expected one row, got ${rows.length}`);
        return rows[0];
      },
      rowsWritten: cursor.rowsWritten,
      rowsRead: cursor.rowsRead,
    });
  }) as unknown as SqlStorage["exec"];
  return { sql: { ...sql, exec } as SqlStorage, counter };
}

describe("claims in one table per day", () => {
  it("forgets a whole day without a row written or read per claim, and keeps its unfinished claims", async () => {
    const result = await inFreshShard((raw) => {
      raw.exec(LEDGER_SCHEMA);
      const now = Date.now();
      const old = now - RETENTION - 2 * DAY;
      for (let i = 0; i < 1000; i++)
        insertClaim(raw, 0, { source: "github", id: `old-${i}`, status: "delivered", receivedAt: old + i });
      // A replay held while its route is paused made this one `accepted` again, below the low-water mark.
      const unfinished = ["old-held", "old-retrying", "old-accepted"];
      const statuses = ["accepted", "retrying", "accepted"];
      for (const [i, id] of unfinished.entries())
        insertClaim(raw, 0, { source: "github", id, status: statuses[i] ?? "", receivedAt: old + 500 + i });
      insertClaim(raw, 0, { source: "github", id: "young", status: "delivered", receivedAt: now });
      const seqOf = (id: string) => raw.exec<{ seq: number }>(SQL.SELECT_SEQ, "github", id).one().seq;
      const outcome = (seq: number, state = "failed") => addOutcome(raw, seq, "agent", state);
      outcome(seqOf("old-7"), "done");
      outcome(seqOf("old-held"), "held");
      outcome(seqOf("old-retrying"));
      outcome(seqOf("young"));
      const daysBefore = claimTableNames(raw);

      const { sql, counter } = counting(raw);
      // The accepted low-water mark is at the only claim accepted since it was stored.
      const dropped = new ClaimTables(sql).dropExpired(now, RETENTION, 60_000, seqOf("old-accepted"));
      const outcomes = raw.exec<{ n: number }>("SELECT count(*) AS n FROM outcomes").one().n;
      const ids = raw
        .exec<{ event_id: string }>("SELECT event_id FROM claims ORDER BY seq")
        .toArray()
        .map((row) => row.event_id);
      return {
        dropped,
        written: counter.written,
        read: counter.read,
        daysBefore,
        daysAfter: claimTableNames(raw),
        outcomes,
        ids,
      };
    });
    expect(result.daysBefore).toHaveLength(3); // kept, the old day, today
    expect(result.daysAfter).toHaveLength(2);
    expect(result.dropped).toMatchObject({ tables: 1, kept: 3 });
    // The kept claims (each with its index entries), one outcome deleted, the view rebuilt: not 1,000 deletes.
    expect(result.written).toBeLessThan(30);
    // Found through the partial index, the low-water mark and `outcomes`: the day's 1,000 finished claims are
    // not read (what is read is the schema, which every table creation and drop reads).
    expect(result.read).toBeLessThan(400);
    expect(result.ids).toEqual(["old-held", "old-retrying", "old-accepted", "young"]);
    expect(result.outcomes).toBe(3);
  });

  it("keeps a dead claim whose other delivery is still to run (held by a paused route, or retrying)", async () => {
    const result = await inFreshShard((sql) => {
      sql.exec(LEDGER_SCHEMA);
      const now = Date.now();
      const old = now - RETENTION - 2 * DAY;
      const outcome = (seq: number, handler: string, state: string) => addOutcome(sql, seq, handler, state);
      // One route died; another is paused (held), or a replay of the dead event still retries.
      const deadClaim = (id: string) => {
        const seq = insertClaim(sql, 0, { source: "github", id, status: "dead", receivedAt: old });
        outcome(seq, "a", "dead");
        return seq;
      };
      outcome(deadClaim("dead-held"), "b", "held");
      outcome(deadClaim("dead-replay"), "a#replay-1", "failed");
      deadClaim("dead-done");
      const tables = new ClaimTables(sql);
      tables.dropExpired(now, RETENTION, 60_000, tables.maxSeq() + 1);
      const keptAfterDay = keptIds(sql);
      // Past the retention as kept claims too: only the finished one goes.
      forgetExpired(sql, now);
      const keptAfterForget = keptIds(sql);
      const outcomes = sql
        .exec<{ handler: string }>("SELECT handler FROM outcomes ORDER BY seq, handler")
        .toArray()
        .map((row) => row.handler);
      return { keptAfterDay, keptAfterForget, outcomes };
    });
    expect(result.keptAfterDay).toEqual(["dead-held", "dead-replay"]);
    expect(result.keptAfterForget).toEqual(["dead-held", "dead-replay"]);
    expect(result.outcomes).toEqual(["a", "b", "a", "a#replay-1"]);
  });

  it("keeps a dead claim whose latest replay has not settled yet, with its day and as a kept claim", async () => {
    const result = await inFreshShard((sql) => {
      sql.exec(LEDGER_SCHEMA);
      const now = Date.now();
      const old = now - RETENTION - 2 * DAY;
      const outcome = (seq: number, handler: string, state: string) => addOutcome(sql, seq, handler, state);
      const dead = (id: string, replays: number) => {
        const seq = insertClaim(sql, 0, { source: "github", id, status: "dead", receivedAt: old });
        sql.exec(`UPDATE ${claimTableNames(sql)[1]} SET replays = ? WHERE seq = ?`, replays, seq);
        outcome(seq, "a", "dead");
        return seq;
      };
      // Its replay was queued just before the day expired: the consumer has not begun it yet.
      dead("replay-queued", 1);
      // The second replay is queued; the first one was delivered.
      outcome(dead("replay-again", 2), "a#replay-1", "done");
      // Replayed, and the replay delivered: nothing left to run.
      outcome(dead("replay-done", 1), "a#replay-1", "done");
      const tables = new ClaimTables(sql);
      tables.dropExpired(now, RETENTION, 60_000, tables.maxSeq() + 1);
      const kept = () => keptIds(sql);
      const keptAfterDay = kept();
      forgetExpired(sql, now - RETENTION, now - 2 * RETENTION);
      const keptAfterForget = kept();
      // A replay that never began in a whole further retention is given up (its message was never sent).
      forgetExpired(sql, now - RETENTION, now);
      return { keptAfterDay, keptAfterForget, keptAtLast: kept() };
    });
    expect(result.keptAfterDay).toEqual(["replay-queued", "replay-again"]);
    expect(result.keptAfterForget).toEqual(["replay-queued", "replay-again"]);
    expect(result.keptAtLast).toEqual([]);
  });

  it("starts again without rewriting the schema (the view already reads every claims table)", async () => {
    const written = await inFreshShard((raw) => {
      insertClaim(raw, 0, {
        source: "github",
        id: "a",
        status: "delivered",
        receivedAt: Date.now() - 2 * DAY,
      });
      const { sql, counter } = counting(raw);
      new ClaimTables(sql);
      return counter.written;
    });
    expect(written).toBe(0);
  });

  it("keeps a day until the retention has passed for its newest claim", async () => {
    const result = await inFreshShard((sql) => {
      const now = Date.now();
      // Received 6.5 days ago: its day ended less than 6.5 days ago, inside the retention.
      insertClaim(sql, 0, { source: "github", id: "edge", status: "delivered", receivedAt: now - 6.5 * DAY });
      const dropped = new ClaimTables(sql).dropExpired(now, RETENTION, 60_000, 0);
      return { dropped: dropped.tables, found: sql.exec(SQL.SELECT_SEQ, "github", "edge").toArray().length };
    });
    expect(result).toEqual({ dropped: 0, found: 1 });
  });

  it("pages over many days newest first, without skipping or repeating a claim", async () => {
    const listed = await inFreshShard((sql) => {
      const start = Date.UTC(2026, 0, 1);
      // 40 claims 7 hours apart: 12 day tables.
      for (let i = 0; i < 40; i++)
        insertClaim(sql, 0, {
          source: "github",
          id: `e${i}`,
          status: "delivered",
          receivedAt: start + i * 7 * 3_600_000,
        });
      const ids: string[] = [];
      let beforeSeq: number | undefined;
      for (let page = 0; page < 20; page++) {
        const result = listClaims(sql, beforeSeq === undefined ? {} : { beforeSeq }, 6);
        ids.push(...result.rows.map((row) => row.event_id));
        if (!result.next) break;
        beforeSeq = result.next.seq;
      }
      return { ids, tables: claimTableNames(sql).length };
    });
    expect(listed.tables).toBe(13); // the kept claims and 12 days
    expect(listed.ids).toEqual(Array.from({ length: 40 }, (_, i) => `e${39 - i}`));
  });

  it("answers a duplicate of a claim from an earlier day, forgets it with its day, and numbers on", async () => {
    const id = `days-${crypto.randomUUID()}`;
    const event = genericEvent({ id, type: "x" });
    await accept(event);
    await waitForDeliveries(id);
    await expect.poll(async () => (await inspectLedger("generic", id)).event?.status).toBe("delivered");
    const { ledger } = ledgerOf("generic", id);
    const seqOf = () =>
      runInDurableObject(
        ledger,
        (_i, state) =>
          state.storage.sql.exec<{ seq: number }>(SQL.SELECT_SEQ, "generic", id).toArray()[0]?.seq,
      );
    const firstSeq = await seqOf();

    // Two days old: still inside the retention, in a table of its own.
    await runInDurableObject(ledger, (_i, state) => ageClaim(state.storage.sql, id, Date.now() - 2 * DAY));
    const duplicate = await exports.default.fetch(post(event));
    expect(duplicate.status).toBe(200);

    // Past the retention and its day: the first alarm of a fresh instance drops the day.
    await runInDurableObject(ledger, (_i, state) => ageClaim(state.storage.sql, id, Date.now() - 9 * DAY));
    await evictDurableObject(ledger);
    await runInDurableObject(ledger, (_i, state) => state.storage.setAlarm(Date.now() + 60_000));
    expect(await runDurableObjectAlarm(ledger)).toBe(true);
    expect((await inspectLedger("generic", id)).event).toBeUndefined();

    // The id may be claimed again, under a number never used before.
    const again = await exports.default.fetch(post(event));
    expect(again.status).toBe(202);
    expect(await seqOf()).toBeGreaterThan(firstSeq ?? Number.POSITIVE_INFINITY);
  });

  it("updates a claim by seq wherever it lives, also after another writer moved it", async () => {
    const status = await inFreshShard((sql) => {
      const seq = insertClaim(sql, 0, {
        source: "github",
        id: "moved",
        status: "accepted",
        receivedAt: Date.now(),
      });
      const tables = new ClaimTables(sql);
      ageClaim(sql, "moved", Date.now() - 3 * DAY);
      tables.update(seq, SQL.SET_STATUS, seq, "retrying");
      return sql.exec<{ status: string }>("SELECT status FROM claims WHERE seq = ?", seq).one().status;
    });
    expect(status).toBe("retrying");
  });

  it("adopts a claims table from before daily tables: renamed to its newest claim's day, still read", async () => {
    const namespace = Reflect.get(env, "TEST_JOB_TRACKER") as DurableObjectNamespace;
    const stub = namespace.get(namespace.idFromName(`legacy-claims-${crypto.randomUUID()}`));
    const result = await runInDurableObject(stub, (_i, state) => {
      const sql = state.storage.sql;
      // The claims table as releases before daily tables created it (request_index came later, by ALTER).
      sql.exec(`CREATE TABLE claims (seq INTEGER PRIMARY KEY, source TEXT NOT NULL, event_id TEXT NOT NULL,
        type TEXT NOT NULL, received_at INTEGER NOT NULL, body_size INTEGER NOT NULL, shard INTEGER NOT NULL,
        verified_with TEXT, routes TEXT, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT, delivered_at INTEGER, suppressed_by TEXT, replays INTEGER NOT NULL DEFAULT 0,
        done_record TEXT)`);
      sql.exec("CREATE UNIQUE INDEX claims_by_key ON claims (source, event_id)");
      const newest = Date.now() - 2 * DAY;
      for (const [seq, at] of [
        [1, newest - 3 * DAY],
        [2, newest],
      ] as const)
        sql.exec(
          "INSERT INTO claims (seq, source, event_id, type, received_at, body_size, shard, status) VALUES (?, 'github', ?, 'x', ?, 1, 0, 'delivered')",
          seq,
          `legacy-${seq}`,
          at,
        );
      const tables = new ClaimTables(sql);
      const today = tables.current(Date.now(), 3);
      sql
        .exec(SQL.INSERT_CLAIM(today), 3, "github", "new", "x", Date.now(), 1, 0, null, null, "accepted", 0)
        .toArray();
      return {
        tables: claimTableNames(sql),
        expected: [KEPT_CLAIMS, `claims_${Math.floor(newest / DAY)}`, today],
        ids: sql.exec<{ event_id: string }>("SELECT event_id FROM claims ORDER BY seq").toArray(),
        duplicate: sql.exec(SQL.SELECT_SEQ, "github", "legacy-1").toArray().length,
        maxSeq: tables.maxSeq(),
      };
    });
    expect(result.tables).toEqual(result.expected);
    expect(result.ids.map((row) => row.event_id)).toEqual(["legacy-1", "legacy-2", "new"]);
    expect(result.duplicate).toBe(1);
    expect(result.maxSeq).toBe(3);
  });
});

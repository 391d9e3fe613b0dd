/**
 * Storage work per event, counted by the runtime inside workerd (vitest, the same pool as the tests): the
 * SQLite rows the ledger reads and writes for one event from accept to delivery (`cursor.rowsRead` /
 * `rowsWritten`), the D1 rows the event log writes (`meta.rows_written`), and what the ledger's alarm
 * reads as retained events pile up. These feed docs/scaling.md's cost model. `npm run bench` runs it
 * through bench/vitest.storage.config.ts and reads the line this prints; it is not part of `npm test`.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import * as SQL from "../src/claim/ledger-sql";
import * as LOG_SQL from "../src/event-log/event-log-sql";
import { waitForDeliveries } from "../test/support/agent-sink-client";
import { accept, ledgerOf } from "../test/support/pipeline";
import { githubEvent } from "../test/support/signed-requests";

type Counted = { statement: string; rowsRead: number; rowsWritten: number };

/** Wraps the ledger's `sql.exec` so that every statement's rows read and written are recorded. */
function countStatements(instance: object, log: Counted[]): void {
  const sql = Reflect.get(instance, "sql") as SqlStorage;
  const exec = sql.exec.bind(sql);
  const cursors: { statement: string; cursor: SqlStorageCursor<Record<string, SqlStorageValue>> }[] = [];
  const names = new Map(Object.entries(SQL).map(([name, text]) => [text, name]));
  const wrapped = Object.create(sql) as SqlStorage;
  wrapped.exec = ((query: string, ...bindings: unknown[]) => {
    const cursor = exec(query, ...(bindings as SqlStorageValue[]));
    cursors.push({ statement: names.get(query) ?? query.trim().slice(0, 40), cursor });
    return cursor;
  }) as SqlStorage["exec"];
  Reflect.set(instance, "sql", wrapped);
  Reflect.set(instance, "flushCounts", () => {
    for (const { statement, cursor } of cursors.splice(0)) {
      log.push({ statement, rowsRead: cursor.rowsRead, rowsWritten: cursor.rowsWritten });
    }
  });
}

function byStatement(log: Counted[]) {
  const out: Record<string, { calls: number; rowsRead: number; rowsWritten: number }> = {};
  for (const { statement, rowsRead, rowsWritten } of log) {
    const row = out[statement] ?? { calls: 0, rowsRead: 0, rowsWritten: 0 };
    row.calls++;
    row.rowsRead += rowsRead;
    row.rowsWritten += rowsWritten;
    out[statement] = row;
  }
  return out;
}

const results: Record<string, unknown> = {};

describe("storage work per event", () => {
  it("counts ledger and event-log rows for one event, accept to delivery", async () => {
    const id = crypto.randomUUID();
    const { ledger } = ledgerOf("github", id);
    const log: Counted[] = [];
    await runInDurableObject(ledger, (instance) => countStatements(instance, log));
    await accept(
      await githubEvent({ action: "opened", issue: { number: 7, title: "x".repeat(1800) } }, { id }),
    );
    await waitForDeliveries(id); // the real queue consumer delivered it once
    await runInDurableObject(ledger, (instance) => (Reflect.get(instance, "flushCounts") as () => void)());
    const ledgerRows = byStatement(log);
    const totals = log.reduce((t, c) => ({ read: t.read + c.rowsRead, written: t.written + c.rowsWritten }), {
      read: 0,
      written: 0,
    });
    // The same event-log writes the outbox and the consumer make, on a scratch id, with D1's own counts.
    const scratch = `scratch-${id}`;
    const now = Date.now();
    const d1 = await env.EVENT_LOG.batch([
      env.EVENT_LOG.prepare(LOG_SQL.INSERT_ACCEPTED).bind(
        "github",
        scratch,
        "issues.opened",
        now,
        2048,
        0,
        now,
      ),
      env.EVENT_LOG.prepare(LOG_SQL.UPSERT_OUTCOME).bind(
        "github",
        scratch,
        "issues.opened",
        now,
        "delivered",
        1,
        null,
        now,
        5,
        2048,
        0,
        now,
      ),
      env.EVENT_LOG.prepare(LOG_SQL.INSERT_ATTEMPT).bind(
        "github",
        scratch,
        "forward",
        0,
        1,
        "done",
        null,
        now,
        5,
      ),
    ]);
    results.perEvent = {
      ledger: { ...totals, byStatement: ledgerRows },
      eventLog: {
        rowsWritten: d1.reduce((n, r) => n + (r.meta.rows_written ?? 0), 0),
        byStatement: Object.fromEntries(
          ["INSERT_ACCEPTED", "UPSERT_OUTCOME", "INSERT_ATTEMPT"].map((name, i) => [
            name,
            d1[i]?.meta.rows_written,
          ]),
        ),
      },
    };
    expect(totals.written).toBeGreaterThan(0);
  });

  it("measures the bytes each retained event occupies in the ledger and in the event log", async () => {
    const COUNT = 2_000;
    const body = new Uint8Array(2048).fill(0x61);
    // The headers GitHub sends with a delivery, as `storableHeaders` keeps them.
    const headers = JSON.stringify({
      accept: "*/*",
      "content-length": "2048",
      "content-type": "application/json",
      host: "hooks.example.com",
      "user-agent": "GitHub-Hookshot/044aadd",
      "x-github-delivery": crypto.randomUUID(),
      "x-github-event": "issues",
      "x-github-hook-id": "292430182",
      "x-github-hook-installation-target-id": "79929171",
      "x-github-hook-installation-target-type": "repository",
      "x-hub-signature": `sha1=${"0".repeat(40)}`,
      "x-hub-signature-256": `sha256=${"0".repeat(64)}`,
      "cf-connecting-ip": "140.82.115.1",
      "cf-ipcountry": "US",
      "cf-ray": "8f1e2d3c4b5a6978-IAD",
      "cf-visitor": '{"scheme":"https"}',
      "x-forwarded-proto": "https",
      "x-real-ip": "140.82.115.1",
    });
    const stub = env.EVENT_LEDGER.get(env.EVENT_LEDGER.idFromName(`bytes-${crypto.randomUUID()}`));
    const ledgerBytes = await runInDurableObject(stub, (_instance, state) => {
      const sql = state.storage.sql;
      const before = sql.databaseSize;
      const now = Date.now();
      for (let i = 0; i < COUNT; i++) {
        const id = crypto.randomUUID();
        sql
          .exec(SQL.INSERT_EVENT, "github", id, "issues.opened", now - i, headers, body.byteLength, 0)
          .toArray();
        sql.exec(SQL.INSERT_BODY_CHUNK, "github", id, 0, body);
        sql.exec(SQL.MARK_ENQUEUED, now, "github", id);
        sql.exec(SQL.START_ATTEMPT, "github", id, "forward", now + 60_000, now).toArray();
        sql.exec(SQL.SETTLE_ATTEMPT, "done", null, null, now, "github", id, "forward", 1);
        sql.exec(SQL.SET_STATUS, "delivered", "github", id);
      }
      return (sql.databaseSize - before) / COUNT;
    });
    const now = Date.now();
    const sizes: number[] = [];
    for (let start = 0; start < COUNT; start += 100) {
      const statements = [];
      for (let i = start; i < start + 100; i++) {
        const id = `bytes-${i}-${crypto.randomUUID()}`;
        statements.push(
          env.EVENT_LOG.prepare(LOG_SQL.INSERT_ACCEPTED).bind(
            "github",
            id,
            "issues.opened",
            now - i,
            2048,
            3,
            now,
          ),
          env.EVENT_LOG.prepare(LOG_SQL.UPSERT_OUTCOME).bind(
            "github",
            id,
            "issues.opened",
            now - i,
            "delivered",
            1,
            null,
            now,
            120,
            2048,
            3,
            now,
          ),
          env.EVENT_LOG.prepare(LOG_SQL.INSERT_ATTEMPT).bind(
            "github",
            id,
            "forward",
            0,
            1,
            "done",
            null,
            now,
            95,
          ),
        );
      }
      const results = await env.EVENT_LOG.batch(statements);
      sizes.push(results.at(-1)?.meta.size_after ?? 0);
    }
    const first = await env.EVENT_LOG.prepare("SELECT 1").run();
    results.bytesPerRetainedEvent = {
      ledger: Math.round(ledgerBytes),
      // size_after of the first and last batch: 1,900 events apart.
      eventLog: Math.round(((sizes.at(-1) ?? 0) - (sizes[0] ?? 0)) / (COUNT - 100)),
      eventLogDatabaseBytes: first.meta.size_after,
      bodyBytes: body.byteLength,
    };
  });

  it("measures the ledger alarm as retained events pile up", async () => {
    const alarm: Record<string, unknown>[] = [];
    for (const retained of [1_000, 100_000]) {
      const name = `alarm-${retained}-${crypto.randomUUID()}`;
      const stub = env.EVENT_LEDGER.get(env.EVENT_LEDGER.idFromName(name));
      const log: Counted[] = [];
      await runInDurableObject(stub, (instance, state) => {
        // Delivered events younger than retention: what a busy shard holds between purges.
        state.storage.sql.exec(
          `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
           INSERT INTO events (source, event_id, type, received_at, headers, body_size, shard, status, enqueued_at)
           SELECT 'github', 'e' || i, 'issues.opened', ? - i, '{}', 2048, 0, 'delivered', ? - i FROM n`,
          retained,
          Date.now(),
          Date.now(),
        );
        countStatements(instance, log);
        void state.storage.setAlarm(Date.now() + 60_000);
      });
      const started = performance.now();
      await runDurableObjectAlarm(stub);
      const wallMs = performance.now() - started;
      // What "are there any events?" costs asked both ways (the alarm asked with count(*) before 2026-11).
      const rowsRead = await runInDurableObject(stub, (instance, state) => {
        (Reflect.get(instance, "flushCounts") as () => void)();
        const read = (query: string) => {
          const cursor = state.storage.sql.exec(query);
          cursor.toArray();
          return cursor.rowsRead;
        };
        return {
          countStar: read("SELECT count(*) AS n FROM events"),
          exists: read("SELECT EXISTS (SELECT 1 FROM events) AS n"),
        };
      });
      const statements = byStatement(log);
      alarm.push({
        retained,
        wallMs: Math.round(wallMs),
        alarmRowsRead: Object.values(statements).reduce((n, s) => n + s.rowsRead, 0),
        byStatement: statements,
        anyEventsRowsRead: rowsRead,
      });
    }
    results.alarm = alarm;
    console.log(`STORAGE_WORK ${JSON.stringify(results)}`);
  }, 120_000);
});

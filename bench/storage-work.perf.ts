/**
 * Storage work per event, counted by the runtime inside workerd (vitest, the same pool as the tests), for
 * one 2 KB GitHub event with one route (the built-in forwarder) and a first-try delivery: the ledger's
 * SQLite rows read and written per statement (`cursor.rowsRead` / `rowsWritten`) on every shard it
 * touches, the ledger's Durable Object requests (RPC calls and alarm runs), the queue messages the outbox
 * sends, the D1 event-log rows (`meta.rows_written`), and the bytes an event keeps after delivery. These
 * feed bench/cost-model.ts and docs/scaling.md. `npm run bench` runs it through
 * bench/vitest.storage.config.ts and reads the line it prints; it is not part of `npm test`.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { beginDeliveries, settleDeliveries } from "../src/claim/delivery-state";
import * as SQL from "../src/claim/ledger-sql";
import { ReplayBodyPurger } from "../src/claim/purge-replay-bodies";
import { ledgerFor } from "../src/claim/shard-for-event";
import { storeEvent } from "../src/claim/store-event";
import { storeSignedContent } from "../src/claim/store-signed-content";
import { settingsFrom } from "../src/config/settings";
import * as LOG_SQL from "../src/event-log/event-log-sql";
import {
  type AcceptedRow,
  type AttemptRow,
  type OutcomeRow,
  recordAccepted,
  recordOutcomes,
} from "../src/event-log/record-event-log";
import { waitForDeliveries } from "../test/support/agent-sink-client";
import { accept, ledgerOf } from "../test/support/pipeline";
import { githubEvent } from "../test/support/signed-requests";
import { byStatement, instrumentLedger, resetTally, totals } from "./count-ledger-work";

const BODY_BYTES = 2048;

/** A GitHub `issues.opened` payload of exactly BODY_BYTES bytes. */
function payloadOf(bytes: number) {
  const payload = { action: "opened", issue: { number: 7, id: crypto.randomUUID(), title: "" } };
  payload.issue.title = "x".repeat(bytes - JSON.stringify(payload).length);
  return payload;
}

/** A D1 handle that records every batch's results, so rows written are D1's own count. */
function countingD1(db: D1Database, batches: D1Result[][]): D1Database {
  const counting = {
    prepare: (query: string) => db.prepare(query),
    batch: async (statements: D1PreparedStatement[]) => {
      const results = await db.batch(statements);
      batches.push(results);
      return results;
    },
  };
  return counting as unknown as D1Database;
}

type LoggedRow = Record<string, SqlStorageValue>;

/** The event log's rows for one event, as the pipeline wrote them (bounded wait for the consumer's write). */
async function loggedRows(source: string, id: string) {
  return vi.waitUntil(
    async () => {
      const event = await env.EVENT_LOG.prepare(LOG_SQL.SELECT_EVENT).bind(source, id).first<LoggedRow>();
      const attempts = (
        await env.EVENT_LOG.prepare(LOG_SQL.SELECT_ATTEMPTS).bind(source, id).all<LoggedRow>()
      ).results;
      return event?.status === "delivered" && attempts.length > 0 ? { event, attempts } : false;
    },
    { timeout: 15_000, interval: 50 },
  );
}

/** The recorder inputs that reproduce logged rows under another id (the bench's own rows, read back). */
function recorderRows(logged: { event: LoggedRow; attempts: LoggedRow[] }, id: string) {
  const e = logged.event;
  const accepted: AcceptedRow = {
    source: String(e.source),
    id,
    type: String(e.type),
    receivedAt: Number(e.received_at),
    bodySize: Number(e.body_size),
    shard: Number(e.shard),
  };
  const outcome: OutcomeRow = {
    ...accepted,
    status: String(e.status),
    attempts: Number(e.attempts),
    lastError: e.last_error === null ? null : String(e.last_error),
    deliveredAt: e.delivered_at === null ? null : Number(e.delivered_at),
  };
  const attempts: AttemptRow[] = logged.attempts.map((a) => ({
    source: accepted.source,
    id,
    handler: String(a.handler),
    replay: Number(a.replay),
    attempt: Number(a.attempt),
    outcome: "done",
    error: null,
    startedAt: Number(a.started_at),
    durationMs: Number(a.duration_ms),
    destination: a.destination === null ? null : String(a.destination),
    responseStatus: a.response_status === null ? null : Number(a.response_status),
    responseBody: a.response_body === null ? null : String(a.response_body),
    nextRetryAt: null,
  }));
  return { accepted, outcome, attempts };
}

const results: Record<string, unknown> = {};
/** What the first test saw, reused by the bytes test so both measure the same event shape. */
let observed: {
  handlers: string[];
  headers: Record<string, string>;
  logged: { event: LoggedRow; attempts: LoggedRow[] };
} | null = null;

/** The headers GitHub sends with a delivery (and Cloudflare adds), as `storableHeaders` keeps them. */
const GITHUB_HEADERS = {
  accept: "*/*",
  "content-length": String(BODY_BYTES),
  "content-type": "application/json",
  host: "hooks.example.com",
  "user-agent": "GitHub-Hookshot/044aadd",
  "x-github-delivery": "",
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
};

describe("storage work per event", () => {
  it("counts rows, Durable Object requests and queue messages for one event, accept to delivery", async () => {
    const shards = settingsFrom(env).CLAIM_SHARDS;
    for (let shard = 0; shard < shards; shard++)
      await runInDurableObject(ledgerFor(env, shard), (instance, state) =>
        instrumentLedger(instance, state.storage),
      );
    const tally = resetTally();
    const id = crypto.randomUUID();
    const fixture = await githubEvent(payloadOf(BODY_BYTES), { id });
    await accept(fixture);
    await waitForDeliveries(id); // the real queue consumer forwarded it once
    await vi.waitUntil(() => (tally.calls.settleDeliveries ?? 0) > 0, { timeout: 15_000, interval: 20 });
    const logged = await loggedRows("github", id);
    await new Promise((resolve) => setTimeout(resolve, 50)); // the last statements' counts (microtasks)
    const delivery = { statements: [...tally.statements], calls: { ...tally.calls } };
    // The alarm the accept planned (OUTBOX_REDRIVE_SECONDS ahead), run now: what one alarm run costs.
    const { ledger } = ledgerOf("github", id);
    const alarmFrom = tally.statements.length;
    const alarmRan = await runDurableObjectAlarm(ledger);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const alarmStatements = tally.statements.slice(alarmFrom);
    const stored = await runInDurableObject(ledger, (_instance, state) => ({
      handlers: state.storage.sql
        .exec<{ handler: string }>(
          "SELECT handler FROM deliveries WHERE source = ? AND event_id = ?",
          "github",
          id,
        )
        .toArray()
        .map((r) => r.handler),
    }));
    observed = { handlers: stored.handlers, headers: { ...GITHUB_HEADERS, "x-github-delivery": id }, logged };

    // The event log: the rows the pipeline wrote for this event, written again under a scratch id through
    // the same recorders (src/event-log/record-event-log.ts), so D1 counts the rows each statement writes.
    const batches: D1Result[][] = [];
    const db = countingD1(env.EVENT_LOG, batches);
    const rows = recorderRows(logged, `scratch-${id}`);
    await recordAccepted(db, [rows.accepted]);
    await recordOutcomes(db, [rows.outcome], rows.attempts);
    const [acceptedBatch, outcomeBatch] = batches;
    if (!acceptedBatch || !outcomeBatch) throw new Error("an event-log write failed (see the log)");
    const d1ByStatement = {
      INSERT_ACCEPTED: acceptedBatch[0]?.meta.rows_written ?? 0,
      UPSERT_OUTCOME: outcomeBatch[0]?.meta.rows_written ?? 0,
      INSERT_ATTEMPT: outcomeBatch.slice(1).reduce((n, r) => n + (r.meta.rows_written ?? 0), 0),
    };
    const ledgerTotals = totals(delivery.statements);
    results.perEvent = {
      bodyBytes: BODY_BYTES,
      handlers: stored.handlers.length,
      ledger: { ...ledgerTotals, byStatement: byStatement(delivery.statements) },
      eventLog: {
        rowsWritten: Object.values(d1ByStatement).reduce((n, r) => n + r, 0),
        byStatement: d1ByStatement,
      },
      durableObjectCalls: delivery.calls,
      alarmRun: { ran: alarmRan, ...totals(alarmStatements), byStatement: byStatement(alarmStatements) },
      queue: {
        messages: tally.messageBytes.length,
        sendBatches: tally.sendBatches,
        messageBytes: tally.messageBytes,
      },
    };
    expect(ledgerTotals.written).toBeGreaterThan(0);
    expect(delivery.calls.accept).toBe(1);
  });

  it("measures the bytes each delivered event keeps in the ledger and in the event log", async () => {
    if (!observed) throw new Error("runs after the per-event count");
    const { handlers, headers, logged } = observed;
    const COUNT = 2_000;
    const body = new Uint8Array(BODY_BYTES).fill(0x61);
    const settings = settingsFrom(env);
    const stub = env.EVENT_LEDGER.get(env.EVENT_LEDGER.idFromName(`bytes-${crypto.randomUUID()}`));
    // The ledger's own code paths, in one object, for COUNT events: claim the signed content, store the
    // event, mark it sent, lease and settle its handler (first try). What remains is what delivery keeps.
    const ledgerBytes = await runInDurableObject(stub, (_instance, state) => {
      const sql = state.storage.sql;
      const before = sql.databaseSize;
      const deliverMany = () => {
        const now = Date.now();
        for (let i = 0; i < COUNT; i++) {
          const id = crypto.randomUUID();
          const digest = Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) =>
            b.toString(16).padStart(2, "0"),
          ).join("");
          storeSignedContent(state.storage, { source: "github", digest, id, claimedAt: now }, 7 * 86_400_000);
          storeEvent(state.storage, {
            source: "github",
            id,
            type: "issues.opened",
            receivedAt: now - i,
            headers: { ...headers, "x-github-delivery": id },
            body,
            shard: 0,
          });
          sql.exec(SQL.MARK_SENT, now, "github", id);
          const begun = beginDeliveries(sql, settings, [{ source: "github", id, handlers }]);
          const decisions = begun[0]?.found ? begun[0].handlers : [];
          settleDeliveries(
            sql,
            decisions.map((d) => ({
              source: "github",
              id,
              handler: d.handler,
              attempt: d.attempt,
              outcome: "done" as const,
            })),
          );
        }
      };
      deliverMany();
      const grown = sql.databaseSize - before;
      // What each table and index holds, from SQLite's page statistics when the runtime allows them.
      let byObject: Record<string, number> | null = null;
      try {
        byObject = Object.fromEntries(
          sql
            .exec<{ name: string; bytes: number }>(
              "SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name",
            )
            .toArray()
            .map((r) => [r.name, Math.round(r.bytes / COUNT)]),
        );
      } catch {
        byObject = null;
      }
      // The logical size of what remains, column by column (SQLite stores integers in 1–8 bytes; 8 here).
      const columns = sql
        .exec<{ claim: number; headers: number; body: number; deliveries: number; signed: number }>(
          `SELECT
             (SELECT sum(length(source) + length(event_id) + length(type) + length(status) + 8 * 6) FROM events) AS claim,
             (SELECT sum(length(headers)) FROM events) AS headers,
             (SELECT sum(length(data) + length(source) + length(event_id) + 8) FROM event_bodies) AS body,
             (SELECT sum(length(source) + length(event_id) + length(handler) + length(state) + coalesce(length(last_error), 0) + 8 * 5) FROM deliveries) AS deliveries,
             (SELECT sum(length(source) + length(digest) + length(event_id) + 8) FROM signed_contents) AS signed`,
        )
        .one();
      // After the replay window (REPLAY_RETENTION_HOURS) the alarm deletes the bodies and keeps the claim.
      // SQLite keeps freed pages for reuse and the runtime refuses PRAGMA freelist_count, so this is the
      // steady state: after a purge, COUNT more events are delivered and purged, with the ledger's own code.
      const purgeAllBodies = () => {
        const purger = new ReplayBodyPurger(sql);
        for (let run = 0; run < COUNT && purger.purge(Date.now() + 1, Date.now()) === "more"; run++);
      };
      purgeAllBodies();
      const purgedOnce = sql.databaseSize;
      deliverMany();
      purgeAllBodies();
      const afterReplayWindow = sql.databaseSize - purgedOnce;
      return {
        databaseGrowth: Math.round(grown / COUNT),
        afterReplayWindow: Math.round(afterReplayWindow / COUNT),
        byObject,
        columns: Object.fromEntries(
          Object.entries(columns).map(([k, v]) => [k, Math.round(Number(v) / COUNT)]),
        ),
      };
    });
    // The event log: the same rows the pipeline wrote for the measured event, COUNT times, 100 per batch.
    const sizes: number[] = [];
    for (let start = 0; start < COUNT; start += 100) {
      const batches: D1Result[][] = [];
      const db = countingD1(env.EVENT_LOG, batches);
      const rows = Array.from({ length: 100 }, (_, i) =>
        recorderRows(logged, `bytes-${start + i}-${crypto.randomUUID()}`),
      );
      await recordAccepted(
        db,
        rows.map((r) => r.accepted),
      );
      await recordOutcomes(
        db,
        rows.map((r) => r.outcome),
        rows.flatMap((r) => r.attempts),
      );
      const size = batches.at(-1)?.at(-1)?.meta.size_after;
      if (batches.length !== 2 || size === undefined)
        throw new Error("an event-log write failed (see the log)");
      sizes.push(size);
    }
    results.bytesPerRetainedEvent = {
      ledger: ledgerBytes.databaseGrowth,
      ledgerAfterReplayWindow: ledgerBytes.afterReplayWindow,
      ledgerByObject: ledgerBytes.byObject,
      ledgerColumns: ledgerBytes.columns,
      // size_after of the first and last batch: 1,900 events apart.
      eventLog: Math.round(((sizes.at(-1) ?? 0) - (sizes[0] ?? 0)) / (COUNT - 100)),
      eventLogDatabaseBytes: sizes.at(-1),
      bodyBytes: BODY_BYTES,
    };
  });

  it("measures the ledger alarm as retained events pile up", async () => {
    const alarm: Record<string, unknown>[] = [];
    for (const retained of [1_000, 100_000]) {
      const name = `alarm-${retained}-${crypto.randomUUID()}`;
      const stub = env.EVENT_LEDGER.get(env.EVENT_LEDGER.idFromName(name));
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
        instrumentLedger(instance, state.storage);
        void state.storage.setAlarm(Date.now() + 60_000);
      });
      const tally = resetTally();
      const started = performance.now();
      await runDurableObjectAlarm(stub);
      const wallMs = performance.now() - started;
      // What "are there any events?" costs asked both ways (the alarm asked with count(*) before 2026-11).
      await new Promise((resolve) => setTimeout(resolve, 50));
      const log = [...tally.statements];
      const rowsRead = await runInDurableObject(stub, (_instance, state) => {
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

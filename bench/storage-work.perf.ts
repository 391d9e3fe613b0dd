/**
 * Storage work per event, counted by the runtime inside workerd (vitest, the same pool as the tests), for
 * 2 KB GitHub events with one route (the built-in forwarder) and a first-try delivery: SQLite rows read and
 * written per statement (`cursor.rowsRead` / `rowsWritten`) on every ledger shard and route gate they touch,
 * the billed Durable Object requests (RPC calls and alarm runs), the queue messages, the rows written later
 * (request purge after the replay window, expiry after retention), and the bytes an event keeps. Measured
 * for a lone event and for a batch of 50 accepted concurrently (what group commit, the outbox's sent mark
 * and lease batches amortise over). These feed bench/cost-model.ts and docs/scaling.md. `npm run bench`
 * runs it through bench/vitest.storage.config.ts and reads the line it prints; it is not part of `npm test`.
 */

import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { CLAIM_PERIOD_MS, type ClaimTables, claimTables, ensureDayTable } from "../src/claim/claim-tables";
import { beginDeliveries, settleDeliveries } from "../src/claim/delivery-state";
import { forgetExpired } from "../src/claim/forget-expired";
import { LeaseBook } from "../src/claim/lease-book";
import type { SettleInput } from "../src/claim/ledger-rpc";
import * as SQL from "../src/claim/ledger-sql";
import { RECEIVED_AT_SKEW_MS } from "../src/claim/log-queries";
import { ledgerFor } from "../src/claim/shard-for-event";
import { SeqCounter, stageAccepts, storeEvent } from "../src/claim/store-event";
import { SignedContents } from "../src/claim/store-signed-content";
import { type RequestOf, StoredRequests } from "../src/claim/stored-requests";
import { settingsFrom } from "../src/config/settings";
import { FORWARD_HANDLER_NAME } from "../src/handlers/forward-to-agent";
import { gateNameFor } from "../src/handlers/route-table";
import { deliveries } from "../test/support/agent-sink-client";
import { accept } from "../test/support/pipeline";
import { type Fixture, githubEvent, stripeEvent } from "../test/support/signed-requests";
import {
  byStatement,
  type CountedStatement,
  instrumentGate,
  instrumentLedger,
  resetTally,
  totals,
} from "./count-ledger-work";

const BODY_BYTES = 2048;
/** Events accepted at once in the batched run: the consumer's max_batch_size. */
const BATCH = 50;

/** A GitHub `issues.opened` payload of exactly BODY_BYTES bytes. */
function payloadOf(bytes: number) {
  const payload = { action: "opened", issue: { number: 7, id: crypto.randomUUID(), title: "" } };
  payload.issue.title = "x".repeat(bytes - JSON.stringify(payload).length);
  return payload;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 100)); // the last statements' counts

const shardCount = () => settingsFrom(env).CLAIM_SHARDS;

/** Instruments every ledger shard and the forwarder's route gate. */
async function instrumentAll() {
  for (let shard = 0; shard < shardCount(); shard++)
    await runInDurableObject(ledgerFor(env, shard), (instance, state) =>
      instrumentLedger(instance, state.storage),
    );
  const gate = env.ROUTE_GATE.getByName(gateNameFor(FORWARD_HANDLER_NAME, env));
  await runInDurableObject(gate, (instance, state) => instrumentGate(instance, state.storage));
}

/** Runs every shard's planned alarm now; returns how many ran. */
async function runAlarms(): Promise<number> {
  let ran = 0;
  for (let shard = 0; shard < shardCount(); shard++)
    if (await runDurableObjectAlarm(ledgerFor(env, shard))) ran++;
  return ran;
}

const SETTLED = new Set(["SET_DELIVERED_ALONE", "SET_EVENT_OUTCOME"]);

/** A signed 2 KB GitHub event (its delivery id is an unsigned header: its content is claimed too). */
const githubFixture = (id: string) => githubEvent(payloadOf(BODY_BYTES), { id });

/** A signed 2 KB Stripe event (the id is in the signed body: no content claim). */
function stripeFixture(id: string) {
  const payload = { id, type: "customer.created", object: "event", data: { object: { note: "" } } };
  payload.data.object.note = "x".repeat(BODY_BYTES - JSON.stringify(payload).length);
  return stripeEvent(payload);
}

/**
 * Accepts `count` distinct 2 KB events (GitHub unless `fixtureOf` says otherwise) at once through the real
 * Worker and waits until the real queue consumer delivered each to the sink and settled it; then runs the
 * alarms they planned. Returns everything counted, per run (not per event).
 */
async function deliverThroughPipeline(
  count: number,
  fixtureOf: (id: string) => Promise<Fixture> = githubFixture,
  idOf: () => string = () => crypto.randomUUID(),
) {
  const tally = resetTally();
  const ids = Array.from({ length: count }, idOf);
  await Promise.all(ids.map(async (id) => accept(await fixtureOf(id))));
  await vi.waitUntil(
    async () => {
      const arrived = new Set((await deliveries()).map((d) => JSON.parse(d.body).id as string));
      return ids.every((id) => arrived.has(id));
    },
    { timeout: 20_000, interval: 100 },
  );
  await vi.waitUntil(() => tally.statements.filter((s) => SETTLED.has(s.statement)).length >= count, {
    timeout: 15_000,
    interval: 20,
  });
  await settle();
  const delivery = { statements: [...tally.statements], calls: { ...tally.calls } };
  const alarmsFrom = tally.statements.length;
  const alarmRuns = await runAlarms();
  await settle();
  const alarmStatements = tally.statements.slice(alarmsFrom);
  return {
    events: count,
    ids,
    ledger: { ...totals(delivery.statements), byStatement: byStatement(delivery.statements) },
    durableObjectCalls: delivery.calls,
    alarmRuns: { runs: alarmRuns, ...totals(alarmStatements), byStatement: byStatement(alarmStatements) },
    queue: {
      messages: tally.messageBytes.length,
      sendBatches: tally.sendBatches,
      messageBytes: tally.messageBytes,
    },
    r2: { ...tally.r2 },
  };
}

const results: Record<string, unknown> = {};
/** What the pipeline stored for the lone event, reused by the bytes test so both measure the same shape. */
let observed: { routes: string | null; headers: Record<string, string>; handler: string } | null = null;

describe("storage work per event", () => {
  it("counts rows, Durable Object requests and queue messages for a lone event, accept to delivery", async () => {
    await instrumentAll();
    const lone = await deliverThroughPipeline(1);
    const [id] = lone.ids;
    let stored: typeof observed = null;
    for (let shard = 0; shard < shardCount() && !stored; shard++)
      stored = await runInDurableObject(ledgerFor(env, shard), async (_instance, state) => {
        const row = state.storage.sql
          .exec<RequestOf & { routes: string | null; done_record: string | null }>(
            `SELECT seq, source, event_id, received_at, body_size, status, request_index, routes, done_record FROM claims
             WHERE source = 'github' AND event_id = ?`,
            id ?? "",
          )
          .toArray()[0];
        if (!row) return null;
        const [handler] = JSON.parse(row.done_record ?? '["forward"]') as [string];
        const request = await (Reflect.get(_instance, "requests") as StoredRequests).read(row);
        return { routes: row.routes, headers: request?.headers ?? {}, handler };
      });
    observed = stored;
    const { ids: _ids, ...counted } = lone;
    results.lone = counted;
    expect(lone.ledger.written).toBeGreaterThan(0);
    expect(lone.durableObjectCalls.accept).toBe(1);
  });

  it(`counts the same for ${BATCH} events accepted concurrently (one consumer batch's worth)`, async () => {
    const batch = await deliverThroughPipeline(BATCH);
    const { ids: _ids, ...counted } = batch;
    results.batch = counted;
    expect(batch.durableObjectCalls.accept).toBe(BATCH);
  });

  it(`counts the same for ${BATCH} Stripe events (a preset whose signature covers the id)`, async () => {
    const batch = await deliverThroughPipeline(BATCH, stripeFixture, () => `evt_${crypto.randomUUID()}`);
    const { ids: _ids, ...counted } = batch;
    results.signedIdBatch = counted;
    expect(batch.durableObjectCalls.claimSignedContent ?? 0).toBe(0);
  });

  it("counts the rows written later: the request purge after the replay window, expiry after retention", async () => {
    // Every shard now holds the lone and the batched events, delivered. Run the ledger's own purge code
    // with cutoffs in the future, as the alarm does once the windows have passed.
    const tally = resetTally();
    let forgotten = 0;
    const settings = settingsFrom(env);
    const retentionMs = settings.CLAIM_RETENTION_DAYS * 86_400_000;
    const phases: Record<string, CountedStatement[]> = {};
    const phase = async (name: string, work: (instance: object, sql: SqlStorage) => unknown) => {
      const from = tally.statements.length;
      for (let shard = 0; shard < shardCount(); shard++)
        await runInDurableObject(ledgerFor(env, shard), (instance, state) =>
          work(instance, state.storage.sql),
        );
      await settle();
      phases[name] = tally.statements.slice(from);
    };
    await phase("request purge (after REPLAY_RETENTION_HOURS): segments deleted", (instance) => {
      const requests = Reflect.get(instance, "requests") as StoredRequests;
      return requests.purge(Date.now() + 3_600_000);
    });
    await phase("lease batches deleted (after HANDLER_LEASE_SECONDS)", (instance) => {
      const leases = Reflect.get(instance, "leases") as LeaseBook;
      leases.prune(Date.now() + settings.HANDLER_LEASE_SECONDS * 1000 + 1);
    });
    const claimsHeld = async () => {
      let held = 0;
      for (let shard = 0; shard < shardCount(); shard++)
        held += await runInDurableObject(ledgerFor(env, shard), (_i, state) => {
          return state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM claims").one().n;
        });
      return held;
    };
    const heldBefore = await claimsHeld();
    await phase(
      "claims expired (their day's table dropped a day after CLAIM_RETENTION_DAYS)",
      (instance, sql) => {
        const later = Date.now() + retentionMs + 2 * CLAIM_PERIOD_MS;
        (Reflect.get(instance, "claims") as ClaimTables).dropExpired(
          later,
          retentionMs,
          RECEIVED_AT_SKEW_MS,
          (Reflect.get(instance, "lost") as { acceptedFrom: number }).acceptedFrom,
        );
        // Kept claims (unfinished when their day went) are forgotten one by one: none here, all were delivered.
        while (forgetExpired(sql, later).length > 0);
      },
    );
    forgotten = heldBefore - (await claimsHeld());
    await phase("signed-content tables dropped (two periods later)", (instance) => {
      const contents = Reflect.get(instance, "signedContents") as SignedContents;
      contents.forgetOld(Date.now() + 3 * retentionMs, retentionMs);
    });
    const all = Object.values(phases).flat();
    results.deferred = {
      events: forgotten,
      /** R2 work of the purge (one list per shard, one delete call per 1,000 segments: deletes are free). */
      r2: { ...tally.r2 },
      ...totals(all),
      byPhase: Object.fromEntries(Object.entries(phases).map(([name, s]) => [name, totals(s)])),
      byStatement: byStatement(all),
    };
    expect(forgotten).toBe(2 * BATCH + 1);
  });

  it("measures the bytes each delivered event keeps, during and after the replay window", async () => {
    if (!observed) throw new Error("runs after the per-event count");
    const { routes, headers, handler } = observed;
    const COUNT = 5_000;
    const body = new Uint8Array(BODY_BYTES).fill(0x61);
    const settings = settingsFrom(env);
    const retentionMs = settings.CLAIM_RETENTION_DAYS * 86_400_000;
    const stub = env.EVENT_LEDGER.get(env.EVENT_LEDGER.idFromName(`bytes-${crypto.randomUUID()}`));
    // The ledger's own code paths, in one object, in batches of BATCH as the pipeline runs them: claim the
    // signed content and store the event in one transaction (the group commit), move the sent mark once,
    // begin the batch's deliveries (one lease-batch row) and settle them (first try). What remains once the
    // leases have ended is what delivery keeps.
    const prefix = `requests/bytes-${crypto.randomUUID()}/`;
    const measured = await runInDurableObject(stub, async (_instance, state) => {
      const sql = state.storage.sql;
      const leases = new LeaseBook(sql);
      const contents = new SignedContents(sql);
      const windowMs = settings.REPLAY_RETENTION_HOURS * 3_600_000;
      const requests = new StoredRequests(sql, env.STORED_REQUESTS, prefix, windowMs);
      const seqs = new SeqCounter(sql, 0);
      const storedRoutes: string[] | undefined = routes === null ? undefined : JSON.parse(routes);
      const deliverMany = async (withRequest = true) => {
        const now = Date.now();
        for (let start = 0; start < COUNT; start += BATCH) {
          const ids = Array.from({ length: BATCH }, () => crypto.randomUUID());
          const events = ids.map((id, i) => ({
            source: "github",
            id,
            type: "issues.opened",
            receivedAt: now - start - i,
            headers: withRequest ? { ...headers, "x-github-delivery": id } : {},
            body: withRequest ? body : new Uint8Array(0),
            shard: 0,
            routes: storedRoutes,
          }));
          const staged = await stageAccepts(sql, seqs, requests, events);
          state.storage.transactionSync(() => {
            events.forEach((event, i) => {
              const digest = Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) =>
                b.toString(16).padStart(2, "0"),
              ).join("");
              contents.claim({ source: "github", digest, id: event.id, claimedAt: now }, retentionMs);
              const claim = staged[i];
              if (claim === undefined || claim instanceof Error) throw new Error("segment write failed");
              storeEvent(sql, claim, event);
            });
          });
          sql.exec(SQL.SET_SETTING, "sent_through", claimTables(sql).maxSeq());
          const begun = beginDeliveries(
            sql,
            leases,
            requests,
            settings,
            ids.map((id) => ({ source: "github", id, handlers: [handler], useStoredRoutes: true })),
          ).results;
          const outcomes: SettleInput = begun.flatMap((result) =>
            result.found
              ? result.handlers.map((d) => ({
                  source: "github",
                  id: result.id,
                  handler: d.handler,
                  attempt: d.attempt,
                  outcome: "done" as const,
                  record: {
                    startedAt: now,
                    durationMs: 12,
                    destination: null,
                    responseStatus: 200,
                    responseBody: null,
                  },
                }))
              : [],
          );
          settleDeliveries(sql, leases, outcomes);
        }
        leases.prune(Date.now() + settings.HANDLER_LEASE_SECONDS * 1000 + 1);
      };
      const r2Bytes = async () => {
        let total = 0;
        let cursor: string | undefined;
        do {
          const page = await env.STORED_REQUESTS.list({ prefix, cursor });
          for (const object of page.objects) total += object.size;
          cursor = page.truncated ? page.cursor : undefined;
        } while (cursor);
        return total;
      };
      const before = sql.databaseSize;
      const started = performance.now();
      await deliverMany();
      const elapsedMs = performance.now() - started;
      const grown = sql.databaseSize - before;
      const inR2 = await r2Bytes();
      const columns = sql
        .exec<Record<string, number>>(
          `SELECT
             sum(length(source) + length(event_id) + length(type) + length(status) + coalesce(length(routes), 0)
               + coalesce(length(verified_with), 0) + 8 * 7) AS claim,
             sum(coalesce(length(done_record), 0)) AS done_record
           FROM claims`,
        )
        .one();
      const signed = sql
        .exec<{ n: number }>(
          `SELECT coalesce(sum(length(source) + length(digest) + length(event_id)), 0) AS n FROM signed_contents_${Math.floor(Date.now() / retentionMs)}`,
        )
        .one().n;
      const otherRows = sql
        .exec<{ outcomes: number; leases: number }>(
          "SELECT (SELECT count(*) FROM outcomes) AS outcomes, (SELECT count(*) FROM lease_batches) AS leases",
        )
        .one();
      // After the replay window the alarm deletes the segments and keeps the claims; the ledger's SQLite
      // holds the claims alone all along. Steady state, as before segments: after one purge, COUNT more
      // events are delivered and purged, with the ledger's own code.
      const purgeAllRequests = async () => {
        while ((await requests.purge(Date.now() + 3_600_000)) === "more");
      };
      const delivered = sql.databaseSize;
      await purgeAllRequests();
      const purgedOnce = sql.databaseSize;
      const r2AfterPurge = await r2Bytes();
      await deliverMany();
      await purgeAllRequests();
      const afterReplayWindow = sql.databaseSize - purgedOnce;
      // The floor of this row layout: the same claims stored with an empty request.
      const claimsOnlyFrom = sql.databaseSize;
      await deliverMany(false);
      return {
        afterDelivery: Math.round(grown / COUNT),
        /** Stored requests in R2 during the replay window (segments of BATCH requests). */
        r2BytesDuringWindow: Math.round(inR2 / COUNT),
        r2BytesAfterPurge: r2AfterPurge,
        afterReplayWindow: Math.round(afterReplayWindow / COUNT),
        shrunkByFirstPurge: Math.round((delivered - purgedOnce) / COUNT),
        claimWithoutRequest: Math.round((sql.databaseSize - claimsOnlyFrom) / COUNT),
        columns: {
          ...Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, Math.round(Number(v) / COUNT)])),
          signed: Math.round(signed / COUNT),
        },
        outcomesRowsLeft: otherRows.outcomes,
        leaseBatchRowsLeft: otherRows.leases,
        directMicrosecondsPerEvent: Math.round((elapsedMs * 1000) / COUNT),
      };
    });
    results.bytesPerRetainedEvent = { ...measured, bodyBytes: BODY_BYTES };
  });

  it("measures the ledger alarm as retained events pile up", async () => {
    const alarm: Record<string, unknown>[] = [];
    for (const retained of [1_000, 100_000]) {
      const name = `alarm-${retained}-${crypto.randomUUID()}`;
      const stub = env.EVENT_LEDGER.get(env.EVENT_LEDGER.idFromName(name));
      await runInDurableObject(stub, (instance, state) => {
        // Delivered claims younger than the replay window: what a busy shard holds between purges.
        const today = ensureDayTable(state.storage.sql, Date.now());
        (Reflect.get(instance, "claims") as ClaimTables).refresh();
        state.storage.sql.exec(
          `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
           INSERT INTO ${today} (seq, source, event_id, type, received_at, body_size, shard, status, attempts, delivered_at)
           SELECT i, 'github', 'e' || i, 'issues.opened', ?2 - ?1 + i, 2048, 0, 'delivered', 1, ?2 FROM n`,
          retained,
          Date.now(),
        );
        // The outbox's sent mark and the low-water mark, where a shard that delivered them has them.
        state.storage.sql.exec(SQL.SET_SETTING, "sent_through", retained);
        state.storage.sql.exec(SQL.SET_SETTING, "accepted_low_water", retained + 1);
        Reflect.set(Reflect.get(instance, "outbox") as object, "sentThrough", retained);
        Reflect.set(Reflect.get(instance, "lost") as object, "lowWater", retained + 1);
        Reflect.set(instance, "restart", null);
        instrumentLedger(instance, state.storage);
        void state.storage.setAlarm(Date.now() + 60_000);
      });
      const tally = resetTally();
      const started = performance.now();
      await runDurableObjectAlarm(stub);
      const wallMs = performance.now() - started;
      await settle();
      const log = [...tally.statements];
      const anyEventsRowsRead = await runInDurableObject(stub, (_instance, state) => {
        const read = (query: string) => {
          const cursor = state.storage.sql.exec(query);
          cursor.toArray();
          return cursor.rowsRead;
        };
        return {
          countStar: read("SELECT count(*) AS n FROM claims"),
          exists: read(SQL.HAS_CLAIMS),
          // SQLite uses a partial index only when the query repeats its WHERE term (claims_failing's is
          // `status IN ('retrying', 'dead')`): what SELECT_UNFINISHED's "retrying" branch reads, and the same
          // with the index's term repeated.
          retryingAsWritten: read("SELECT seq FROM claims WHERE status = 'retrying'"),
          retryingThroughIndex: read(
            "SELECT seq FROM claims WHERE status IN ('retrying', 'dead') AND status = 'retrying'",
          ),
        };
      });
      const statements = byStatement(log);
      alarm.push({
        retained,
        wallMs: Math.round(wallMs),
        alarmRowsRead: Object.values(statements).reduce((n, s) => n + s.rowsRead, 0),
        alarmRowsWritten: Object.values(statements).reduce((n, s) => n + s.rowsWritten, 0),
        byStatement: statements,
        anyEventsRowsRead,
      });
    }
    results.alarm = alarm;
    console.log(`STORAGE_WORK ${JSON.stringify(results)}`);
  }, 120_000);
});

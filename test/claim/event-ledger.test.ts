import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { EventLedger } from "../../src/claim/event-ledger";
import { ledgerFor, shardForEvent } from "../../src/claim/shard-for-event";
import { waitForDeliveries } from "../support/agent-sink-client";
import { ageClaim } from "../support/claim-rows";
import { storeClaims } from "../support/event-log-rows";
import { accept, inspectLedger, ledgerOf } from "../support/pipeline";
import { genericEvent } from "../support/signed-requests";

describe("event ledger", () => {
  it("spreads claims over the configured number of shards", () => {
    const shards = new Set(Array.from({ length: 2000 }, (_, i) => shardForEvent("github", `id-${i}`, 16)));
    expect(shards.size).toBe(16);
    expect(shardForEvent("github", "abc", 16)).toBe(shardForEvent("github", "abc", 16));
  });

  it("forgets delivered events after the retention window, so the alarm keeps storage bounded", async () => {
    const id = await accept(genericEvent({ id: `old-${crypto.randomUUID()}`, type: "x" }));
    await waitForDeliveries(id);
    await expect.poll(async () => (await inspectLedger("generic", id)).event?.status).toBe("delivered");
    const { ledger } = ledgerOf("generic", id);
    await runInDurableObject(ledger, (_instance, state) => {
      // Older than the retention (7 days) plus the day a claim's table may outlive it.
      const nineDaysAgo = Date.now() - 9 * 86_400_000;
      ageClaim(state.storage.sql, id, nineDaysAgo);
    });
    // A fresh instance: its first alarm forgets what retention no longer keeps (then it does so hourly).
    await evictDurableObject(ledger);
    await runInDurableObject(ledger, (_i, state) => state.storage.setAlarm(Date.now() + 60_000));
    expect(await runDurableObjectAlarm(ledger)).toBe(true);
    expect((await inspectLedger("generic", id)).event).toBeUndefined();
  });

  it("keeps events younger than CLAIM_RETENTION_DAYS", async () => {
    expect(env.CLAIM_RETENTION_DAYS).toBe("7");
    const id = await accept(genericEvent({ id: `young-${crypto.randomUUID()}`, type: "x" }));
    await waitForDeliveries(id);
    const { ledger } = ledgerOf("generic", id);
    await runInDurableObject(ledger, (_i, state) => state.storage.setAlarm(Date.now() + 60_000));
    expect(await runDurableObjectAlarm(ledger)).toBe(true);
    expect((await inspectLedger("generic", id)).event).toBeDefined();
  });

  describe("re-sending events the queue lost", () => {
    const MINUTE = 60_000;
    type StoredDelivery = {
      handler?: string;
      state: string;
      leaseUntil?: number;
      notBefore?: number;
      ago: number;
    };

    /** The ledger instance's private state these tests set up or observe (reached from tests only). */
    type Internals = {
      outbox: { sentThrough: number };
      seqs: { peek(): number; take(): void };
      leases: { leases: Map<number, Map<string, { attempt: number; until: number }>> };
      lost: { resentAt: Map<number, number> };
    };

    /**
     * Stores an event received `receivedAgo` ms ago as already sent to the queue, with its deliveries:
     * settled ones as `outcomes` rows, `running` ones as a lease of this instance (`leaseUntil`, or one that
     * ended `ago` ms ago).
     */
    async function storeEnqueued(
      receivedAgo: number,
      deliveries: StoredDelivery[] = [],
      status = "accepted",
    ) {
      const id = `stalled-${crypto.randomUUID()}`;
      const { ledger, shard } = ledgerOf("generic", id);
      const now = Date.now();
      const seq = await runInDurableObject(ledger, async (instance, state) => {
        const sql = state.storage.sql;
        const internals = instance as unknown as Internals;
        // Numbered by the ledger's own counter and stored with its request, as an accepted claim is.
        const seed = { source: "generic", id, type: "x", status, receivedAt: now - receivedAgo };
        const [seq = 0] = await storeClaims(instance, sql, shard, [seed]);
        internals.outbox.sentThrough = seq;
        for (const d of deliveries) {
          const handler = d.handler ?? "forward";
          if (d.state === "running") {
            const forClaim = internals.leases.leases.get(seq) ?? new Map();
            forClaim.set(handler, { attempt: 1, until: d.leaseUntil ?? now - d.ago });
            internals.leases.leases.set(seq, forClaim);
          } else
            sql.exec(
              `INSERT INTO outcomes (seq, handler, state, attempts, not_before, updated_at) VALUES (?, ?, ?, 1, ?, ?)`,
              seq,
              handler,
              d.state,
              d.notBefore ?? null,
              now - d.ago,
            );
        }
        return seq;
      });
      return { id, ledger, seq };
    }

    async function runAlarm(ledger: ReturnType<typeof ledgerOf>["ledger"]) {
      await runInDurableObject(ledger, (_i, state) => state.storage.setAlarm(Date.now() + 60_000));
      expect(await runDurableObjectAlarm(ledger)).toBe(true);
    }

    /** When the ledger instance last handed the claim back to its outbox (undefined: never). */
    const resentAt = (ledger: ReturnType<typeof ledgerOf>["ledger"], seq: number) =>
      runInDurableObject(ledger, (instance) => (instance as unknown as Internals).lost.resentAt.get(seq));

    it("re-sends an enqueued event no consumer touched for STALLED_REDRIVE_SECONDS, once", async () => {
      const { id, ledger, seq } = await storeEnqueued(16 * MINUTE);
      expect(await resentAt(ledger, seq)).toBeUndefined();
      await runAlarm(ledger);
      const [delivery] = await waitForDeliveries(id);
      expect(JSON.parse(delivery!.body)).toMatchObject({ id, source: "generic" });
      await expect.poll(async () => (await inspectLedger("generic", id)).event?.status).toBe("delivered");
      const redriven = await resentAt(ledger, seq);
      expect(redriven).toBeDefined();
      await runAlarm(ledger);
      expect(await resentAt(ledger, seq)).toBe(redriven);
    });

    it("re-runs a handler whose lease expired long ago and whose message is gone", async () => {
      const { id, ledger } = await storeEnqueued(20 * MINUTE, [
        { state: "running", leaseUntil: Date.now() - 16 * MINUTE, ago: 17 * MINUTE },
      ]);
      await runAlarm(ledger);
      await waitForDeliveries(id);
      await expect
        .poll(async () => (await inspectLedger("generic", id)).deliveries)
        .toMatchObject([{ handler: "forward", state: "done", attempts: 2 }]);
    });

    /** Runs each shard's first alarm, so that its once-per-instance restart re-drive is behind it. */
    async function passFirstAlarms() {
      for (let shard = 0; shard < Number(env.CLAIM_SHARDS); shard++) await runAlarm(ledgerFor(env, shard));
    }

    it("leaves events alone while a lease or backoff is pending, or a re-send is recent", async () => {
      await passFirstAlarms();
      const later = Date.now() + 10 * MINUTE;
      const stored = [
        await storeEnqueued(20 * MINUTE, [{ state: "running", leaseUntil: later, ago: 20 * MINUTE }]),
        await storeEnqueued(20 * MINUTE, [{ state: "failed", notBefore: later, ago: 20 * MINUTE }]),
        // A lease that ended 2 minutes ago is activity 2 minutes ago.
        await storeEnqueued(20 * MINUTE, [{ state: "running", ago: 2 * MINUTE }]),
        // A consumer recorded a failure 2 minutes ago, 78 minutes after it arrived: the next re-send waits longer.
        await storeEnqueued(80 * MINUTE, [{ state: "failed", notBefore: 0, ago: 2 * MINUTE }], "retrying"),
      ];
      for (const [index, { ledger, seq }] of stored.entries()) {
        await runAlarm(ledger);
        expect(await resentAt(ledger, seq), `event ${index}`).toBeUndefined();
      }
    });

    describe("re-sending after a restart (the queue lost its messages with the runtime)", () => {
      it("re-sends an unfinished replay with its replay number once it stalled", async () => {
        await passFirstAlarms();
        const { id, ledger } = await storeEnqueued(
          20 * MINUTE,
          [
            { state: "done", ago: 20 * MINUTE },
            { handler: "forward#replay-1", state: "failed", notBefore: 0, ago: 20 * MINUTE },
          ],
          "retrying",
        );
        await runAlarm(ledger);
        const [delivery] = await waitForDeliveries(id);
        expect(delivery!.headers["idempotency-key"]).toBe(`generic:${id}:forward:replay-1`);
        await expect.poll(async () => (await inspectLedger("generic", id)).event?.status).toBe("delivered");
      });

      it("re-sends, on a new instance's first alarm, what was sent before it started, waiting out backoffs", async () => {
        const notBefore = Date.now() + 1500;
        const { id, ledger } = await storeEnqueued(
          MINUTE,
          [{ state: "failed", notBefore, ago: MINUTE }],
          "retrying",
        );
        await runInDurableObject(ledger, (_i, state) =>
          state.storage.sql.exec(
            "INSERT INTO ledger_settings (name, value) VALUES ('sent_through', (SELECT max(seq) FROM claims)) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
          ),
        );
        await evictDurableObject(ledger);
        await runAlarm(ledger);
        const [delivery] = await waitForDeliveries(id);
        expect(delivery!.at).toBeGreaterThanOrEqual(notBefore - 1000);
        await expect.poll(async () => (await inspectLedger("generic", id)).event?.status).toBe("delivered");
        // Only the first alarm of an instance looks back: the next one leaves a recent event alone.
        const fresh = await storeEnqueued(MINUTE);
        await runAlarm(fresh.ledger);
        expect(await resentAt(fresh.ledger, fresh.seq)).toBeUndefined();
      });

      it("keeps an alarm at most 10 s ahead while an event is unfinished, so a restarted runtime wakes it", async () => {
        const { ledger } = await storeEnqueued(MINUTE, [
          { state: "failed", notBefore: Date.now() + 10 * MINUTE, ago: 0 },
        ]);
        await runAlarm(ledger);
        const alarm = await runInDurableObject(ledger, (_i, state) => state.storage.getAlarm());
        expect(alarm).not.toBeNull();
        expect(alarm! - Date.now()).toBeLessThanOrEqual(10_000);
      });
    });
  });

  it("sends a row whose id cannot be looked up by itself (addressed by seq), and its alarm ends", async () => {
    const shard = 9000 + Math.floor(Math.random() * 1000);
    const ledger = ledgerFor(env, shard);
    // An id with a lone surrogate reads back differently from how it was written: only its seq addresses it.
    const poison = `evt_sur\ud800-${crypto.randomUUID()}`;
    await runInDurableObject(ledger, async (instance, state) => {
      const seed = {
        source: "generic",
        id: poison,
        type: "x",
        status: "accepted",
        receivedAt: Date.now() - 1000,
      };
      await storeClaims(instance, state.storage.sql, shard, [seed]);
    });
    const good = `after-poison-${crypto.randomUUID()}`;
    const body = new TextEncoder().encode(JSON.stringify({ id: good, type: "x" }));
    const accepted = await ledger.accept({
      source: "generic",
      id: good,
      type: "x",
      receivedAt: Date.now(),
      headers: {},
      body,
      shard,
    });
    expect(accepted).toBe("accepted");
    await waitForDeliveries(good);
    expect(await runDurableObjectAlarm(ledger)).toBe(true);
    const unsent = await runInDurableObject(
      ledger,
      (_instance, state) =>
        state.storage.sql
          .exec<{ n: number }>(
            "SELECT count(*) AS n FROM claims WHERE seq > (SELECT value FROM ledger_settings WHERE name = 'sent_through')",
          )
          .one().n,
    );
    expect(unsent).toBe(0);
  });

  it("validates RPC arguments with zod before touching storage", async () => {
    const id = `invalid-${crypto.randomUUID()}`;
    const { ledger, shard } = ledgerOf("github", id);
    const event = {
      source: "github",
      id,
      type: "t",
      receivedAt: 1,
      headers: {},
      body: new Uint8Array(),
      shard,
    };
    // Inside the object, so that each rejection is caught here rather than reported as an RPC failure.
    const rejected = await runInDurableObject(ledger, (instance: EventLedger) => {
      const calls: (() => unknown)[] = [
        () => instance.accept({ ...event, id: `${id}${"x".repeat(513)}` }),
        () => instance.accept({ ...event, body: JSON.parse('"text"') }),
        () => instance.accept({ ...event, receivedAt: -1 }),
        () => instance.beginDeliveries([{ source: "", id, handlers: [] }]),
        () =>
          instance.settleDeliveries(
            JSON.parse('[{"source":"github","id":"x","handler":"h","attempt":1,"outcome":"maybe"}]'),
          ),
        () => instance.reviveDead({ source: "github", id: "" }),
        () => instance.injectFaults({ failSends: -1 }),
      ];
      return calls.map((call) => {
        try {
          call();
          return "accepted";
        } catch (error) {
          return error instanceof Error ? error.name : String(error);
        }
      });
    });
    expect(rejected).toEqual(Array(7).fill("ZodError"));
    expect((await inspectLedger("github", id)).event).toBeUndefined();
    expect(await ledger.accept(event)).toBe("accepted");
  });
});

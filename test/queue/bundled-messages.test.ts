/**
 * Bundled queue messages (one message for the events of a shard the outbox sends together): the outbox
 * bundles what was accepted together, and the consumer settles each event on its own — a bundle is acked
 * only once every event is, and an event that needs another try is re-sent alone with its delay.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { EventLedger } from "../../src/claim/event-ledger";
import { BUNDLE_EVENTS, type EventBundle } from "../../src/claim/event-message";
import type * as SQL from "../../src/claim/ledger-sql";
import { newClaimMessages } from "../../src/claim/messages-for-event";
import { ledgerFor } from "../../src/claim/shard-for-event";
import { HandlerRegistry } from "../../src/handlers/handler-registry";
import { deliveries, waitForDeliveries } from "../support/agent-sink-client";
import { storeClaims } from "../support/event-log-rows";
import { accept, consume } from "../support/pipeline";
import { genericEvent } from "../support/signed-requests";

const claimRow = (seq: number, shard: number): SQL.ClaimRow => ({
  seq,
  source: "generic",
  event_id: `e${seq}`,
  type: "x",
  received_at: 0,
  body_size: 2,
  shard,
  verified_with: null,
  routes: null,
  status: "accepted",
  replays: 0,
  done_record: null,
  request_index: null,
});

/**
 * Stores events as accepted and already sent in a ledger shard of their own (no other test's events; its
 * own re-sends fail on purpose, so events left unfinished never reach the suite's queue); returns them as
 * one bundle. Only this test's consumer runs them.
 */
async function storedBundle(prefix: string, count: number) {
  const shard = 40_000 + Math.floor(Math.random() * 10_000);
  const ledger = ledgerFor(env, shard);
  await ledger.injectFaults({ failSends: 1000 });
  const ids = Array.from({ length: count }, (_, n) => `${prefix}-${n}-${crypto.randomUUID()}`);
  await runInDurableObject(ledger, async (instance, state) => {
    const seeds = ids.map((id) => ({ source: "generic", id, type: "x", status: "accepted" }));
    const seqs = await storeClaims(instance, state.storage.sql, shard, seeds);
    (instance as unknown as { outbox: { sentThrough: number } }).outbox.sentThrough = Math.max(...seqs);
  });
  const bundle: EventBundle = {
    v: 2,
    shard,
    events: ids.map((id) => ({ source: "generic", id, type: "x" })),
  };
  return { ids, bundle, ledger };
}

/** The state of one delivery of an event, read from its ledger. */
function deliveryState(ledger: DurableObjectStub<EventLedger>, id: string, handler: string) {
  return ledger.deliveryState({ source: "generic", id, handler });
}

describe("bundled queue messages", () => {
  it("bundle the claims sent together, BUNDLE_EVENTS each, and leave a lone claim a message of its own", () => {
    const messages = newClaimMessages(Array.from({ length: 45 }, (_, n) => claimRow(n + 1, 3)));
    expect(messages.map((m) => (m.body.v === 2 ? m.body.events.length : 1))).toEqual([
      BUNDLE_EVENTS,
      BUNDLE_EVENTS,
      45 - 2 * BUNDLE_EVENTS,
    ]);
    expect(messages[0]?.body).toMatchObject({ v: 2, shard: 3 });
    const first = messages[0]?.body;
    expect(first?.v === 2 && first.events[0]).toEqual({ source: "generic", id: "e1", type: "x" });
    expect(newClaimMessages([claimRow(9, 1)]).map((m) => m.body)).toEqual([
      { v: 1, source: "generic", id: "e9", type: "x", shard: 1 },
    ]);
  });

  it("acks a bundle once every event is done, and re-sends only the event that failed", async () => {
    const { ids, bundle, ledger } = await storedBundle("mixed", 4);
    const failing = ids[2];
    const name = `bundled_${crypto.randomUUID().slice(0, 8)}`;
    const ran: string[] = [];
    const registry = new HandlerRegistry().on(
      "generic",
      "*",
      async (event) => {
        ran.push(event.id);
        if (event.id === failing) throw new Error("agent down");
      },
      { name },
    );
    const { batch, result } = await consume([bundle], registry);
    expect(ran.sort()).toEqual([...ids].sort());
    expect(result.explicitAcks).toEqual([batch.messages[0]?.id]);
    expect(result.retryMessages).toEqual([]);
    for (const id of ids)
      expect(await deliveryState(ledger, id, name)).toBe(id === failing ? "failed" : "done");
    // The failed event went back on the queue alone: after its backoff the suite's own consumer runs it
    // (with the suite's handlers: the forwarder delivers it to the sink).
    await waitForDeliveries(failing ?? "", { timeout: 25_000 });
  });

  it("retries the whole bundle when every event needs another try, after the soonest delay", async () => {
    const { bundle } = await storedBundle("all-fail", 3);
    const registry = new HandlerRegistry().on(
      "generic",
      "*",
      async () => {
        throw new Error("agent down");
      },
      { name: `down_${crypto.randomUUID().slice(0, 8)}` },
    );
    const { batch, result } = await consume([bundle], registry);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages).toEqual([
      { msgId: batch.messages[0]?.id, delaySeconds: expect.any(Number) },
    ]);
    expect(result.retryMessages[0]?.delaySeconds).toBeGreaterThan(0);
  });

  it("delivers every event of a burst exactly once through bundles and the real queue", async () => {
    const fixtures = Array.from({ length: 40 }, () => genericEvent());
    const ids = await Promise.all(fixtures.map((fixture) => accept(fixture)));
    for (const id of ids) await waitForDeliveries(id);
    const arrived = await deliveries();
    for (const id of ids) expect(arrived.filter((d) => JSON.parse(d.body).id === id)).toHaveLength(1);
  });
});

/**
 * Bundled queue messages (one message for the events of a shard the outbox sends together): the outbox
 * bundles what was accepted together, and the consumer settles each event on its own — a bundle is acked
 * only once every event is, and an event that needs another try is re-sent alone with its delay.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BUNDLE_EVENTS, type EventBundle } from "../../src/claim/event-message";
import type * as SQL from "../../src/claim/ledger-sql";
import { newClaimMessages } from "../../src/claim/messages-for-event";
import { HandlerRegistry } from "../../src/handlers/handler-registry";
import { deliveries, waitForDeliveries } from "../support/agent-sink-client";
import { storeClaims } from "../support/event-log-rows";
import { accept, consume, inspectLedger, ledgerOf } from "../support/pipeline";
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

/** Ids of `count` events that all fall in one ledger shard. */
function idsInOneShard(count: number, prefix: string): { ids: string[]; shard: number } {
  const shard = ledgerOf("generic", `${prefix}-0`).shard;
  const ids: string[] = [];
  for (let n = 0; ids.length < count && n < 10_000; n++) {
    const id = `${prefix}-${n}`;
    if (ledgerOf("generic", id).shard === shard) ids.push(id);
  }
  return { ids, shard };
}

/** Stores events as accepted and already sent (so only this test's consumer runs them); returns a bundle. */
async function storedBundle(prefix: string, count: number): Promise<{ ids: string[]; bundle: EventBundle }> {
  const { ids, shard } = idsInOneShard(count, `${prefix}-${crypto.randomUUID()}`);
  const { ledger } = ledgerOf("generic", ids[0] ?? "");
  await runInDurableObject(ledger, async (instance, state) => {
    const seeds = ids.map((id) => ({ source: "generic", id, type: "x", status: "accepted" }));
    const seqs = await storeClaims(instance, state.storage.sql, shard, seeds);
    (instance as unknown as { outbox: { sentThrough: number } }).outbox.sentThrough = Math.max(...seqs);
  });
  return { ids, bundle: { v: 2, shard, events: ids.map((id) => ({ source: "generic", id, type: "x" })) } };
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
    const { ids, bundle } = await storedBundle("mixed", 4);
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
    for (const id of ids) {
      const { deliveries: settled } = await inspectLedger("generic", id);
      expect(settled.find((d) => d.handler === name)?.state).toBe(id === failing ? "failed" : "done");
    }
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

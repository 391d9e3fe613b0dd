/** Event states that must always end: dead replays that are redriven, events no handler matches. */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { readEvent } from "../../src/admin/read-event-log";
import { redriveDeadEvents } from "../../src/admin/redrive-dead-events";
import { HandlerRegistry } from "../../src/handlers/handler-registry";
import { waitForDeliveries } from "../support/agent-sink-client";
import { ageClaim, updateClaim } from "../support/claim-rows";
import { storeClaims } from "../support/event-log-rows";
import { accept, consume, inspectLedger, ledgerOf, messageFor } from "../support/pipeline";
import { genericEvent } from "../support/signed-requests";

/** Accepts an event, waits for its delivery, then makes the given delivery keys (and the event) dead. */
async function deliveredThenDead(deadKeys: string[]) {
  const id = await accept(genericEvent({ id: `dead-${crypto.randomUUID()}`, type: "x" }));
  await waitForDeliveries(id);
  await expect.poll(async () => (await inspectLedger("generic", id)).event?.status).toBe("delivered");
  const { ledger } = ledgerOf("generic", id);
  await runInDurableObject(ledger, (_instance, state) => {
    for (const key of deadKeys) deadDelivery(state.storage.sql, id, key);
    updateClaim(state.storage.sql, "status = 'dead'", id);
  });
  return id;
}

/** Records a dead delivery for key `key` of a generic event. */
function deadDelivery(sql: SqlStorage, id: string, key: string) {
  sql.exec(
    `INSERT INTO outcomes (seq, handler, state, attempts, last_error, updated_at)
     VALUES ((SELECT seq FROM claims WHERE source = 'generic' AND event_id = ?), ?, 'dead', 8, 'agent answered 500', ?)
     ON CONFLICT (seq, handler) DO UPDATE SET state = 'dead'`,
    id,
    key,
    Date.now(),
  );
}

describe("redriving a dead replay", () => {
  it("runs the replay again with its replay number, and the event ends delivered", async () => {
    const id = await deliveredThenDead([]);
    const { ledger } = ledgerOf("generic", id);
    expect(await ledger.startReplay({ source: "generic", id })).toMatchObject({ replay: 1 });
    await runInDurableObject(ledger, (_instance, state) =>
      deadDelivery(state.storage.sql, id, "forward#replay-1"),
    );
    const result = await redriveDeadEvents(env, [{ source: "generic", id }]);
    expect(result.redriven).toEqual([{ source: "generic", id }]);
    const arrived = await waitForDeliveries(id, { count: 2 });
    expect(arrived[1]!.headers["idempotency-key"]).toBe(`generic:${id}:forward:replay-1`);
    await expect.poll(async () => (await inspectLedger("generic", id)).event?.status).toBe("delivered");
  });
});

describe("an event no handler matches", () => {
  it("ends as no_handler in the ledger and its log, and is forgotten after retention", async () => {
    // Stored as if the queue had its message, so only this test's consumer (with no handlers) sees it.
    const other = `unmatched-${crypto.randomUUID()}`;
    const { ledger, shard } = ledgerOf("generic", other);
    await runInDurableObject(ledger, async (instance, state) => {
      const seed = { source: "generic", id: other, type: "x", status: "accepted" };
      const [seq = 0] = await storeClaims(instance, state.storage.sql, shard, [seed]);
      (instance as unknown as { outbox: { sentThrough: number } }).outbox.sentThrough = seq;
    });
    const { result } = await consume([messageFor("generic", other, "x")], new HandlerRegistry());
    expect(result.explicitAcks).toHaveLength(1);
    expect((await inspectLedger("generic", other)).event?.status).toBe("no_handler");
    expect((await readEvent(env, "generic", other))?.event.status).toBe("no_handler");

    // Older than the retention (7 days) plus the day a claim's table may outlive it.
    const nineDaysAgo = Date.now() - 9 * 86_400_000;
    await runInDurableObject(ledger, (_instance, state) => {
      ageClaim(state.storage.sql, other, nineDaysAgo);
    });
    // A fresh instance: its first alarm forgets what retention no longer keeps (then it does so hourly).
    await evictDurableObject(ledger);
    await runInDurableObject(ledger, (_i, state) => state.storage.setAlarm(Date.now() + 60_000));
    expect(await runDurableObjectAlarm(ledger)).toBe(true);
    expect((await inspectLedger("generic", other)).event).toBeUndefined();
    await expect.poll(async () => await readEvent(env, "generic", other)).toBeNull();
  });
});

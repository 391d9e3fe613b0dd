/** Event states that must always end: dead replays that are redriven, events no handler matches, redrives while D1 fails. */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { readEvent } from "../../src/admin/read-event-log";
import { redriveDeadEvents } from "../../src/admin/redrive-dead-events";
import { HandlerRegistry } from "../../src/handlers/handler-registry";
import { waitForDeliveries } from "../support/agent-sink-client";
import { accept, consume, inspectLedger, ledgerOf, messageFor } from "../support/pipeline";
import { genericEvent } from "../support/signed-requests";

/** Accepts an event, waits for its delivery, then makes the given delivery keys dead in the ledger and D1. */
async function deliveredThenDead(deadKeys: string[]) {
  const id = await accept(genericEvent({ id: `dead-${crypto.randomUUID()}`, type: "x" }));
  await waitForDeliveries(id);
  await expect.poll(async () => (await inspectLedger("generic", id)).event?.status).toBe("delivered");
  const { ledger } = ledgerOf("generic", id);
  await runInDurableObject(ledger, (_instance, state) => {
    for (const key of deadKeys)
      state.storage.sql.exec(
        `INSERT INTO deliveries (source, event_id, handler, state, attempts, last_error, updated_at)
         VALUES ('generic', ?, ?, 'dead', 8, 'agent answered 500', ?)
         ON CONFLICT (source, event_id, handler) DO UPDATE SET state = 'dead'`,
        id,
        key,
        Date.now(),
      );
    state.storage.sql.exec("UPDATE events SET status = 'dead' WHERE event_id = ?", id);
  });
  await env.EVENT_LOG.prepare("UPDATE events SET status = 'dead' WHERE source = 'generic' AND event_id = ?")
    .bind(id)
    .run();
  return id;
}

/** The real event log, except that every UPDATE fails (a fault seam around the real binding, not a fake). */
function eventLogFailingUpdates(db: D1Database): D1Database {
  return new Proxy(db, {
    get(target, property) {
      if (property === "prepare")
        return (query: string) => {
          if (/^\s*UPDATE/i.test(query)) throw new Error("injected fault: D1 unavailable");
          return target.prepare(query);
        };
      const value: unknown = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

describe("redriving a dead replay", () => {
  it("runs the replay again with its replay number, and the event ends delivered", async () => {
    const id = await deliveredThenDead([]);
    const { ledger } = ledgerOf("generic", id);
    expect(await ledger.startReplay({ source: "generic", id })).toMatchObject({ replay: 1 });
    await runInDurableObject(ledger, (_instance, state) => {
      state.storage.sql.exec(
        `INSERT INTO deliveries (source, event_id, handler, state, attempts, last_error, updated_at)
         VALUES ('generic', ?, 'forward#replay-1', 'dead', 8, 'agent answered 500', ?)`,
        id,
        Date.now(),
      );
    });
    const result = await redriveDeadEvents(env, [{ source: "generic", id }]);
    expect(result.redriven).toEqual([{ source: "generic", id }]);
    const arrived = await waitForDeliveries(id, { count: 2 });
    expect(arrived[1]!.headers["idempotency-key"]).toBe(`generic:${id}:forward:replay-1`);
    await expect.poll(async () => (await inspectLedger("generic", id)).event?.status).toBe("delivered");
  });
});

describe("an event no handler matches", () => {
  it("ends as no_handler in the ledger and the event log, and both purge it after retention", async () => {
    // Stored as if the queue had its message, so only this test's consumer (with no handlers) sees it.
    const other = `unmatched-${crypto.randomUUID()}`;
    const { ledger, shard } = ledgerOf("generic", other);
    await runInDurableObject(ledger, (_instance, state) => {
      state.storage.sql.exec(
        `INSERT INTO events (source, event_id, type, received_at, headers, body_size, shard, enqueued_at)
         VALUES ('generic', ?, 'x', ?, '{}', 2, ?, ?)`,
        other,
        Date.now(),
        shard,
        Date.now(),
      );
      state.storage.sql.exec(
        "INSERT INTO event_bodies (source, event_id, chunk, data) VALUES ('generic', ?, 0, ?)",
        other,
        new TextEncoder().encode("{}"),
      );
    });
    const { result } = await consume([messageFor("generic", other, "x")], new HandlerRegistry());
    expect(result.explicitAcks).toHaveLength(1);
    expect((await inspectLedger("generic", other)).event?.status).toBe("no_handler");
    expect((await readEvent(env, "generic", other))?.event.status).toBe("no_handler");

    const eightDaysAgo = Date.now() - 8 * 86_400_000;
    await runInDurableObject(ledger, (_instance, state) => {
      state.storage.sql.exec("UPDATE events SET received_at = ? WHERE event_id = ?", eightDaysAgo, other);
      return state.storage.setAlarm(Date.now() + 60_000);
    });
    await env.EVENT_LOG.prepare("UPDATE events SET received_at = ? WHERE event_id = ?")
      .bind(eightDaysAgo, other)
      .run();
    expect(await runDurableObjectAlarm(ledger)).toBe(true);
    expect((await inspectLedger("generic", other)).event).toBeUndefined();
    await expect.poll(async () => await readEvent(env, "generic", other)).toBeNull();
  });
});

describe("a redrive while the event log fails", () => {
  it("redrives every event and only logs the failed event-log write", async () => {
    const ids = [await deliveredThenDead(["forward"]), await deliveredThenDead(["forward"])];
    const failing = { ...env, EVENT_LOG: eventLogFailingUpdates(env.EVENT_LOG) };
    const result = await redriveDeadEvents(
      failing,
      ids.map((id) => ({ source: "generic", id })),
    );
    expect(result).toEqual({ redriven: ids.map((id) => ({ source: "generic", id })), skipped: [] });
    for (const id of ids) {
      await waitForDeliveries(id, { count: 2 });
      await expect.poll(async () => (await inspectLedger("generic", id)).event?.status).toBe("delivered");
    }
  });
});

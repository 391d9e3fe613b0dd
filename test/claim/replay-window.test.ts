import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { EventDetail } from "../../src/admin/admin-schemas";
import { BODY_PURGE_BATCH } from "../../src/claim/purge-replay-bodies";
import { HandlerRegistry } from "../../src/handlers/handler-registry";
import { loginCookie } from "../dashboard/login-session";
import { admin, logged } from "../support/admin-client";
import { waitForDeliveries } from "../support/agent-sink-client";
import { accept, consume, ledgerOf, messageFor } from "../support/pipeline";
import { BASE, genericEvent, post } from "../support/signed-requests";

const HOUR = 3_600_000;
type Ledger = ReturnType<typeof ledgerOf>["ledger"];

/** Moves an event's receive time `hoursAgo` into the past, as if time had passed. */
function receivedAgo(ledger: Ledger, id: string, hoursAgo: number) {
  return runInDurableObject(ledger, (_i, state) => {
    state.storage.sql.exec(
      "UPDATE claims SET received_at = ? WHERE event_id = ?",
      Date.now() - hoursAgo * HOUR,
      id,
    );
  });
}

/** Runs the ledger's alarm now, on a fresh instance (so its body purge starts with a full scan). */
async function runAlarm(ledger: Ledger) {
  await evictDurableObject(ledger);
  await runInDurableObject(ledger, (_i, state) => state.storage.setAlarm(Date.now() + 60_000));
  expect(await runDurableObjectAlarm(ledger)).toBe(true);
}

/** 1 while the claim still holds its stored request (body and headers), else 0. */
function bodyChunks(ledger: Ledger, id: string) {
  return runInDurableObject(
    ledger,
    (_i, state) =>
      state.storage.sql
        .exec<{ n: number }>("SELECT count(*) AS n FROM claims WHERE event_id = ? AND body IS NOT NULL", id)
        .one().n,
  );
}

function claimed(ledger: Ledger, id: string) {
  return runInDurableObject(
    ledger,
    (_i, state) =>
      state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM claims WHERE event_id = ?", id).one()
        .n,
  );
}

/** Accepts a generic event and waits until it is delivered; returns its fixture, id and ledger. */
async function deliveredEvent(prefix: string) {
  const fixture = genericEvent({ id: `${prefix}-${crypto.randomUUID()}`, type: "x" });
  const id = await accept(fixture);
  await waitForDeliveries(id);
  await logged("generic", id);
  return { fixture, id, ledger: ledgerOf("generic", id).ledger };
}

describe("replay window (REPLAY_RETENTION_HOURS)", () => {
  it("deletes the body after the window but keeps the claim, and replay answers 409", async () => {
    expect(env.REPLAY_RETENTION_HOURS).toBe("72");
    const { fixture, id, ledger } = await deliveredEvent("past-window");
    await receivedAgo(ledger, id, 73);
    await runAlarm(ledger);

    expect(await bodyChunks(ledger, id)).toBe(0);
    expect(await claimed(ledger, id)).toBe(1);
    const again = await exports.default.fetch(post(fixture));
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ status: "duplicate" });

    const replay = await admin(`/events/generic/${id}/replay`, { method: "POST" });
    expect(replay.status).toBe(409);
    expect(replay.headers.get("content-type")).toContain("application/problem+json");
    expect((await replay.json<{ detail: string }>()).detail).toMatch(
      /past the replay window \(REPLAY_RETENTION_HOURS\).*kept for deduplication until \d{4}-/,
    );
    const detail = EventDetail.parse(await (await admin(`/events/generic/${id}`)).json());
    expect(detail.payloadAvailable).toBe(false);

    const page = await exports.default.fetch(
      new Request(`${BASE}/admin/events/generic/${id}`, { headers: { cookie: await loginCookie() } }),
    );
    const html = await page.text();
    expect(html).toContain("past the replay window");
    expect(html).not.toContain(">Replay</button>");
  });

  it("keeps the body of an event inside the window, and its replay still runs", async () => {
    const { id, ledger } = await deliveredEvent("inside-window");
    await receivedAgo(ledger, id, 71);
    await runAlarm(ledger);
    expect(await bodyChunks(ledger, id)).toBe(1);
    expect((await admin(`/events/generic/${id}/replay`, { method: "POST" })).status).toBe(202);
  });

  it("keeps the body of a dead event for the claim retention, so redrive always has it", async () => {
    const { id, ledger } = await deliveredEvent("dead-kept");
    await runInDurableObject(ledger, (_i, state) =>
      state.storage.sql.exec("UPDATE claims SET status = 'dead' WHERE event_id = ?", id),
    );
    await receivedAgo(ledger, id, 100);
    await runAlarm(ledger);
    expect(await bodyChunks(ledger, id)).toBe(1);
  });

  it("purges more bodies than one batch over several alarm runs, planning the next run while any remain", async () => {
    const { id, ledger } = await deliveredEvent("batch");
    const ids = Array.from({ length: Math.ceil(BODY_PURGE_BATCH * 2.5) }, (_, i) => `${id}-copy-${i}`);
    await runInDurableObject(ledger, (_i, state) => {
      const old = Date.now() - 80 * HOUR;
      for (const copy of ids) {
        state.storage.sql.exec(
          `INSERT INTO claims (source, event_id, type, received_at, headers, body, body_size, shard, status)
           VALUES ('generic', ?, 'x', ?, '{}', ?, 2, 0, 'delivered')`,
          copy,
          old,
          new Uint8Array([123, 125]),
        );
      }
    });
    const remaining = () =>
      runInDurableObject(
        ledger,
        (_i, state) =>
          state.storage.sql
            .exec<{ n: number }>(
              "SELECT count(*) AS n FROM claims WHERE event_id LIKE ? AND body IS NOT NULL",
              `${id}-copy-%`,
            )
            .one().n,
      );
    await runAlarm(ledger);
    const afterOne = await remaining();
    expect(afterOne).toBeGreaterThan(0);
    expect(afterOne).toBeLessThan(ids.length);
    const nextRun = await runInDurableObject(ledger, (_i, state) => state.storage.getAlarm());
    expect(nextRun).not.toBeNull();
    expect(nextRun! - Date.now()).toBeLessThan(60_000);
    for (let run = 0; run < 5 && (await remaining()) > 0; run++) {
      expect(await runDurableObjectAlarm(ledger)).toBe(true);
    }
    expect(await remaining()).toBe(0);
    expect(await claimed(ledger, ids[0]!)).toBe(1);
  });
});

describe("a replay queued just before its payload was deleted", () => {
  it("gives its handlers up with that reason instead of running them on an empty body", async () => {
    const { id, ledger } = await deliveredEvent("gone");
    const replay = await runInDurableObject(ledger, (instance) =>
      (instance as unknown as { startReplay(key: object): { replay: number } | null }).startReplay({
        source: "generic",
        id,
      }),
    );
    // The purge ran between the replay's enqueue and its delivery.
    await runInDurableObject(ledger, (_i, state) => {
      state.storage.sql.exec("UPDATE claims SET headers = NULL, body = NULL WHERE event_id = ?", id);
    });
    const calls: string[] = [];
    const registry = new HandlerRegistry().on("*", "*", async function mustNotRun(event) {
      calls.push(event.id);
    });
    const message = { ...messageFor("generic", id, "x"), replay: replay!.replay };
    const { result } = await consume([message], registry);
    expect(calls).toEqual([]);
    expect(result.explicitAcks).toHaveLength(1);
    const rows = await runInDurableObject(ledger, (_i, state) =>
      state.storage.sql
        .exec<{ state: string; last_error: string }>(
          "SELECT state, last_error FROM outcomes WHERE seq = (SELECT seq FROM claims WHERE event_id = ?) AND handler = ?",
          id,
          `mustNotRun#replay-${replay!.replay}`,
        )
        .toArray(),
    );
    expect(rows).toEqual([{ state: "dead", last_error: expect.stringContaining("REPLAY_RETENTION_HOURS") }]);
  });
});

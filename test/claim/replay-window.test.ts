import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { EventDetail } from "../../src/admin/admin-schemas";
import { HandlerRegistry } from "../../src/handlers/handler-registry";
import { loginCookie } from "../dashboard/login-session";
import { admin, logged } from "../support/admin-client";
import { waitForDeliveries } from "../support/agent-sink-client";
import { insertClaim } from "../support/event-log-rows";
import { accept, consume, ledgerOf, messageFor } from "../support/pipeline";
import { BASE, genericEvent, post } from "../support/signed-requests";

const HOUR = 3_600_000;
type Ledger = ReturnType<typeof ledgerOf>["ledger"];

/** A ledger instance's stored requests (private state, reached from tests only). */
type WithRequests = {
  requests: {
    read(claim: object): { headers: Record<string, string>; body: Uint8Array } | null;
    has(claim: object): boolean;
    store(seq: number, receivedAt: number, headers: Record<string, string>, body: Uint8Array): void;
    purge(cutoff: number): number;
    forget(claim: { seq: number; received_at: number }): void;
  };
};
type ClaimKey = { seq: number; received_at: number; body_size: number };
const claimOf = (sql: SqlStorage, id: string) =>
  sql.exec<ClaimKey>("SELECT seq, received_at, body_size FROM claims WHERE event_id = ?", id).one();
const hourTable = (receivedAt: number) => `requests_${Math.floor(receivedAt / HOUR)}`;

/**
 * Moves an event's receive time `hoursAgo` into the past, as if time had passed: the claim's time, and its
 * stored request into the hourly table of that time (requests are kept per hour of receipt).
 */
function receivedAgo(ledger: Ledger, id: string, hoursAgo: number) {
  return runInDurableObject(ledger, (instance, state) => {
    const sql = state.storage.sql;
    const { requests } = instance as unknown as WithRequests;
    const claim = claimOf(sql, id);
    const request = requests.read(claim);
    const at = Date.now() - hoursAgo * HOUR;
    if (request) {
      sql.exec(`DELETE FROM ${hourTable(claim.received_at)} WHERE seq = ?`, claim.seq);
      requests.store(claim.seq, at, request.headers, request.body);
    }
    sql.exec("UPDATE claims SET received_at = ? WHERE seq = ?", at, claim.seq);
  });
}

/** Runs the ledger's alarm now, on a fresh instance (so its body purge starts with a full scan). */
async function runAlarm(ledger: Ledger) {
  await evictDurableObject(ledger);
  await runInDurableObject(ledger, (_i, state) => state.storage.setAlarm(Date.now() + 60_000));
  expect(await runDurableObjectAlarm(ledger)).toBe(true);
}

/** 1 while the event's stored request (headers and body) is kept, else 0. */
function bodyChunks(ledger: Ledger, id: string) {
  return runInDurableObject(ledger, (instance, state) =>
    (instance as unknown as WithRequests).requests.has(claimOf(state.storage.sql, id)) ? 1 : 0,
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

  it("drops a past hour's requests whole in one alarm run, however many it holds, and keeps the claims", async () => {
    const { id, ledger } = await deliveredEvent("batch");
    const ids = Array.from({ length: 1250 }, (_, i) => `${id}-copy-${i}`);
    const old = Date.now() - 80 * HOUR;
    await runInDurableObject(ledger, (instance, state) => {
      const seed = (copy: string) => ({
        source: "generic",
        id: copy,
        type: "x",
        status: "delivered",
        receivedAt: old,
      });
      for (const copy of ids) insertClaim(state.storage.sql, 0, seed(copy), instance);
    });
    const remaining = () =>
      runInDurableObject(ledger, (instance, state) => {
        const { requests } = instance as unknown as WithRequests;
        return ids.filter((copy) => requests.has(claimOf(state.storage.sql, copy))).length;
      });
    expect(await remaining()).toBe(ids.length);
    await runAlarm(ledger);
    expect(await remaining()).toBe(0);
    const hourGone = await runInDurableObject(
      ledger,
      (_i, state) =>
        state.storage.sql.exec("SELECT count(*) AS n FROM sqlite_master WHERE name = ?", hourTable(old)).one()
          .n,
    );
    expect(hourGone).toBe(0);
    expect(await claimed(ledger, ids[0]!)).toBe(1);
  });
});

describe("an hour's requests dropped while a later hour's large body shares its seq range", () => {
  it("keeps the later body's chunks (another hour's claim can sit inside the range, by clock skew)", async () => {
    const { ledger } = await deliveredEvent("skew");
    const large = new Uint8Array(1024 * 1024 + 10).fill(0x62);
    const kept = await runInDurableObject(ledger, (instance) => {
      const { requests } = instance as unknown as WithRequests;
      // Seqs no claim uses: an old hour holds -10 and -8, the current hour a large body at -9.
      const old = Date.now() - 80 * HOUR;
      requests.store(-10, old, {}, new Uint8Array([1]));
      requests.store(-8, old, {}, new Uint8Array([1]));
      requests.store(-9, Date.now(), {}, large);
      requests.purge(Date.now() - 72 * HOUR);
      const read = requests.read({ seq: -9, received_at: Date.now(), body_size: large.byteLength });
      requests.forget({ seq: -9, received_at: Date.now() });
      return read?.body.byteLength ?? 0;
    });
    expect(kept).toBe(large.byteLength);
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
      const claim = claimOf(state.storage.sql, id);
      state.storage.sql.exec(`DELETE FROM ${hourTable(claim.received_at)} WHERE seq = ?`, claim.seq);
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

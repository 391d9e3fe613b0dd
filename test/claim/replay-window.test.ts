import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { EventDetail } from "../../src/admin/admin-schemas";
import { ledgerFor } from "../../src/claim/shard-for-event";
import type { RequestOf } from "../../src/claim/stored-requests";
import { HandlerRegistry } from "../../src/handlers/handler-registry";
import { loginCookie } from "../dashboard/login-session";
import { admin, logged } from "../support/admin-client";
import { waitForDeliveries } from "../support/agent-sink-client";
import { ageClaim, updateClaim } from "../support/claim-rows";
import { insertClaim, storeClaims } from "../support/event-log-rows";
import { accept, consume, ledgerOf, messageFor } from "../support/pipeline";
import { BASE, genericEvent, post } from "../support/signed-requests";

const HOUR = 3_600_000;
type Ledger = ReturnType<typeof ledgerOf>["ledger"];

/** A ledger instance's stored requests (private state, reached from tests only). */
type WithRequests = {
  requests: {
    read(claim: object): Promise<{ headers: Record<string, string>; body: Uint8Array } | null>;
    has(claim: object): boolean;
    purge(cutoff: number): Promise<"done" | "more">;
  };
};
type ClaimKey = RequestOf;
const claimOf = (sql: SqlStorage, id: string) =>
  sql
    .exec<ClaimKey>(
      "SELECT seq, source, event_id, received_at, body_size, status, request_index FROM claims WHERE event_id = ?",
      id,
    )
    .one();

/** The R2 key of the segment holding an event's request. */
function segmentKeyOf(ledger: Ledger, claim: ClaimKey) {
  return `requests/${ledger.id.toString()}/${String(claim.seq - (claim.request_index ?? 0)).padStart(16, "0")}`;
}

/** Whether the R2 segment holding an event's request still exists. */
async function segmentExists(ledger: Ledger, id: string) {
  const claim = await runInDurableObject(ledger, (_i, state) => claimOf(state.storage.sql, id));
  return (await env.STORED_REQUESTS.head(segmentKeyOf(ledger, claim))) !== null;
}

/** Moves an event's receive time `hoursAgo` into the past, as if time had passed. */
function receivedAgo(ledger: Ledger, id: string, hoursAgo: number) {
  return runInDurableObject(ledger, (_i, state) => {
    ageClaim(state.storage.sql, id, Date.now() - hoursAgo * HOUR);
  });
}

/** Runs the ledger's alarm now, on a fresh instance (so its body purge starts with a full scan). */
async function runAlarm(ledger: Ledger) {
  await evictDurableObject(ledger);
  await runInDurableObject(ledger, (_i, state) => state.storage.setAlarm(Date.now() + 60_000));
  expect(await runDurableObjectAlarm(ledger)).toBe(true);
}

/** 1 while the event's stored request (headers and body) is kept, else 0. */
function requestKept(ledger: Ledger, id: string) {
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

    expect(await requestKept(ledger, id)).toBe(0);
    expect(await segmentExists(ledger, id)).toBe(false);
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
    expect(await requestKept(ledger, id)).toBe(1);
    expect(await segmentExists(ledger, id)).toBe(true);
    expect((await admin(`/events/generic/${id}/replay`, { method: "POST" })).status).toBe(202);
  });

  it("keeps the body of a dead event for the claim retention, so redrive always has it", async () => {
    const { id, ledger } = await deliveredEvent("dead-kept");
    await runInDurableObject(ledger, (_i, state) => updateClaim(state.storage.sql, "status = 'dead'", id));
    await receivedAgo(ledger, id, 100);
    await runAlarm(ledger);
    expect(await requestKept(ledger, id)).toBe(1);
    // Its segment is gone; the request moved into the ledger's kept requests, byte for byte.
    expect(await segmentExists(ledger, id)).toBe(false);
    const kept = await runInDurableObject(ledger, (instance, state) =>
      (instance as unknown as WithRequests).requests.read(claimOf(state.storage.sql, id)),
    );
    expect(JSON.parse(new TextDecoder().decode(kept?.body))).toMatchObject({ id });
  });

  it("deletes the segment of an event whose claim expires in the same alarm run (no orphan left in R2)", async () => {
    // Past both CLAIM_RETENTION_DAYS (7) and the window: as every event is when the two are set equal.
    const { id, ledger } = await deliveredEvent("expired-with-segment");
    const key = segmentKeyOf(
      ledger,
      await runInDurableObject(ledger, (_i, state) => claimOf(state.storage.sql, id)),
    );
    await receivedAgo(ledger, id, 8 * 24);
    await runAlarm(ledger);
    expect(await claimed(ledger, id)).toBe(0);
    expect(await env.STORED_REQUESTS.head(key)).toBeNull();
  });

  it("deletes a past window's segments in one alarm run, however many requests they hold, and keeps the claims", async () => {
    const { id, ledger } = await deliveredEvent("batch");
    const ids = Array.from({ length: 1250 }, (_, i) => `${id}-copy-${i}`);
    const old = Date.now() - 80 * HOUR;
    await runInDurableObject(ledger, async (instance, state) => {
      const seed = (copy: string) => ({
        source: "generic",
        id: copy,
        type: "x",
        status: "delivered",
        receivedAt: old,
      });
      await storeClaims(instance, state.storage.sql, 0, ids.map(seed));
    });
    // One segment holds them all (one R2 write for the group).
    const claim = await runInDurableObject(ledger, (_i, state) => claimOf(state.storage.sql, ids[0]!));
    const segment = await env.STORED_REQUESTS.get(segmentKeyOf(ledger, claim));
    expect(new DataView(await segment!.arrayBuffer()).getUint32(0)).toBe(ids.length);
    await runAlarm(ledger);
    expect(await segmentExists(ledger, ids[0]!)).toBe(false);
    expect(await claimed(ledger, ids[0]!)).toBe(1);
    // The event received now, in its own segment, keeps its request.
    expect(await segmentExists(ledger, id)).toBe(true);
  });
});

describe("requests stored before segments (one table per hour of receipt)", () => {
  it("reads them, and drops a past hour keeping unfinished requests and a later hour's chunks", async () => {
    const { ledger } = await deliveredEvent("legacy");
    const large = new Uint8Array(1024 * 1024 + 10).fill(0x62);
    const old = Date.now() - 80 * HOUR;
    const result = await runInDurableObject(ledger, (_instance, state) => {
      const sql = state.storage.sql;
      const table = (at: number) => `requests_${Math.floor(at / HOUR)}`;
      for (const at of [old, Date.now()])
        sql.exec(
          `CREATE TABLE IF NOT EXISTS ${table(at)} (seq INTEGER PRIMARY KEY, headers TEXT NOT NULL, body BLOB NOT NULL)`,
        );
      // Seqs no other claim uses: the old hour holds -10 (finished) and -8 (retrying), the current hour a
      // large body at -9 (its first MiB in the row, the rest a chunk), inside the old hour's seq range.
      const claim = (seq: number, status: string, at: number, size: number) =>
        sql.exec(
          `INSERT INTO claims_kept (seq, source, event_id, type, received_at, body_size, shard, status)
           VALUES (?, 'generic', ?, 'x', ?, ?, 0, ?)`,
          seq,
          `legacy-${crypto.randomUUID()}`,
          at,
          size,
          status,
        );
      claim(-10, "delivered", old, 1);
      claim(-8, "retrying", old, 1);
      claim(-9, "delivered", Date.now(), large.byteLength);
      sql.exec(
        `INSERT INTO ${table(old)} VALUES (-10, '{}', ?), (-8, '{"a":"b"}', ?)`,
        new Uint8Array([1]),
        new Uint8Array([2]),
      );
      sql.exec(`INSERT INTO ${table(Date.now())} VALUES (-9, '{}', ?)`, large.subarray(0, 1024 * 1024));
      sql.exec("INSERT INTO body_chunks (seq, chunk, data) VALUES (-9, 1, ?)", large.subarray(1024 * 1024));
      // A fresh instance lists the hour tables as it starts.
      return { table: table(old) };
    });
    await evictDurableObject(ledger);
    const after = await runInDurableObject(ledger, async (instance, state) => {
      const sql = state.storage.sql;
      const { requests } = instance as unknown as WithRequests;
      const row = (seq: number) =>
        sql
          .exec<ClaimKey>(
            "SELECT seq, source, event_id, received_at, body_size, status, request_index FROM claims WHERE seq = ?",
            seq,
          )
          .one();
      const before = (await requests.read(row(-8)))?.headers;
      await requests.purge(Date.now() - 72 * HOUR);
      const read = async (seq: number) => (await requests.read(row(seq)))?.body.byteLength ?? 0;
      const out = {
        before,
        finished: await read(-10),
        retrying: await read(-8),
        large: await read(-9),
        dropped: sql.exec("SELECT count(*) AS n FROM sqlite_master WHERE name = ?", result.table).one().n,
      };
      // Leaves no hour table behind (the schema test lists a shard's tables).
      for (const { name } of sql
        .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE name GLOB 'requests_[0-9]*'")
        .toArray())
        sql.exec(`DROP TABLE ${name}`);
      sql.exec("DELETE FROM claims_kept WHERE seq IN (-10, -9, -8)");
      sql.exec("DELETE FROM kept_requests WHERE seq IN (-10, -9, -8)");
      sql.exec("DELETE FROM body_chunks WHERE seq IN (-10, -9, -8)");
      return out;
    });
    // The instance listed the hour tables this test dropped: the next test gets a fresh one.
    await evictDurableObject(ledger);
    expect(after).toEqual({
      before: { a: "b" },
      finished: 0,
      retrying: 1,
      large: large.byteLength,
      dropped: 0,
    });
  });
});

describe("an upgraded shard's purge scan", () => {
  it("comes back soon past a full window of claims stored before segments, so later segments still go on time", async () => {
    const ledger = ledgerFor(env, 30_000 + Math.floor(Math.random() * 1000));
    const key = await runInDurableObject(ledger, async (instance, state) => {
      const sql = state.storage.sql;
      // The purge looks at 10,000 claims per run: all of them here were stored before segments.
      for (let n = 0; n < 10_000; n++)
        insertClaim(sql, 0, { source: "generic", id: `legacy-${n}`, status: "delivered" });
      const [seq] = await storeClaims(instance, sql, 0, [
        {
          source: "generic",
          id: "segment-past-window",
          status: "delivered",
          receivedAt: Date.now() - 80 * HOUR,
        },
      ]);
      return `requests/${ledger.id.toString()}/${String(seq).padStart(16, "0")}`;
    });
    await evictDurableObject(ledger);
    const runs = await runInDurableObject(ledger, async (instance) => {
      const { requests } = instance as unknown as WithRequests;
      const outcomes: string[] = [];
      // The alarm runs the purge again soon while it answers "more" (hourly otherwise).
      for (let run = 0; run < 5; run++) {
        outcomes.push(await requests.purge(Date.now() - 72 * HOUR));
        if (outcomes.at(-1) === "done") break;
      }
      return outcomes;
    });
    expect(runs).toEqual(["more", "done"]);
    expect(await env.STORED_REQUESTS.head(key)).toBeNull();
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
    // The purge ran between the replay's enqueue and its delivery (a fresh instance: no segment in memory).
    const claim = await runInDurableObject(ledger, (_i, state) => claimOf(state.storage.sql, id));
    await env.STORED_REQUESTS.delete(segmentKeyOf(ledger, claim));
    await evictDurableObject(ledger);
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

/** The event log read across every ledger shard: merged pages, cursors, detail in any shard, summed metrics. */
import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { EventList, Metrics } from "../../src/admin/admin-schemas";
import { readEvent } from "../../src/admin/read-event-log";
import { ledgerFor } from "../../src/claim/shard-for-event";
import {
  ensureLogTables,
  insertClaim,
  type LoggedEvent,
  logEvents,
  shardOf,
} from "../support/event-log-rows";
import { BASE } from "../support/signed-requests";
import { TEST_SECRETS } from "../support/test-secrets";

const admin = (path: string) =>
  exports.default.fetch(
    new Request(`${BASE}/admin/api${path}`, {
      headers: { authorization: `Bearer ${TEST_SECRETS.ADMIN_TOKEN}` },
    }),
  );

/** Ids with `tag` until every one of the 4 shards holds at least two of them: newest first. */
function idsOverAllShards(source: string, tag: string): string[] {
  const ids: string[] = [];
  const perShard = new Map<number, number>();
  for (let i = 0; perShard.size < 4 || [...perShard.values()].some((n) => n < 2); i++) {
    const id = `${tag}_${i}`;
    ids.push(id);
    const shard = shardOf(source, id);
    perShard.set(shard, (perShard.get(shard) ?? 0) + 1);
  }
  return ids;
}

/** Every page of `query` with limit 3: the ids of each page. */
async function pages(query: string): Promise<string[][]> {
  const result: string[][] = [];
  let cursor: string | null = null;
  do {
    const response = await admin(`/events?${query}&limit=3${cursor ? `&cursor=${cursor}` : ""}`);
    expect(response.status).toBe(200);
    const page = EventList.parse(await response.json());
    result.push(page.events.map((event) => event.id));
    cursor = page.nextCursor;
  } while (cursor && result.length < 50);
  return result;
}

describe("the event list over every shard", () => {
  it("pages through events spread over 4 shards, newest first, none skipped or repeated", async () => {
    expect(env.CLAIM_SHARDS).toBe("4");
    const tag = `fan${crypto.randomUUID().slice(0, 8)}`;
    const source = `src-${tag}`;
    const ids = idsOverAllShards(source, tag);
    await logEvents(
      source,
      ids.map((id): LoggedEvent => ({ id, status: "delivered" })),
    );

    for (const query of [`source=${source}`, `id=${tag}_`]) {
      const listed = await pages(query);
      expect(listed.flat(), query).toEqual(ids);
      expect(listed.every((page) => page.length <= 3)).toBe(true);
      expect(listed.slice(0, -1).every((page) => page.length === 3)).toBe(true);
    }
  });

  it("refuses a cursor it did not issue or issued for another shard count, and times out of range", async () => {
    const otherShardCount = Buffer.from(JSON.stringify([5, 5])).toString("base64url");
    for (const cursor of ["not-a-cursor", otherShardCount, Buffer.from("[1,2,3,-1]").toString("base64url")])
      expect((await admin(`/events?cursor=${cursor}`)).status, cursor).toBe(400);
    expect((await admin("/events?since=99999999999999999999999")).status).toBe(400);
  });

  it("filters by the routes chosen when the event was accepted", async () => {
    const tag = `route${crypto.randomUUID().slice(0, 8)}`;
    await logEvents("github", [
      { id: `${tag}_a`, status: "delivered", routes: ["billing", "audit"] },
      { id: `${tag}_b`, status: "filtered", routes: [] },
      { id: `${tag}_c`, status: "delivered", routes: ["audit"] },
    ]);
    expect((await pages(`id=${tag}&route=billing`)).flat()).toEqual([`${tag}_a`]);
    expect((await pages(`id=${tag}&route=audit`)).flat()).toEqual([`${tag}_a`, `${tag}_c`]);
    expect((await pages(`id=${tag}&status=filtered`)).flat()).toEqual([`${tag}_b`]);
  });
});

describe("one event", () => {
  it("is found in a shard other than the one today's shard count names", async () => {
    await ensureLogTables();
    const id = `moved_${crypto.randomUUID()}`;
    const shard = (shardOf("github", id) + 1) % 4;
    await runInDurableObject(ledgerFor(env, shard), (_i, state) =>
      insertClaim(state.storage.sql, shard, { source: "github", id, status: "delivered" }),
    );
    const found = await readEvent(env, "github", id);
    expect(found?.shard).toBe(shard);
    expect(found?.event).toMatchObject({ id, status: "delivered" });
    expect(await readEvent(env, "github", `${id}-missing`)).toBeNull();
    expect(await readEvent(env, "github", "x".repeat(600))).toBeNull();
  });
});

describe("metrics over every shard", () => {
  it("sums the shards' counts and latencies", async () => {
    const tag = `sum${crypto.randomUUID().slice(0, 8)}`;
    const source = `src-${tag}`;
    const now = Date.now();
    const ids = idsOverAllShards(source, tag);
    await logEvents(
      source,
      ids.map(
        (id, i): LoggedEvent => ({
          id,
          status: i === 0 ? "dead" : i === 1 ? "filtered" : "delivered",
          receivedAt: now - 1000,
          deliveredAt: i > 1 ? now - 1000 + 50 : undefined,
        }),
      ),
    );
    const response = await admin("/metrics?window=3600");
    expect(response.status).toBe(200);
    const metrics = Metrics.parse(await response.json());
    expect(metrics.bySource[source]).toMatchObject({
      dead: 1,
      filtered: 1,
      delivered: ids.length - 2,
      total: ids.length,
    });
    expect(metrics.truncated).toBe(false);
    expect(metrics.latencyMs.count).toBeGreaterThanOrEqual(ids.length - 2);
  });
});

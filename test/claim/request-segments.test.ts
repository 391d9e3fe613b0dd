/**
 * Stored requests in R2 segments: one object per group commit, written before the claims commit, read back
 * byte for byte after a restart, and an accept that cannot write its segment is answered 503 with nothing
 * claimed (the provider's retry is then accepted).
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ledgerFor } from "../../src/claim/shard-for-event";
import { admin, logged } from "../support/admin-client";
import { inspectLedger, ledgerOf } from "../support/pipeline";
import { genericEvent, post } from "../support/signed-requests";

const segmentsOf = async (ledger: DurableObjectStub) =>
  (await env.STORED_REQUESTS.list({ prefix: `requests/${ledger.id.toString()}/` })).objects.length;

const acceptInput = (id: string, body: Uint8Array, shard: number) => ({
  source: "generic",
  id,
  type: "x",
  receivedAt: Date.now(),
  headers: { "x-n": id },
  body,
  shard,
});

describe("stored requests in R2 segments", () => {
  it("writes the requests of concurrent accepts as one segment, and reads each back byte for byte after a restart", async () => {
    // A shard of its own: no other test's segments.
    const shard = 20_000 + Math.floor(Math.random() * 1000);
    const ledger = ledgerFor(env, shard);
    const bodies = Array.from({ length: 30 }, (_, n) =>
      Uint8Array.from({ length: 100 + n * 37 }, (_, i) => (i * 7 + n) % 256),
    );
    const ids = bodies.map((_, n) => `segment-${n}-${crypto.randomUUID()}`);
    const outcomes = await Promise.all(ids.map((id, n) => ledger.accept(acceptInput(id, bodies[n]!, shard))));
    expect(outcomes).toEqual(ids.map(() => "accepted"));
    // One group commit took them all (they arrived in one turn): one R2 write, not thirty.
    expect(await segmentsOf(ledger)).toBe(1);

    await evictDurableObject(ledger);
    const read = await Promise.all(ids.map((id) => ledger.readStored({ source: "generic", id })));
    read.forEach((request, n) => {
      expect(request?.headers).toEqual({ "x-n": ids[n] });
      expect([...(request?.body ?? [])]).toEqual([...bodies[n]!]);
    });
    // A consumer after the restart gets the bodies inline, read from R2: one read for the whole segment.
    await evictDurableObject(ledger);
    const reads = await runInDurableObject(ledger, async (instance) => {
      const bucket = Reflect.get(Reflect.get(instance, "requests") as object, "bucket") as R2Bucket;
      let count = 0;
      const get = bucket.get.bind(bucket);
      Object.defineProperty(bucket, "get", {
        configurable: true,
        value: (...args: Parameters<R2Bucket["get"]>) => {
          count++;
          return get(...args);
        },
      });
      const begun = await instance.beginDeliveries(
        ids.map((id) => ({ source: "generic", id, handlers: ["h"] })),
      );
      Reflect.deleteProperty(bucket, "get");
      return { count, sizes: begun.map((result) => (result.found ? result.event.body?.byteLength : -1)) };
    });
    expect(reads).toEqual({ count: 1, sizes: bodies.map((body) => body.byteLength) });
  });

  it("writes nothing for a duplicate, and one entry for an id sent twice in one group", async () => {
    const shard = 21_000 + Math.floor(Math.random() * 1000);
    const ledger = ledgerFor(env, shard);
    const id = `twice-${crypto.randomUUID()}`;
    const body = new TextEncoder().encode("{}");
    const outcomes = await Promise.all([1, 2].map(() => ledger.accept(acceptInput(id, body, shard))));
    expect(outcomes.sort()).toEqual(["accepted", "duplicate"]);
    expect(await ledger.accept(acceptInput(id, body, shard))).toBe("duplicate");
    expect(await segmentsOf(ledger)).toBe(1);
    const count = await runInDurableObject(ledger, async () => {
      const object = await env.STORED_REQUESTS.list({ prefix: `requests/${ledger.id.toString()}/` });
      const segment = await env.STORED_REQUESTS.get(object.objects[0]!.key);
      return new DataView(await segment!.arrayBuffer()).getUint32(0);
    });
    expect(count).toBe(1);
  });

  it("fails both copies of an id sent twice in one group when its segment cannot be written (no false duplicate)", async () => {
    const shard = 22_000 + Math.floor(Math.random() * 1000);
    const ledger = ledgerFor(env, shard);
    const id = `twice-r2-down-${crypto.randomUUID()}`;
    const body = new TextEncoder().encode("{}");
    await ledger.injectFaults({ failRequestWrites: 2 });
    const outcomes = await Promise.allSettled([1, 2].map(() => ledger.accept(acceptInput(id, body, shard))));
    await ledger.injectFaults({});
    // Nothing was claimed: a "duplicate" (200 to the provider) would end its retries and lose the event.
    expect(outcomes.map((outcome) => outcome.status)).toEqual(["rejected", "rejected"]);
    expect(await ledger.accept(acceptInput(id, body, shard))).toBe("accepted");
  });

  it("answers 503 when the request cannot be written to R2, claims nothing, and accepts the provider's retry", async () => {
    const fixture = genericEvent({ id: `r2-down-${crypto.randomUUID()}`, type: "x" });
    const id = JSON.parse(String(fixture.body)).id as string;
    const { ledger } = ledgerOf("generic", id);
    // Two failed puts: the ledger tries a segment twice.
    await ledger.injectFaults({ failRequestWrites: 2 });
    const refused = await exports.default.fetch(post(fixture));
    expect(refused.status).toBe(503);
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    expect(refused.headers.get("retry-after")).not.toBeNull();
    expect((await inspectLedger("generic", id)).event).toBeUndefined();

    const retried = await exports.default.fetch(post(fixture));
    expect(retried.status).toBe(202);
    expect((await inspectLedger("generic", id)).event?.status).toBeDefined();
    await ledger.injectFaults({});
  });

  it("tries a failed segment write once more before failing the accepts", async () => {
    const fixture = genericEvent({ id: `r2-blip-${crypto.randomUUID()}`, type: "x" });
    const id = JSON.parse(String(fixture.body)).id as string;
    const { ledger } = ledgerOf("generic", id);
    await ledger.injectFaults({ failRequestWrites: 1 });
    expect((await exports.default.fetch(post(fixture))).status).toBe(202);
    await ledger.injectFaults({});
  });
});

describe("a stored request R2 cannot read just now", () => {
  it("answers the event page with 503 and Retry-After, not a 500, and reads it once R2 answers", async () => {
    const fixture = genericEvent({ id: `r2-read-${crypto.randomUUID()}`, type: "x" });
    const id = JSON.parse(String(fixture.body)).id as string;
    expect((await exports.default.fetch(post(fixture))).status).toBe(202);
    await logged("generic", id);
    const { ledger } = ledgerOf("generic", id);
    // A fresh instance holds no segment in memory: the page must read R2.
    await evictDurableObject(ledger);
    await ledger.injectFaults({ failRequestReads: 1 });
    const refused = await admin(`/events/generic/${id}`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    const shown = await admin(`/events/generic/${id}`);
    expect(shown.status).toBe(200);
    expect(await shown.json()).toMatchObject({ payloadAvailable: true });
    await ledger.injectFaults({});
  });
});

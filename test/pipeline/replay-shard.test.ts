/** Replays find their event in the shard it was claimed in, whatever CLAIM_SHARDS says today. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { readEvent } from "../../src/admin/read-event-log";
import { replayEvent } from "../../src/admin/replay-event";
import { shardForEvent } from "../../src/claim/shard-for-event";
import { waitForDeliveries } from "../support/agent-sink-client";
import { accept } from "../support/pipeline";
import { genericEvent } from "../support/signed-requests";

describe("replay after a change of CLAIM_SHARDS", () => {
  it("replays an event claimed under the old shard count", async () => {
    let id = "";
    do id = `reshard-${crypto.randomUUID()}`;
    while (shardForEvent("generic", id, 4) === shardForEvent("generic", id, 7));
    expect(env.CLAIM_SHARDS).toBe("4");
    await accept(genericEvent({ id, type: "x" }));
    await waitForDeliveries(id);
    await expect.poll(async () => (await readEvent(env, "generic", id))?.shard).toBeDefined();

    const resharded = { ...env, CLAIM_SHARDS: "7" };
    expect(await replayEvent(resharded, "generic", id)).toEqual({ ok: true, replay: 1 });
    const [, replayed] = await waitForDeliveries(id, { count: 2 });
    expect(replayed!.headers["idempotency-key"]).toBe(`generic:${id}:forward:replay-1`);
  });
});

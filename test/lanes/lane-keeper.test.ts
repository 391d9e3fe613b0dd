/** The LaneKeeper Durable Object over RPC: FIFO heads, poison, coalescing, and what it owes the queue. */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { LaneKeeper } from "../../src/lanes/lane-keeper";
import type { LaneCall, LanePolicy } from "../../src/lanes/lane-schemas";

const SKIP: LanePolicy = { onPoison: "skip", coalesce: null };

/** A fresh keeper whose queue sends fail (so what it owes stays visible), and a call builder for it. */
async function keeper(policy: LanePolicy = SKIP) {
  const lane = env.LANE_KEEPER.getByName(`lane-test-${crypto.randomUUID()}`);
  await lane.injectFaults({ failSends: 1000 });
  const call = (id: string, orderValue: number | null = null): LaneCall => ({
    route: "jobs",
    key: "k",
    policy,
    event: { source: "agentx", id, type: "job", shard: 0 },
    orderValue,
  });
  return { lane, call };
}

describe("LaneKeeper", () => {
  it("lets only the head go, in append order, and owes the next head's message when the head is done", async () => {
    const { lane, call } = await keeper();
    expect(await lane.append(call("a"))).toEqual({ seq: 1, state: "head" });
    expect(await lane.append(call("b"))).toEqual({ seq: 2, state: "waiting" });
    expect(await lane.append(call("a"))).toEqual({ seq: 1, state: "head" });
    expect(await lane.admit(call("b"))).toEqual({ verdict: "wait", blocked: false });
    expect(await lane.admit(call("a"))).toEqual({ verdict: "go", seq: 1, skipped: [] });
    expect(await lane.owedMessages()).toEqual([]);
    await lane.report({ ...call("a"), outcome: "done", error: null });
    expect(await lane.owedMessages()).toEqual([
      { v: 1, source: "agentx", id: "b", type: "job", shard: 0, handler: "jobs" },
    ]);
    expect(await lane.admit(call("b"))).toEqual({ verdict: "go", seq: 2, skipped: [] });
  });

  it("keeps a blocked lane blocked when a stale update leaves it", async () => {
    const { lane, call } = await keeper({ onPoison: "block", coalesce: "latest" });
    await lane.append(call("a", 5));
    await lane.report({ ...call("a", 5), outcome: "dead", error: "410 Gone" });
    expect(await lane.append(call("stale", 3))).toMatchObject({ state: "superseded" });
    expect(await lane.admit(call("stale", 3))).toEqual({ verdict: "superseded" });
    await lane.report({ ...call("stale", 3), outcome: "superseded", error: null });
    expect(await lane.lane("k")).toMatchObject({
      state: "blocked",
      head: { id: "a" },
      lastError: "410 Gone",
    });
  });

  it("refuses to skip a lane that is not blocked", async () => {
    const { lane, call } = await keeper();
    await lane.append(call("a"));
    expect(await lane.skip("k")).toBeNull();
    expect(await lane.lane("nope")).toBeNull();
  });

  it("refuses malformed calls at the RPC boundary", async () => {
    const { lane, call } = await keeper();
    await runInDurableObject(lane, async (instance: LaneKeeper) => {
      await expect(instance.append({ ...call("a"), key: "" })).rejects.toThrow();
      expect(() => instance.lanes("everything")).toThrow();
    });
  });

  it("forgets an empty lane idle for CLAIM_RETENTION_DAYS, and keeps one that still holds events", async () => {
    const { lane, call } = await keeper();
    await lane.append(call("a"));
    await lane.report({ ...call("a"), outcome: "done", error: null });
    await lane.append({ ...call("b"), key: "busy" });
    await runInDurableObject(lane, (_instance, state) => {
      state.storage.sql.exec("UPDATE lanes SET updated_at = 0");
    });
    expect(await runDurableObjectAlarm(lane)).toBe(true);
    expect(await lane.lane("k")).toBeNull();
    expect(await lane.lane("busy")).toMatchObject({ state: "active", head: { id: "b" } });
  });

  it("plans the head check once: calls on a busy keeper never push it back", async () => {
    const { lane, call } = await keeper();
    await lane.append(call("a"));
    const alarmOf = () => runInDurableObject(lane, (_instance, state) => state.storage.getAlarm());
    const planned = await alarmOf();
    expect(planned).toBeGreaterThan(Date.now());
    await new Promise((resolve) => setTimeout(resolve, 20));
    await lane.append({ ...call("b"), key: "other" });
    await lane.admit(call("a"));
    expect(await alarmOf()).toBe(planned);
  });
});

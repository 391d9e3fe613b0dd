import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { AcceptInput, BeginInput } from "../../src/claim/ledger-rpc";
import { shardForEvent } from "../../src/claim/shard-for-event";
import { OutboxFaults } from "../../src/shared/fault-injection";
import { waitForDeliveries } from "../support/agent-sink-client";
import { accept, inspectLedger, ledgerOf } from "../support/pipeline";
import { genericEvent } from "../support/signed-requests";

describe("event ledger", () => {
  it("spreads claims over the configured number of shards", () => {
    const shards = new Set(Array.from({ length: 2000 }, (_, i) => shardForEvent("github", `id-${i}`, 16)));
    expect(shards.size).toBe(16);
    expect(shardForEvent("github", "abc", 16)).toBe(shardForEvent("github", "abc", 16));
  });

  it("forgets delivered events after the retention window, so the alarm keeps storage bounded", async () => {
    const id = await accept(genericEvent({ id: `old-${crypto.randomUUID()}`, type: "x" }));
    await waitForDeliveries(id);
    await expect.poll(async () => (await inspectLedger("generic", id)).event?.status).toBe("delivered");
    const { ledger } = ledgerOf("generic", id);
    await runInDurableObject(ledger, (_instance, state) => {
      const eightDaysAgo = Date.now() - 8 * 86_400_000;
      state.storage.sql.exec("UPDATE events SET received_at = ? WHERE event_id = ?", eightDaysAgo, id);
    });
    await runInDurableObject(ledger, (_i, state) => state.storage.setAlarm(Date.now() + 60_000));
    expect(await runDurableObjectAlarm(ledger)).toBe(true);
    expect((await inspectLedger("generic", id)).event).toBeUndefined();
  });

  it("keeps events younger than CLAIM_RETENTION_DAYS", async () => {
    expect(env.CLAIM_RETENTION_DAYS).toBe("7");
    const id = await accept(genericEvent({ id: `young-${crypto.randomUUID()}`, type: "x" }));
    await waitForDeliveries(id);
    const { ledger } = ledgerOf("generic", id);
    await runInDurableObject(ledger, (_i, state) => state.storage.setAlarm(Date.now() + 60_000));
    await runDurableObjectAlarm(ledger);
    expect((await inspectLedger("generic", id)).event).toBeDefined();
  });

  it("validates RPC arguments with zod before touching storage", () => {
    expect(BeginInput.safeParse([{ source: "", id: "x", handlers: [] }]).success).toBe(false);
    expect(
      AcceptInput.safeParse({
        source: "github",
        id: "x".repeat(513),
        type: "t",
        receivedAt: 1,
        headers: {},
        body: new Uint8Array(),
        shard: 0,
      }).success,
    ).toBe(false);
    expect(
      AcceptInput.safeParse({
        source: "github",
        id: "x",
        type: "t",
        receivedAt: 1,
        headers: {},
        body: "text",
        shard: 0,
      }).success,
    ).toBe(false);
    expect(OutboxFaults.safeParse({ failSends: -1 }).success).toBe(false);
  });
});

/** The five windows where at-least-once providers and queues could become lost or doubled work. */
import { runDurableObjectAlarm } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { WebhookEnvelope } from "../../src/handlers/envelope";
import { HandlerRegistry } from "../../src/handlers/handler-registry";
import { deliveries, waitForDeliveries } from "../support/agent-sink-client";
import { accept, consume, expireWaits, inspectLedger, ledgerOf, messageFor } from "../support/pipeline";
import { genericEvent, githubEvent, post } from "../support/signed-requests";

function recordingRegistry(
  name = `probe_${crypto.randomUUID().slice(0, 8)}`,
  behaviour?: (call: number) => void,
) {
  const calls: { event: WebhookEnvelope; key: string; attempt: number }[] = [];
  const registry = new HandlerRegistry().on(
    "*",
    "*",
    async (event, context) => {
      calls.push({ event, key: context.idempotencyKey, attempt: context.attempt });
      behaviour?.(calls.length);
    },
    { name },
  );
  return { calls, registry, name };
}

describe("window 1: concurrent duplicate deliveries", () => {
  it("gives exactly one 202 among 50 concurrent copies, and one delivery", async () => {
    const fixture = await githubEvent({ action: "opened", storm: true });
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => exports.default.fetch(post(fixture))),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(49);
    const id = fixture.headers["x-github-delivery"]!;
    await waitForDeliveries(id);
    await expect.poll(async () => (await inspectLedger("github", id)).event?.status).toBe("delivered");
    expect((await deliveries()).filter((d) => JSON.parse(d.body).id === id)).toHaveLength(1);
  });
});

describe("window 2: a failure between claim and enqueue", () => {
  it("keeps a failed send in the outbox and the alarm re-drives it", async () => {
    const fixture = genericEvent({ id: `outbox-${crypto.randomUUID()}`, type: "x" });
    const id = JSON.parse(String(fixture.body)).id as string;
    const { ledger } = ledgerOf("generic", id);
    await ledger.injectFaults({ failSends: 1 });
    expect(await accept(fixture)).toBe(id);
    // Evidence that the send was tried and failed, not merely that nothing happened yet.
    await expect.poll(() => ledger.faultReport()).toMatchObject({ failSends: 0, failedSends: 1 });
    expect((await inspectLedger("generic", id)).event).toMatchObject({ enqueued_at: null });
    expect(await runDurableObjectAlarm(ledger)).toBe(true);
    const [delivery] = await waitForDeliveries(id);
    expect(JSON.parse(delivery!.body)).toMatchObject({ id, source: "generic" });
  });

  it("times out a hung send and re-drives it, even after the ledger is evicted", async () => {
    const fixture = genericEvent({ id: `hang-${crypto.randomUUID()}`, type: "x" });
    const id = JSON.parse(String(fixture.body)).id as string;
    const { ledger } = ledgerOf("generic", id);
    await ledger.injectFaults({ hangSends: 1, sendTimeoutMs: 50 });
    await accept(fixture);
    // The send hung, then timed out: it was tried and failed.
    await expect.poll(() => ledger.faultReport()).toMatchObject({ hangSends: 0, failedSends: 1 });
    expect((await inspectLedger("generic", id)).event).toMatchObject({ enqueued_at: null });
    const { evictDurableObject } = await import("cloudflare:test");
    await evictDurableObject(ledger);
    expect(await runDurableObjectAlarm(ledger)).toBe(true);
    await waitForDeliveries(id);
    expect((await inspectLedger("generic", id)).event?.enqueued_at).not.toBeNull();
  });
});

describe("window 3: queue redelivery after completion", () => {
  it("does not run a completed handler again", async () => {
    const id = await accept(await githubEvent());
    const { calls, registry } = recordingRegistry();
    const message = messageFor("github", id, "issues.opened");
    const first = await consume([message], registry);
    const second = await consume([message], registry);
    expect(calls).toHaveLength(1);
    expect(first.result.explicitAcks).toHaveLength(1);
    expect(second.result.explicitAcks).toHaveLength(1);
    expect(second.result.retryMessages).toHaveLength(0);
  });

  it("runs each handler once when the same message appears twice in one batch", async () => {
    const id = await accept(await githubEvent());
    const { calls, registry } = recordingRegistry();
    const message = messageFor("github", id, "issues.opened");
    await consume([message, message], registry);
    expect(calls).toHaveLength(1);
  });
});

describe("window 4: a handler that crashes mid-run", () => {
  it("waits out the lease, then runs again with the same idempotency key", async () => {
    const id = await accept(await githubEvent());
    const { calls, registry, name } = recordingRegistry();
    const { ledger } = ledgerOf("github", id);
    // A consumer took the lease and died before recording an outcome.
    await ledger.beginDeliveries([{ source: "github", id, handlers: [name] }]);
    const message = messageFor("github", id, "issues.opened");
    const blocked = await consume([message], registry);
    expect(calls).toHaveLength(0);
    expect(blocked.result.retryMessages).toHaveLength(1);
    expect(blocked.result.retryMessages[0]!.delaySeconds).toBeGreaterThan(50);

    await expireWaits("github", id);
    const resumed = await consume([message], registry);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ key: `github:${id}:${name}`, attempt: 2 });
    expect(resumed.result.explicitAcks).toHaveLength(1);
  });
});

describe("window 5: handler failure", () => {
  it("retries with exponential backoff and jitter, then dead-letters and records dead", async () => {
    const id = await accept(await githubEvent());
    const { calls, registry, name } = recordingRegistry(undefined, () => {
      throw new Error("agent exploded");
    });
    const testEnv = { ...env, HANDLER_MAX_ATTEMPTS: "3", RETRY_BASE_SECONDS: "10" };
    const message = messageFor("github", id, "issues.opened", testEnv);

    const first = await consume([message], registry, testEnv);
    expect(first.result.retryMessages[0]!.delaySeconds).toBeGreaterThanOrEqual(5);
    expect(first.result.retryMessages[0]!.delaySeconds).toBeLessThanOrEqual(10);
    expect((await inspectLedger("github", id)).event?.status).toBe("retrying");

    await expireWaits("github", id);
    const second = await consume([message], registry, testEnv, 2);
    expect(second.result.retryMessages[0]!.delaySeconds).toBeGreaterThanOrEqual(10);
    expect(second.result.retryMessages[0]!.delaySeconds).toBeLessThanOrEqual(20);

    await expireWaits("github", id);
    const third = await consume([message], registry, testEnv, 3);
    expect(third.result.retryMessages).toHaveLength(0);
    expect(third.result.explicitAcks).toHaveLength(1);
    expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    const ledger = await inspectLedger("github", id);
    expect(ledger.event?.status).toBe("dead");
    expect(ledger.deliveries.find((d) => d.handler === name)).toMatchObject({
      state: "dead",
      attempts: 3,
      last_error: "agent exploded",
    });

    // A dead handler is never run again by a redelivered message.
    await consume([message], registry, testEnv, 4);
    expect(calls).toHaveLength(3);
  });

  it("acks and retries each message of a batch on its own", async () => {
    const good = await accept(await githubEvent({ action: "good" }));
    const bad = await accept(await githubEvent({ action: "bad" }));
    const registry = new HandlerRegistry().on("*", "*", async function picky(event) {
      if (event.type === "issues.bad") throw new Error("no");
    });
    const { batch, result } = await consume(
      [messageFor("github", good, "issues.good"), messageFor("github", bad, "issues.bad")],
      registry,
    );
    expect(result.explicitAcks).toEqual([batch.messages[0]!.id]);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual([batch.messages[1]!.id]);
  });
});

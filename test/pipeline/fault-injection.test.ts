/** Faults injected through test-only seams (never by mocking the platform): nothing is lost or run twice. */
import { evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { forward } from "../../src/handlers/forward-to-agent";
import { HandlerRegistry } from "../../src/handlers/handler-registry";
import { deliveries, sinkUrl, waitForDeliveries } from "../support/agent-sink-client";
import { accept, consume, expireWaits, inspectLedger, ledgerOf, messageFor } from "../support/pipeline";
import { genericEvent, githubEvent } from "../support/signed-requests";

const forwarding = () => {
  const name = `fwd_${crypto.randomUUID().slice(0, 8)}`;
  return { name, registry: new HandlerRegistry().on("*", "*", forward, { name }) };
};

describe("queue send failures", () => {
  it("re-drives through three failed sends and delivers once", async () => {
    const fixture = genericEvent({ id: `flaky-${crypto.randomUUID()}`, type: "x" });
    const id = JSON.parse(String(fixture.body)).id as string;
    const { ledger } = ledgerOf("generic", id);
    await ledger.injectFaults({ failSends: 3 });
    await accept(fixture);
    // The accept's send fails, then the first two alarms' re-drives; the third alarm's succeeds.
    for (let run = 0; run < 3; run++) {
      await expect.poll(async () => (await ledger.faultReport()).failedSends).toBe(run + 1);
      expect((await inspectLedger("generic", id)).event).toMatchObject({ enqueued_at: null });
      expect(await runDurableObjectAlarm(ledger)).toBe(true);
    }
    await waitForDeliveries(id);
    await expect.poll(async () => (await inspectLedger("generic", id)).event?.status).toBe("delivered");
    expect((await deliveries()).filter((d) => JSON.parse(d.body).id === id)).toHaveLength(1);
  });
});

describe("eviction mid-consumer", () => {
  it("keeps the lease across an eviction and runs the handler once after it expires", async () => {
    const id = await accept(await githubEvent());
    const { registry, name } = forwarding();
    const { ledger } = ledgerOf("github", id);
    const bucket = `evict-${crypto.randomUUID()}`;
    const testEnv = { ...env, AGENT_ENDPOINT_URL: sinkUrl(bucket) };
    await ledger.beginDeliveries([{ source: "github", id, handlers: [name] }]);
    await evictDurableObject(ledger);
    const message = messageFor("github", id, "issues.opened");
    const blocked = await consume([message], registry, testEnv);
    expect(blocked.result.retryMessages).toHaveLength(1);
    await expireWaits("github", id);
    await consume([message], registry, testEnv, 2);
    await consume([message], registry, testEnv, 3);
    expect(await deliveries(bucket)).toHaveLength(1);
  });
});

describe("a handler that acts, then dies before completion is recorded", () => {
  it("runs again with the same idempotency key and webhook-id (at least once towards the outside)", async () => {
    const id = await accept(await githubEvent());
    const { registry, name } = forwarding();
    const bucket = `crash-${crypto.randomUUID()}`;
    const crashing = {
      ...env,
      AGENT_ENDPOINT_URL: sinkUrl(bucket),
      FAULT_INJECTION: JSON.stringify({ settleFails: true }),
    };
    const message = messageFor("github", id, "issues.opened");
    const first = await consume([message], registry, crashing);
    expect(first.result.retryMessages[0]?.delaySeconds).toBe(60);
    await expireWaits("github", id);
    const healthy = { ...env, AGENT_ENDPOINT_URL: sinkUrl(bucket) };
    await consume([message], registry, healthy, 2);

    const arrived = await deliveries(bucket);
    expect(arrived).toHaveLength(2);
    expect(arrived[0]!.webhookId).toBe(arrived[1]!.webhookId);
    expect(arrived[0]!.headers["idempotency-key"]).toBe(`github:${id}:${name}`);
    expect(arrived[1]!.headers["idempotency-key"]).toBe(`github:${id}:${name}`);
    const row = (await inspectLedger("github", id)).deliveries.find((d) => d.handler === name);
    expect(row).toMatchObject({ state: "done", attempts: 2 });
  });
});

describe("agent answers", () => {
  it("dead-letters at once on 410 Gone, after a single attempt", async () => {
    const id = await accept(await githubEvent());
    const { registry, name } = forwarding();
    const testEnv = { ...env, AGENT_ENDPOINT_URL: sinkUrl(`gone-${crypto.randomUUID()}`, "status=410") };
    const { result } = await consume([messageFor("github", id, "issues.opened")], registry, testEnv);
    expect(result.retryMessages).toHaveLength(0);
    expect(result.explicitAcks).toHaveLength(1);
    const ledger = await inspectLedger("github", id);
    expect(ledger.deliveries.find((d) => d.handler === name)).toMatchObject({
      state: "dead",
      attempts: 1,
      last_error: expect.stringMatching(/^127\.0\.0\.1:\d+\/agent\/gone-[\w-]+ answered 410 Gone$/),
    });
    expect(ledger.event?.status).toBe("dead");
  });
});

describe("message order and repetition", () => {
  it("delivers each event once whatever the order, and ignores repeats within and across batches", async () => {
    const a = await accept(await githubEvent({ action: "a" }));
    const b = await accept(await githubEvent({ action: "b" }));
    const calls: string[] = [];
    const registry = new HandlerRegistry().on("*", "*", async function recordOrder(event) {
      calls.push(event.id);
    });
    const [ma, mb] = [messageFor("github", a, "issues.a"), messageFor("github", b, "issues.b")];
    await consume([mb, ma, mb], registry);
    await consume([ma], registry, env, 2);
    expect(calls.sort()).toEqual([a, b].sort());
  });
});

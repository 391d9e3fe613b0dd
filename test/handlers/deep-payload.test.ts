/**
 * A signed JSON body nested thousands of levels deep is a valid event: ingress accepts it (JSON.parse
 * copes), so the forwarder delivers it too, where JSON.stringify overflows the stack (V8 writes objects
 * with index keys such as `{"0":…}` recursively).
 */
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { forward } from "../../src/handlers/forward-to-agent";
import { HandlerRegistry } from "../../src/handlers/handler-registry";
import { sinkUrl, waitForDeliveries } from "../support/agent-sink-client";
import { accept, consume, messageFor } from "../support/pipeline";
import { genericEvent } from "../support/signed-requests";
import { TEST_SECRETS } from "../support/test-secrets";

const DEPTH = 10_000;
const DeepEnvelope = z.object({ payload: z.object({ id: z.string(), nested: z.unknown() }) });

/** `{"id":…,"type":"deep.nesting","nested":{"0":{"0":…true…}}}`, built without recursion. */
const deepBody = (id: string) =>
  `{"id":${JSON.stringify(id)},"type":"deep.nesting","nested":${'{"0":'.repeat(DEPTH)}true${"}".repeat(DEPTH)}}`;

/** How deep `value` nests `{"0":…}`, followed without recursion. */
function depthOf(value: unknown): number {
  let depth = 0;
  for (let node = value; typeof node === "object" && node !== null; node = Reflect.get(node, "0")) depth++;
  return depth;
}

describe("a deeply nested signed JSON body", () => {
  it(`is delivered, ${DEPTH} levels deep, with a signature the agent can verify`, async () => {
    const id = `deep-${crypto.randomUUID()}`;
    const eventId = await accept(genericEvent(deepBody(id)));
    expect(eventId).toBe(id);
    const bucket = `deep-${crypto.randomUUID()}`;
    const testEnv = { ...env, AGENT_ENDPOINT_URL: sinkUrl(bucket) };
    const registry = new HandlerRegistry().on("*", "*", forward, {
      name: `fwd_${crypto.randomUUID().slice(0, 8)}`,
    });

    const { result } = await consume([messageFor("generic", id, "deep.nesting")], registry, testEnv);
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks).toHaveLength(1);

    const [delivery] = await waitForDeliveries(id, { bucket });
    if (!delivery) throw new Error("no delivery");
    expect(delivery.body.startsWith(`{"id":${JSON.stringify(id)},"source":"generic",`)).toBe(true);
    const envelope = new Webhook(TEST_SECRETS.AGENT_SIGNING_SECRET).verify(delivery.body, delivery.headers);
    expect(envelope).toMatchObject({ id, source: "generic", type: "deep.nesting", untrusted: [] });
    const { payload } = DeepEnvelope.parse(envelope);
    expect(payload.id).toBe(id);
    expect(depthOf(payload.nested)).toBe(DEPTH);
  });
});

import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ForwardedEnvelope } from "../../src/handlers/envelope";
import { forward } from "../../src/handlers/forward-to-agent";
import { HandlerRegistry } from "../../src/handlers/handler-registry";
import { deliveries, sinkUrl } from "../support/agent-sink-client";
import { accept, consume, messageFor } from "../support/pipeline";
import { type Fixture, genericEvent, githubEvent } from "../support/signed-requests";
import { TEST_SECRETS } from "../support/test-secrets";

/** Accepts `fixture` from `clientIp`, forwards it to a fresh sink bucket, and returns the envelope sent. */
async function forwardedEnvelope(fixture: Fixture, source: string, type: string, clientIp: string) {
  const id = await accept({ ...fixture, headers: { ...fixture.headers, "cf-connecting-ip": clientIp } });
  const bucket = `prov-env-${crypto.randomUUID()}`;
  const registry = new HandlerRegistry().on("*", "*", forward, {
    name: `fwd_${crypto.randomUUID().slice(0, 8)}`,
  });
  const testEnv = { ...env, AGENT_ENDPOINT_URL: sinkUrl(bucket) };
  await consume([messageFor(source, id, type)], registry, testEnv);
  const [delivery] = await deliveries(bucket);
  if (!delivery) throw new Error("nothing arrived at the sink");
  return ForwardedEnvelope.parse(JSON.parse(delivery.body));
}

describe("provenance in the forwarded envelope", () => {
  it("says a GitHub event was verified over its body alone, with the current secret", async () => {
    const envelope = await forwardedEnvelope(await githubEvent(), "github", "issues.opened", "192.0.2.14");
    expect(envelope.provenance).toEqual({
      verified: true,
      scheme: "github-hmac-sha256",
      signed: ["body"],
      key: "current",
      received_at: envelope.received_at,
      client_ip: "192.0.2.14",
    });
  });

  it("says `previous` when the _PREVIOUS secret verified the event during a rotation", async () => {
    const fixture = genericEvent(
      { id: `gen_${crypto.randomUUID()}`, type: "thing.happened" },
      { secret: TEST_SECRETS.GENERIC_WEBHOOK_SECRET_PREVIOUS },
    );
    const envelope = await forwardedEnvelope(fixture, "generic", "thing.happened", "192.0.2.15");
    expect(envelope.provenance).toMatchObject({ verified: true, signed: ["body"], key: "previous" });
  });

  it("says `current` when the current secret verified it, even with a _PREVIOUS configured", async () => {
    const fixture = genericEvent({ id: `gen_${crypto.randomUUID()}`, type: "thing.happened" });
    const envelope = await forwardedEnvelope(fixture, "generic", "thing.happened", "192.0.2.16");
    expect(envelope.provenance.key).toBe("current");
  });
});

import { env, exports } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import type { Delivery } from "../../scripts/agent-sink.ts";
import { app } from "../../src/app";
import { forward } from "../../src/handlers/forward-to-agent";
import { HandlerRegistry } from "../../src/handlers/handler-registry";
import { deliveries, sinkUrl } from "../support/agent-sink-client";
import { accept, consume, messageFor } from "../support/pipeline";
import { githubEvent } from "../support/signed-requests";
import { TEST_SECRETS } from "../support/test-secrets";

/** A second key, for rotations: `AGENT_SIGNING_KEY` becomes `_PREVIOUS`. */
const NEXT_KEY =
  "whsk_lzEQrOFb08mkQnujXauUxTCOeHdYIFUOqU+lC+EyduEEgLnnHmEU05EXfNoYtULD8Y5ttePHu4nXi++gDtUf3A==";

const JwkSet = (value: unknown) =>
  expect(value).toEqual({
    keys: expect.arrayContaining([
      {
        kty: "OKP",
        crv: "Ed25519",
        x: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        kid: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        use: "sig",
        alg: "EdDSA",
      },
    ]),
  });

type Jwk = { kty: string; crv: string; x: string; kid: string };

async function jwks(testEnv?: Env): Promise<{ keys: Jwk[] }> {
  const response = testEnv
    ? await app.request("/.well-known/jwks.json", {}, testEnv)
    : await exports.default.fetch("https://gateway.test/.well-known/jwks.json");
  expect(response.status).toBe(200);
  expect(response.headers.get("cache-control")).toBe("public, max-age=300");
  return response.json();
}

const base64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

/** What a receiver does: try every published key on every `v1a` entry; never trust `webhook-key-id`. */
async function receiverAccepts(delivery: Delivery, keys: readonly Jwk[], body = delivery.body) {
  const signed = new TextEncoder().encode(
    `${delivery.headers["webhook-id"]}.${delivery.headers["webhook-timestamp"]}.${body}`,
  );
  const signatures = (delivery.headers["webhook-signature"] ?? "")
    .split(" ")
    .filter((entry) => entry.startsWith("v1a,"))
    .map((entry) => base64(entry.slice(4)));
  for (const jwk of keys) {
    const key = await crypto.subtle.importKey("jwk", jwk, { name: "Ed25519" }, false, ["verify"]);
    for (const signature of signatures)
      if (await crypto.subtle.verify("Ed25519", key, signature, signed)) return true;
  }
  return false;
}

async function forwardedDelivery(testEnv: Env): Promise<Delivery> {
  const bucket = `prov-${crypto.randomUUID()}`;
  const id = await accept(
    await githubEvent({ action: "opened", issue: { number: 7, id: crypto.randomUUID() } }),
  );
  const name = `fwd_${crypto.randomUUID().slice(0, 8)}`;
  const registry = new HandlerRegistry().on("*", "*", forward, { name });
  const { result } = await consume([messageFor("github", id, "issues.opened")], registry, {
    ...testEnv,
    AGENT_ENDPOINT_URL: sinkUrl(bucket),
  } as Env);
  expect(result.explicitAcks).toHaveLength(1);
  const [delivery] = await deliveries(bucket);
  if (!delivery) throw new Error("nothing arrived at the sink");
  return delivery;
}

describe("provenance: Ed25519 signatures verifiable with the published keys", () => {
  it("publishes a JWK Set whose kids are RFC 7638 thumbprints", async () => {
    const set = await jwks();
    JwkSet(set);
    expect(set.keys).toHaveLength(1);
    const [key] = set.keys;
    const canonical = JSON.stringify({ crv: "Ed25519", kty: "OKP", x: key?.x });
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonical));
    const thumbprint = btoa(String.fromCharCode(...new Uint8Array(digest)))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
    expect(key?.kid).toBe(thumbprint);
  });

  it("publishes an empty set when no key is configured", async () => {
    expect(await jwks({ ...env, AGENT_SIGNING_KEY: "" } as Env)).toEqual({ keys: [] });
  });

  it("a receiver verifies v1a with the published key and rejects a tampered body", async () => {
    const delivery = await forwardedDelivery(env);
    const { keys } = await jwks();
    expect(delivery.headers["webhook-key-id"]).toBe(keys[0]?.kid);
    expect(await receiverAccepts(delivery, keys)).toBe(true);
    expect(await receiverAccepts(delivery, keys, delivery.body.replace("opened", "closed"))).toBe(false);
  });

  it("sends v1a and v1 side by side when both a key and an HMAC secret are set", async () => {
    const delivery = await forwardedDelivery(env);
    const versions = delivery.headers["webhook-signature"]?.split(" ").map((entry) => entry.split(",")[0]);
    expect(versions).toEqual(["v1a", "v1"]);
    expect(
      new Webhook(TEST_SECRETS.AGENT_SIGNING_SECRET).verify(delivery.body, delivery.headers),
    ).toBeTruthy();
  });

  it("sends with the Ed25519 key alone (no HMAC secret)", async () => {
    const delivery = await forwardedDelivery({ ...env, AGENT_SIGNING_SECRET: "" } as Env);
    expect(delivery.headers["webhook-signature"]).toMatch(/^v1a,[A-Za-z0-9+/]+=*$/);
    expect(await receiverAccepts(delivery, (await jwks()).keys)).toBe(true);
  });

  it("keeps verifying during a rotation: both keys published, both sign", async () => {
    const rotated = {
      ...env,
      AGENT_SIGNING_KEY: NEXT_KEY,
      AGENT_SIGNING_KEY_PREVIOUS: TEST_SECRETS.AGENT_SIGNING_KEY,
    } as Env;
    const before = (await jwks()).keys;
    const during = (await jwks(rotated)).keys;
    expect(during.map((key) => key.kid)).toEqual([expect.any(String), before[0]?.kid]);
    const delivery = await forwardedDelivery(rotated);
    expect(delivery.headers["webhook-key-id"]).toBe(during[0]?.kid);
    // A receiver that still caches the old set, and one that fetched the new one, both accept it.
    expect(await receiverAccepts(delivery, before)).toBe(true);
    expect(await receiverAccepts(delivery, during.slice(0, 1))).toBe(true);
  });

  it("refuses to send when the configured key is not a whsk_ key", async () => {
    const bucket = `prov-bad-${crypto.randomUUID()}`;
    const id = await accept(
      await githubEvent({ action: "opened", issue: { number: 8, id: crypto.randomUUID() } }),
    );
    const registry = new HandlerRegistry().on("*", "*", forward, {
      name: `fwd_${crypto.randomUUID().slice(0, 8)}`,
    });
    const { result } = await consume([messageFor("github", id, "issues.opened")], registry, {
      ...env,
      AGENT_SIGNING_KEY: "whsk_bm90IGEga2V5",
      AGENT_ENDPOINT_URL: sinkUrl(bucket),
    } as Env);
    expect(result.retryMessages).toHaveLength(1);
    expect(await deliveries(bucket)).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import { fal, falPreset } from "../../src/providers/fal";
import { identifyWith, verifyWith } from "../support/verify-with";

// fal.ai documents the scheme but publishes no vector
// (https://docs.fal.ai/model-apis/model-endpoints/webhooks#verifying-your-webhook): Ed25519 over
// `<X-Fal-Webhook-Request-Id>\n<X-Fal-Webhook-User-Id>\n<X-Fal-Webhook-Timestamp>\n<hex SHA-256 of the body>`,
// hex in X-Fal-Webhook-Signature, keys from the JWKS at https://rest.alpha.fal.ai/.well-known/jwks.json cached
// for 24 h, timestamps within 5 minutes. Keys here are generated locally and served by a stub fetcher: these
// tests never touch the network. The body follows the docs' successful-result example.
const JWKS_URL = "https://rest.alpha.fal.ai/.well-known/jwks.json";
const NOW = 1_750_000_000;
const REQUEST_ID = "123e4567-e89b-12d3-a456-426614174000";
const USER_ID = "github|hookgate";
const result = (status = "OK") =>
  JSON.stringify({
    request_id: REQUEST_ID,
    gateway_request_id: REQUEST_ID,
    status,
    payload: {
      images: [{ url: "https://url.to/image.png", content_type: "image/png", width: 1024, height: 1024 }],
    },
  });
const BODY = result();

const base64url = (bytes: ArrayBuffer) => Buffer.from(new Uint8Array(bytes)).toString("base64url");
const hex = (bytes: ArrayBuffer) => Buffer.from(new Uint8Array(bytes)).toString("hex");

async function keyPair() {
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  const x = base64url((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
  return { privateKey: pair.privateKey, x, jwk: { kty: "OKP", crv: "Ed25519", x, kid: x.slice(0, 8) } };
}
const current = await keyPair();
const previous = await keyPair();

async function signed(
  key: CryptoKey = current.privateKey,
  { body = BODY, timestamp = NOW, requestId = REQUEST_ID, userId = USER_ID } = {},
) {
  const digest = hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body)));
  const message = new TextEncoder().encode(`${requestId}\n${userId}\n${timestamp}\n${digest}`);
  const signature = hex(await crypto.subtle.sign({ name: "Ed25519" }, key, message));
  return {
    headers: {
      "x-fal-webhook-request-id": requestId,
      "x-fal-webhook-user-id": userId,
      "x-fal-webhook-timestamp": String(timestamp),
      "x-fal-webhook-signature": signature,
    } as Record<string, string>,
    body,
  };
}

/** A stub of fal's JWKS endpoint: serves `sets` in turn (the last one stays), or throws for `null`. */
function stubKeySet(...sets: (object[] | null)[]) {
  const calls: string[] = [];
  const fetcher = async (url: string) => {
    calls.push(url);
    const keys = sets.length > 1 ? sets.shift() : sets[0];
    if (keys === null || keys === undefined) throw new Error("offline");
    return { keys };
  };
  return { provider: falPreset(fetcher), calls };
}

describe("fal verifier", () => {
  it("accepts a delivery signed by a key of the published set, fetched once and then cached", async () => {
    const { provider, calls } = stubKeySet([{ kty: "RSA", n: "x", e: "AQAB" }, current.jwk]);
    expect(await verifyWith(provider, await signed(), [JWKS_URL], NOW)).toEqual({ ok: true, value: true });
    expect((await verifyWith(provider, await signed(), [JWKS_URL], NOW + 60)).ok).toBe(true);
    expect(calls).toEqual([JWKS_URL]);
  });

  it("rejects a changed body, request id, user id or timestamp, and another key", async () => {
    const { provider } = stubKeySet([current.jwk]);
    const parts = await signed();
    const tampered = [
      { ...parts, body: result("ERROR") },
      { ...parts, headers: { ...parts.headers, "x-fal-webhook-request-id": "other" } },
      { ...parts, headers: { ...parts.headers, "x-fal-webhook-user-id": "someone-else" } },
      { ...parts, headers: { ...parts.headers, "x-fal-webhook-timestamp": String(NOW + 1) } },
      await signed(previous.privateKey),
    ];
    for (const request of tampered) {
      expect(await verifyWith(provider, request, [JWKS_URL], NOW)).toMatchObject({
        error: { reason: "bad_signature" },
      });
    }
  });

  it("refuses timestamps more than 5 minutes old or ahead", async () => {
    const { provider } = stubKeySet([current.jwk]);
    expect(await verifyWith(provider, await signed(), [JWKS_URL], NOW + 301)).toMatchObject({
      error: { reason: "stale" },
    });
    expect(await verifyWith(provider, await signed(), [JWKS_URL], NOW - 301)).toMatchObject({
      error: { reason: "future" },
    });
  });

  it("reports each missing header, and a malformed timestamp or signature, before fetching keys", async () => {
    const { provider, calls } = stubKeySet([current.jwk]);
    const parts = await signed();
    for (const name of Object.keys(parts.headers)) {
      const { [name]: _, ...headers } = parts.headers;
      expect(await verifyWith(provider, { headers, body: BODY }, [JWKS_URL], NOW)).toMatchObject({
        error: { reason: "missing_header", header: name },
      });
    }
    const signature = parts.headers["x-fal-webhook-signature"] ?? "";
    for (const [name, value] of [
      ["x-fal-webhook-timestamp", "soon"],
      ["x-fal-webhook-signature", Buffer.from(signature, "hex").toString("base64")],
      ["x-fal-webhook-signature", signature.slice(2)],
    ] as const) {
      expect(
        await verifyWith(
          provider,
          { headers: { ...parts.headers, [name]: value }, body: BODY },
          [JWKS_URL],
          NOW,
        ),
      ).toMatchObject({ error: { reason: "malformed_header", header: name } });
    }
    expect(calls).toEqual([]);
  });

  it("accepts a key pinned in FAL_PUBLIC_KEY_PREVIOUS during a rotation", async () => {
    const { provider } = stubKeySet([current.jwk]);
    const request = await signed(previous.privateKey);
    expect((await verifyWith(provider, request, [JWKS_URL, previous.x], NOW)).ok).toBe(true);
    expect((await verifyWith(provider, request, [JWKS_URL], NOW)).ok).toBe(false);
  });

  it("fetches the set again when fal rotates its key, but at most once per 5 minutes", async () => {
    const { provider, calls } = stubKeySet([previous.jwk], [previous.jwk, current.jwk]);
    expect((await verifyWith(provider, await signed(previous.privateKey), [JWKS_URL], NOW)).ok).toBe(true);
    expect(
      (
        await verifyWith(
          provider,
          await signed(current.privateKey, { timestamp: NOW + 301 }),
          [JWKS_URL],
          NOW + 301,
        )
      ).ok,
    ).toBe(true);
    expect(calls).toHaveLength(2);
    const forged = await signed((await keyPair()).privateKey, { timestamp: NOW + 302 });
    for (let i = 0; i < 5; i++)
      expect((await verifyWith(provider, forged, [JWKS_URL], NOW + 302)).ok).toBe(false);
    expect(calls).toHaveLength(2);
  });

  it("refreshes the set after 24 hours and keeps the held keys when that fetch fails", async () => {
    const { provider, calls } = stubKeySet([current.jwk], null);
    const later = NOW + 24 * 60 * 60;
    expect((await verifyWith(provider, await signed(), [JWKS_URL], NOW)).ok).toBe(true);
    expect(
      (await verifyWith(provider, await signed(current.privateKey, { timestamp: later }), [JWKS_URL], later))
        .ok,
    ).toBe(true);
    expect(calls).toHaveLength(2);
  });

  it("refuses, without throwing, when the set cannot be fetched at all", async () => {
    const { provider } = stubKeySet(null);
    expect(await verifyWith(provider, await signed(), [JWKS_URL], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("takes an https key set URL or a base64url Ed25519 key as FAL_PUBLIC_KEY, nothing else", () => {
    expect(fal.keyKind).toBe("publicKey");
    expect(fal.decodeSecret(JWKS_URL)).not.toBeNull();
    expect(fal.decodeSecret(current.x)).not.toBeNull();
    for (const wrong of [
      "http://rest.alpha.fal.ai/.well-known/jwks.json",
      "https://",
      "not-a-key",
      current.x.slice(1),
    ]) {
      expect(fal.decodeSecret(wrong), wrong).toBeNull();
    }
  });

  it("identifies a result by its signed request id and types it request.<status>", async () => {
    expect(identifyWith(fal, await signed())).toMatchObject({
      ok: true,
      value: { id: REQUEST_ID, type: "request.ok" },
    });
    expect(identifyWith(fal, await signed(undefined, { body: result("ERROR") }))).toMatchObject({
      value: { type: "request.error" },
    });
    const { "x-fal-webhook-request-id": _, ...headers } = (await signed()).headers;
    expect(identifyWith(fal, { headers, body: BODY })).toMatchObject({
      error: { reason: "missing_event_id" },
    });
  });
});

import { describe, expect, it } from "vitest";
import { standardWebhooksEd25519 } from "../../src/providers/standard-webhooks-ed25519";
import { base64ToBytes, bytesToBase64, hexToBytes } from "../../src/verify/encoding";
import { signatureMatchesAny } from "../../src/verify/public-key";
import { identifyWith, verifyWith } from "../support/verify-with";

// The Standard Webhooks spec defines `v1a,<base64 ed25519>` over `{msg_id}.{timestamp}.{payload}` with a
// `whpk_<base64>` public key (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#signature-scheme),
// but neither the spec nor the `standardwebhooks`/`svix` SDKs ship an asymmetric vector or signer.
// Key: RFC 8032 section 7.1 TEST 1 (secret 9d61b19d…7f60, public d75a9801…511a).
// Message: the id, timestamp and body of the reference `v1` vector (see standard.test.ts).
// SIGNATURE was produced in Node 22 with
//   node -e 'const c=require("crypto");const k=c.createPrivateKey({key:Buffer.concat([Buffer.from(
//     "302e020100300506032b657004220420","hex"),Buffer.from("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60","hex")]),
//     format:"der",type:"pkcs8"});console.log("v1a,"+c.sign(null,Buffer.from(
//     "msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{\"test\": 2432232314}"),k).toString("base64"))'
// and is re-derived below with WebCrypto (Ed25519 signatures are deterministic).
const RFC8032_SEED = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const PUBLIC_KEY = "whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
const ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const TIMESTAMP = 1614265330;
const BODY = '{"test": 2432232314}';
const SIGNATURE =
  "v1a,fldxM4gAKugP6nnt1hdz3sgGfZ6d99nzrMFnZOELIxbzEHoVmAb2ADpkJK7zgPePmPsle0zV9jSeGlHFG2NVAw==";
const HMAC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

const parts = (overrides: Record<string, string> = {}, body = BODY) => ({
  headers: {
    "webhook-id": ID,
    "webhook-timestamp": String(TIMESTAMP),
    "webhook-signature": SIGNATURE,
    ...overrides,
  },
  body,
});

async function generatedKey() {
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  const raw = (await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer;
  const sign = async (content: string) =>
    `v1a,${bytesToBase64(await crypto.subtle.sign("Ed25519", pair.privateKey, new TextEncoder().encode(content)))}`;
  return { whpk: `whpk_${bytesToBase64(raw)}`, bare: bytesToBase64(raw), sign };
}

describe("standard webhooks ed25519 (v1a) verifier", () => {
  it("checks Ed25519 against RFC 8032 TEST 1 (empty message)", async () => {
    const signature = hexToBytes(
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    )!;
    const key = standardWebhooksEd25519.decodeSecret(PUBLIC_KEY)!;
    expect(await signatureMatchesAny("Ed25519", [key], new Uint8Array(), [signature])).toBe(true);
  });

  it("re-derives the hard-coded v1a signature with WebCrypto from the RFC 8032 seed", async () => {
    const pkcs8 = hexToBytes(`302e020100300506032b657004220420${RFC8032_SEED}`)!;
    const key = await crypto.subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, false, ["sign"]);
    const signed = await crypto.subtle.sign(
      "Ed25519",
      key,
      new TextEncoder().encode(`${ID}.${TIMESTAMP}.${BODY}`),
    );
    expect(`v1a,${bytesToBase64(signed)}`).toBe(SIGNATURE);
  });

  it("accepts a v1a signature with a whpk_ key and with the bare base64 key", async () => {
    expect(await verifyWith(standardWebhooksEd25519, parts(), [PUBLIC_KEY], TIMESTAMP)).toEqual({
      ok: true,
      value: true,
    });
    expect((await verifyWith(standardWebhooksEd25519, parts(), [PUBLIC_KEY.slice(5)], TIMESTAMP)).ok).toBe(
      true,
    );
  });

  it("finds the v1a entry among v1 and unknown entries", async () => {
    const header = `${HMAC_SIGNATURE} v2,abc ${SIGNATURE}`;
    const request = parts({ "webhook-signature": header });
    expect((await verifyWith(standardWebhooksEd25519, request, [PUBLIC_KEY], TIMESTAMP)).ok).toBe(true);
  });

  it("rejects a changed body, another message id and another timestamp", async () => {
    const keys = [PUBLIC_KEY];
    const changed = [
      parts({}, '{"test": 2432232315}'),
      parts({ "webhook-id": "msg_other" }),
      parts({ "webhook-timestamp": String(TIMESTAMP + 1) }),
    ];
    for (const request of changed) {
      expect(await verifyWith(standardWebhooksEd25519, request, keys, TIMESTAMP)).toMatchObject({
        error: { reason: "bad_signature" },
      });
    }
  });

  it("rejects a signature made with another key", async () => {
    const other = await generatedKey();
    expect(await verifyWith(standardWebhooksEd25519, parts(), [other.whpk], TIMESTAMP)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects stale and future timestamps (300 s)", async () => {
    expect(await verifyWith(standardWebhooksEd25519, parts(), [PUBLIC_KEY], TIMESTAMP + 301)).toMatchObject({
      error: { reason: "stale" },
    });
    expect(await verifyWith(standardWebhooksEd25519, parts(), [PUBLIC_KEY], TIMESTAMP - 301)).toMatchObject({
      error: { reason: "future" },
    });
  });

  it("rejects missing headers", async () => {
    for (const header of ["webhook-id", "webhook-timestamp", "webhook-signature"]) {
      const rest = Object.fromEntries(Object.entries(parts().headers).filter(([name]) => name !== header));
      expect(
        await verifyWith(standardWebhooksEd25519, { headers: rest, body: BODY }, [PUBLIC_KEY], TIMESTAMP),
      ).toMatchObject({ error: { reason: "missing_header", header } });
    }
  });

  it("treats a header with only v1 (HMAC) entries, hex or truncated signatures as malformed", async () => {
    const hex = `v1a,${Array.from(base64ToBytes(SIGNATURE.slice(4))!, (b) => b.toString(16).padStart(2, "0")).join("")}`;
    for (const signature of [HMAC_SIGNATURE, hex, SIGNATURE.slice(0, 40), "v1a,"]) {
      expect(
        await verifyWith(
          standardWebhooksEd25519,
          parts({ "webhook-signature": signature }),
          [PUBLIC_KEY],
          TIMESTAMP,
        ),
      ).toMatchObject({ error: { reason: "malformed_header", header: "webhook-signature" } });
    }
  });

  it("accepts the previous public key during a rotation", async () => {
    const next = await generatedKey();
    expect((await verifyWith(standardWebhooksEd25519, parts(), [next.whpk, PUBLIC_KEY], TIMESTAMP)).ok).toBe(
      true,
    );
    const signedByNext = await next.sign(`${ID}.${TIMESTAMP}.${BODY}`);
    const request = parts({ "webhook-signature": signedByNext });
    expect((await verifyWith(standardWebhooksEd25519, request, [next.bare, PUBLIC_KEY], TIMESTAMP)).ok).toBe(
      true,
    );
  });

  it("refuses keys that are not 32 bytes of base64, including whsec_ secrets", () => {
    expect(standardWebhooksEd25519.decodeSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")).toBeNull();
    expect(standardWebhooksEd25519.decodeSecret("whpk_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")).toBeNull();
    expect(standardWebhooksEd25519.decodeSecret("whpk_not base64!")).toBeNull();
    expect(standardWebhooksEd25519.keyKind).toBe("publicKey");
  });

  it("identifies by webhook-id and body type, like symmetric Standard Webhooks", () => {
    const body = JSON.stringify({ type: "invoice.paid" });
    expect(identifyWith(standardWebhooksEd25519, { headers: { "webhook-id": ID }, body })).toMatchObject({
      ok: true,
      value: { id: ID, type: "invoice.paid" },
    });
    expect(identifyWith(standardWebhooksEd25519, { headers: {}, body })).toMatchObject({ ok: false });
  });
});

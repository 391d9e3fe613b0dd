import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { mux } from "../../src/providers/mux";
import { identifyWith, verifyWith } from "../support/verify-with";

// Official vector from Mux's Node SDK tests (muxinc/mux-node-sdk, tests/api-resources/webhooks.test.ts),
// checked there with `mux.webhooks.verifySignature(payload, headers, secret)`. Other deliveries follow the
// documented algorithm (https://www.mux.com/docs/core/verify-webhook-signatures), computed with node:crypto.
const SECRET = "SuperSecret123";
const PREVIOUS = "OlderSecret456";
const TIMESTAMP = 1565125718;
const PAYLOAD = '{"test":"body"}';
const HASH = "854ece4c22acef7c66b57d4e504153bc512595e8e9c772ece2a68150548c19a7";

const EVENT = JSON.stringify({
  id: "3a56ac3d-33da-4366-855b-f592d898409d",
  type: "video.asset.ready",
  object: { type: "asset", id: "0201p02fGKPE7MrbC269XRD7LpcHhrmbu0002" },
  data: { id: "0201p02fGKPE7MrbC269XRD7LpcHhrmbu0002", status: "ready" },
});
const sign = (body: string, secret = SECRET, timestamp = TIMESTAMP) =>
  `t=${timestamp},v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
const signed = (body = EVENT, secret = SECRET, timestamp = TIMESTAMP) => ({
  headers: { "mux-signature": sign(body, secret, timestamp) },
  body,
});
const vector = (header = `t=${TIMESTAMP},v1=${HASH}`, body = PAYLOAD) => ({
  headers: { "mux-signature": header },
  body,
});

describe("mux verifier", () => {
  it("accepts the Mux SDK's vector", async () => {
    expect(await verifyWith(mux, vector(), [SECRET], TIMESTAMP)).toEqual({ ok: true, value: true });
  });

  it("accepts any of several v1 entries and ignores other schemes, as the SDK does", async () => {
    for (const header of [
      `t=${TIMESTAMP},v1=invalid-sig,v1=${HASH}`,
      `t=${TIMESTAMP},v2=${HASH},v1=${HASH}`,
    ]) {
      expect((await verifyWith(mux, vector(header), [SECRET], TIMESTAMP)).ok).toBe(true);
    }
  });

  it("rejects a changed body and another secret", async () => {
    expect(await verifyWith(mux, vector(undefined, '{"test":"bodY"}'), [SECRET], TIMESTAMP)).toMatchObject({
      error: { reason: "bad_signature" },
    });
    expect(await verifyWith(mux, vector(), [PREVIOUS], TIMESTAMP)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects timestamps more than 300 seconds old or ahead", async () => {
    expect(await verifyWith(mux, vector(), [SECRET], TIMESTAMP + 301)).toMatchObject({
      error: { reason: "stale" },
    });
    expect(await verifyWith(mux, vector(), [SECRET], TIMESTAMP - 301)).toMatchObject({
      error: { reason: "future" },
    });
    expect((await verifyWith(mux, vector(), [SECRET], TIMESTAMP + 300)).ok).toBe(true);
  });

  it("reports a missing header and headers without t or a v1 hex digest", async () => {
    expect(await verifyWith(mux, { headers: {}, body: PAYLOAD }, [SECRET], TIMESTAMP)).toMatchObject({
      error: { reason: "missing_header", header: "mux-signature" },
    });
    const base64 = Buffer.from(HASH, "hex").toString("base64");
    for (const header of [
      HASH,
      `t=${TIMESTAMP},v2=${HASH}`,
      `t=${TIMESTAMP},v1=${base64}`,
      `t=soon,v1=${HASH}`,
    ]) {
      expect(await verifyWith(mux, vector(header), [SECRET], TIMESTAMP)).toMatchObject({
        error: { reason: "malformed_header", header: "mux-signature" },
      });
    }
  });

  it("accepts the previous secret during a rotation", async () => {
    expect((await verifyWith(mux, signed(EVENT, PREVIOUS), [SECRET, PREVIOUS], TIMESTAMP)).ok).toBe(true);
  });

  it("identifies events by body id and type, and refuses bodies without them", () => {
    expect(identifyWith(mux, signed())).toMatchObject({
      ok: true,
      value: { id: "3a56ac3d-33da-4366-855b-f592d898409d", type: "video.asset.ready" },
    });
    expect(identifyWith(mux, vector())).toMatchObject({ error: { reason: "invalid_body" } });
  });
});

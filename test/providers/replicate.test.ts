import { validateWebhook } from "replicate";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { replicate } from "../../src/providers/replicate";
import { identifyWith, verifyWith } from "../support/verify-with";

// Replicate signs per the Standard Webhooks spec (https://replicate.com/docs/topics/webhooks/verify-webhook).
// Deliveries are signed with the official `standardwebhooks` SDK and each one is also checked with Replicate's
// own SDK, `validateWebhook({ id, timestamp, signature, body, secret })` (which checks the signature but not the clock).
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const PREVIOUS = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const NOW = 1_700_000_000;
const ID = "msg_2b8Yq1p0nJ3zX9c4TQm1fXcPq7R";
const BODY = JSON.stringify({
  id: "ufawqhfynnddngldkgtslldrkq",
  model: "replicate/hello-world",
  version: "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa",
  input: { text: "Alice" },
  output: "hello Alice",
  status: "succeeded",
});

function signed({ body = BODY, secret = SECRET, timestamp = NOW, id = ID } = {}) {
  const signature = new Webhook(secret).sign(id, new Date(timestamp * 1000), body);
  return {
    headers: { "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": signature },
    body,
  };
}

describe("replicate verifier", () => {
  it("accepts a delivery that Replicate's SDK also accepts", async () => {
    const parts = signed();
    const {
      "webhook-id": id,
      "webhook-timestamp": timestamp,
      "webhook-signature": signature,
    } = parts.headers;
    expect(await validateWebhook({ id, timestamp, signature, body: parts.body, secret: SECRET })).toBe(true);
    expect(await verifyWith(replicate, parts, [SECRET], NOW)).toEqual({ ok: true, value: true });
  });

  it("rejects a changed body and another secret", async () => {
    const changed = { ...signed(), body: BODY.replace("Alice", "Mallory") };
    expect(await verifyWith(replicate, changed, [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
    expect(await verifyWith(replicate, signed({ secret: PREVIOUS }), [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects stale and future timestamps", async () => {
    expect(await verifyWith(replicate, signed({ timestamp: NOW - 301 }), [SECRET], NOW)).toMatchObject({
      error: { reason: "stale" },
    });
    expect(await verifyWith(replicate, signed({ timestamp: NOW + 301 }), [SECRET], NOW)).toMatchObject({
      error: { reason: "future" },
    });
  });

  it("reports a missing signature and one in the wrong encoding", async () => {
    const { "webhook-signature": _, ...noSignature } = signed().headers;
    expect(await verifyWith(replicate, { headers: noSignature, body: BODY }, [SECRET], NOW)).toMatchObject({
      error: { reason: "missing_header", header: "webhook-signature" },
    });
    const parts = signed();
    parts.headers["webhook-signature"] = `v1,${"0f".repeat(32)}`;
    expect(await verifyWith(replicate, parts, [SECRET], NOW)).toMatchObject({
      error: { reason: "malformed_header" },
    });
  });

  it("accepts the previous secret during a rotation", async () => {
    expect((await verifyWith(replicate, signed(), [PREVIOUS, SECRET], NOW)).ok).toBe(true);
  });

  it("identifies each delivery by webhook-id and types it prediction.<status>", () => {
    expect(identifyWith(replicate, signed())).toMatchObject({
      ok: true,
      value: { id: ID, type: "prediction.succeeded" },
    });
    const starting = signed({ id: "msg_start", body: JSON.stringify({ id: "p1", status: "starting" }) });
    expect(identifyWith(replicate, starting)).toMatchObject({
      value: { id: "msg_start", type: "prediction.starting" },
    });
    expect(identifyWith(replicate, signed({ body: "{}" }))).toMatchObject({ value: { type: "unknown" } });
  });
});

import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { openai } from "../../src/providers/openai";
import { identifyWith, verifyWith } from "../support/verify-with";

// OpenAI signs per the Standard Webhooks spec (https://platform.openai.com/docs/guides/webhooks; the openai SDK's
// `webhooks.verifySignature` base64-decodes the `whsec_` secret). Signatures come from the official
// `standardwebhooks` SDK: `new Webhook(secret).sign(msgId, timestamp, payload)`.
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const PREVIOUS = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const NOW = 1_750_287_078;
const ID = "wh_685342e6c53c8190a1be43f081506c52";
const BODY = JSON.stringify({
  id: "evt_685343a1381c819085d44c354e1b330e",
  type: "response.completed",
  created_at: NOW,
  data: { id: "resp_abc123" },
  object: "event",
});

function signed({ body = BODY, secret = SECRET, timestamp = NOW, id = ID } = {}) {
  const signature = new Webhook(secret).sign(id, new Date(timestamp * 1000), body);
  return {
    headers: { "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": signature },
    body,
  };
}

describe("openai verifier", () => {
  it("accepts a delivery signed by the standardwebhooks SDK", async () => {
    expect(await verifyWith(openai, signed(), [SECRET], NOW)).toEqual({ ok: true, value: true });
  });

  it("rejects a changed body and another secret", async () => {
    const changed = { ...signed(), body: BODY.replace("completed", "failed") };
    expect(await verifyWith(openai, changed, [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
    expect(await verifyWith(openai, signed({ secret: PREVIOUS }), [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects stale and future timestamps", async () => {
    expect(await verifyWith(openai, signed({ timestamp: NOW - 301 }), [SECRET], NOW)).toMatchObject({
      error: { reason: "stale" },
    });
    expect(await verifyWith(openai, signed({ timestamp: NOW + 301 }), [SECRET], NOW)).toMatchObject({
      error: { reason: "future" },
    });
  });

  it("reports a missing webhook-id and ignores svix-* names", async () => {
    const { "webhook-id": _, ...rest } = signed().headers;
    expect(
      await verifyWith(openai, { headers: { ...rest, "svix-id": ID }, body: BODY }, [SECRET], NOW),
    ).toMatchObject({ error: { reason: "missing_header", header: "webhook-id" } });
  });

  it("rejects a signature in the wrong encoding", async () => {
    const parts = signed();
    parts.headers["webhook-signature"] = parts.headers["webhook-signature"].replace("v1,", "v1,=");
    expect(await verifyWith(openai, parts, [SECRET], NOW)).toMatchObject({
      error: { reason: "malformed_header" },
    });
  });

  it("accepts the previous secret during a rotation", async () => {
    expect((await verifyWith(openai, signed({ secret: PREVIOUS }), [SECRET, PREVIOUS], NOW)).ok).toBe(true);
  });

  it("identifies events by webhook-id and body type", () => {
    expect(identifyWith(openai, signed())).toMatchObject({
      ok: true,
      value: { id: ID, type: "response.completed" },
    });
  });
});

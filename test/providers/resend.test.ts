import { Webhook } from "svix";
import { describe, expect, it } from "vitest";
import { resend } from "../../src/providers/resend";
import { identifyWith, verifyWith } from "../support/verify-with";

// Resend delivers through Svix and documents verifying with the Svix libraries
// (https://resend.com/docs/webhooks/verify-webhooks-requests); signatures come from Svix's official SDK:
// `new Webhook(secret).sign(msgId, timestamp, payload)`.
const SECRET = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const PREVIOUS = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const NOW = 1_700_000_000;
const ID = "msg_2QXZh0vLqVSxWQGKMqlhNVGlGWS";
const BODY = JSON.stringify({
  type: "email.delivered",
  created_at: "2023-11-14T22:13:20.000Z",
  data: { email_id: "56761188-7520-42d8-8898-ff6fc54ce618", to: ["delivered@resend.dev"] },
});

function signed({ body = BODY, secret = SECRET, timestamp = NOW, id = ID } = {}) {
  const signature = new Webhook(secret).sign(id, new Date(timestamp * 1000), body);
  return {
    headers: { "svix-id": id, "svix-timestamp": String(timestamp), "svix-signature": signature },
    body,
  };
}

describe("resend verifier", () => {
  it("accepts a delivery signed by the Svix SDK", async () => {
    expect(await verifyWith(resend, signed(), [SECRET], NOW)).toEqual({ ok: true, value: true });
  });

  it("rejects a changed body and another message id", async () => {
    const changed = { ...signed(), body: BODY.replace("delivered@", "attacker@") };
    expect(await verifyWith(resend, changed, [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
    const otherId = signed();
    otherId.headers["svix-id"] = "msg_other";
    expect(await verifyWith(resend, otherId, [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects a delivery signed with another secret", async () => {
    expect((await verifyWith(resend, signed({ secret: PREVIOUS }), [SECRET], NOW)).ok).toBe(false);
  });

  it("rejects stale and future timestamps", async () => {
    expect(await verifyWith(resend, signed({ timestamp: NOW - 301 }), [SECRET], NOW)).toMatchObject({
      error: { reason: "stale" },
    });
    expect(await verifyWith(resend, signed({ timestamp: NOW + 301 }), [SECRET], NOW)).toMatchObject({
      error: { reason: "future" },
    });
  });

  it("reports missing headers and a timestamp that is not whole seconds", async () => {
    expect(await verifyWith(resend, { headers: {}, body: BODY }, [SECRET], NOW)).toMatchObject({
      error: { reason: "missing_header", header: "svix-id" },
    });
    const parts = signed();
    parts.headers["svix-timestamp"] = `${NOW}.5`;
    expect(await verifyWith(resend, parts, [SECRET], NOW)).toMatchObject({
      error: { reason: "malformed_header", header: "svix-timestamp" },
    });
  });

  it("rejects a hex signature where base64 is expected", async () => {
    const parts = signed();
    parts.headers["svix-signature"] = `v1,${"ab".repeat(32)}`;
    expect(await verifyWith(resend, parts, [SECRET], NOW)).toMatchObject({
      error: { reason: "malformed_header" },
    });
  });

  it("accepts the previous secret during a rotation", async () => {
    expect((await verifyWith(resend, signed({ secret: PREVIOUS }), [SECRET, PREVIOUS], NOW)).ok).toBe(true);
  });

  it("identifies events by svix-id and body type", () => {
    expect(identifyWith(resend, signed())).toMatchObject({
      ok: true,
      value: { id: ID, type: "email.delivered" },
    });
    expect(identifyWith(resend, { ...signed(), body: "{}" })).toMatchObject({
      ok: true,
      value: { type: "unknown" },
    });
  });
});

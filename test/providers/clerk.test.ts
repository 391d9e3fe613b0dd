import { Webhook } from "svix";
import { describe, expect, it } from "vitest";
import { clerk } from "../../src/providers/clerk";
import { identifyWith, verifyWith } from "../support/verify-with";

// Clerk delivers through Svix (https://clerk.com/docs/references/backend/verify-webhook), so signatures are
// made with Svix's official SDK: `new Webhook(secret).sign(msgId, timestamp, payload)`.
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const PREVIOUS = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const NOW = 1_700_000_000;
const ID = "msg_2b8Yq1p0nJ3zX9c4TQm1fXcPq7R";
const BODY = JSON.stringify({
  data: { id: "user_29w83sxmDNGwOuEthce5gg56FcC", object: "user" },
  instance_id: "ins_2b8Yq1p0nJ3zX9c4TQm1fXc",
  object: "event",
  timestamp: 1_700_000_000_000,
  type: "user.created",
});

function signed({ body = BODY, secret = SECRET, timestamp = NOW, id = ID } = {}) {
  const signature = new Webhook(secret).sign(id, new Date(timestamp * 1000), body);
  return {
    headers: { "svix-id": id, "svix-timestamp": String(timestamp), "svix-signature": signature },
    body,
  };
}

describe("clerk verifier", () => {
  it("accepts a delivery signed by the Svix SDK", async () => {
    expect(await verifyWith(clerk, signed(), [SECRET], NOW)).toEqual({ ok: true, value: true });
  });

  it("rejects a changed body", async () => {
    const parts = { ...signed(), body: BODY.replace("user.created", "user.deleted") };
    expect(await verifyWith(clerk, parts, [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects a delivery signed with another secret", async () => {
    expect(await verifyWith(clerk, signed({ secret: PREVIOUS }), [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects timestamps more than 300 seconds old or ahead", async () => {
    expect(await verifyWith(clerk, signed({ timestamp: NOW - 301 }), [SECRET], NOW)).toMatchObject({
      error: { reason: "stale" },
    });
    expect(await verifyWith(clerk, signed({ timestamp: NOW + 301 }), [SECRET], NOW)).toMatchObject({
      error: { reason: "future" },
    });
    expect((await verifyWith(clerk, signed({ timestamp: NOW - 300 }), [SECRET], NOW)).ok).toBe(true);
  });

  it("reports a missing svix header, and does not read webhook-* names", async () => {
    const { headers, body } = signed();
    const { "svix-signature": _, ...noSignature } = headers;
    expect(await verifyWith(clerk, { headers: noSignature, body }, [SECRET], NOW)).toMatchObject({
      error: { reason: "missing_header", header: "svix-signature" },
    });
    const renamed = Object.fromEntries(
      Object.entries(headers).map(([k, v]) => [k.replace("svix", "webhook"), v]),
    );
    expect(await verifyWith(clerk, { headers: renamed, body }, [SECRET], NOW)).toMatchObject({
      error: { reason: "missing_header", header: "svix-id" },
    });
  });

  it("rejects signatures that are not v1 base64 HMACs", async () => {
    for (const signature of [
      "v1,not base64!",
      "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
      "v1,AAAA",
    ]) {
      const parts = signed();
      parts.headers["svix-signature"] = signature;
      expect(await verifyWith(clerk, parts, [SECRET], NOW)).toMatchObject({
        error: { reason: "malformed_header", header: "svix-signature" },
      });
    }
  });

  it("accepts the previous secret during a rotation", async () => {
    expect((await verifyWith(clerk, signed(), [PREVIOUS, SECRET], NOW)).ok).toBe(true);
  });

  it("identifies events by svix-id and body type", () => {
    expect(identifyWith(clerk, signed())).toMatchObject({
      ok: true,
      value: { id: ID, type: "user.created" },
    });
    expect(identifyWith(clerk, { headers: {}, body: BODY })).toMatchObject({
      error: { reason: "missing_event_id" },
    });
    expect(identifyWith(clerk, { ...signed(), body: "not json" })).toMatchObject({
      error: { reason: "invalid_body" },
    });
  });
});

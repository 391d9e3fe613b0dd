import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { intercom } from "../../src/providers/intercom";
import { identifyWith, verifyWith } from "../support/verify-with";

// Intercom publishes the algorithm but no vector and no verification helper in its JS SDK:
// https://developers.intercom.com/docs/webhooks/webhook-notifications#signed-notifications
// `sign` is that recipe: "sha1=" + hex HMAC-SHA1(app client secret, raw body), via node:crypto.
// The body follows the docs' notification example. Nothing is timed, so there are no freshness tests.
const SECRET = "intercom-client-secret-5b2e0c1d";
const NOW = 1_700_000_000;
const BODY = JSON.stringify({
  type: "notification_event",
  app_id: "a86dr8yl",
  data: { type: "notification_event_data", item: { type: "conversation", id: "147" } },
  id: "notif_ccd8a4d2-c1d8-4e82-a4f1-3d9ab0b1e3f5",
  topic: "conversation.user.created",
  delivery_status: "pending",
  delivery_attempts: 1,
  created_at: 1392731331,
});
const sign = (body: string, secret = SECRET, algorithm = "sha1") =>
  createHmac(algorithm, secret).update(body).digest("hex");
const parts = (signature: string | null = `sha1=${sign(BODY)}`, body = BODY) => ({
  headers: signature === null ? ({} as Record<string, string>) : { "x-hub-signature": signature },
  body,
});

describe("intercom verifier", () => {
  it("accepts a notification signed with the documented recipe", async () => {
    expect(await verifyWith(intercom, parts(), [SECRET], NOW)).toEqual({ ok: true, value: true });
  });

  it("rejects a changed body and another client secret", async () => {
    expect(
      await verifyWith(intercom, parts(undefined, BODY.replace("147", "148")), [SECRET], NOW),
    ).toMatchObject({
      error: { reason: "bad_signature" },
    });
    expect(
      await verifyWith(intercom, parts(`sha1=${sign(BODY, "another-secret")}`), [SECRET], NOW),
    ).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects a missing header", async () => {
    expect(await verifyWith(intercom, parts(null), [SECRET], NOW)).toMatchObject({
      error: { reason: "missing_header", header: "x-hub-signature" },
    });
  });

  it("rejects an unprefixed, SHA-256 or base64 signature as malformed", async () => {
    const base64 = createHmac("sha1", SECRET).update(BODY).digest("base64");
    for (const signature of [
      sign(BODY),
      `sha256=${sign(BODY, SECRET, "sha256")}`,
      `sha1=${base64}`,
      "sha1=",
    ]) {
      expect(await verifyWith(intercom, parts(signature), [SECRET], NOW)).toMatchObject({
        error: { reason: "malformed_header", header: "x-hub-signature" },
      });
    }
  });

  it("accepts the previous client secret during a rotation", async () => {
    expect((await verifyWith(intercom, parts(), ["the-new-client-secret", SECRET], NOW)).ok).toBe(true);
  });
});

describe("intercom events", () => {
  it("identifies by the notification id and types by topic", () => {
    expect(identifyWith(intercom, parts())).toEqual({
      ok: true,
      value: {
        id: "notif_ccd8a4d2-c1d8-4e82-a4f1-3d9ab0b1e3f5",
        type: "conversation.user.created",
        payload: JSON.parse(BODY),
      },
    });
  });

  it("refuses a notification without id, and a body that is not JSON", () => {
    expect(identifyWith(intercom, { headers: {}, body: '{"topic":"ping"}' })).toMatchObject({
      error: { reason: "missing_event_id" },
    });
    expect(identifyWith(intercom, { headers: {}, body: "topic=ping" })).toMatchObject({
      error: { reason: "invalid_body" },
    });
  });
});

import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { polar } from "../../src/providers/polar";
import { identifyWith, verifyWith } from "../support/verify-with";

// Polar sends Standard Webhooks headers (https://docs.polar.sh/integrate/webhooks/delivery). Legacy deliveries
// are signed exactly as Polar's SDK verifies them (polar-js `validateEvent`:
// `new Webhook(base64(utf8(secret)))`, i.e. the secret's own bytes as the HMAC key); deliveries for secrets
// made since 8 September 2026 are signed the spec's way, `new Webhook(secret)` (polarsource/polar#14117).
const LEGACY = "polar_whs_3d8Kt0dpOZq4xqV6E7Hs2b1XQ9ZtW0aYkR5mN8pC";
const LEGACY_WHSEC = "whsec_legacy-not-base64-secret!";
const STANDARD = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const NOW = 1_790_000_000;
const ID = "msg_2hV8kQ1ZQm9Xq3yN0pL4tR7sW5u";
const BODY = JSON.stringify({
  type: "order.paid",
  timestamp: "2026-09-21T10:13:20Z",
  data: { id: "b4ca1a71-54a1-4b05-9bf5-9a54a4d04e5c", status: "paid" },
});

const legacyWebhook = (secret: string) => new Webhook(btoa(secret));

function signed(webhook: Webhook, { body = BODY, timestamp = NOW, id = ID } = {}) {
  const signature = webhook.sign(id, new Date(timestamp * 1000), body);
  return {
    headers: { "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": signature },
    body,
  };
}

describe("polar verifier", () => {
  it("accepts a delivery keyed with the secret's own bytes (Polar's SDK)", async () => {
    expect(await verifyWith(polar, signed(legacyWebhook(LEGACY)), [LEGACY], NOW)).toEqual({
      ok: true,
      value: true,
    });
    expect((await verifyWith(polar, signed(legacyWebhook(LEGACY_WHSEC)), [LEGACY_WHSEC], NOW)).ok).toBe(true);
  });

  it("accepts a delivery keyed the Standard Webhooks way, and a legacy one under the same whsec_ secret", async () => {
    expect((await verifyWith(polar, signed(new Webhook(STANDARD)), [STANDARD], NOW)).ok).toBe(true);
    expect((await verifyWith(polar, signed(legacyWebhook(STANDARD)), [STANDARD], NOW)).ok).toBe(true);
  });

  it("rejects a changed body and another secret", async () => {
    const changed = { ...signed(legacyWebhook(LEGACY)), body: BODY.replace("paid", "refunded") };
    expect(await verifyWith(polar, changed, [LEGACY], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
    expect(await verifyWith(polar, signed(new Webhook(STANDARD)), [LEGACY], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects stale and future timestamps", async () => {
    const webhook = legacyWebhook(LEGACY);
    expect(await verifyWith(polar, signed(webhook, { timestamp: NOW - 301 }), [LEGACY], NOW)).toMatchObject({
      error: { reason: "stale" },
    });
    expect(await verifyWith(polar, signed(webhook, { timestamp: NOW + 301 }), [LEGACY], NOW)).toMatchObject({
      error: { reason: "future" },
    });
  });

  it("reports a missing header and a signature in the wrong encoding", async () => {
    const { "webhook-timestamp": _, ...noTimestamp } = signed(legacyWebhook(LEGACY)).headers;
    expect(await verifyWith(polar, { headers: noTimestamp, body: BODY }, [LEGACY], NOW)).toMatchObject({
      error: { reason: "missing_header", header: "webhook-timestamp" },
    });
    const parts = signed(legacyWebhook(LEGACY));
    parts.headers["webhook-signature"] = "v1,not-base64";
    expect(await verifyWith(polar, parts, [LEGACY], NOW)).toMatchObject({
      error: { reason: "malformed_header" },
    });
  });

  it("accepts the previous secret during a rotation from a legacy to a standard secret", async () => {
    expect((await verifyWith(polar, signed(legacyWebhook(LEGACY)), [STANDARD, LEGACY], NOW)).ok).toBe(true);
  });

  it("identifies events by webhook-id and body type", () => {
    expect(identifyWith(polar, signed(legacyWebhook(LEGACY)))).toMatchObject({
      ok: true,
      value: { id: ID, type: "order.paid" },
    });
  });
});

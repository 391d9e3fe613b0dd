import { createHmac } from "node:crypto";
import { LinearWebhookClient } from "@linear/sdk/webhooks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { linear } from "../../src/providers/linear";
import { bytesToBase64, hexToBytes } from "../../src/verify/encoding";
import { identifyWith, verifyWith } from "../support/verify-with";

// Linear publishes no fixed vector. Signatures follow https://linear.app/developers/webhooks#securing-webhooks
// (hex HMAC-SHA256 of the raw body) via node:crypto, and every accepted or refused case is also run
// through the installed SDK: `new LinearWebhookClient(secret).verify(rawBody, signature)`, which checks
// the signed `webhookTimestamp` against the (faked) clock with a 60 s window.
const SECRET = "lin_wh_0123456789abcdefghijklmnopqrstuvwxyz";
const NOW = 1_676_056_940;
const DELIVERY = "234d1a4e-b617-4388-90fe-adc3633d6b72";
const event = (webhookTimestamp: unknown = NOW * 1000 + 508, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    action: "create",
    actor: { id: "2e6eea91-1111-0000-9486-acea0603064d", type: "user", name: "Linear" },
    createdAt: "2023-02-10T19:22:20.420Z",
    data: { id: "2174add1-f7c8-44e3-bbf3-2d60b5ea8bc9", title: "Webhook test", teamId: "72b2a2dc" },
    url: "https://linear.app/issue/LIN-1778/foo-bar",
    type: "Issue",
    organizationId: "e6bf6e8b-d7bd-46ec-8f16-5c5d0b8ce9b2",
    webhookTimestamp,
    webhookId: "000042e3-d123-4980-b49f-8e140eef9329",
    ...extra,
  });
const BODY = event();
const sign = (body: string, secret = SECRET) => createHmac("sha256", secret).update(body).digest("hex");
const parts = (signature: string | null = sign(BODY), body = BODY) => ({
  headers: {
    "content-type": "application/json",
    "linear-delivery": DELIVERY,
    "linear-event": "Issue",
    ...(signature === null ? {} : { "linear-signature": signature }),
  },
  body,
});

/** The SDK throws on any refusal and reads the real clock, so it runs at a pinned time. */
function sdkAccepts(body: string, signature: string, secret = SECRET, atSeconds = NOW) {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(atSeconds * 1000);
  try {
    return new LinearWebhookClient(secret).verify(Buffer.from(body), signature);
  } catch {
    return false;
  }
}

afterEach(() => {
  vi.useRealTimers();
});

describe("linear verifier", () => {
  it("accepts a body signed as the docs describe, which the SDK also accepts", async () => {
    expect(sdkAccepts(BODY, sign(BODY))).toBe(true);
    expect(await verifyWith(linear, parts(), [SECRET], NOW)).toEqual({ ok: true, value: true });
  });

  it("rejects a changed body and another secret", async () => {
    const changed = BODY.replace("Webhook test", "Webhook tset");
    expect(sdkAccepts(changed, sign(BODY))).toBe(false);
    expect(await verifyWith(linear, parts(sign(BODY), changed), [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
    expect(sdkAccepts(BODY, sign(BODY, "another-secret"))).toBe(false);
    expect(await verifyWith(linear, parts(sign(BODY, "another-secret")), [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects a signed webhookTimestamp over 60 s old as stale and over 60 s ahead as future", async () => {
    const stale = event((NOW - 61) * 1000);
    const future = event((NOW + 61) * 1000);
    expect(sdkAccepts(stale, sign(stale))).toBe(false);
    expect(sdkAccepts(future, sign(future))).toBe(false);
    expect(await verifyWith(linear, parts(sign(stale), stale), [SECRET], NOW)).toMatchObject({
      error: { reason: "stale", ts: NOW - 61, now: NOW },
    });
    expect(await verifyWith(linear, parts(sign(future), future), [SECRET], NOW)).toMatchObject({
      error: { reason: "future", ts: NOW + 61, now: NOW },
    });
    const recent = event((NOW - 59) * 1000);
    expect(sdkAccepts(recent, sign(recent))).toBe(true);
    expect((await verifyWith(linear, parts(sign(recent), recent), [SECRET], NOW)).ok).toBe(true);
  });

  it("refuses a signed body without a numeric webhookTimestamp, like the SDK", async () => {
    const { webhookTimestamp: _, ...withoutTimestamp } = JSON.parse(BODY);
    for (const body of [JSON.stringify(withoutTimestamp), event(null), event(String(NOW * 1000)), "[]"]) {
      expect(sdkAccepts(body, sign(body))).toBe(false);
      expect(await verifyWith(linear, parts(sign(body), body), [SECRET], NOW)).toMatchObject({
        error: { reason: "malformed_header", header: "webhookTimestamp" },
      });
    }
  });

  it("rejects a missing header", async () => {
    expect(await verifyWith(linear, parts(null), [SECRET], NOW)).toMatchObject({
      error: { reason: "missing_header", header: "linear-signature" },
    });
  });

  it("rejects a base64 or truncated signature as malformed", async () => {
    const base64 = bytesToBase64(hexToBytes(sign(BODY))!);
    for (const signature of [base64, sign(BODY).slice(2), `sha256=${sign(BODY)}`, ""]) {
      expect(await verifyWith(linear, parts(signature), [SECRET], NOW)).toMatchObject({
        error: { reason: "malformed_header", header: "linear-signature" },
      });
    }
  });

  it("accepts the previous signing secret during a rotation", async () => {
    expect((await verifyWith(linear, parts(), ["lin_wh_the_new_secret", SECRET], NOW)).ok).toBe(true);
  });
});

describe("linear events", () => {
  it("identifies by Linear-Delivery and types as <type>.<action>", () => {
    expect(identifyWith(linear, parts())).toEqual({
      ok: true,
      value: { id: DELIVERY, type: "Issue.create", payload: JSON.parse(BODY) },
    });
    const removed = event(NOW * 1000, { type: "Comment", action: "remove" });
    expect(identifyWith(linear, parts(null, removed))).toMatchObject({ value: { type: "Comment.remove" } });
  });

  it("falls back to the body digest, never to webhookId, which names the webhook", () => {
    const identity = identifyWith(linear, { headers: {}, body: BODY });
    expect(identity).toMatchObject({ ok: true, value: { type: "Issue.create" } });
    expect(identity.ok && identity.value.id).toBeUndefined();
  });

  it("refuses a body that is not JSON", () => {
    expect(identifyWith(linear, { headers: {}, body: "action=create" })).toMatchObject({
      error: { reason: "invalid_body" },
    });
  });
});

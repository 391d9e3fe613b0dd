import { WebhooksHelper } from "square";
import { describe, expect, it } from "vitest";
import { square } from "../../src/providers/square";
import { base64ToBytes, bytesToHex } from "../../src/verify/encoding";
import { identifyWith, verifyWith } from "../support/verify-with";

// Official vectors: the Square Node SDK's tests, tests/integration/webhooks.test.ts
// (https://github.com/square/square-nodejs-sdk), each also checked with the installed SDK's
// `WebhooksHelper.verifySignature({ requestBody, signatureHeader, signatureKey, notificationUrl })`.
// Algorithm: https://developer.squareup.com/docs/webhooks/step3validate
// Square signs no timestamp, so there are no freshness tests: `event_id` deduplicates replays.
const KEY = "Ibxx_5AKakO-3qeNVR61Dw";
const URL = "https://webhook.site/679a4f3a-dcfa-49ee-bac5-9d0edad886b9";
const BODY =
  '{"merchant_id":"MLEFBHHSJGVHD","type":"webhooks.test_notification","event_id":"ac3ac95b-f97d-458c-a6e6-18981597e05f","created_at":"2022-07-13T20:30:59.037339943Z","data":{"type":"webhooks","id":"bc368e64-01aa-407e-b46e-3231809b1129"}}';
const SIGNATURE = "GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N4=";
const NOW = 1_700_000_000;

const parts = (signature: string | null = SIGNATURE, body = BODY, url = URL) => ({
  url,
  headers:
    signature === null ? ({} as Record<string, string>) : { "x-square-hmacsha256-signature": signature },
  body,
});
const sdkAccepts = (
  requestBody: string,
  signatureHeader: string,
  signatureKey: string,
  notificationUrl: string,
) => WebhooksHelper.verifySignature({ requestBody, signatureHeader, signatureKey, notificationUrl });

describe("square verifier", () => {
  it("accepts the SDK's test notification", async () => {
    expect(await sdkAccepts(BODY, SIGNATURE, KEY, URL)).toBe(true);
    expect(await verifyWith(square, parts(), [KEY], NOW)).toEqual({ ok: true, value: true });
  });

  it("accepts the SDK's bodies with and without escaped characters", async () => {
    const url = "https://webhook.site/webhooks";
    for (const [body, signature] of [
      ['{"data":{"type":"webhooks","id":"fake_id"}}', "W3FlCNk5IA3ZQ2LHTWoajvzfaDu/OwY2tNHIHC3IUOA="],
      ['{"data":{"type":"webhooks","id":">id<"}}', "Cxt7+aTi4rKgcA0bC4g9EHdVtLSDWdqccmL5MvihU4U="],
    ] as const) {
      expect(await sdkAccepts(body, signature, "signature-key", url)).toBe(true);
      expect((await verifyWith(square, parts(signature, body, url), ["signature-key"], NOW)).ok).toBe(true);
    }
  });

  it("signs the notification URL: another URL fails", async () => {
    const other = "https://webhook.site/79a4f3a-dcfa-49ee-bac5-9d0edad886b9";
    expect(await sdkAccepts(BODY, SIGNATURE, KEY, other)).toBe(false);
    expect(await verifyWith(square, parts(SIGNATURE, BODY, other), [KEY], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects a changed body, a reformatted body and another signature key", async () => {
    const changed = BODY.replace("2022-07-13", "2022-06-13");
    const formatted = JSON.stringify(JSON.parse(BODY), null, 4);
    for (const body of [changed, formatted]) {
      expect(await sdkAccepts(body, SIGNATURE, KEY, URL)).toBe(false);
      expect(await verifyWith(square, parts(SIGNATURE, body), [KEY], NOW)).toMatchObject({
        error: { reason: "bad_signature" },
      });
    }
    expect(await sdkAccepts(BODY, SIGNATURE, "MCmhFRxGX82xMwg5FsaoQA", URL)).toBe(false);
    expect(await verifyWith(square, parts(), ["MCmhFRxGX82xMwg5FsaoQA"], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects a missing header", async () => {
    expect(await verifyWith(square, parts(null), [KEY], NOW)).toMatchObject({
      error: { reason: "missing_header", header: "x-square-hmacsha256-signature" },
    });
  });

  it("rejects a hex signature and the SDK's 20-byte invalid header as malformed", async () => {
    const hex = bytesToHex(base64ToBytes(SIGNATURE)!);
    for (const signature of [hex, "1z2n3DEJJiUPKcPzQo1ftvbxGdw=", SIGNATURE.slice(0, -1), ""]) {
      expect(await verifyWith(square, parts(signature), [KEY], NOW)).toMatchObject({
        error: { reason: "malformed_header", header: "x-square-hmacsha256-signature" },
      });
    }
  });

  it("accepts the previous signature key during a rotation", async () => {
    expect((await verifyWith(square, parts(), ["the-new-signature-key", KEY], NOW)).ok).toBe(true);
  });
});

describe("square events", () => {
  it("identifies by event_id and types by type", () => {
    expect(identifyWith(square, { headers: {}, body: BODY })).toEqual({
      ok: true,
      value: {
        id: "ac3ac95b-f97d-458c-a6e6-18981597e05f",
        type: "webhooks.test_notification",
        payload: JSON.parse(BODY),
      },
    });
  });

  it("refuses an event without event_id, and a body that is not JSON", () => {
    expect(identifyWith(square, { headers: {}, body: '{"type":"payment.created"}' })).toMatchObject({
      error: { reason: "missing_event_id" },
    });
    expect(identifyWith(square, { headers: {}, body: "<xml/>" })).toMatchObject({
      error: { reason: "invalid_body" },
    });
  });
});

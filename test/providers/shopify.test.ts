import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { shopify } from "../../src/providers/shopify";
import { identifyWith, verifyWith } from "../support/verify-with";

// Shopify's documented algorithm: base64(HMAC-SHA256(client secret, raw body))
// https://shopify.dev/docs/apps/build/webhooks/subscribe/https#step-5-verify-the-webhook
const SECRET = "hush";
const BODY = JSON.stringify({ id: 820982911946154500, email: "jon@example.com" });
const NOW = 1_700_000_000;
const sign = (body: string, secret = SECRET) => createHmac("sha256", secret).update(body).digest("base64");
const parts = (signature: string | null, body = BODY) => ({
  headers: signature === null ? ({} as Record<string, string>) : { "x-shopify-hmac-sha256": signature },
  body,
});

describe("shopify verifier", () => {
  it("accepts a correctly signed body", async () => {
    expect((await verifyWith(shopify, parts(sign(BODY)), [SECRET], NOW)).ok).toBe(true);
  });

  it("rejects a changed body, another secret and a missing header", async () => {
    expect((await verifyWith(shopify, parts(sign(BODY), `${BODY} `), [SECRET], NOW)).ok).toBe(false);
    expect((await verifyWith(shopify, parts(sign(BODY, "other")), [SECRET], NOW)).ok).toBe(false);
    expect(await verifyWith(shopify, parts(null), [SECRET], NOW)).toMatchObject({
      error: { reason: "missing_header" },
    });
  });

  it("rejects a hex-encoded signature as malformed", async () => {
    const hex = createHmac("sha256", SECRET).update(BODY).digest("hex");
    expect(await verifyWith(shopify, parts(hex), [SECRET], NOW)).toMatchObject({
      error: { reason: "malformed_header" },
    });
  });

  it("accepts the previous secret during a rotation", async () => {
    expect((await verifyWith(shopify, parts(sign(BODY)), ["new", SECRET], NOW)).ok).toBe(true);
  });

  it("identifies by X-Shopify-Webhook-Id and types by X-Shopify-Topic", () => {
    const headers = { "x-shopify-webhook-id": "b54557e4", "x-shopify-topic": "orders/create" };
    expect(identifyWith(shopify, { headers, body: BODY })).toMatchObject({
      ok: true,
      value: { id: "b54557e4", type: "orders/create" },
    });
    expect(identifyWith(shopify, { headers: {}, body: BODY })).toMatchObject({ ok: false });
  });
});

/**
 * Shopify: `X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256(raw body)>`, keyed with the app's client secret.
 * Docs: https://shopify.dev/docs/apps/build/webhooks/subscribe/https#step-5-verify-the-webhook
 */

import { defaultPayload } from "../normalize/read-body";
import { base64ToBytes } from "../verify/encoding";
import { hmacMatchesAny } from "../verify/hmac";
import { err, ok, verified } from "../verify/result";
import { type Provider, utf8Secret } from "./provider";

const SIGNATURE = "x-shopify-hmac-sha256";

export const shopify: Provider = {
  scheme: "X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256 of body>",
  decodeSecret: utf8Secret,

  async verify({ request, secrets }) {
    const header = request.headers.get(SIGNATURE);
    if (header === null) return err({ reason: "missing_header", header: SIGNATURE });
    const signature = base64ToBytes(header);
    if (signature?.length !== 32) return err({ reason: "malformed_header", header: SIGNATURE });
    const matches = await hmacMatchesAny("SHA-256", secrets, request.body, [signature]);
    return matches ? verified : err({ reason: "bad_signature" });
  },

  identify(request, body) {
    const id = request.headers.get("x-shopify-webhook-id");
    if (!id) return err({ reason: "missing_event_id", detail: "X-Shopify-Webhook-Id header is required" });
    return ok({
      id,
      type: request.headers.get("x-shopify-topic") ?? "unknown",
      payload: defaultPayload(body),
    });
  },
};

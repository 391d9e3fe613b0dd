/**
 * Shopify: `X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256(raw body)>`, keyed with the app's client secret.
 * Docs: https://shopify.dev/docs/apps/build/webhooks/subscribe/https#step-5-verify-the-webhook
 */

import { defaultPayload } from "../normalize/read-body";
import { bodyHmacVerifier } from "../verify/body-hmac";
import { err, ok } from "../verify/result";
import { type Provider, signedBody, utf8Secret } from "./provider";

export const shopify: Provider = {
  scheme: "shopify-hmac-sha256",
  signed: ["body"],
  untrustedPaths: ["payload.note", "payload.note_attributes[].value", "payload.customer.note"],
  decodeSecret: utf8Secret,
  signedContent: signedBody,

  verify: bodyHmacVerifier({
    header: "x-shopify-hmac-sha256",
    hash: "SHA-256",
    encoding: "base64",
    prefix: "",
  }),

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

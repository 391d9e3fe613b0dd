/**
 * Lemon Squeezy: `X-Signature: <hex HMAC-SHA256 of body>`, keyed with the webhook's signing secret. Nothing is
 * timed. Lemon Squeezy sends no delivery id, and a retry repeats the same bytes, so the event id is left to
 * the body digest. Type: body `meta.event_name` (the unsigned `X-Event-Name` header is not read).
 * Docs: https://docs.lemonsqueezy.com/help/webhooks/signing-requests
 */

import { stringField } from "../normalize/read-body";
import { bodyHmacVerifier } from "../verify/body-hmac";
import { err, ok } from "../verify/result";
import { type Provider, utf8Secret } from "./provider";

export const lemonsqueezy: Provider = {
  scheme: "lemonsqueezy-hmac-sha256",
  signed: ["body"],
  untrustedPaths: ["payload.data.attributes.user_name"],
  decodeSecret: utf8Secret,

  verify: bodyHmacVerifier({ header: "x-signature", hash: "SHA-256", encoding: "hex", prefix: "" }),

  identify(_request, body) {
    const event = body.json();
    if (event === undefined) return err({ reason: "invalid_body", detail: "Lemon Squeezy events are JSON" });
    const type = stringField(event, "meta", "event_name") ?? "unknown";
    return ok({ type, payload: event });
  },
};

/**
 * Lemon Squeezy: `X-Signature: <hex HMAC-SHA256 of body>`, keyed with the webhook's signing secret. Nothing is
 * timed. Lemon Squeezy sends no delivery id, and a retry repeats the same bytes, so the event id is left to
 * the body digest. Type: body `meta.event_name`, else the `X-Event-Name` header.
 * Docs: https://docs.lemonsqueezy.com/help/webhooks/signing-requests
 */

import { stringField } from "../normalize/read-body";
import { hexToBytes } from "../verify/encoding";
import { hmacMatchesAny } from "../verify/hmac";
import { err, ok, verified } from "../verify/result";
import { type Provider, utf8Secret } from "./provider";

const SIGNATURE = "x-signature";

export const lemonsqueezy: Provider = {
  scheme: "X-Signature: <hex HMAC-SHA256 of body>",
  decodeSecret: utf8Secret,

  async verify({ request, secrets }) {
    const header = request.headers.get(SIGNATURE);
    if (header === null) return err({ reason: "missing_header", header: SIGNATURE });
    const signature = hexToBytes(header);
    if (signature?.length !== 32) return err({ reason: "malformed_header", header: SIGNATURE });
    const matches = await hmacMatchesAny("SHA-256", secrets, request.body, [signature]);
    return matches ? verified : err({ reason: "bad_signature" });
  },

  identify(request, body) {
    const event = body.json();
    if (event === undefined) return err({ reason: "invalid_body", detail: "Lemon Squeezy events are JSON" });
    const type =
      stringField(event, "meta", "event_name") ?? (request.headers.get("x-event-name") || "unknown");
    return ok({ type, payload: event });
  },
};

/**
 * Typeform: `Typeform-Signature: sha256=<base64 HMAC-SHA256(webhook secret, body)>`. Nothing is timed;
 * retries repeat `event_id`, which deduplicates them.
 * Docs: https://www.typeform.com/developers/webhooks/secure-your-webhooks/
 */

import { stringField } from "../normalize/read-body";
import { hmacMatchesAny } from "../verify/hmac";
import { err, ok, verified } from "../verify/result";
import { prefixedDigest } from "../verify/signature-header";
import { type Provider, utf8Secret } from "./provider";

const SIGNATURE = "typeform-signature";

export const typeform: Provider = {
  scheme: "Typeform-Signature: sha256=<base64 HMAC-SHA256 of body>",
  decodeSecret: utf8Secret,

  async verify({ request, secrets }) {
    const header = request.headers.get(SIGNATURE);
    if (header === null) return err({ reason: "missing_header", header: SIGNATURE });
    const signature = prefixedDigest(header, "sha256=", "base64", 32);
    if (!signature) return err({ reason: "malformed_header", header: SIGNATURE });
    return (await hmacMatchesAny("SHA-256", secrets, request.body, [signature]))
      ? verified
      : err({ reason: "bad_signature" });
  },

  identify(_request, body) {
    const event = body.json();
    if (event === undefined) return err({ reason: "invalid_body", detail: "Typeform events are JSON" });
    const id = stringField(event, "event_id");
    if (!id) return err({ reason: "missing_event_id", detail: "Typeform events carry `event_id`" });
    return ok({ id, type: stringField(event, "event_type") ?? "unknown", payload: event });
  },
};

/**
 * Square: `x-square-hmacsha256-signature: <base64 HMAC-SHA256(signature key, notification URL + body)>`,
 * where the notification URL is the one the subscription was created with (the URL Square called).
 * Nothing is timed: retries repeat `event_id`, which deduplicates them.
 * Docs: https://developer.squareup.com/docs/webhooks/step3validate
 */

import { stringField } from "../normalize/read-body";
import { concatBytes } from "../verify/encoding";
import { hmacMatchesAny } from "../verify/hmac";
import { err, ok, verified } from "../verify/result";
import { decodeDigest } from "../verify/signature-header";
import { type Provider, utf8Secret } from "./provider";

const SIGNATURE = "x-square-hmacsha256-signature";

export const square: Provider = {
  scheme: "square-hmac-sha256",
  signed: ["url", "body"],
  untrustedPaths: ["payload.data.object.payment.note", "payload.data.object.customer.note"],
  decodeSecret: utf8Secret,

  async verify({ request, secrets }) {
    const header = request.headers.get(SIGNATURE);
    if (header === null) return err({ reason: "missing_header", header: SIGNATURE });
    const signature = decodeDigest(header, "base64", 32);
    if (!signature) return err({ reason: "malformed_header", header: SIGNATURE });
    const signed = concatBytes(request.url, request.body);
    return (await hmacMatchesAny("SHA-256", secrets, signed, [signature]))
      ? verified
      : err({ reason: "bad_signature" });
  },

  identify(_request, body) {
    const event = body.json();
    if (event === undefined) return err({ reason: "invalid_body", detail: "Square events are JSON" });
    const id = stringField(event, "event_id");
    if (!id) return err({ reason: "missing_event_id", detail: "Square events carry `event_id`" });
    return ok({ id, type: stringField(event, "type") ?? "unknown", payload: event });
  },
};

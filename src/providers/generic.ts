/**
 * Generic HMAC: `X-Webhook-Signature: <hex>` or `sha256=<hex>` over the raw body, for senders you control.
 * Event id: `X-Webhook-Id`, else body `id` or `event_id`, else the hex SHA-256 of the body.
 */

import { defaultPayload, stringField } from "../normalize/read-body";
import { hexToBytes } from "../verify/encoding";
import { hmacMatchesAny } from "../verify/hmac";
import { err, ok, verified } from "../verify/result";
import { type Provider, utf8Secret } from "./provider";

const SIGNATURE = "x-webhook-signature";

export const generic: Provider = {
  scheme: "X-Webhook-Signature: [sha256=]<hex HMAC-SHA256 of body>",
  decodeSecret: utf8Secret,

  async verify({ request, secrets }) {
    const header = request.headers.get(SIGNATURE);
    if (header === null) return err({ reason: "missing_header", header: SIGNATURE });
    const signature = hexToBytes(header.startsWith("sha256=") ? header.slice(7) : header);
    if (signature?.length !== 32) return err({ reason: "malformed_header", header: SIGNATURE });
    const matches = await hmacMatchesAny("SHA-256", secrets, request.body, [signature]);
    return matches ? verified : err({ reason: "bad_signature" });
  },

  identify(request, body) {
    const payload = defaultPayload(body);
    const id =
      request.headers.get("x-webhook-id") || stringField(payload, "id") || stringField(payload, "event_id");
    const type = stringField(payload, "type") ?? stringField(payload, "event_type") ?? "unknown";
    return ok({ id, type, payload });
  },
};

/**
 * Generic HMAC: `X-Webhook-Signature: <hex>` or `sha256=<hex>` over the raw body, for senders you control.
 * Event id: body `id` or `event_id`, else the hex SHA-256 of the body; never a header, which nothing signs.
 */

import { defaultPayload, stringField } from "../normalize/read-body";
import { bodyHmacVerifier } from "../verify/body-hmac";
import { ok } from "../verify/result";
import { type Provider, utf8Secret } from "./provider";

export const generic: Provider = {
  scheme: "generic-hmac-sha256",
  signed: ["body"],
  // The sender's own schema: nothing is known to be third-party text.
  untrustedPaths: [],
  decodeSecret: utf8Secret,

  verify: bodyHmacVerifier({
    header: "x-webhook-signature",
    hash: "SHA-256",
    encoding: "hex",
    prefix: "sha256=",
    prefixOptional: true,
  }),

  identify(_request, body) {
    const payload = defaultPayload(body);
    const id = stringField(payload, "id") ?? stringField(payload, "event_id");
    const type = stringField(payload, "type") ?? stringField(payload, "event_type") ?? "unknown";
    return ok({ id, type, payload });
  },
};

/**
 * Vercel: `x-vercel-signature: <hex HMAC-SHA1(webhook secret, body)>`; integrations sign with their
 * client secret. Nothing is timed; retries repeat the body `id`.
 * Docs: https://vercel.com/docs/webhooks/webhooks-api#securing-webhooks
 */

import { stringField } from "../normalize/read-body";
import { hmacMatchesAny } from "../verify/hmac";
import { err, ok, verified } from "../verify/result";
import { decodeDigest } from "../verify/signature-header";
import { type Provider, utf8Secret } from "./provider";

const SIGNATURE = "x-vercel-signature";

export const vercel: Provider = {
  scheme: "x-vercel-signature: <hex HMAC-SHA1 of body>",
  decodeSecret: utf8Secret,

  async verify({ request, secrets }) {
    const header = request.headers.get(SIGNATURE);
    if (header === null) return err({ reason: "missing_header", header: SIGNATURE });
    const signature = decodeDigest(header, "hex", 20);
    if (!signature) return err({ reason: "malformed_header", header: SIGNATURE });
    return (await hmacMatchesAny("SHA-1", secrets, request.body, [signature]))
      ? verified
      : err({ reason: "bad_signature" });
  },

  identify(_request, body) {
    const event = body.json();
    if (event === undefined) return err({ reason: "invalid_body", detail: "Vercel events are JSON" });
    const id = stringField(event, "id");
    if (!id) return err({ reason: "missing_event_id", detail: "Vercel events carry `id`" });
    return ok({ id, type: stringField(event, "type") ?? "unknown", payload: event });
  },
};

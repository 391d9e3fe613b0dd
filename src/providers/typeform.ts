/**
 * Typeform: `Typeform-Signature: sha256=<base64 HMAC-SHA256(webhook secret, body)>`. Nothing is timed;
 * retries repeat `event_id`, which deduplicates them.
 * Docs: https://www.typeform.com/developers/webhooks/secure-your-webhooks/
 */

import { stringField } from "../normalize/read-body";
import { bodyHmacVerifier } from "../verify/body-hmac";
import { err, ok } from "../verify/result";
import { type Provider, utf8Secret } from "./provider";

export const typeform: Provider = {
  scheme: "typeform-hmac-sha256",
  signed: ["body"],
  untrustedPaths: [
    "payload.form_response.answers[].text",
    "payload.form_response.answers[].email",
    "payload.form_response.answers[].url",
    "payload.form_response.answers[].phone_number",
    "payload.form_response.answers[].choice.other",
    "payload.form_response.answers[].choices.other",
    "payload.form_response.hidden",
  ],
  decodeSecret: utf8Secret,

  verify: bodyHmacVerifier({
    header: "typeform-signature",
    hash: "SHA-256",
    encoding: "base64",
    prefix: "sha256=",
  }),

  identify(_request, body) {
    const event = body.json();
    if (event === undefined) return err({ reason: "invalid_body", detail: "Typeform events are JSON" });
    const id = stringField(event, "event_id");
    if (!id) return err({ reason: "missing_event_id", detail: "Typeform events carry `event_id`" });
    return ok({ id, type: stringField(event, "event_type") ?? "unknown", payload: event });
  },
};

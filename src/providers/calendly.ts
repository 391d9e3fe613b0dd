/**
 * Calendly: `Calendly-Webhook-Signature: t=<unix>,v1=<hex HMAC-SHA256("<t>.<body>")>`, keyed with the
 * subscription's signing key; 180 s tolerance as Calendly recommends. Calendly sends no event id, and
 * `invitee.created` and `invitee.canceled` carry the same `payload.uri`, so the id is `<event>:<uri>`.
 * Docs: https://developer.calendly.com/api-docs/overview/webhooks/webhook-signatures
 */

import { stringField } from "../normalize/read-body";
import { err, ok } from "../verify/result";
import { type SignatureListScheme, signatureListHmacVerifier } from "../verify/signature-list-hmac";
import { type Provider, utf8Secret } from "./provider";

const SCHEME: SignatureListScheme = {
  header: "calendly-webhook-signature",
  separator: ",",
  timestampKey: "t",
  signatureKey: "v1",
  joiner: ".",
};

export const calendly: Provider = {
  scheme: "calendly-hmac-sha256",
  signed: ["timestamp", "body"],
  untrustedPaths: [
    "payload.payload.name",
    "payload.payload.first_name",
    "payload.payload.last_name",
    "payload.payload.questions_and_answers[].answer",
    "payload.payload.cancellation.reason",
  ],
  defaultToleranceSeconds: 180,
  decodeSecret: utf8Secret,

  verify: signatureListHmacVerifier(SCHEME),

  identify(_request, body) {
    const event = body.json();
    if (event === undefined) return err({ reason: "invalid_body", detail: "Calendly events are JSON" });
    const type = stringField(event, "event") ?? "unknown";
    const uri = stringField(event, "payload", "uri");
    return ok({ id: uri ? `${type}:${uri}` : undefined, type, payload: event });
  },
};

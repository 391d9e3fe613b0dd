/**
 * WorkOS: `WorkOS-Signature: t=<unix ms>, v1=<hex HMAC-SHA256("<t>.<body>")>`, 180 s tolerance as in the
 * SDK's `webhooks.constructEvent`; the signed `t` is the header's millisecond string exactly as sent.
 * Id and type: body `id` and `event` (`dsync.user.created`).
 * Docs: https://workos.com/docs/events/data-syncing/webhooks
 */

import { stringField } from "../normalize/read-body";
import { err, ok } from "../verify/result";
import { type SignatureListScheme, signatureListHmacVerifier } from "../verify/signature-list-hmac";
import { type Provider, utf8Secret } from "./provider";

const SCHEME: SignatureListScheme = {
  header: "workos-signature",
  separator: ",",
  timestampKey: "t",
  signatureKey: "v1",
  joiner: ".",
  timestampUnit: "ms",
};

export const workos: Provider = {
  scheme: "workos-v1",
  signed: ["timestamp", "body"],
  untrustedPaths: ["payload.data.first_name", "payload.data.last_name"],
  defaultToleranceSeconds: 180,
  decodeSecret: utf8Secret,

  verify: signatureListHmacVerifier(SCHEME),

  identify(_request, body) {
    const event = body.json();
    if (event === undefined) return err({ reason: "invalid_body", detail: "WorkOS events are JSON" });
    const id = stringField(event, "id");
    const type = stringField(event, "event");
    if (!id || !type)
      return err({ reason: "invalid_body", detail: "WorkOS events carry string `id` and `event`" });
    return ok({ id, type, payload: event });
  },
};

/**
 * Intercom: `X-Hub-Signature: sha1=<hex HMAC-SHA1(app client secret, body)>`. Nothing is timed; retries
 * repeat the notification `id`, which deduplicates them.
 * Docs: https://developers.intercom.com/docs/webhooks/webhook-notifications#signed-notifications
 */

import { stringField } from "../normalize/read-body";
import { bodyHmacVerifier } from "../verify/body-hmac";
import { err, ok } from "../verify/result";
import { type Provider, utf8Secret } from "./provider";

export const intercom: Provider = {
  scheme: "intercom-hmac-sha1",
  signed: ["body"],
  untrustedPaths: [
    "payload.data.item.title",
    "payload.data.item.source.subject",
    "payload.data.item.source.body",
    "payload.data.item.conversation_parts.conversation_parts[].body",
  ],
  decodeSecret: utf8Secret,

  verify: bodyHmacVerifier({ header: "x-hub-signature", hash: "SHA-1", encoding: "hex", prefix: "sha1=" }),

  identify(_request, body) {
    const notification = body.json();
    if (notification === undefined) return err({ reason: "invalid_body", detail: "Intercom posts JSON" });
    const id = stringField(notification, "id");
    if (!id) return err({ reason: "missing_event_id", detail: "Intercom notifications carry `id`" });
    return ok({ id, type: stringField(notification, "topic") ?? "unknown", payload: notification });
  },
};

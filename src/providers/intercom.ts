/**
 * Intercom: `X-Hub-Signature: sha1=<hex HMAC-SHA1(app client secret, body)>`. Nothing is timed; retries
 * repeat the notification `id`, which deduplicates them.
 * Docs: https://developers.intercom.com/docs/webhooks/webhook-notifications#signed-notifications
 */

import { stringField } from "../normalize/read-body";
import { hmacMatchesAny } from "../verify/hmac";
import { err, ok, verified } from "../verify/result";
import { prefixedDigest } from "../verify/signature-header";
import { type Provider, utf8Secret } from "./provider";

const SIGNATURE = "x-hub-signature";

export const intercom: Provider = {
  scheme: "X-Hub-Signature: sha1=<hex HMAC-SHA1 of body>",
  decodeSecret: utf8Secret,

  async verify({ request, secrets }) {
    const header = request.headers.get(SIGNATURE);
    if (header === null) return err({ reason: "missing_header", header: SIGNATURE });
    const signature = prefixedDigest(header, "sha1=", "hex", 20);
    if (!signature) return err({ reason: "malformed_header", header: SIGNATURE });
    return (await hmacMatchesAny("SHA-1", secrets, request.body, [signature]))
      ? verified
      : err({ reason: "bad_signature" });
  },

  identify(_request, body) {
    const notification = body.json();
    if (notification === undefined) return err({ reason: "invalid_body", detail: "Intercom posts JSON" });
    const id = stringField(notification, "id");
    if (!id) return err({ reason: "missing_event_id", detail: "Intercom notifications carry `id`" });
    return ok({ id, type: stringField(notification, "topic") ?? "unknown", payload: notification });
  },
};

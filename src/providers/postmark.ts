/**
 * Postmark signs nothing: the webhook URL carries HTTP Basic credentials (`https://user:pass@host/…`), so the
 * secret is `user:password` and `Authorization: Basic <base64>` must decode to exactly it. Nothing is timed.
 * Id: `MessageID:RecordType:recipient` for Delivery, Bounce and SpamComplaint (once per message and
 * recipient), else the body digest (opens, clicks and subscription changes can repeat). Type: `RecordType`.
 * Docs: https://postmarkapp.com/developer/webhooks/webhooks-overview#protecting-your-webhook
 */

import { stringField } from "../normalize/read-body";
import { base64ToBytes, utf8 } from "../verify/encoding";
import { plainSecretMatchesAny } from "../verify/hmac";
import { err, ok, verified } from "../verify/result";
import type { Provider } from "./provider";

const AUTHORIZATION = "authorization";
const ONCE_PER_RECIPIENT = new Set(["Delivery", "Bounce", "SpamComplaint"]);

export const postmark: Provider = {
  scheme: "postmark-basic-auth",
  signed: [],
  untrustedPaths: [
    "payload.Subject",
    "payload.TextBody",
    "payload.HtmlBody",
    "payload.StrippedTextReply",
    "payload.FromName",
    "payload.Details",
    "payload.Content",
  ],
  decodeSecret: (secret) => (secret.indexOf(":") > 0 ? utf8.encode(secret) : null),

  async verify({ request, secrets }) {
    const header = request.headers.get(AUTHORIZATION);
    if (header === null) return err({ reason: "missing_header", header: AUTHORIZATION });
    const [scheme = "", token = "", ...extra] = header.trim().split(/ +/);
    const credentials = scheme.toLowerCase() === "basic" && extra.length === 0 ? base64ToBytes(token) : null;
    if (!credentials) return err({ reason: "malformed_header", header: AUTHORIZATION });
    return (await plainSecretMatchesAny(credentials, secrets)) ? verified : err({ reason: "bad_signature" });
  },

  identify(_request, body) {
    const event = body.json();
    if (event === undefined) return err({ reason: "invalid_body", detail: "Postmark webhooks are JSON" });
    const type = stringField(event, "RecordType");
    const messageId = stringField(event, "MessageID");
    const recipient = stringField(event, "Recipient") ?? stringField(event, "Email");
    const id =
      type && messageId && recipient && ONCE_PER_RECIPIENT.has(type)
        ? `${messageId}:${type}:${recipient}`
        : undefined;
    return ok({ id, type: type ?? "unknown", payload: event });
  },
};

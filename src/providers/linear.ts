/**
 * Linear: `Linear-Signature: <hex HMAC-SHA256(signing secret, body)>`; freshness comes from the signed
 * body's `webhookTimestamp` (milliseconds), 60 s tolerance as in `@linear/sdk`'s `LinearWebhookClient`.
 * Id: `Linear-Delivery`, else the body digest (body `webhookId` names the webhook, not the delivery).
 * Docs: https://linear.app/developers/webhooks#securing-webhooks
 */

import { readBody, stringField } from "../normalize/read-body";
import { hmacMatchesAny } from "../verify/hmac";
import { err, ok, verified } from "../verify/result";
import { decodeDigest } from "../verify/signature-header";
import { checkFreshness } from "../verify/timestamp";
import { type Provider, signedBody, utf8Secret } from "./provider";

const SIGNATURE = "linear-signature";
/** Not a header: the signed body field the freshness check reads. */
const TIMESTAMP_FIELD = "webhookTimestamp";

export const linear: Provider = {
  scheme: "linear-hmac-sha256",
  signed: ["body"],
  untrustedPaths: [
    "payload.data.title",
    "payload.data.description",
    "payload.data.body",
    "payload.updatedFrom.title",
    "payload.updatedFrom.description",
  ],
  defaultToleranceSeconds: 60,
  decodeSecret: utf8Secret,
  signedContent: signedBody,

  async verify({ request, secrets, nowSeconds, toleranceSeconds }) {
    const header = request.headers.get(SIGNATURE);
    if (header === null) return err({ reason: "missing_header", header: SIGNATURE });
    const signature = decodeDigest(header, "hex", 32);
    if (!signature) return err({ reason: "malformed_header", header: SIGNATURE });
    if (!(await hmacMatchesAny("SHA-256", secrets, request.body, [signature]))) {
      return err({ reason: "bad_signature" });
    }
    // Read only once the body is known to be Linear's.
    const payload = readBody(request.body).json();
    const milliseconds: unknown =
      typeof payload === "object" && payload ? Reflect.get(payload, TIMESTAMP_FIELD) : null;
    if (typeof milliseconds !== "number" || !Number.isFinite(milliseconds)) {
      return err({ reason: "malformed_header", header: TIMESTAMP_FIELD });
    }
    const fresh = checkFreshness(Math.floor(milliseconds / 1000), nowSeconds, toleranceSeconds);
    return fresh.ok ? verified : fresh;
  },

  identify(request, body) {
    const event = body.json();
    if (event === undefined) return err({ reason: "invalid_body", detail: "Linear events are JSON" });
    const type = stringField(event, "type") ?? "unknown";
    const action = stringField(event, "action");
    return ok({
      id: request.headers.get("linear-delivery") || undefined,
      type: action ? `${type}.${action}` : type,
      payload: event,
    });
  },
};

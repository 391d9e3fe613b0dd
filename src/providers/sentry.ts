/**
 * Sentry integrations: `Sentry-Hook-Signature: <hex HMAC-SHA256(client secret, body)>`. Its
 * `Sentry-Hook-Timestamp` is not signed, so it is not checked. Id: `Request-ID`; type:
 * `<Sentry-Hook-Resource>.<action>` (`issue.created`, `event_alert.triggered`).
 * Docs: https://docs.sentry.io/organization/integrations/integration-platform/webhooks/#verifying-the-signature
 */

import { defaultPayload, stringField } from "../normalize/read-body";
import { bodyHmacVerifier } from "../verify/body-hmac";
import { ok } from "../verify/result";
import { type Provider, signedBody, utf8Secret } from "./provider";

export const sentry: Provider = {
  scheme: "sentry-hmac-sha256",
  signed: ["body"],
  untrustedPaths: [
    "payload.data.issue.title",
    "payload.data.issue.culprit",
    "payload.data.issue.metadata.value",
    "payload.data.event.title",
    "payload.data.event.message",
    "payload.data.comment",
  ],
  decodeSecret: utf8Secret,
  signedContent: signedBody,

  verify: bodyHmacVerifier({ header: "sentry-hook-signature", hash: "SHA-256", encoding: "hex", prefix: "" }),

  identify(request, body) {
    const payload = defaultPayload(body);
    const resource = request.headers.get("sentry-hook-resource") || "unknown";
    const action = stringField(payload, "action");
    return ok({
      id: request.headers.get("request-id") || undefined,
      type: action ? `${resource}.${action}` : resource,
      payload,
    });
  },
};

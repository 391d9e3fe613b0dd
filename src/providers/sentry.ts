/**
 * Sentry integrations: `Sentry-Hook-Signature: <hex HMAC-SHA256(client secret, body)>`. Its
 * `Sentry-Hook-Timestamp` is not signed, so it is not checked. Id: `Request-ID`; type:
 * `<Sentry-Hook-Resource>.<action>` (`issue.created`, `event_alert.triggered`).
 * Docs: https://docs.sentry.io/organization/integrations/integration-platform/webhooks/#verifying-the-signature
 */

import { defaultPayload, stringField } from "../normalize/read-body";
import { hmacMatchesAny } from "../verify/hmac";
import { err, ok, verified } from "../verify/result";
import { decodeDigest } from "../verify/signature-header";
import { type Provider, utf8Secret } from "./provider";

const SIGNATURE = "sentry-hook-signature";

export const sentry: Provider = {
  scheme: "Sentry-Hook-Signature: <hex HMAC-SHA256 of body>",
  decodeSecret: utf8Secret,

  async verify({ request, secrets }) {
    const header = request.headers.get(SIGNATURE);
    if (header === null) return err({ reason: "missing_header", header: SIGNATURE });
    const signature = decodeDigest(header, "hex", 32);
    if (!signature) return err({ reason: "malformed_header", header: SIGNATURE });
    return (await hmacMatchesAny("SHA-256", secrets, request.body, [signature]))
      ? verified
      : err({ reason: "bad_signature" });
  },

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

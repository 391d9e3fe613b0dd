/**
 * Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`), also accepting Svix's
 * `svix-*` names, with a `whsec_` base64 secret and 300 s tolerance. The message id is the event id.
 */
import { stringField } from "../normalize/read-body";
import { err, ok } from "../verify/result";
import { decodeWhsecSecret, verifyStandardWebhook } from "../verify/standard-webhooks";
import type { Provider, SignedRequest } from "./provider";

const STANDARD = { id: "webhook-id", timestamp: "webhook-timestamp", signature: "webhook-signature" };
const SVIX = { id: "svix-id", timestamp: "svix-timestamp", signature: "svix-signature" };

/** Uses the Standard Webhooks header names when any is present, else Svix's. */
function headerNames(request: SignedRequest) {
  const h = request.headers;
  return h.has(STANDARD.id) || h.has(STANDARD.signature) || !h.has(SVIX.signature) ? STANDARD : SVIX;
}

export const standardWebhooks: Provider = {
  scheme: "Standard Webhooks: webhook-signature: v1,<base64 HMAC-SHA256 of `id.ts.body`>",
  defaultToleranceSeconds: 300,
  decodeSecret: decodeWhsecSecret,

  verify({ request, secrets, nowSeconds, toleranceSeconds }) {
    const names = headerNames(request);
    const headers = {
      id: request.headers.get(names.id),
      timestamp: request.headers.get(names.timestamp),
      signature: request.headers.get(names.signature),
    };
    return verifyStandardWebhook(headers, names, request.body, secrets, nowSeconds, toleranceSeconds);
  },

  identify(request, body) {
    const id = request.headers.get(headerNames(request).id);
    if (!id) return err({ reason: "missing_event_id", detail: "webhook-id header is required" });
    const payload = body.json();
    if (payload === undefined)
      return err({ reason: "invalid_body", detail: "Standard Webhooks payloads are JSON" });
    const type = stringField(payload, "type") ?? stringField(payload, "event_type") ?? "unknown";
    return ok({ id, type, payload });
  },
};

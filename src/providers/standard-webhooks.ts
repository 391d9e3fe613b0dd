/**
 * Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`) and Svix's `svix-*` twin, with a
 * `whsec_` base64 secret and 300 s tolerance. The message id is the event id. `standardWebhooksPreset` builds
 * the named presets (Clerk, Resend, OpenAI, …); `standardWebhooks` accepts both header families.
 * Docs: https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 */
import { stringField } from "../normalize/read-body";
import { err, ok } from "../verify/result";
import {
  decodeWhsecSecret,
  type StandardWebhookHeaderNames,
  verifyStandardWebhook,
} from "../verify/standard-webhooks";
import type { Provider, SignedRequest } from "./provider";

const STANDARD = { id: "webhook-id", timestamp: "webhook-timestamp", signature: "webhook-signature" };
const SVIX = { id: "svix-id", timestamp: "svix-timestamp", signature: "svix-signature" };

/** Which header family a sender uses; `either` picks `webhook-*` when any of them is present, else `svix-*`. */
export type StandardHeaderFamily = "webhook" | "svix" | "either";

export interface StandardWebhooksPresetOptions {
  readonly headers: StandardHeaderFamily;
  /** The event type, read from the verified JSON body. Defaults to `type`, then `event_type`; else "unknown". */
  readonly eventType?: (payload: unknown) => string | undefined;
}

function headerNames(family: StandardHeaderFamily, request: SignedRequest): StandardWebhookHeaderNames {
  if (family !== "either") return family === "svix" ? SVIX : STANDARD;
  const h = request.headers;
  return h.has(STANDARD.id) || h.has(STANDARD.signature) || !h.has(SVIX.signature) ? STANDARD : SVIX;
}

const typeOrEventType = (payload: unknown) =>
  stringField(payload, "type") ?? stringField(payload, "event_type");

/** A symmetric (`v1`, HMAC-SHA256) Standard Webhooks provider for one header family and body layout. */
export function standardWebhooksPreset({
  headers: family,
  eventType = typeOrEventType,
}: StandardWebhooksPresetOptions): Provider {
  return {
    scheme: "standard-webhooks-v1",
    signed: ["id", "timestamp", "body"],
    defaultToleranceSeconds: 300,
    decodeSecret: decodeWhsecSecret,

    verify({ request, secrets, nowSeconds, toleranceSeconds }) {
      const names = headerNames(family, request);
      const headers = {
        id: request.headers.get(names.id),
        timestamp: request.headers.get(names.timestamp),
        signature: request.headers.get(names.signature),
      };
      return verifyStandardWebhook(headers, names, request.body, secrets, nowSeconds, toleranceSeconds);
    },

    identify(request, body) {
      const { id: idHeader } = headerNames(family, request);
      const id = request.headers.get(idHeader);
      if (!id) return err({ reason: "missing_event_id", detail: `${idHeader} header is required` });
      const payload = body.json();
      if (payload === undefined)
        return err({ reason: "invalid_body", detail: "Standard Webhooks payloads are JSON" });
      return ok({ id, type: eventType(payload) ?? "unknown", payload });
    },
  };
}

/** The generic source: either header family, body `type` or `event_type`. */
export const standardWebhooks: Provider = {
  ...standardWebhooksPreset({ headers: "either" }),
  // The sender's own schema: nothing is known to be third-party text.
  untrustedPaths: [],
};

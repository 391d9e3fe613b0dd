/**
 * Standard Webhooks with asymmetric signatures: `webhook-signature: v1a,<base64 Ed25519 of `id.ts.body`>`,
 * checked with the sender's `whpk_<base64>` public key (bare base64 of the raw 32-byte key also works),
 * 300 s tolerance. Only `v1a` entries count; the message id is the event id.
 * Docs: https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#signature-scheme
 */
import { decodeWhpkPublicKey, verifyStandardWebhook } from "../verify/standard-webhooks";
import type { Provider } from "./provider";
import { standardWebhooks } from "./standard-webhooks";

const NAMES = { id: "webhook-id", timestamp: "webhook-timestamp", signature: "webhook-signature" };

export const standardWebhooksEd25519: Provider = {
  scheme: "standard-webhooks-v1a",
  signed: ["id", "timestamp", "body"],
  // The sender's own schema: nothing is known to be third-party text.
  untrustedPaths: [],
  keyKind: "publicKey",
  defaultToleranceSeconds: 300,
  decodeSecret: decodeWhpkPublicKey,

  verify({ request, secrets, nowSeconds, toleranceSeconds }) {
    const headers = {
      id: request.headers.get(NAMES.id),
      timestamp: request.headers.get(NAMES.timestamp),
      signature: request.headers.get(NAMES.signature),
    };
    return verifyStandardWebhook(headers, NAMES, request.body, secrets, nowSeconds, toleranceSeconds, "v1a");
  },

  // Same payload conventions as symmetric Standard Webhooks: `webhook-id` is the id, body `type` the type.
  identify: standardWebhooks.identify,
};

/**
 * Browserbase: Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256
 * of `id.ts.body`>`), keyed with the `whsec_…` secret returned when the webhook is created or rotated; after a
 * rotation the previous secret keeps signing for 24 hours, which `_PREVIOUS` covers. 300 s tolerance.
 * Id: the signed message id; type: body `type` (`functions.invocations.completed`).
 * Docs: https://docs.browserbase.com/platform/webhooks/verifying-deliveries
 */

import type { Provider } from "./provider";
import { standardWebhooksPreset } from "./standard-webhooks";

export const browserbase: Provider = {
  ...standardWebhooksPreset({ headers: "webhook" }),
  // Invocation events carry ids and status only.
  untrustedPaths: [],
};

/**
 * Svix, for any sender that delivers through it: `svix-id`, `svix-timestamp`, `svix-signature: v1,<base64
 * HMAC-SHA256 of `id.ts.body`>`, `whsec_` base64 secret, 300 s tolerance. Id: `svix-id`; the payload is the
 * sender's own, so the type is body `type`, else `event_type`, else "unknown".
 * Docs: https://docs.svix.com/receiving/verifying-payloads/how-manual
 */

import type { Provider } from "./provider";
import { standardWebhooksPreset } from "./standard-webhooks";

export const svix: Provider = {
  ...standardWebhooksPreset({ headers: "svix" }),
  // The sender's own schema: nothing is known to be third-party text.
  untrustedPaths: [],
};

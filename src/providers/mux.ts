/**
 * Mux: `Mux-Signature: t=<unix>,v1=<hex HMAC-SHA256("<t>.<body>")>[,v1=…]`, 300 s tolerance as in the SDK's
 * `webhooks.verifySignature`: Stripe's scheme and event shape. Entries of other schemes are ignored.
 * Id and type: body `id` and `type`.
 * Docs: https://www.mux.com/docs/core/verify-webhook-signatures
 */

import type { Provider } from "./provider";
import { stripeStylePreset } from "./stripe";

export const mux: Provider = {
  ...stripeStylePreset("mux-signature", "Mux"),
  untrustedPaths: ["payload.data.meta.title"],
};

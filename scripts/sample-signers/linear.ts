/** Linear: hex HMAC-SHA256 of the body (whose `webhookTimestamp` is the signed time), one delivery id per call. */
import { deliveryId, hmac, type SampleSigner } from "./sample-signer.ts";

export const linear: SampleSigner = {
  secretVar: "LINEAR_WEBHOOK_SECRET",
  sign: async (body, secret) => ({
    "linear-delivery": deliveryId(),
    "linear-signature": hmac("sha256", secret, body).digest("hex"),
  }),
};

/** Zendesk: base64 HMAC-SHA256 of `timestamp + body`, the timestamp in ISO 8601; one invocation id per call. */
import { deliveryId, hmac, type SampleSigner } from "./sample-signer.ts";

export const zendesk: SampleSigner = {
  secretVar: "ZENDESK_WEBHOOK_SECRET",
  sign: async (body, secret) => {
    const timestamp = `${new Date().toISOString().slice(0, 19)}Z`;
    return {
      "x-zendesk-webhook-invocation-id": deliveryId(),
      "x-zendesk-webhook-signature-timestamp": timestamp,
      "x-zendesk-webhook-signature": hmac("sha256", secret, timestamp + body).digest("base64"),
    };
  },
};

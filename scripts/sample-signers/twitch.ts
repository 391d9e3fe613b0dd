/** Twitch EventSub: `sha256=<hex HMAC-SHA256(message id + RFC 3339 timestamp + body)>`. */
import { deliveryId, hmac, type SampleSigner } from "./sample-signer.ts";

export const twitch: SampleSigner = {
  secretVar: "TWITCH_WEBHOOK_SECRET",
  sign: async (body, secret) => {
    const id = deliveryId();
    const timestamp = new Date().toISOString();
    return {
      "twitch-eventsub-message-id": id,
      "twitch-eventsub-message-timestamp": timestamp,
      "twitch-eventsub-message-signature": `sha256=${hmac("sha256", secret, id + timestamp + body).digest("hex")}`,
    };
  },
};

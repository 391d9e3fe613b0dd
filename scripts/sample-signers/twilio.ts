/**
 * Twilio: base64 HMAC-SHA1 of the URL + the form params sorted by name, made by the twilio SDK. Samples are
 * form-encoded, as Twilio's status callbacks are. Twilio also sends a per-delivery idempotency token.
 */
import { getExpectedTwilioSignature } from "twilio/lib/webhooks/webhooks.js";
import { deliveryId, requireUrl, type SampleSigner } from "./sample-signer.ts";

/** Form fields as the SDK takes them: a repeated field becomes an array. */
function formParams(body: string): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(body)) {
    const seen = params[name];
    params[name] = seen === undefined ? value : [seen, value].flat();
  }
  return params;
}

export const twilio: SampleSigner = {
  secretVar: "TWILIO_WEBHOOK_SECRET",
  sign: async (body, authToken, url) => ({
    "i-twilio-idempotency-token": deliveryId(),
    "x-twilio-signature": getExpectedTwilioSignature(authToken, requireUrl("twilio", url), formParams(body)),
  }),
};

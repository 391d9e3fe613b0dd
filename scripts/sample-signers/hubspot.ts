/** HubSpot v3: base64 HMAC-SHA256 of `method + url + body + timestamp` (ms), made by @hubspot/api-client. */
import { Signature } from "@hubspot/api-client/lib/src/utils/signature.js";
import { requireUrl, type SampleSigner } from "./sample-signer.ts";

export const hubspot: SampleSigner = {
  secretVar: "HUBSPOT_WEBHOOK_SECRET",
  sign: async (body, clientSecret, url) => {
    const timestamp = Date.now();
    const signature = Signature.getSignature("POST", "v3", {
      clientSecret,
      requestBody: body,
      url: requireUrl("hubspot", url),
      timestamp,
      signature: "",
    });
    return { "x-hubspot-request-timestamp": String(timestamp), "x-hubspot-signature-v3": signature };
  },
};

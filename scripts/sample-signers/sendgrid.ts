/** SendGrid Event Webhook: base64 DER ECDSA P-256/SHA-256 of `timestamp + body`, with the dev private key. */
import { sign } from "node:crypto";
import { pkcs8, type SampleSigner, unixSeconds } from "./sample-signer.ts";

export const sendgrid: SampleSigner = {
  secretVar: "SENDGRID_PUBLIC_KEY",
  signingKeyVar: "SENDGRID_DEV_SIGNING_KEY",
  sign: async (body, privateKey) => {
    const timestamp = String(unixSeconds());
    const signature = sign("sha256", Buffer.from(timestamp + body), {
      ...pkcs8(privateKey),
      dsaEncoding: "der",
    });
    return {
      "x-twilio-email-event-webhook-timestamp": timestamp,
      "x-twilio-email-event-webhook-signature": signature.toString("base64"),
    };
  },
};

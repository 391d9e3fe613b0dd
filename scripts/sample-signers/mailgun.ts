/**
 * Mailgun signs no header: the JSON body carries `signature: {timestamp, token, signature}`, the hex
 * HMAC-SHA256 of `timestamp + token`. `signBody` writes that object (first, as Mailgun does) into the sample.
 */
import { randomBytes } from "node:crypto";
import { hmac, type SampleSigner, unixSeconds } from "./sample-signer.ts";

export const mailgun: SampleSigner = {
  secretVar: "MAILGUN_WEBHOOK_SECRET",
  signBody(body, signingKey) {
    const { signature: _unsigned, ...event } = JSON.parse(body);
    const timestamp = String(unixSeconds());
    const token = randomBytes(25).toString("hex");
    const signature = hmac("sha256", signingKey, timestamp + token).digest("hex");
    return JSON.stringify({ signature: { timestamp, token, signature }, ...event });
  },
  sign: async () => ({}),
};

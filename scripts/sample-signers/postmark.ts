/** Postmark signs nothing: the webhook URL's `user:password` arrives as HTTP Basic credentials. */
import type { SampleSigner } from "./sample-signer.ts";

export const postmark: SampleSigner = {
  secretVar: "POSTMARK_WEBHOOK_SECRET",
  sign: async (_body, credentials) => ({
    authorization: `Basic ${Buffer.from(credentials).toString("base64")}`,
  }),
};

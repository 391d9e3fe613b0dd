/** Retell AI: `X-Retell-Signature: v=<ms>,d=<hex HMAC-SHA256(body + ms)>`, keyed with the API key (the SDK's recipe). */
import { hmac, type SampleSigner } from "./sample-signer.ts";

export const retell: SampleSigner = {
  secretVar: "RETELL_WEBHOOK_SECRET",
  sign: async (body, apiKey) => {
    const ms = Date.now();
    return { "x-retell-signature": `v=${ms},d=${hmac("sha256", apiKey, `${body}${ms}`).digest("hex")}` };
  },
};

/** Square: base64 HMAC-SHA256 of `notification URL + body` (the square SDK only verifies, so node:crypto signs). */
import { hmac, requireUrl, type SampleSigner } from "./sample-signer.ts";

export const square: SampleSigner = {
  secretVar: "SQUARE_WEBHOOK_SECRET",
  sign: async (body, signatureKey, url) => ({
    "x-square-hmacsha256-signature": hmac("sha256", signatureKey, requireUrl("square", url) + body).digest(
      "base64",
    ),
  }),
};

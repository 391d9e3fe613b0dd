/**
 * fal.ai: Ed25519 over `<request id>\n<user id>\n<timestamp>\n<hex SHA-256 of the body>`, hex in
 * X-Fal-Webhook-Signature, signed with a local dev key (fal's own private key is fal's): the gateway is
 * pointed at its public half in FAL_PUBLIC_KEY instead of fal's JWKS URL.
 */
import { createHash, randomUUID, sign } from "node:crypto";
import { pkcs8, type SampleSigner, unixSeconds } from "./sample-signer.ts";

export const fal: SampleSigner = {
  secretVar: "FAL_PUBLIC_KEY",
  signingKeyVar: "FAL_DEV_SIGNING_KEY",
  sign: async (body, privateKey) => {
    const requestId = randomUUID();
    const userId = "hookgate-dev";
    const timestamp = String(unixSeconds());
    const digest = createHash("sha256").update(body).digest("hex");
    const message = Buffer.from(`${requestId}\n${userId}\n${timestamp}\n${digest}`);
    return {
      "x-fal-webhook-request-id": requestId,
      "x-fal-webhook-user-id": userId,
      "x-fal-webhook-timestamp": timestamp,
      "x-fal-webhook-signature": sign(null, message, pkcs8(privateKey)).toString("hex"),
    };
  },
};

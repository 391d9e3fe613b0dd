/**
 * LiveKit: `Authorization: <JWT>`, HS256 with the API secret, carrying the base64 SHA-256 of the body in its
 * `sha256` claim and valid for 5 minutes, as LiveKit's webhook notifier issues it.
 */
import { createHash } from "node:crypto";
import { hmac, type SampleSigner, unixSeconds } from "./sample-signer.ts";

const base64url = (text: string) => Buffer.from(text).toString("base64url");

export const livekit: SampleSigner = {
  secretVar: "LIVEKIT_WEBHOOK_SECRET",
  sign: async (body, apiSecret) => {
    const now = unixSeconds();
    const claims = {
      iss: "APIhookgatedev",
      nbf: now,
      exp: now + 300,
      sha256: createHash("sha256").update(body).digest("base64"),
      video: {},
    };
    const unsigned = `${base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${base64url(JSON.stringify(claims))}`;
    return { authorization: `${unsigned}.${hmac("sha256", apiSecret, unsigned).digest("base64url")}` };
  },
};

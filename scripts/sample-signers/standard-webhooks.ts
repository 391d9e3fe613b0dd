/**
 * Standard Webhooks senders: `webhook-*` headers signed with the `standardwebhooks` SDK, `svix-*` headers
 * with the `svix` SDK (Clerk and Resend deliver through Svix), and `v1a` Ed25519 with node:crypto (no SDK
 * signs asymmetrically). The message id is the gateway's event id, so every call makes a fresh one.
 */
import { randomUUID, sign } from "node:crypto";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { Webhook as SvixWebhook } from "svix";
import { pkcs8, type SampleSigner } from "./sample-signer.ts";

export interface StandardWebhooksOptions {
  secretVar: string;
  headers: "webhook" | "svix";
  /** The provider's message-id prefix (`msg_` for Svix, `wh_` for OpenAI). */
  idPrefix?: string;
}

export function standardWebhooksSigner({ secretVar, headers, idPrefix = "msg_" }: StandardWebhooksOptions) {
  const signer: SampleSigner = {
    secretVar,
    sign: async (body, secret) => {
      const id = `${idPrefix}${randomUUID().replaceAll("-", "")}`;
      const now = new Date();
      const sdk = headers === "svix" ? new SvixWebhook(secret) : new StandardWebhook(secret);
      return {
        [`${headers}-id`]: id,
        [`${headers}-timestamp`]: String(Math.floor(now.getTime() / 1000)),
        [`${headers}-signature`]: sdk.sign(id, now, body),
      };
    },
  };
  return signer;
}

/** `v1a,<base64 Ed25519 of id.ts.body>`, signed with the PKCS#8 private key of the `whpk_` public key. */
export const standardEd25519Signer: SampleSigner = {
  secretVar: "STANDARD_ED25519_PUBLIC_KEY",
  signingKeyVar: "STANDARD_ED25519_DEV_SIGNING_KEY",
  sign: async (body, privateKey) => {
    const id = `msg_${randomUUID().replaceAll("-", "")}`;
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = sign(null, Buffer.from(`${id}.${timestamp}.${body}`), pkcs8(privateKey));
    return {
      "webhook-id": id,
      "webhook-timestamp": timestamp,
      "webhook-signature": `v1a,${signature.toString("base64")}`,
    };
  },
};

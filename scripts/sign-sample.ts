/**
 * Signs a sample body the way each provider does, for `npm run send`. Uses the providers' official SDKs
 * where they exist (stripe, standardwebhooks, @octokit/webhooks-methods) and the documented recipe otherwise.
 */
import { createHmac, randomUUID } from "node:crypto";
import { sign as signGithub } from "@octokit/webhooks-methods";
import { Webhook } from "standardwebhooks";
import Stripe from "stripe";

export type SampleSigner = (body: string, secret: string) => Promise<Record<string, string>>;

const hmac = (algorithm: string, secret: string, data: string) => createHmac(algorithm, secret).update(data);
const unix = () => Math.floor(Date.now() / 1000);

export const signers: Record<string, { secretVar: string; sign: SampleSigner }> = {
  github: {
    secretVar: "GITHUB_WEBHOOK_SECRET",
    sign: async (body, secret) => ({
      "x-github-delivery": randomUUID(),
      "x-hub-signature-256": await signGithub(secret, body),
    }),
  },
  stripe: {
    secretVar: "STRIPE_WEBHOOK_SECRET",
    sign: async (body, secret) => ({
      "stripe-signature": new Stripe("sk_test_unused").webhooks.generateTestHeaderString({
        payload: body,
        secret,
      }),
    }),
  },
  slack: {
    secretVar: "SLACK_SIGNING_SECRET",
    sign: async (body, secret) => {
      const ts = unix();
      return {
        "x-slack-request-timestamp": String(ts),
        "x-slack-signature": `v0=${hmac("sha256", secret, `v0:${ts}:${body}`).digest("hex")}`,
      };
    },
  },
  shopify: {
    secretVar: "SHOPIFY_WEBHOOK_SECRET",
    sign: async (body, secret) => ({
      "x-shopify-webhook-id": randomUUID(),
      "x-shopify-hmac-sha256": hmac("sha256", secret, body).digest("base64"),
    }),
  },
  standard: {
    secretVar: "STANDARD_WEBHOOK_SECRET",
    sign: async (body, secret) => {
      const id = `msg_${randomUUID()}`;
      const now = new Date();
      return {
        "webhook-id": id,
        "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
        "webhook-signature": new Webhook(secret).sign(id, now, body),
      };
    },
  },
  generic: {
    secretVar: "GENERIC_WEBHOOK_SECRET",
    sign: async (body, secret) => ({
      "x-webhook-signature": `sha256=${hmac("sha256", secret, body).digest("hex")}`,
    }),
  },
};

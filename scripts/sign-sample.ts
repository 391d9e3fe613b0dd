/**
 * Signs a sample body the way each provider does, for `npm run send` (and the test that proves every sample
 * is accepted). One signer per source: the provider's official SDK where it can sign (stripe,
 * standardwebhooks, svix, @octokit/webhooks-methods, twilio, @hubspot/api-client), node:crypto and the
 * documented recipe otherwise. Shared schemes live in ./sample-signers/, like the verifiers in src/verify/.
 */
import { randomUUID } from "node:crypto";
import { sign as signGithub } from "@octokit/webhooks-methods";
import Stripe from "stripe";
import { bodyHmacSigner } from "./sample-signers/body-hmac.ts";
import { discord } from "./sample-signers/discord.ts";
import { fal } from "./sample-signers/fal.ts";
import { gitlab } from "./sample-signers/gitlab.ts";
import { hubspot } from "./sample-signers/hubspot.ts";
import { linear } from "./sample-signers/linear.ts";
import { livekit } from "./sample-signers/livekit.ts";
import { mailgun } from "./sample-signers/mailgun.ts";
import { postmark } from "./sample-signers/postmark.ts";
import { retell } from "./sample-signers/retell.ts";
import type { SampleSigner } from "./sample-signers/sample-signer.ts";
import { sendgrid } from "./sample-signers/sendgrid.ts";
import { signatureListSigner } from "./sample-signers/signature-list.ts";
import { square } from "./sample-signers/square.ts";
import { standardEd25519Signer, standardWebhooksSigner } from "./sample-signers/standard-webhooks.ts";
import { twilio } from "./sample-signers/twilio.ts";
import { twitch } from "./sample-signers/twitch.ts";
import { v0Signer } from "./sample-signers/v0-timestamp-hmac.ts";
import { zendesk } from "./sample-signers/zendesk.ts";

export type { SampleSigner } from "./sample-signers/sample-signer.ts";

const hubSignature = (secretVar: string, idHeaders: string[] = []) =>
  bodyHmacSigner({
    secretVar,
    header: "x-hub-signature",
    algorithm: "sha256",
    encoding: "hex",
    prefix: "sha256=",
    idHeaders,
  });

/** Every signed source by name (all presets but `unsigned`). */
export const signers: Record<string, SampleSigner> = {
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
      "stripe-signature": await new Stripe("sk_test_unused").webhooks.generateTestHeaderStringAsync({
        payload: body,
        secret,
      }),
    }),
  },
  slack: v0Signer("SLACK_SIGNING_SECRET", "x-slack-signature", "x-slack-request-timestamp"),
  shopify: bodyHmacSigner({
    secretVar: "SHOPIFY_WEBHOOK_SECRET",
    header: "x-shopify-hmac-sha256",
    algorithm: "sha256",
    encoding: "base64",
    idHeaders: ["x-shopify-webhook-id"],
  }),
  standard: standardWebhooksSigner({ secretVar: "STANDARD_WEBHOOK_SECRET", headers: "webhook" }),
  generic: bodyHmacSigner({
    secretVar: "GENERIC_WEBHOOK_SECRET",
    header: "x-webhook-signature",
    algorithm: "sha256",
    encoding: "hex",
    prefix: "sha256=",
  }),
  "standard-ed25519": standardEd25519Signer,
  discord,
  twitch,
  zoom: v0Signer("ZOOM_WEBHOOK_SECRET", "x-zm-signature", "x-zm-request-timestamp"),
  sendgrid,
  twilio,
  clerk: standardWebhooksSigner({ secretVar: "CLERK_WEBHOOK_SECRET", headers: "svix" }),
  resend: standardWebhooksSigner({ secretVar: "RESEND_WEBHOOK_SECRET", headers: "svix" }),
  svix: standardWebhooksSigner({ secretVar: "SVIX_WEBHOOK_SECRET", headers: "svix" }),
  replicate: standardWebhooksSigner({ secretVar: "REPLICATE_WEBHOOK_SECRET", headers: "webhook" }),
  openai: standardWebhooksSigner({ secretVar: "OPENAI_WEBHOOK_SECRET", headers: "webhook", idPrefix: "wh_" }),
  polar: standardWebhooksSigner({ secretVar: "POLAR_WEBHOOK_SECRET", headers: "webhook" }),
  lemonsqueezy: bodyHmacSigner({
    secretVar: "LEMONSQUEEZY_WEBHOOK_SECRET",
    header: "x-signature",
    algorithm: "sha256",
    encoding: "hex",
  }),
  postmark,
  jira: hubSignature("JIRA_WEBHOOK_SECRET", ["x-atlassian-webhook-identifier"]),
  workos: signatureListSigner({
    secretVar: "WORKOS_WEBHOOK_SECRET",
    header: "workos-signature",
    format: (t, signature) => `t=${t}, v1=${signature}`,
    joiner: ".",
    unit: "ms",
  }),
  mux: signatureListSigner({
    secretVar: "MUX_WEBHOOK_SECRET",
    header: "mux-signature",
    format: (t, signature) => `t=${t},v1=${signature}`,
    joiner: ".",
  }),
  mailgun,
  hubspot,
  square,
  paddle: signatureListSigner({
    secretVar: "PADDLE_WEBHOOK_SECRET",
    header: "paddle-signature",
    format: (ts, signature) => `ts=${ts};h1=${signature}`,
    joiner: ":",
  }),
  linear,
  intercom: bodyHmacSigner({
    secretVar: "INTERCOM_WEBHOOK_SECRET",
    header: "x-hub-signature",
    algorithm: "sha1",
    encoding: "hex",
    prefix: "sha1=",
  }),
  pagerduty: bodyHmacSigner({
    secretVar: "PAGERDUTY_WEBHOOK_SECRET",
    header: "x-pagerduty-signature",
    algorithm: "sha256",
    encoding: "hex",
    prefix: "v1=",
  }),
  typeform: bodyHmacSigner({
    secretVar: "TYPEFORM_WEBHOOK_SECRET",
    header: "typeform-signature",
    algorithm: "sha256",
    encoding: "base64",
    prefix: "sha256=",
  }),
  gitlab,
  bitbucket: hubSignature("BITBUCKET_WEBHOOK_SECRET", ["x-request-uuid"]),
  vercel: bodyHmacSigner({
    secretVar: "VERCEL_WEBHOOK_SECRET",
    header: "x-vercel-signature",
    algorithm: "sha1",
    encoding: "hex",
  }),
  calendly: signatureListSigner({
    secretVar: "CALENDLY_WEBHOOK_SECRET",
    header: "calendly-webhook-signature",
    format: (t, signature) => `t=${t},v1=${signature}`,
    joiner: ".",
  }),
  sentry: bodyHmacSigner({
    secretVar: "SENTRY_WEBHOOK_SECRET",
    header: "sentry-hook-signature",
    algorithm: "sha256",
    encoding: "hex",
    idHeaders: ["request-id"],
  }),
  notion: bodyHmacSigner({
    secretVar: "NOTION_WEBHOOK_SECRET",
    header: "x-notion-signature",
    algorithm: "sha256",
    encoding: "hex",
    prefix: "sha256=",
  }),
  zendesk,
  elevenlabs: signatureListSigner({
    secretVar: "ELEVENLABS_WEBHOOK_SECRET",
    header: "elevenlabs-signature",
    format: (t, signature) => `t=${t},v0=${signature}`,
    joiner: ".",
  }),
  retell,
  firecrawl: bodyHmacSigner({
    secretVar: "FIRECRAWL_WEBHOOK_SECRET",
    header: "x-firecrawl-signature",
    algorithm: "sha256",
    encoding: "hex",
    prefix: "sha256=",
  }),
  recall: standardWebhooksSigner({ secretVar: "RECALL_WEBHOOK_SECRET", headers: "webhook" }),
  browserbase: standardWebhooksSigner({ secretVar: "BROWSERBASE_WEBHOOK_SECRET", headers: "webhook" }),
  livekit,
  fal,
};

/** Every provider preset by name. Adding a provider: one file in this folder, one line here, one test. */
import { bitbucket } from "./bitbucket";
import { browserbase } from "./browserbase";
import { calendly } from "./calendly";
import { clerk } from "./clerk";
import { discord } from "./discord";
import { elevenlabs } from "./elevenlabs";
import { fal } from "./fal";
import { firecrawl } from "./firecrawl";
import { generic } from "./generic";
import { github } from "./github";
import { gitlab } from "./gitlab";
import { hubspot } from "./hubspot";
import { intercom } from "./intercom";
import { jira } from "./jira";
import { lemonsqueezy } from "./lemonsqueezy";
import { linear } from "./linear";
import { livekit } from "./livekit";
import { mailgun } from "./mailgun";
import { mux } from "./mux";
import { notion } from "./notion";
import { openai } from "./openai";
import { paddle } from "./paddle";
import { pagerduty } from "./pagerduty";
import { polar } from "./polar";
import { postmark } from "./postmark";
import type { Provider } from "./provider";
import { recall } from "./recall";
import { replicate } from "./replicate";
import { resend } from "./resend";
import { retell } from "./retell";
import { sendgrid } from "./sendgrid";
import { sentry } from "./sentry";
import { shopify } from "./shopify";
import { slack } from "./slack";
import { square } from "./square";
import { standardWebhooks } from "./standard-webhooks";
import { standardWebhooksEd25519 } from "./standard-webhooks-ed25519";
import { stripe } from "./stripe";
import { svix } from "./svix";
import { twilio } from "./twilio";
import { twitch } from "./twitch";
import { typeform } from "./typeform";
import { unsigned } from "./unsigned";
import { vercel } from "./vercel";
import { workos } from "./workos";
import { zendesk } from "./zendesk";
import { zoom } from "./zoom";

export const providers = {
  github,
  stripe,
  slack,
  shopify,
  standard: standardWebhooks,
  generic,
  "standard-ed25519": standardWebhooksEd25519,
  discord,
  twitch,
  zoom,
  sendgrid,
  twilio,
  clerk,
  resend,
  svix,
  replicate,
  openai,
  polar,
  lemonsqueezy,
  postmark,
  jira,
  workos,
  mux,
  mailgun,
  hubspot,
  square,
  paddle,
  linear,
  intercom,
  pagerduty,
  typeform,
  gitlab,
  bitbucket,
  vercel,
  calendly,
  sentry,
  notion,
  zendesk,
  elevenlabs,
  retell,
  firecrawl,
  recall,
  browserbase,
  livekit,
  fal,
  unsigned,
} as const satisfies Record<string, Provider>;

export type ProviderName = keyof typeof providers;
export const providerNames = Object.keys(providers) as [ProviderName, ...ProviderName[]];

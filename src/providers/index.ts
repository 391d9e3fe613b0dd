/** Every provider preset by name. Adding a provider: one file in this folder, one line here, one test. */
import { clerk } from "./clerk";
import { discord } from "./discord";
import { generic } from "./generic";
import { github } from "./github";
import { jira } from "./jira";
import { lemonsqueezy } from "./lemonsqueezy";
import { mux } from "./mux";
import { openai } from "./openai";
import { polar } from "./polar";
import { postmark } from "./postmark";
import type { Provider } from "./provider";
import { replicate } from "./replicate";
import { resend } from "./resend";
import { sendgrid } from "./sendgrid";
import { shopify } from "./shopify";
import { slack } from "./slack";
import { standardWebhooks } from "./standard-webhooks";
import { standardWebhooksEd25519 } from "./standard-webhooks-ed25519";
import { stripe } from "./stripe";
import { svix } from "./svix";
import { twilio } from "./twilio";
import { twitch } from "./twitch";
import { unsigned } from "./unsigned";
import { workos } from "./workos";
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
  unsigned,
} as const satisfies Record<string, Provider>;

export type ProviderName = keyof typeof providers;
export const providerNames = Object.keys(providers) as [ProviderName, ...ProviderName[]];

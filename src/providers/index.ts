/** Every provider preset by name. Adding a provider: one file in this folder, one line here, one test. */
import { discord } from "./discord";
import { generic } from "./generic";
import { github } from "./github";
import type { Provider } from "./provider";
import { sendgrid } from "./sendgrid";
import { shopify } from "./shopify";
import { slack } from "./slack";
import { standardWebhooks } from "./standard-webhooks";
import { standardWebhooksEd25519 } from "./standard-webhooks-ed25519";
import { stripe } from "./stripe";
import { twilio } from "./twilio";
import { twitch } from "./twitch";
import { unsigned } from "./unsigned";
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
  unsigned,
} as const satisfies Record<string, Provider>;

export type ProviderName = keyof typeof providers;
export const providerNames = Object.keys(providers) as [ProviderName, ...ProviderName[]];

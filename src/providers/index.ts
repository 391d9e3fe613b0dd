/** Every provider preset by name. Adding a provider: one file in this folder, one line here, one test. */
import { generic } from "./generic";
import { github } from "./github";
import type { Provider } from "./provider";
import { shopify } from "./shopify";
import { slack } from "./slack";
import { standardWebhooks } from "./standard-webhooks";
import { stripe } from "./stripe";
import { unsigned } from "./unsigned";

export const providers = {
  github,
  stripe,
  slack,
  shopify,
  standard: standardWebhooks,
  generic,
  unsigned,
} as const satisfies Record<string, Provider>;

export type ProviderName = keyof typeof providers;
export const providerNames = Object.keys(providers) as [ProviderName, ...ProviderName[]];

/**
 * The sources this gateway accepts, by URL name (`POST /webhooks/<name>`).
 *
 * Every provider preset is a source under its own name, reading `<NAME>_WEBHOOK_SECRET` (or
 * `<NAME>_PUBLIC_KEY` for key-pair schemes); the six core sources keep their historical variables.
 * A source is enabled only while its variable is set (fail closed), and `<VARIABLE>_PREVIOUS` holds the
 * previous secret or key during a rotation.
 *
 * Add your own below, for example a second GitHub app with its own secret and GitHub's published IPs:
 *
 * ```ts
 * { name: "github-ops", provider: "github", secretVar: "GITHUB_OPS_WEBHOOK_SECRET", allowedIps: ["@github-hooks"] },
 * ```
 */
import { providerNames } from "../providers";
import { defineSources } from "./define-sources";

const core = [
  { name: "github", provider: "github", secretVar: "GITHUB_WEBHOOK_SECRET" },
  { name: "stripe", provider: "stripe", secretVar: "STRIPE_WEBHOOK_SECRET" },
  { name: "slack", provider: "slack", secretVar: "SLACK_SIGNING_SECRET" },
  { name: "shopify", provider: "shopify", secretVar: "SHOPIFY_WEBHOOK_SECRET" },
  { name: "standard", provider: "standard", secretVar: "STANDARD_WEBHOOK_SECRET" },
  { name: "generic", provider: "generic", secretVar: "GENERIC_WEBHOOK_SECRET" },
] as const;

const presets = providerNames
  .filter((provider) => provider !== "unsigned" && !core.some((source) => source.provider === provider))
  .map((provider) => ({ name: provider, provider }));

export const sources = defineSources([
  ...core,
  ...presets,
  // Your own sources go here.
]);

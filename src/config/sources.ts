/**
 * The sources this gateway accepts, by URL name (`POST /webhooks/<name>`). Edit this list to add a source,
 * for example a second GitHub app with its own secret:
 *
 * ```ts
 * { name: "github-ops", provider: "github", secretVar: "GITHUB_OPS_WEBHOOK_SECRET" },
 * ```
 *
 * A source is enabled only while its secret variable is set (fail closed). `<secretVar>_PREVIOUS`
 * holds the previous secret during a rotation.
 */
import { defineSources } from "./define-sources";

export const sources = defineSources([
  { name: "github", provider: "github", secretVar: "GITHUB_WEBHOOK_SECRET" },
  { name: "stripe", provider: "stripe", secretVar: "STRIPE_WEBHOOK_SECRET" },
  { name: "slack", provider: "slack", secretVar: "SLACK_SIGNING_SECRET" },
  { name: "shopify", provider: "shopify", secretVar: "SHOPIFY_WEBHOOK_SECRET" },
  { name: "standard", provider: "standard", secretVar: "STANDARD_WEBHOOK_SECRET" },
  { name: "generic", provider: "generic", secretVar: "GENERIC_WEBHOOK_SECRET" },
]);

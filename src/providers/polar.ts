/**
 * Polar: Standard Webhooks headers (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64
 * HMAC-SHA256 of `id.ts.body`>`), 300 s tolerance. Secrets made before 8 September 2026 key the HMAC with the
 * UTF-8 bytes of the whole secret (as the SDK's `validateEvent` does); newer `whsec_` ones with the spec's
 * base64-decoded key (polarsource/polar#14117), so both keys of every configured secret are tried.
 * Id: `webhook-id`; type: body `type` (`order.paid`).
 * Docs: https://docs.polar.sh/integrate/webhooks/delivery
 */
import { stringField } from "../normalize/read-body";
import type { SecretBytes } from "../verify/hmac";
import { decodeWhsecSecret } from "../verify/standard-webhooks";
import { type Provider, utf8Secret } from "./provider";
import { standardWebhooksPreset } from "./standard-webhooks";

const utf8Text = new TextDecoder();

/** The spec's key when the secret reads `whsec_<base64>`, then Polar's legacy key: the secret's own bytes. */
function signingKeys(secret: SecretBytes): SecretBytes[] {
  const text = utf8Text.decode(secret);
  const standard = text.startsWith("whsec_") ? decodeWhsecSecret(text) : null;
  return standard ? [standard, secret] : [secret];
}

const standard = standardWebhooksPreset({
  headers: "webhook",
  eventType: (event) => stringField(event, "type"),
});

export const polar: Provider = {
  untrustedPaths: ["payload.data.customer.name", "payload.data.custom_field_data"],
  ...standard,
  decodeSecret: utf8Secret,
  verify: (input) => standard.verify({ ...input, secrets: input.secrets.flatMap(signingKeys) }),
};

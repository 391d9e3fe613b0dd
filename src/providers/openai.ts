/**
 * OpenAI: Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of
 * `id.ts.body`>`), `whsec_` base64 secret, 300 s tolerance as in the SDK's `webhooks.unwrap`.
 * Id: `webhook-id`; type: body `type` (`response.completed`).
 * Docs: https://platform.openai.com/docs/guides/webhooks
 */
import { stringField } from "../normalize/read-body";
import type { Provider } from "./provider";
import { standardWebhooksPreset } from "./standard-webhooks";

export const openai: Provider = {
  ...standardWebhooksPreset({
    headers: "webhook",
    eventType: (event) => stringField(event, "type"),
  }),
  // Events carry ids only: the response text is fetched from the API.
  untrustedPaths: [],
};

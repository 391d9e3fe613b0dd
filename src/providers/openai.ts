/**
 * OpenAI: Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of
 * `id.ts.body`>`), `whsec_` base64 secret, 300 s tolerance as in the SDK's `webhooks.unwrap`.
 * Id: `webhook-id`; type: body `type` (`response.completed`).
 * Docs: https://platform.openai.com/docs/guides/webhooks
 */
import { stringField } from "../normalize/read-body";
import { standardWebhooksPreset } from "./standard-webhooks";

export const openai = standardWebhooksPreset({
  headers: "webhook",
  eventType: (event) => stringField(event, "type"),
});

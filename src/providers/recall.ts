/**
 * Recall.ai (meeting bots): Standard Webhooks, `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64
 * HMAC-SHA256 of `id.ts.body`>` keyed with the workspace verification secret (`whsec_…`, Developers → API Keys).
 * Workspaces created before Recall's single-secret change still get bot-status webhooks from Svix under
 * `svix-*` headers, so both families are accepted. 300 s tolerance. Id: the signed message id; type: body
 * `event` (`bot.done`, `transcript.done`).
 * Docs: https://docs.recall.ai/docs/authenticating-requests-from-recallai
 */
import { stringField } from "../normalize/read-body";
import type { Provider } from "./provider";
import { standardWebhooksPreset } from "./standard-webhooks";

export const recall: Provider = {
  ...standardWebhooksPreset({
    headers: "either",
    eventType: (event) => stringField(event, "event"),
  }),
  untrustedPaths: ["payload.data.data.words[].text"],
};

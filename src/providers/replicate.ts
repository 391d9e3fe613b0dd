/**
 * Replicate: Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256
 * of `id.ts.body`>`), `whsec_` base64 secret from `GET /v1/webhooks/default/secret`, 300 s tolerance.
 * The body is the prediction itself, so the type is `prediction.<status>` (`prediction.succeeded`); each
 * delivery (start, output, logs, completed) has its own `webhook-id`, which is the event id.
 * Docs: https://replicate.com/docs/topics/webhooks/verify-webhook
 */
import { stringField } from "../normalize/read-body";
import type { Provider } from "./provider";
import { standardWebhooksPreset } from "./standard-webhooks";

export const replicate: Provider = {
  ...standardWebhooksPreset({
    headers: "webhook",
    eventType: (prediction) => {
      const status = stringField(prediction, "status");
      return status && `prediction.${status}`;
    },
  }),
  // Prompts are often written by your end users, and outputs can repeat them.
  untrustedPaths: ["payload.input", "payload.output"],
};

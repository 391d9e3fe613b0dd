/**
 * Resend: Svix-signed webhooks (`svix-id`, `svix-timestamp`, `svix-signature: v1,<base64 HMAC-SHA256 of
 * `id.ts.body`>`), `whsec_` base64 secret, 300 s tolerance. Id: `svix-id`; type: body `type` (`email.delivered`).
 * Docs: https://resend.com/docs/webhooks/verify-webhooks-requests
 */
import { stringField } from "../normalize/read-body";
import type { Provider } from "./provider";
import { standardWebhooksPreset } from "./standard-webhooks";

export const resend: Provider = {
  ...standardWebhooksPreset({
    headers: "svix",
    eventType: (event) => stringField(event, "type"),
  }),
  untrustedPaths: ["payload.data.subject"],
};

/**
 * Clerk: Svix-signed webhooks (`svix-id`, `svix-timestamp`, `svix-signature: v1,<base64 HMAC-SHA256 of
 * `id.ts.body`>`), `whsec_` base64 secret, 300 s tolerance. Id: `svix-id`; type: body `type` (`user.created`).
 * Docs: https://clerk.com/docs/references/backend/verify-webhook
 */
import { stringField } from "../normalize/read-body";
import type { Provider } from "./provider";
import { standardWebhooksPreset } from "./standard-webhooks";

export const clerk: Provider = {
  ...standardWebhooksPreset({
    headers: "svix",
    eventType: (event) => stringField(event, "type"),
  }),
  untrustedPaths: [
    "payload.data.first_name",
    "payload.data.last_name",
    "payload.data.username",
    "payload.data.unsafe_metadata",
  ],
};

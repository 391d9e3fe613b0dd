/** GitLab sends the secret token itself, plus per-delivery ids (`Idempotency-Key` is the same on retries). */
import { deliveryId, type SampleSigner } from "./sample-signer.ts";

export const gitlab: SampleSigner = {
  secretVar: "GITLAB_WEBHOOK_SECRET",
  sign: async (_body, token) => {
    const id = deliveryId();
    return {
      "idempotency-key": id,
      "x-gitlab-webhook-uuid": id,
      "x-gitlab-event-uuid": deliveryId(),
      "x-gitlab-token": token,
    };
  },
};
